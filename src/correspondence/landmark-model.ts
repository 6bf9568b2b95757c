import type { MorphableModel } from '../model/types.js';
import { buildContourLines } from '../fit/contour.js';
import type { LandmarkModel } from '../fit/landmark-fit.js';
import { buildSurfacePoints, evaluatePoints } from '../fit/surface-points.js';
import { MEDIAPIPE_EYELID_PAIRS, MEDIAPIPE_FACE_OVAL, MEDIAPIPE_INNER_LIP_PAIR } from './mediapipe.js';
import { MEDIAPIPE_ICT_DATA } from './mediapipe-ict.data.js';
import type { CorrespondenceFile } from './types.js';

export const MEDIAPIPE_ICT: CorrespondenceFile = MEDIAPIPE_ICT_DATA;

/** Every MediaPipe landmark index, 0..467. */
export const ALL_468 = Array.from({ length: 468 }, (_, i) => i);

/** Positions of correspondence points (MediaPipe index -> ICT triangle + barycentrics) on an ICT mesh, 3 per index. */
export function correspondencePoints(positions: Float32Array, indices: ArrayLike<number>, file = MEDIAPIPE_ICT): Float32Array {
  const out = new Float32Array(indices.length * 3);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    for (let j = 0; j < 3; j++) {
      const v = file.vertices[3 * i + j], w = file.weights[3 * i + j];
      for (let c = 0; c < 3; c++) out[3 * k + c] += w * positions[3 * v + c];
    }
  }
  return out;
}

/** Builds the fit's landmark model for the 468 MediaPipe landmarks on an ICT model. */
export function mediapipeLandmarkModel(model: MorphableModel, identityCount = 50, file = MEDIAPIPE_ICT): LandmarkModel {
  const K = Math.min(identityCount, model.identityCount);
  const surface = buildSurfacePoints(model, Uint32Array.from(file.vertices), Float32Array.from(file.weights), K);
  const N = surface.count;
  const weights = new Float32Array(N).fill(1);
  for (const i of file.excluded) weights[i] = 0;
  const means = evaluatePoints(surface, new Float64Array(surface.columns));
  return {
    surface,
    weights,
    contour: buildContourLines(model, means, MEDIAPIPE_FACE_OVAL, K),
    eyePairs: Uint32Array.from([...MEDIAPIPE_EYELID_PAIRS, ...MEDIAPIPE_INNER_LIP_PAIR]),
    identityCount: K,
    expressionCount: model.expressionNames.length,
  };
}
