import { initialPose } from './init-pose.js';
import { NormalEquations } from '../base/linalg.js';
import { addParameterPriors, LandmarkTerm, turnedHeadLandmarkWeight, type LandmarkModel } from './landmark-term.js';
import { runLevenbergMarquardt, type AccumulateMode, type LmProblem } from './lm-solver.js';
import type { FitState } from './projection-jacobian.js';
import { evaluatePoints } from './surface-points.js';
import { fitResult, type FitResult } from './fit-result.js';
import { expandFitOptions, priorWeights, type ExpandedFitOptions, type FitOptions } from './options.js';

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
  const run = new LandmarkFit(lm, targets, image, options);
  run.fitRigid();
  run.refine();
  return run.result();
}

/**
 * The landmark fit of one face, in stages: its term, state and priors. `fitLandmarks` runs the rigid
 * stage then every parameter; the multi-view fit (multi-view-fit.ts) refines each view's pose and
 * expression around an identity shared with the other views.
 */
export class LandmarkFit {
  readonly o: ExpandedFitOptions;
  readonly term: LandmarkTerm;
  readonly state: FitState;
  readonly weights: FitResult['priors'];
  /** Weight of this face's landmark term: lower for a turned head (see turnedHeadLandmarkWeight). */
  landmarkWeight = 1;
  iterations = 0;
  /** Further prior rows added at every linearisation (a tracker's pull toward the previous frame). */
  extraPriors?: (ne: NormalEquations, s: FitState, active: Uint8Array) => void;
  private reweight = false;
  private readonly priors: Parameters<typeof addParameterPriors>[4];

  constructor(lm: LandmarkModel, targets: Float32Array, readonly image: { width: number; height: number }, options: FitOptions = {}) {
    const o = this.o = expandFitOptions(options);
    const cx = image.width / 2, cy = image.height / 2;
    const focal0 = o.focal ?? Math.max(image.width, image.height);
    this.term = new LandmarkTerm(lm, targets, image, o);
    const coeffs = new Float64Array(lm.surface.columns);
    const init = initialPose(evaluatePoints(lm.surface, coeffs), targets, Array.from(this.term.used), focal0, cx, cy);
    // A given rotation replaces the affine fit's; the translation always comes from the affine fit.
    this.state = {
      rotation: o.initialRotation ? Float64Array.from(o.initialRotation) : init.rotation,
      translation: init.translation,
      focal: focal0,
      coeffs,
    };
    this.weights = priorWeights(o);
    this.priors = {
      identityPrior: this.weights.identity, expressionPrior: this.weights.expression, focal0, focalSigmaLog: o.focalSigmaLog,
      asymmetry: lm.asymmetry, asymmetryPrior: this.weights.asymmetry,
    };
  }

  get layout() {
    return this.term.layout;
  }

  private problem(): LmProblem {
    const { layout, term } = this;
    return {
      layout,
      beginIteration: (s, fullHessian) => { if (fullHessian) term.beginIteration(s, this.reweight); },
      accumulate: (s, active, mode) => {
        const ne = new NormalEquations(layout.size, mode === 'gradient', mode === 'full');
        term.add(ne, s, active, mode, this.landmarkWeight);
        addParameterPriors(ne, s, active, layout, this.priors);
        this.extraPriors?.(ne, s, active);
        return ne;
      },
    };
  }

  /** Rotation, translation and (unless `withFocal` is false) focal length alone, with the landmarks' first weights. */
  fitRigid(withFocal = true): void {
    const mask = withFocal ? this.layout.mask('rotation', 'translation', 'logFocal') : this.layout.mask('rotation', 'translation');
    this.iterations += runLevenbergMarquardt(this.problem(), this.state, mask, { maxIterations: this.o.rigidIterations, relativeTolerance: this.o.tolerance });
  }

  /** The parameters in `active` (default: all) with robust reweighting and the turned head's landmark weight. */
  refine(active: Uint8Array = this.layout.all()): void {
    this.reweight = true;
    this.landmarkWeight = turnedHeadLandmarkWeight(this.state.rotation, this.o.yawSigmaGrowth);
    this.iterations += runLevenbergMarquardt(this.problem(), this.state, active, {
      maxIterations: this.o.iterations, relativeTolerance: this.o.tolerance, hessianRefresh: this.o.hessianRefresh,
    });
  }

  /** For a shared identity solve (see SharedIdentityView): the landmark rows, with the turned head's weight. */
  beginData(s: FitState, fullHessian: boolean): void {
    if (fullHessian) this.term.beginIteration(s, true);
  }

  addData(ne: NormalEquations, s: FitState, active: Uint8Array, mode: AccumulateMode, weight = 1): void {
    this.term.add(ne, s, active, mode, this.landmarkWeight * weight);
  }

  result(): FitResult {
    return fitResult(this.term, this.state, this.image, this.iterations, this.weights);
  }
}
