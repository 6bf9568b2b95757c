import { initialPose } from './init-pose.js';
import { NormalEquations } from '../base/linalg.js';
import { addParameterPriors, LandmarkTerm, turnedHeadLandmarkWeight, type LandmarkModel } from './landmark-term.js';
import { runLevenbergMarquardt, type AccumulateMode } from './lm-solver.js';
import type { FitState } from './projection-jacobian.js';
import { evaluatePoints } from './surface-points.js';
import { fitResult, type FitResult } from './fit-result.js';

export type { LandmarkModel } from './landmark-term.js';
export type { FaceGeometry, FitResult } from './fit-result.js';

export interface FitOptions {
  /** Expected landmark error as a fraction of face size; sets how strongly the priors pull. */
  sigma?: number;
  /** Weight of the eyelid-gap residuals relative to one landmark. */
  eyeWeight?: number;
  /** Weight of the inner-lip-gap residuals relative to one landmark. */
  lipWeight?: number;
  /** Prior weight on expression weights (squared, in units of one standard-normal identity mode). */
  expressionPrior?: number;
  /** Focal-length prior: initial focal length in pixels and the std of log(focal). */
  focal?: number;
  focalSigmaLog?: number;
  /**
   * Growth of the expected landmark error with head yaw: sigma is multiplied by
   * 1 + yawSigmaGrowth * sin^2(yaw), with yaw from the rigid stage. The landmark network guesses
   * the far half of a turned face, so its points are less reliable there.
   */
  yawSigmaGrowth?: number;
  /** Cauchy robust scale as a fraction of face size. */
  robustScale?: number;
  rigidIterations?: number;
  iterations?: number;
  /** Stop a stage when an accepted step lowers the cost by less than this fraction. */
  tolerance?: number;
  /** Iterations between recomputations of J^T W J (see LmOptions.hessianRefresh). */
  hessianRefresh?: number;
  /** Optional starting rotation (row-major 3x3, model -> camera). */
  initialRotation?: Float64Array;
}

const DEFAULTS = {
  sigma: 0.025, yawSigmaGrowth: 3, eyeWeight: 4, lipWeight: 4, expressionPrior: 3, focalSigmaLog: 0.25, robustScale: 0.03, rigidIterations: 3, iterations: 20, tolerance: 1e-5, hessianRefresh: 2,
};

/**
 * Fits pose, focal length, identity and expression to 2D landmarks (N x 2 pixels, NaN = missing)
 * with Levenberg-Marquardt on analytic Jacobians, Cauchy reweighting and contour sliding.
 */
export function fitLandmarks(
  lm: LandmarkModel, targets: Float32Array, image: { width: number; height: number }, options: FitOptions = {},
): FitResult {
  const o = { ...DEFAULTS, ...options };
  const C = lm.surface.columns;
  const cx = image.width / 2, cy = image.height / 2;
  const focal0 = options.focal ?? Math.max(image.width, image.height);
  const term = new LandmarkTerm(lm, targets, image, o);
  const layout = term.layout;

  const coeffs = new Float64Array(C);
  const init = initialPose(evaluatePoints(lm.surface, coeffs), targets, Array.from(term.used), focal0, cx, cy);
  // A given rotation replaces the affine fit's; the translation always comes from the affine fit.
  const state: FitState = {
    rotation: options.initialRotation ? Float64Array.from(options.initialRotation) : init.rotation,
    translation: init.translation,
    focal: focal0,
    coeffs,
  };

  const priors = { expressionPrior: o.expressionPrior, focal0, focalSigmaLog: o.focalSigmaLog };
  let reweight = false;
  let landmarkWeight = 1;
  const problem = {
    layout,
    beginIteration: (s: FitState, fullHessian: boolean) => { if (fullHessian) term.beginIteration(s, reweight); },
    accumulate: (s: FitState, active: Uint8Array, mode: AccumulateMode) => {
      const ne = new NormalEquations(layout.size, mode === 'gradient');
      term.add(ne, s, active, mode, landmarkWeight);
      addParameterPriors(ne, s, active, layout, priors);
      ne.symmetrise();
      return ne;
    },
  };
  const rigid = layout.mask('rotation', 'translation', 'logFocal');
  let iterations = runLevenbergMarquardt(problem, state, rigid, { maxIterations: o.rigidIterations, relativeTolerance: o.tolerance });
  reweight = true;
  landmarkWeight = turnedHeadLandmarkWeight(state.rotation, o.yawSigmaGrowth);
  const all = layout.all();
  iterations += runLevenbergMarquardt(problem, state, all, { maxIterations: o.iterations, relativeTolerance: o.tolerance, hessianRefresh: o.hessianRefresh });

  return fitResult(term, state, image, iterations);
}
