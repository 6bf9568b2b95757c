import type { MorphableModel } from '../model/types.js';
import { buildContourLines } from '../fit/contour.js';
import type { LandmarkModel } from '../fit/landmark-fit.js';
import { buildSurfacePoints, evaluatePoints } from '../fit/surface-points.js';
import { MEDIAPIPE_EYELID_PAIRS, MEDIAPIPE_FACE_OVAL, MEDIAPIPE_INNER_LIP_PAIR } from './mediapipe.js';
import { MEDIAPIPE_ICT_DATA } from './mediapipe-ict.data.js';
import type { CorrespondenceFile } from './types.js';

export const MEDIAPIPE_ICT: CorrespondenceFile = MEDIAPIPE_ICT_DATA;

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
