/**
 * Expressions by name: presets (smile, frown, ...), weights given by ARKit or ICT names (as a
 * weights file or params.json gives them), and the clip the animated GLB plays.
 */
import { arkit52Sources, arkitName } from './arkit.js';
import type { ExpressionClip } from './glb.js';

/**
 * Named expressions, as ARKit weights (browInnerUp and cheekPuff set both of ICT's halves). Chosen by
 * eye on the ICT model: strong enough to read at a glance, short of the shapes' extremes.
 */
export const EXPRESSION_PRESETS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  neutral: {},
  smile: {
    mouthSmileLeft: 0.85, mouthSmileRight: 0.85, cheekSquintLeft: 0.5, cheekSquintRight: 0.5,
    eyeSquintLeft: 0.3, eyeSquintRight: 0.3, mouthUpperUpLeft: 0.15, mouthUpperUpRight: 0.15,
  },
  frown: {
    browDownLeft: 0.9, browDownRight: 0.9, mouthFrownLeft: 0.7, mouthFrownRight: 0.7, mouthPressLeft: 0.3, mouthPressRight: 0.3,
    noseSneerLeft: 0.3, noseSneerRight: 0.3, eyeSquintLeft: 0.2, eyeSquintRight: 0.2, mouthShrugLower: 0.3,
  },
  surprise: {
    browInnerUp: 0.9, browOuterUpLeft: 0.8, browOuterUpRight: 0.8, eyeWideLeft: 0.7, eyeWideRight: 0.7, jawOpen: 0.45, mouthFunnel: 0.2,
  },
  sad: { browInnerUp: 0.8, mouthFrownLeft: 0.6, mouthFrownRight: 0.6, mouthShrugLower: 0.4, eyeSquintLeft: 0.1, eyeSquintRight: 0.1 },
  blink: { eyeBlinkLeft: 1, eyeBlinkRight: 1 },
  pucker: { mouthPucker: 0.9, mouthFunnel: 0.2 },
  open: { jawOpen: 0.6, mouthLowerDownLeft: 0.2, mouthLowerDownRight: 0.2 },
};

/**
 * The model's expression weights from weights by name: ICT names as params.json writes them
 * (mouthSmile_L), their ARKit names (mouthSmileLeft), or ARKit's unsplit browInnerUp and cheekPuff
 * (both halves); unnamed expressions are 0. ARKit's tongueOut has no ICT shape and is ignored. A
 * params.json (an object with an `expression` object) gives its expression. Throws on an unknown
 * name or a weight outside [0, 1], naming it.
 */
export function expressionFromNames(expressionNames: readonly string[], weights: unknown): Float32Array {
  const record = isRecord(weights) && isRecord(weights.expression) ? weights.expression : weights;
  if (!isRecord(record)) throw new Error('weights must be a JSON object of expression names and weights (or a params.json)');
  const out = new Float32Array(expressionNames.length);
  for (const [name, value] of Object.entries(record)) {
    if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw new Error(`weight of "${name}" must be a number in [0, 1] (got ${JSON.stringify(value)})`);
    if (name === 'tongueOut') continue;
    const own = expressionNames.findIndex((ict) => ict === name || arkitName(ict) === name);
    const targets = own >= 0 ? [own] : arkit52Sources(expressionNames).find((g) => g.name === name)?.sources ?? [];
    if (targets.length === 0) {
      throw new Error(`unknown expression "${name}" (ARKit names such as jawOpen or mouthSmileLeft, or ICT names as params.json writes them, such as mouthSmile_L)`);
    }
    for (const k of targets) out[k] = value;
  }
  return out;
}

/** A preset's weights for the model, or undefined for a name that is not a preset. */
export function presetExpression(expressionNames: readonly string[], name: string): Float32Array | undefined {
  return Object.hasOwn(EXPRESSION_PRESETS, name) ? expressionFromNames(expressionNames, EXPRESSION_PRESETS[name]) : undefined;
}

/** The expressions the clip cycles through, each held between neutral keyframes. */
export const CLIP_EXPRESSIONS = ['smile', 'surprise', 'frown', 'open', 'blink'] as const;
/** Seconds from one keyframe to the next. */
const CLIP_STEP_S = 0.6;

/**
 * A loop that starts and ends at `start` (the head's own expression) and goes through each of
 * CLIP_EXPRESSIONS and back to neutral: start, smile, neutral, surprise, neutral, ..., start.
 */
export function expressionClip(expressionNames: readonly string[], start: ArrayLike<number>): ExpressionClip {
  const neutral = new Float32Array(expressionNames.length);
  const weights: ArrayLike<number>[] = [Float32Array.from(start)];
  for (const [i, name] of CLIP_EXPRESSIONS.entries()) {
    weights.push(presetExpression(expressionNames, name)!);
    weights.push(i === CLIP_EXPRESSIONS.length - 1 ? Float32Array.from(start) : neutral);
  }
  return { name: 'expressions', times: weights.map((_, i) => i * CLIP_STEP_S), weights };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
