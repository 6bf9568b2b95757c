/**
 * Ground-truth face shapes for the accuracy benchmark. A shape is a model instance (all 100
 * identity modes, a sparse realistic expression) plus what the fitted model cannot express: smooth
 * random bumps of a few millimetres and wrinkle-like displacement along the normal. Scoring a fit
 * against shapes the model can represent exactly (the "inverse crime") would flatter it.
 */
import { vertexNormals } from '../../src/base/normals.js';
import { instantiate } from '../../src/model/instance.js';
import type { MorphableModel } from '../../src/model/types.js';
import { fractalNoise3, smoothstep } from './noise.js';
import { addShapeField, sampleRegionalShape, type RegionalShape } from './regional-shape.js';

/** Expression presets: blendshape name -> [min, max] weight, drawn independently per side. */
export const EXPRESSION_PRESETS: Record<string, Record<string, [number, number]>> = {
  smile: { mouthSmile_L: [0.4, 1], mouthSmile_R: [0.4, 1], cheekSquint_L: [0.1, 0.5], cheekSquint_R: [0.1, 0.5], eyeSquint_L: [0, 0.3], eyeSquint_R: [0, 0.3] },
  grin: { mouthSmile_L: [0.5, 1], mouthSmile_R: [0.5, 1], jawOpen: [0.1, 0.3], mouthUpperUp_L: [0.2, 0.6], mouthUpperUp_R: [0.2, 0.6], mouthLowerDown_L: [0.1, 0.4], mouthLowerDown_R: [0.1, 0.4] },
  jawOpen: { jawOpen: [0.2, 0.7], mouthLowerDown_L: [0, 0.3], mouthLowerDown_R: [0, 0.3] },
  blink: { eyeBlink_L: [0.7, 1], eyeBlink_R: [0.7, 1] },
  winkLeft: { eyeBlink_L: [0.8, 1], cheekSquint_L: [0, 0.3] },
  winkRight: { eyeBlink_R: [0.8, 1], cheekSquint_R: [0, 0.3] },
  frown: { browDown_L: [0.3, 0.9], browDown_R: [0.3, 0.9], mouthFrown_L: [0.2, 0.7], mouthFrown_R: [0.2, 0.7], noseSneer_L: [0, 0.3], noseSneer_R: [0, 0.3] },
  surprise: { browInnerUp_L: [0.4, 1], browInnerUp_R: [0.4, 1], browOuterUp_L: [0.3, 0.9], browOuterUp_R: [0.3, 0.9], eyeWide_L: [0.2, 0.6], eyeWide_R: [0.2, 0.6], jawOpen: [0.1, 0.4] },
  pucker: { mouthPucker: [0.3, 0.9], mouthFunnel: [0, 0.3] },
  press: { mouthPress_L: [0.3, 0.8], mouthPress_R: [0.3, 0.8], mouthRollLower: [0, 0.3] },
  lookAside: { eyeLookOut_L: [0.2, 0.6], eyeLookIn_R: [0.2, 0.6] },
};

/** A Gaussian bump of the displacement field: displacement * exp(-|p - centre|^2 / (2 radius^2)). Model units. */
export interface SmoothBump {
  centre: [number, number, number];
  radius: number;
  displacement: [number, number, number];
}

/** Amplitudes (model units) of the wrinkle-like displacement along the normal. */
export interface WrinkleParams {
  forehead: number;
  foreheadWavelength: number;
  crowsFeet: number;
  nasolabial: number;
  fine: number;
  seed: number;
}

export interface TruthShape {
  identity: Float32Array;
  expression: Float32Array;
  presets: string[];
  bumps: SmoothBump[];
  wrinkles: WrinkleParams;
  /** Realistic kind only: regional features the model cannot express (see regional-shape.ts). */
  regional?: RegionalShape;
}

/**
 * Face states of real photos that the clean presets lack, for the realistic kind: a smile with the
 * lips closed, and lids lowered (looking down, sleepy) without a blink. No mouthClose: without
 * jawOpen it pushes the lips through each other (5 mm at 0.15).
 */
export const FACE_STATE_PRESETS: Record<string, Record<string, [number, number]>> = {
  closedSmile: { mouthSmile_L: [0.35, 0.8], mouthSmile_R: [0.35, 0.8], mouthPress_L: [0.1, 0.35], mouthPress_R: [0.1, 0.35], cheekSquint_L: [0.1, 0.4], cheekSquint_R: [0.1, 0.4] },
  loweredLids: { eyeBlink_L: [0.35, 0.6], eyeBlink_R: [0.35, 0.6], eyeLookDown_L: [0.1, 0.5], eyeLookDown_R: [0.1, 0.5] },
};

/**
 * Makes a clean truth shape realistic: with probability `stateChance` replaces its expression by a
 * face state (recorded in `presets`), and adds regional shape scaled by `regionalScale`.
 */
export function makeShapeRealistic(model: MorphableModel, shape: TruthShape, rnd: RandomSource, regionalScale: number, stateChance = 0.4): TruthShape {
  let { expression, presets } = shape;
  if (rnd.uniform() < stateChance) {
    const name = rnd.uniform() < 0.5 ? 'closedSmile' : 'loweredLids';
    expression = new Float32Array(expression.length);
    for (const [blend, [lo, hi]] of Object.entries(FACE_STATE_PRESETS[name])) {
      const k = model.expressionNames.indexOf(blend);
      if (k >= 0) expression[k] = between(rnd, lo, hi);
    }
    presets = [name];
  }
  const base = instantiate(model, { identity: shape.identity });
  const regional = sampleRegionalShape(model, base, vertexNormals(base, model.triangles), rnd, regionalScale);
  return { ...shape, expression, presets, regional };
}

export interface RandomSource { uniform: () => number; normal: () => number }

const between = (rnd: RandomSource, a: number, b: number) => a + (b - a) * rnd.uniform();

export function sampleTruthShape(model: MorphableModel, rnd: RandomSource): TruthShape {
  const identity = Float32Array.from({ length: model.identityCount }, () => rnd.normal());
  const expression = new Float32Array(model.expressionNames.length);
  const names = Object.keys(EXPRESSION_PRESETS);
  const presets: string[] = [];
  if (rnd.uniform() > 0.2) {
    presets.push(names[Math.floor(rnd.uniform() * names.length)]);
    if (rnd.uniform() < 0.3) {
      const second = names[Math.floor(rnd.uniform() * names.length)];
      if (!presets.includes(second)) presets.push(second);
    }
  }
  for (const name of presets) {
    for (const [shape, [lo, hi]] of Object.entries(EXPRESSION_PRESETS[name])) {
      const k = model.expressionNames.indexOf(shape);
      if (k >= 0) expression[k] = Math.min(1, expression[k] + between(rnd, lo, hi));
    }
  }
  const base = instantiate(model, { identity });
  const normals = vertexNormals(base, model.triangles);
  const narrow = model.regions.narrowFace;
  const bumps: SmoothBump[] = [];
  const count = 4 + Math.floor(rnd.uniform() * 5);
  for (let b = 0; b < count; b++) {
    const v = narrow[Math.floor(rnd.uniform() * narrow.length)];
    const amplitude = between(rnd, 0.1, 0.3) * (rnd.uniform() < 0.5 ? -1 : 1);
    const n = [normals[3 * v], normals[3 * v + 1], normals[3 * v + 2]];
    bumps.push({
      centre: [base[3 * v], base[3 * v + 1], base[3 * v + 2]],
      radius: between(rnd, 1.5, 3.5),
      displacement: [0, 1, 2].map((c) => amplitude * n[c] + 0.03 * rnd.normal()) as [number, number, number],
    });
  }
  const wrinkles: WrinkleParams = {
    forehead: between(rnd, 0.01, 0.05),
    foreheadWavelength: between(rnd, 0.8, 1.3),
    crowsFeet: between(rnd, 0, 0.04),
    nasolabial: between(rnd, 0.03, 0.12),
    fine: between(rnd, 0.005, 0.015),
    seed: Math.floor(rnd.uniform() * 1e6),
  };
  return { identity, expression, presets, bumps, wrinkles };
}

/** Vertex positions (model units, model frame) of a truth shape, every deformation applied. */
export function truthPositions(model: MorphableModel, shape: TruthShape): Float32Array {
  const base = instantiate(model, { identity: shape.identity });
  const positions = instantiate(model, shape);
  // The smooth field is attached to the anatomy (evaluated on the expression-free head) and moves
  // eyes, teeth and skin together, so nothing pokes through.
  for (let i = 0; i < model.vertexCount; i++) {
    const x = base[3 * i], y = base[3 * i + 1], z = base[3 * i + 2];
    for (const b of shape.regional ? [...shape.bumps, ...shape.regional.features] : shape.bumps) {
      const d2 = (x - b.centre[0]) ** 2 + (y - b.centre[1]) ** 2 + (z - b.centre[2]) ** 2;
      const w = Math.exp(-d2 / (2 * b.radius * b.radius));
      if (w < 1e-4) continue;
      for (let c = 0; c < 3; c++) positions[3 * i + c] += w * b.displacement[c];
    }
  }
  if (shape.regional) addShapeField(positions, base, shape.regional.field);
  const normals = vertexNormals(positions, model.triangles);
  const height = wrinkleHeight(model, shape.wrinkles);
  const faceEnd = model.regions.face.length;
  for (let k = 0; k < faceEnd; k++) {
    const i = model.regions.face[k];
    const h = height(model.neutral[3 * i], model.neutral[3 * i + 1], model.neutral[3 * i + 2]);
    for (let c = 0; c < 3; c++) positions[3 * i + c] += h * normals[3 * i + c];
  }
  return positions;
}

/** Wrinkle height field over neutral-mesh positions: forehead lines, crow's feet, nasolabial folds, fine noise. */
function wrinkleHeight(model: MorphableModel, w: WrinkleParams): (x: number, y: number, z: number) => number {
  const lm = (k: number) => { const i = model.landmarks68[k]; return [model.neutral[3 * i], model.neutral[3 * i + 1], model.neutral[3 * i + 2]]; };
  let browTop = -Infinity;
  for (let k = 17; k <= 26; k++) browTop = Math.max(browTop, lm(k)[1]);
  const noise = fractalNoise3(w.seed, 3, 0.5);
  const eyeCorners = [lm(36), lm(45)];
  const folds = [[lm(31), lm(48)], [lm(35), lm(54)]].map(([nose, mouth]) => {
    const side = Math.sign(mouth[0]) || 1;
    const a = [nose[0] + side * 0.5, nose[1] + 0.2], b = [mouth[0] + side * 0.5, mouth[1] - 0.9];
    return [a, b];
  });
  const noseTipZ = lm(30)[2];
  return (x, y, z) => {
    if (z < noseTipZ - 7) return w.fine * noise(x * 2.5, y * 2.5, z * 2.5);
    let h = w.fine * noise(x * 2.5, y * 2.5, z * 2.5);
    const fore = smoothstep(browTop + 0.4, browTop + 1.2, y) * smoothstep(browTop + 6, browTop + 4, y) * smoothstep(5.5, 3.5, Math.abs(x));
    if (fore > 0) h -= w.forehead * fore * (0.6 + 0.4 * noise(x * 0.7, 3, 0)) * Math.max(0, Math.sin((2 * Math.PI * (y - browTop)) / w.foreheadWavelength + 0.8 * noise(x * 0.5, 0, 5)));
    for (const c of eyeCorners) {
      const dx = x - c[0], dy = y - c[1];
      const r = Math.hypot(dx, dy);
      const outward = Math.sign(c[0]) * dx > 0 ? 1 : 0;
      const ring = smoothstep(0.4, 0.9, r) * smoothstep(2.4, 1.6, r) * outward;
      if (ring > 0) h -= w.crowsFeet * ring * Math.max(0, Math.sin(Math.atan2(dy, Math.abs(dx)) * 9));
    }
    for (const [a, b] of folds) {
      const dx = b[0] - a[0], dy = b[1] - a[1];
      const t = Math.max(0, Math.min(1, ((x - a[0]) * dx + (y - a[1]) * dy) / (dx * dx + dy * dy)));
      const d = Math.hypot(x - a[0] - t * dx, y - a[1] - t * dy);
      h -= w.nasolabial * Math.exp(-(d * d) / (2 * 0.22 * 0.22)) * Math.sin(Math.PI * Math.min(1, t * 1.2 + 0.1));
    }
    return h;
  };
}
