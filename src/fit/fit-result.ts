import type { Camera, HeadPose } from '../base/camera.js';
import type { LandmarkTerm } from './landmark-term.js';
import type { FitState } from './projection-jacobian.js';

/** The fitted geometry of a face: what later stages and the outputs read from whichever stage ran last. */
export interface FaceGeometry {
  pose: HeadPose;
  camera: Camera;
  identity: Float32Array;
  expression: Float32Array;
}

/** Result of the landmark fit. Later geometry stages (the photometric refinement) extend it. */
export interface FitResult extends FaceGeometry {
  state: FitState;
  /** Mean distance between detected and fitted landmarks, pixels. */
  residualPx: number;
  /** residualPx divided by faceSize. */
  residualNormalised: number;
  /** sqrt(width * height) of the detected landmarks' bounding box, pixels. */
  faceSize: number;
  landmarkCount: number;
  /** Levenberg-Marquardt iterations of this stage. */
  iterations: number;
  /** Final robust weight of each landmark, in [0, 1]. */
  robustWeights: Float32Array;
  /** Fitted pixel position of each landmark (x, y; NaN where unused). */
  fittedLandmarks: Float64Array;
  /** Weights of the identity, expression and asymmetry priors this stage used (scaled by the face's confidence; see priorWeights). */
  priors: { identity: number; expression: number; asymmetry: number };
}

/** The FitResult of `state` in an image of the given size, with the landmark residuals measured by `term`. */
export function fitResult(
  term: LandmarkTerm, state: FitState, image: { width: number; height: number }, iterations: number,
  priors: FitResult['priors'],
): FitResult {
  const K = term.layout.identityCount;
  const residualPx = term.meanErrorPx(state);
  return {
    state,
    pose: { rotation: state.rotation, translation: state.translation },
    camera: { focal: state.focal, cx: image.width / 2, cy: image.height / 2, width: image.width, height: image.height },
    identity: Float32Array.from(state.coeffs.subarray(0, K)),
    expression: Float32Array.from(state.coeffs.subarray(K)),
    residualPx,
    residualNormalised: residualPx / term.faceSize,
    faceSize: term.faceSize,
    landmarkCount: term.used.length,
    iterations,
    robustWeights: term.robustWeights(),
    fittedLandmarks: term.fittedPositions(),
    priors,
  };
}
