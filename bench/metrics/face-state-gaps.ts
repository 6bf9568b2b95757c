/**
 * Mouth and eye states of a fitted mesh: the inner-lip gap and each eyelid gap (mm), measured at
 * the model's 68 Multi-PIE landmark vertices, and the thresholds that turn them into open/closed.
 */
import type { MorphableModel } from '../../src/model/types.js';
import { instantiate } from '../../src/model/instance.js';

/** 68-landmark pairs (upper, lower). Inner lips: 61/67, 62/66, 63/65. Eyes: 37/41, 38/40 (subject's right), 43/47, 44/46 (left). */
const INNER_LIP_PAIRS = [[61, 67], [62, 66], [63, 65]] as const;
const RIGHT_EYELID_PAIRS = [[37, 41], [38, 40]] as const;
const LEFT_EYELID_PAIRS = [[43, 47], [44, 46]] as const;

export interface FaceStateGaps {
  lipMm: number;
  /** Subject's right and left eye. */
  eyeRightMm: number;
  eyeLeftMm: number;
}

/** Mean 3D distance (mm) between the upper and lower landmark vertices of each gap on a mesh in model units. */
export function faceStateGaps(model: MorphableModel, positions: Float32Array): FaceStateGaps {
  const L = model.landmarks68;
  const gap = (pairs: readonly (readonly [number, number])[]) => pairs.reduce((sum, [a, b]) => {
    const va = 3 * L[a], vb = 3 * L[b];
    return sum + Math.hypot(positions[va] - positions[vb], positions[va + 1] - positions[vb + 1], positions[va + 2] - positions[vb + 2]);
  }, 0) / pairs.length * model.unitsToMillimetres;
  return { lipMm: gap(INNER_LIP_PAIRS), eyeRightMm: gap(RIGHT_EYELID_PAIRS), eyeLeftMm: gap(LEFT_EYELID_PAIRS) };
}

export interface FaceStateThresholds {
  /** Mouth open (teeth can show) above this inner-lip gap. */
  mouthOpenMm: number;
  /** Eye closed or lowered over the iris below this eyelid gap. */
  eyeClosedMm: number;
  /** How they were set, for the report. */
  why: string;
}

/**
 * Thresholds fixed a priori from the model, never from the photos. Eyes: halfway between the
 * mean face's open eye (neutral) and its closed eye (full eyeBlink), so a lid lowered past the
 * middle of the iris counts as closed. Mouth: the neutral mean face's inner lips are about 1 mm
 * apart; upper incisors show between lips parted by about their vermilion thickness, so 3 mm
 * (2 mm beyond rest) is where a mouth starts to show teeth.
 */
export function faceStateThresholds(model: MorphableModel): FaceStateThresholds {
  const zero = new Float32Array(model.identityCount);
  const neutral = faceStateGaps(model, instantiate(model, { identity: zero, expression: new Float32Array(model.expressionNames.length) }));
  const blink = new Float32Array(model.expressionNames.length);
  for (const name of ['eyeBlink_L', 'eyeBlink_R']) blink[model.expressionNames.indexOf(name)] = 1;
  const closed = faceStateGaps(model, instantiate(model, { identity: zero, expression: blink }));
  const open = (neutral.eyeLeftMm + neutral.eyeRightMm) / 2, shut = (closed.eyeLeftMm + closed.eyeRightMm) / 2;
  const eyeClosedMm = (open + shut) / 2;
  const mouthOpenMm = neutral.lipMm + 2;
  return {
    mouthOpenMm, eyeClosedMm,
    why: `eye closed below ${eyeClosedMm.toFixed(2)} mm = halfway between the mean face's open (${open.toFixed(2)} mm) and blinking (${shut.toFixed(2)} mm) eyelid gap; ` +
      `mouth open above ${mouthOpenMm.toFixed(2)} mm = the mean face's resting inner-lip gap (${neutral.lipMm.toFixed(2)} mm) + 2 mm, about where upper teeth start to show`,
  };
}
