import type { MorphableModel } from '../model/types.js';
import { buildContourLines } from '../fit/contour.js';
import type { LandmarkModel } from '../fit/landmark-fit.js';
import { buildSurfacePoints, evaluatePoints } from '../fit/surface-points.js';
import { closureGaps, INNER_LIP_PAIRS_68 } from '../fit/closure-gaps.js';
import { expressionAsymmetry } from '../fit/asymmetry-prior.js';
import { MEDIAPIPE_EYELID_PAIRS, MEDIAPIPE_FACE_OVAL, MEDIAPIPE_INNER_LIP_PAIRS, MEDIAPIPE_LANDMARK_COUNT } from './mediapipe.js';
import { MEDIAPIPE_ICT_DATA } from './mediapipe-ict.data.js';
import type { CorrespondenceFile } from './types.js';

export const MEDIAPIPE_ICT: CorrespondenceFile = MEDIAPIPE_ICT_DATA;

/** Every MediaPipe landmark index, 0..467. */
export const ALL_468 = Array.from({ length: MEDIAPIPE_LANDMARK_COUNT }, (_, i) => i);

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

/**
 * The landmark network's inner-lip reading on renders of the model, beyond the model's own gap: per
 * inner-lip pair, (upper - lower) of the landmarks' correspondence points minus (upper - lower) of
 * the 68-landmark lip vertices on the mean face, x and y (model units). On renders the network puts
 * the points of lips that touch 2-3 mm apart (mean face: 3.1 mm in the middle, 1.9 mm at the sides).
 */
function innerLipBias(model: MorphableModel, file: CorrespondenceFile): Float64Array {
  const corr = correspondencePoints(model.neutral, MEDIAPIPE_INNER_LIP_PAIRS, file);
  const L = model.landmarks68, P = model.neutral;
  const bias = new Float64Array(MEDIAPIPE_INNER_LIP_PAIRS.length);
  for (let g = 0; g < bias.length / 2; g++) {
    const u = L[INNER_LIP_PAIRS_68[2 * g]], l = L[INNER_LIP_PAIRS_68[2 * g + 1]];
    for (let c = 0; c < 2; c++) bias[2 * g + c] = (corr[3 * (2 * g) + c] - corr[3 * (2 * g + 1) + c]) - (P[3 * u + c] - P[3 * l + c]);
  }
  return bias;
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
    closure: closureGaps(model, K, MEDIAPIPE_EYELID_PAIRS, MEDIAPIPE_INNER_LIP_PAIRS, innerLipBias(model, file)),
    identityCount: K,
    expressionCount: model.expressionNames.length,
    asymmetry: expressionAsymmetry(model.expressionNames),
  };
}
