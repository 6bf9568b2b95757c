import { initialPose } from './init-pose.js';
import { NormalEquations } from '../base/linalg.js';
import { addParameterPriors, LandmarkTerm, turnedHeadLandmarkWeight, type LandmarkModel } from './landmark-term.js';
import { runLevenbergMarquardt, type AccumulateMode } from './lm-solver.js';
import type { FitState } from './projection-jacobian.js';
import { evaluatePoints } from './surface-points.js';
import { fitResult, type FitResult } from './fit-result.js';
import { expandFitOptions, priorWeights, type FitOptions } from './options.js';

export type { LandmarkModel } from './landmark-term.js';
export type { FaceGeometry, FitResult } from './fit-result.js';
export type { FitOptions } from './options.js';

/**
 * Fits pose, focal length, identity and expression to 2D landmarks (N x 2 pixels, NaN = missing)
 * with Levenberg-Marquardt on analytic Jacobians, Cauchy reweighting and contour sliding.
 */
export function fitLandmarks(
  lm: LandmarkModel, targets: Float32Array, image: { width: number; height: number }, options: FitOptions = {},
): FitResult {
  const o = expandFitOptions(options);
  const C = lm.surface.columns;
  const cx = image.width / 2, cy = image.height / 2;
  const focal0 = o.focal ?? Math.max(image.width, image.height);
  const term = new LandmarkTerm(lm, targets, image, o);
  const layout = term.layout;

  const coeffs = new Float64Array(C);
  const init = initialPose(evaluatePoints(lm.surface, coeffs), targets, Array.from(term.used), focal0, cx, cy);
  // A given rotation replaces the affine fit's; the translation always comes from the affine fit.
  const state: FitState = {
    rotation: o.initialRotation ? Float64Array.from(o.initialRotation) : init.rotation,
    translation: init.translation,
    focal: focal0,
    coeffs,
  };

  const weights = priorWeights(o);
  const priors = {
    identityPrior: weights.identity, expressionPrior: weights.expression, focal0, focalSigmaLog: o.focalSigmaLog,
    asymmetry: lm.asymmetry, asymmetryPrior: weights.asymmetry,
  };
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

  return fitResult(term, state, image, iterations, weights);
}
