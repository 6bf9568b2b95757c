import { NormalEquations } from '../base/linalg.js';
import { poseAngles } from '../base/camera.js';
import { LandmarkFit, type FitOptions, type FitResult, type LandmarkModel } from './landmark-fit.js';
import { runLevenbergMarquardt, type AccumulateMode, type LmProblem } from './lm-solver.js';
import type { ParameterLayout } from './parameter-layout.js';
import type { FitState } from './projection-jacobian.js';

/** One photo of the person: its landmarks (N x 2 pixels, NaN = missing), its size, and its own fit options (confidence, focal). */
export interface LandmarkView {
  targets: Float32Array;
  image: { width: number; height: number };
  options?: FitOptions;
}

export interface MultiViewFitOptions extends FitOptions {
  /** Alternations of the shared identity solve and the per-view pose and expression refinement. Default 3. */
  rounds?: number;
}

export interface MultiViewFit {
  /** The identity shared by every view. */
  identity: Float32Array;
  /** Each view's fit with the shared identity: its own pose, focal length and expression. */
  views: FitResult[];
  /** Each view fitted alone (the starting point; its identity is that photo's own). */
  single: FitResult[];
}

/**
 * Several photos of one person: one identity, and per photo its own pose, focal length and
 * expression. Each photo is first fitted alone; then, in rounds, the identity is solved from every
 * photo's landmarks at once (each view's landmark error is its own, so they average out, and turned
 * views see the depth a frontal one cannot) and each photo's pose and expression are refined around
 * it. The identity prior counts once, not once per photo, so more photos let the data speak more.
 */
export function fitLandmarksMultiView(lm: LandmarkModel, views: readonly LandmarkView[], options: MultiViewFitOptions = {}): MultiViewFit {
  if (views.length === 0) throw new Error('multi-view fit: no views');
  const { rounds = 3, ...fitOptions } = options;
  const fits = views.map((v) => new LandmarkFit(lm, v.targets, v.image, { ...fitOptions, ...v.options }));
  for (const f of fits) { f.fitRigid(); f.refine(); }
  const single = fits.map((f) => f.result());
  if (fits.length === 1) return { identity: single[0].identity, views: single, single };

  const K = lm.identityCount;
  // A view whose evidence is weak (low confidence) counts for less: in a single-view fit its priors
  // would weigh confidence^-p more; here its landmark rows weigh confidence^p less.
  const dataWeight = sharedDataWeights(fits);
  const shared = meanIdentityState(fits, dataWeight, K);
  const poseAndExpression = fits[0].layout.mask('rotation', 'translation', 'logFocal', 'expression');
  for (let round = 0; round < rounds; round++) {
    solveSharedIdentity(fits, dataWeight, shared, fits[0].layout, fits[0].o);
    for (const f of fits) {
      f.state.coeffs.set(shared.coeffs.subarray(0, K));
      f.refine(poseAndExpression);
    }
  }
  return { identity: Float32Array.from(shared.coeffs.subarray(0, K)), views: fits.map((f) => f.result()), single };
}

/** One view in a shared identity solve: its state (whose identity block is replaced by the shared one) and its data terms. */
export interface SharedIdentityView {
  readonly state: FitState;
  /** Called at the start of each LM iteration (`fullHessian`: J^T W J is recomputed in it). */
  beginData(s: FitState, fullHessian: boolean): void;
  /** This view's data terms (no priors) at `s`, scaled by `weight`. */
  addData(ne: NormalEquations, s: FitState, active: Uint8Array, mode: AccumulateMode, weight: number): void;
}

/** Head poses closer than about this (degrees, yaw/pitch/roll together, or mirrored) are taken for copies of one photo. */
export const DUPLICATE_POSE_DEGREES = 3;

/**
 * Per view, 1 / (the number of views with its pose, soft): two copies of one photo (mirrored,
 * cropped, rescaled, re-encoded) show the head at the same pose, or its mirror image (yaw and roll
 * negated), and their landmark and photometric errors are one photo's, so together they count as
 * one view instead of overfitting the identity to that photo. A pair's overlap is
 * exp(-d^2 / 2 DUPLICATE_POSE_DEGREES^2) for the pose distance d (the nearer of direct and
 * mirrored). Photos of a person taken apart rarely repeat a pose to within a few degrees.
 */
export function viewIndependence(rotations: readonly ArrayLike<number>[]): number[] {
  const angles = rotations.map((r) => poseAngles(r));
  return angles.map((a) => 1 / angles.reduce((sum, b) => {
    const direct = Math.hypot(a.yaw - b.yaw, a.pitch - b.pitch, a.roll - b.roll);
    const mirrored = Math.hypot(a.yaw + b.yaw, a.pitch - b.pitch, a.roll + b.roll);
    const d = Math.min(direct, mirrored);
    return sum + Math.exp(-(d * d) / (2 * DUPLICATE_POSE_DEGREES ** 2));
  }, 0));
}

/**
 * Levenberg-Marquardt on the identity block of `shared`, over every view's data rows at once (view v's
 * scaled by dataWeight[v]), with one identity prior.
 */
export function solveSharedIdentity(
  views: readonly SharedIdentityView[], dataWeight: number[], shared: FitState, layout: ParameterLayout,
  o: { iterations: number; tolerance: number; hessianRefresh: number },
): void {
  const K = layout.identityCount;
  const identity = layout.mask('identity');
  /** View v's state with the shared identity in place of its own. */
  const viewState = (s: FitState, f: SharedIdentityView): FitState => {
    const coeffs = Float64Array.from(f.state.coeffs);
    coeffs.set(s.coeffs.subarray(0, K));
    return { ...f.state, coeffs };
  };
  const problem: LmProblem = {
    layout,
    beginIteration: (s, fullHessian) => { for (const f of views) f.beginData(viewState(s, f), fullHessian); },
    accumulate: (s, active, mode) => {
      const ne = new NormalEquations(layout.size, mode === 'gradient');
      views.forEach((f, v) => f.addData(ne, viewState(s, f), active, mode, dataWeight[v]));
      for (let m = 0; m < K; m++) ne.addPrior(layout.coefficient(m), s.coeffs[m], 1);
      ne.symmetrise();
      return ne;
    },
  };
  runLevenbergMarquardt(problem, shared, identity, { maxIterations: o.iterations, relativeTolerance: o.tolerance, hessianRefresh: o.hessianRefresh });
}

/**
 * Each view's data weight in a shared solve: a view whose evidence is weak (low confidence, a stronger
 * prior alone) counts for less, and copies of one photo count once together (viewIndependence). The
 * landmark network errs alike on every photo of a face, but counting the landmarks of n photos as
 * 1 / (1 + rho (n - 1)) of n independent ones (rho 0.5-1) pulled the landmark fit's identity toward the
 * mean face (3 photos: 1.18 -> 1.20-1.22 mm) and left the photometric one within 0.003 mm
 * (multi-view bench, the first 2 persons).
 */
export function sharedDataWeights(fits: readonly { weights: { identity: number }; state: FitState }[]): number[] {
  const independence = viewIndependence(fits.map((f) => f.state.rotation));
  return fits.map((f, v) => independence[v] / f.weights.identity);
}

/** The data-weighted mean of the views' identities, as the shared identity's starting point (a state with every other coefficient 0). */
export function meanIdentityState(fits: readonly { state: FitState }[], dataWeight: number[], K: number): FitState {
  const shared: FitState = { ...fits[0].state, coeffs: new Float64Array(fits[0].state.coeffs.length) };
  const total = dataWeight.reduce((a, b) => a + b, 0);
  fits.forEach((f, v) => { for (let m = 0; m < K; m++) shared.coeffs[m] += (dataWeight[v] / total) * f.state.coeffs[m]; });
  return shared;
}
