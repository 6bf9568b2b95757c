import * as mat3 from '../base/mat3.js';
import { NormalEquations, solveSpd } from '../base/linalg.js';
import type { FitState } from './projection-jacobian.js';
import type { ParameterLayout } from './parameter-layout.js';

/** Initial Levenberg-Marquardt damping, relative to the diagonal of J^T W J. */
const INITIAL_DAMPING = 1e-3;
/** Floor of the damping after accepted steps, which divide it by DAMPING_DECREASE. */
const MIN_DAMPING = 1e-7;
const DAMPING_DECREASE = 5;
/** A rejected step (or a failed Cholesky) multiplies the damping by this. */
const DAMPING_INCREASE = 10;
/** Damped steps tried per iteration before giving up. */
const MAX_STEP_ATTEMPTS = 8;
/** Added to each diagonal entry before damping, so a zero column still gets a positive pivot. */
const DIAGONAL_FLOOR = 1e-9;

/** A least-squares problem over the fit parameters; the expression block is kept in [0, 1]. */
export interface LmProblem {
  layout: ParameterLayout;
  /**
   * Normal equations at `state` over the active parameters; only the cost when `mode` is 'cost', and
   * the cost and gradient without J^T W J when it is 'gradient'. The solver reads the upper triangle
   * of J^T W J, after asking a deferred one (NormalEquations.deferHessian) to complete the entries
   * of the parameters a step frees.
   */
  accumulate(state: FitState, active: Uint8Array, mode: AccumulateMode): NormalEquations;
  /**
   * Called before each iteration's linearisation (contour re-selection, robust re-weighting);
   * `fullHessian` says whether J^T W J will be recomputed, so weights can change in step with it.
   */
  beginIteration?(state: FitState, fullHessian: boolean): void;
}

export type AccumulateMode = 'full' | 'gradient' | 'cost';

export interface LmOptions {
  maxIterations: number;
  /**
   * J^T W J is recomputed every this many iterations and reused in between (with the current
   * gradient), which is much cheaper per iteration and converges nearly as fast. Default 1.
   */
  hessianRefresh?: number;
  /** Stop when an accepted step lowers the cost by less than this fraction. */
  relativeTolerance?: number;
}

/** Applies a parameter step laid out by `layout`; expression weights are clamped to [0, 1]. */
export function stepState(s: FitState, delta: Float64Array, layout: ParameterLayout): FitState {
  const C = s.coeffs.length, r = layout.rotation.start, t = layout.translation.start;
  const boundedFrom = layout.expression.start - layout.coefficients.start;
  const dR = mat3.fromAxisAngle(mat3.create(), delta[r], delta[r + 1], delta[r + 2]);
  const coeffs = new Float64Array(C);
  for (let m = 0; m < C; m++) {
    const v = s.coeffs[m] + delta[layout.coefficient(m)];
    coeffs[m] = m >= boundedFrom ? Math.min(1, Math.max(0, v)) : v;
  }
  return {
    rotation: mat3.multiply(dR, s.rotation, dR),
    translation: Float64Array.from([s.translation[0] + delta[t], s.translation[1] + delta[t + 1], s.translation[2] + delta[t + 2]]),
    focal: s.focal * Math.exp(delta[layout.logFocal.start]),
    coeffs,
  };
}

/**
 * Levenberg-Marquardt on `state` (updated in place) over the active parameters. Bounded
 * coefficients sitting on a bound and pushed outward are held for that step (active set).
 * Returns the number of iterations run.
 */
export function runLevenbergMarquardt(problem: LmProblem, state: FitState, active: Uint8Array, options: LmOptions): number {
  const { layout } = problem, nParams = layout.size;
  const tolerance = options.relativeTolerance ?? 1e-6;
  const refresh = Math.max(1, options.hessianRefresh ?? 1);
  let lambda = INITIAL_DAMPING;
  let it = 0;
  let hessian: NormalEquations | undefined;
  // Step buffers sized for every parameter free; a step with fewer free uses their first n (n * n) entries.
  const A = new Float64Array(nParams * nParams), b = new Float64Array(nParams), x = new Float64Array(nParams);
  const factor = new Float64Array(nParams * nParams), delta = new Float64Array(nParams);
  while (it < options.maxIterations) {
    const full = it % refresh === 0 || !hessian;
    problem.beginIteration?.(state, full);
    it++;
    const ne = problem.accumulate(state, active, full ? 'full' : 'gradient');
    if (full) hessian = ne;
    const free = Uint8Array.from(active);
    for (let p = layout.expression.start; p < layout.expression.end; p++) {
      const v = state.coeffs[p - layout.coefficients.start], g = ne.Jtr[p];
      if ((v <= 0 && g > 0) || (v >= 1 && g < 0)) free[p] = 0;
    }
    const idx: number[] = [];
    for (let p = 0; p < nParams; p++) if (free[p]) idx.push(p);
    const n = idx.length;
    hessian!.completeHessian(idx);
    const JtJ = hessian!.JtJ;
    let improved = false;
    for (let attempt = 0; attempt < MAX_STEP_ATTEMPTS && !improved; attempt++) {
      for (let a = 0; a < n; a++) {
        // idx is ascending: entry (a, c) of the upper triangle is JtJ[idx[min] * nParams + idx[max]].
        const row = idx[a] * nParams;
        for (let c = 0; c < a; c++) A[a * n + c] = JtJ[idx[c] * nParams + idx[a]];
        for (let c = a; c < n; c++) A[a * n + c] = JtJ[row + idx[c]];
        A[a * n + a] += lambda * (A[a * n + a] + DIAGONAL_FLOOR);
        b[a] = -ne.Jtr[idx[a]];
      }
      if (!solveSpd(x, A, b, n, factor)) { lambda *= DAMPING_INCREASE; continue; }
      delta.fill(0);
      idx.forEach((p, a) => { delta[p] = x[a]; });
      const candidate = stepState(state, delta, layout);
      const newCost = problem.accumulate(candidate, active, 'cost').cost;
      if (newCost < ne.cost) {
        Object.assign(state, candidate);
        lambda = Math.max(MIN_DAMPING, lambda / DAMPING_DECREASE);
        improved = true;
        if (ne.cost - newCost < tolerance * ne.cost) return it;
      } else {
        lambda *= DAMPING_INCREASE;
      }
    }
    if (!improved) return it;
  }
  return it;
}
