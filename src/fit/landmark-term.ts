import { poseAngles } from './camera.js';
import type { ContourLines } from './contour.js';
import { selectContourPoints } from './contour.js';
import type { NormalEquations } from './linalg.js';
import type { AccumulateMode } from './lm-solver.js';
import { POSE_PARAMS, projectWithJacobian, type FitState } from './projection-jacobian.js';
import type { SurfacePoints } from './surface-points.js';

/** What the fit needs to know about a landmark scheme on a model (see src/correspondence). */
export interface LandmarkModel {
  surface: SurfacePoints;
  /** Base weight of each landmark (0 = unused). */
  weights: Float32Array;
  contour?: ContourLines;
  /** Pairs (upper, lower) of eyelid landmarks whose vertical gap must match: eye closure. */
  eyePairs: Uint32Array;
  identityCount: number;
  expressionCount: number;
}

export interface LandmarkTermOptions {
  /** Expected landmark error as a fraction of face size: residuals are divided by sigma * faceSize. */
  sigma: number;
  /** Weight of the eyelid-gap residuals relative to one landmark. */
  eyeWeight: number;
  /** Cauchy robust scale as a fraction of face size. */
  robustScale: number;
}

/**
 * Landmark reprojection and eye-closure residuals of detected 2D landmarks (N x 2 pixels, NaN =
 * missing) against their model points, with Cauchy weights and contour sliding (outline landmarks
 * take the outermost candidate of their contour line, re-chosen by `beginIteration`).
 */
export class LandmarkTerm {
  /** Landmarks in use, fixed ones first, then the contour ones. */
  readonly used: Uint32Array;
  /** sqrt(width * height) of the detected landmarks' bounding box, pixels. */
  readonly faceSize: number;
  readonly scale: number;
  readonly robust: Float64Array;
  /** Pixel position of each used landmark's model point (2 per entry of `used`) at the last evaluation. */
  readonly uv: Float64Array;
  private readonly jac: Float64Array;
  private readonly fixedCount: number;
  private readonly contourLine: Int32Array;
  private readonly slot: Int32Array;
  private chosen: Uint32Array = new Uint32Array(0);
  private readonly cx: number;
  private readonly cy: number;
  private readonly nParams: number;

  constructor(
    readonly lm: LandmarkModel, readonly targets: Float32Array, image: { width: number; height: number },
    readonly options: LandmarkTermOptions,
  ) {
    const N = lm.surface.count;
    this.cx = image.width / 2; this.cy = image.height / 2;
    this.nParams = POSE_PARAMS + lm.surface.columns;
    const lineOf = new Int32Array(N).fill(-1);
    lm.contour?.landmark.forEach((j, line) => { lineOf[j] = line; });
    const fixed: number[] = [], contour: number[] = [];
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (let i = 0; i < N; i++) {
      const x = targets[2 * i], y = targets[2 * i + 1];
      if (!Number.isFinite(x) || !Number.isFinite(y) || lm.weights[i] === 0) continue;
      (lineOf[i] >= 0 ? contour : fixed).push(i);
      minX = Math.min(minX, x); maxX = Math.max(maxX, x); minY = Math.min(minY, y); maxY = Math.max(maxY, y);
    }
    if (fixed.length + contour.length < 6) throw new Error('too few landmarks to fit');
    this.used = Uint32Array.from([...fixed, ...contour]);
    this.fixedCount = fixed.length;
    this.contourLine = Int32Array.from(contour, (i) => lineOf[i]);
    this.slot = new Int32Array(N).fill(-1);
    this.used.forEach((i, k) => { this.slot[i] = k; });
    this.faceSize = Math.sqrt((maxX - minX) * (maxY - minY));
    this.scale = 1 / (options.sigma * this.faceSize);
    this.robust = new Float64Array(this.used.length).fill(1);
    this.uv = new Float64Array(2 * this.used.length);
    this.jac = new Float64Array(2 * this.used.length * this.nParams);
  }

  /** Projects every used landmark's model point (and its Jacobian rows) at `state`. */
  evaluate(state: FitState, withJacobian: boolean): void {
    const nF = this.fixedCount, n = this.nParams;
    const jac = withJacobian ? this.jac : undefined;
    projectWithJacobian(this.lm.surface, this.used.subarray(0, nF), state, this.cx, this.cy, this.uv, jac);
    if (this.contourLine.length === 0) return;
    if (this.chosen.length === 0) this.chosen = selectContourPoints(this.lm.contour!, state);
    const cand = Array.from(this.contourLine, (line) => this.chosen[line]);
    projectWithJacobian(this.lm.contour!.candidates, cand, state, this.cx, this.cy,
      this.uv.subarray(2 * nF), jac?.subarray(2 * nF * n));
  }

  /** Re-chooses the contour points and, when `reweight`, the Cauchy weights for `state`. */
  beginIteration(state: FitState, reweight: boolean): void {
    if (this.lm.contour) this.chosen = selectContourPoints(this.lm.contour, state);
    if (!reweight) return;
    this.evaluate(state, false);
    const c = this.options.robustScale * this.faceSize;
    const t = this.targets;
    this.used.forEach((i, k) => {
      const d2 = (this.uv[2 * k] - t[2 * i]) ** 2 + (this.uv[2 * k + 1] - t[2 * i + 1]) ** 2;
      this.robust[k] = 1 / (1 + d2 / (c * c));
    });
  }

  /** Adds the landmark and eyelid-gap rows (or only their cost) to `ne`, multiplied by `weight`. */
  add(ne: NormalEquations, state: FitState, active: Uint8Array, mode: AccumulateMode, weight = 1): void {
    const withJacobian = mode !== 'cost';
    this.evaluate(state, withJacobian);
    const n = this.nParams, s = this.scale, t = this.targets, uv = this.uv, jac = this.jac;
    const pairs = this.lm.eyePairs;
    const m = 2 * this.used.length + pairs.length;
    const r = new Float64Array(m), w = new Float64Array(m);
    // Row sources: landmark rows are Jacobian rows 0..2U-1; eyelid rows are differences of two of them.
    const rowA = new Int32Array(m), rowB = new Int32Array(m).fill(-1);
    let q = 0;
    for (let k = 0; k < this.used.length; k++) {
      const i = this.used[k];
      const wk = weight * this.lm.weights[i] * this.robust[k];
      for (let d = 0; d < 2; d++, q++) {
        r[q] = (uv[2 * k + d] - t[2 * i + d]) * s;
        w[q] = wk;
        rowA[q] = 2 * k + d;
      }
    }
    for (let e = 0; e < pairs.length; e += 2) {
      const a = this.slot[pairs[e]], b = this.slot[pairs[e + 1]];
      if (a < 0 || b < 0) continue;
      const ia = pairs[e], ib = pairs[e + 1];
      for (let d = 0; d < 2; d++, q++) {
        r[q] = ((uv[2 * a + d] - uv[2 * b + d]) - (t[2 * ia + d] - t[2 * ib + d])) * s;
        w[q] = weight * this.options.eyeWeight;
        rowA[q] = 2 * a + d; rowB[q] = 2 * b + d;
      }
    }
    if (!withJacobian) {
      for (let k = 0; k < q; k++) ne.cost += w[k] * r[k] * r[k];
      return;
    }
    const columns: number[] = [];
    for (let p = 0; p < n; p++) if (active[p]) columns.push(p);
    const J = new Float64Array(n * q);
    for (let k = 0; k < q; k++) {
      const oa = rowA[k] * n, ob = rowB[k] * n;
      for (const p of columns) J[p * q + k] = (rowB[k] < 0 ? jac[oa + p] : jac[oa + p] - jac[ob + p]) * s;
    }
    ne.addRows(J, r, w, q, columns);
  }

  /** Mean pixel distance between detected landmarks and their model points at `state`. */
  meanErrorPx(state: FitState): number {
    if (this.lm.contour) this.chosen = selectContourPoints(this.lm.contour, state);
    this.evaluate(state, false);
    let sum = 0;
    this.used.forEach((i, k) => {
      sum += Math.hypot(this.uv[2 * k] - this.targets[2 * i], this.uv[2 * k + 1] - this.targets[2 * i + 1]);
    });
    return sum / this.used.length;
  }

  /** Robust weight per landmark of the scheme (1 for landmarks not in use). */
  robustWeights(): Float32Array {
    const out = new Float32Array(this.lm.surface.count).fill(1);
    this.used.forEach((i, k) => { out[i] = this.robust[k]; });
    return out;
  }

  /** Fitted pixel position per landmark of the scheme (NaN for landmarks not in use), from the last evaluation. */
  fittedPositions(): Float64Array {
    const out = new Float64Array(2 * this.lm.surface.count).fill(NaN);
    this.used.forEach((i, k) => { out[2 * i] = this.uv[2 * k]; out[2 * i + 1] = this.uv[2 * k + 1]; });
    return out;
  }
}

/**
 * Weight of the landmark term for a head at `rotation` (model -> camera): the landmark network
 * guesses the far half of a turned face, so the expected landmark error grows as
 * 1 + growth * sin^2(yaw) and the weight falls with its square.
 */
export function turnedHeadLandmarkWeight(rotation: ArrayLike<number>, growth: number): number {
  const g = 1 + growth * Math.sin((poseAngles(rotation).yaw * Math.PI) / 180) ** 2;
  return 1 / (g * g);
}

/** Gaussian priors: identity ~ N(0, 1) per mode, expression pulled to 0, log focal length about its prior centre. */
export function addParameterPriors(
  ne: NormalEquations, state: FitState, active: Uint8Array,
  o: { identityCount: number; expressionPrior: number; focal0: number; focalSigmaLog: number },
): void {
  if (active[6]) ne.addPrior(6, Math.log(state.focal / o.focal0), 1 / (o.focalSigmaLog * o.focalSigmaLog));
  for (let m = 0; m < state.coeffs.length; m++) {
    if (!active[POSE_PARAMS + m]) continue;
    ne.addPrior(POSE_PARAMS + m, state.coeffs[m], m < o.identityCount ? 1 : o.expressionPrior);
  }
}
