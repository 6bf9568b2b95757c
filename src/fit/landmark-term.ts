import { poseAngles } from '../base/camera.js';
import { addAsymmetryPrior, type ExpressionAsymmetry } from './asymmetry-prior.js';
import type { ClosureGaps } from './closure-gaps.js';
import type { ContourLines } from './contour.js';
import { selectContourPoints } from './contour.js';
import type { NormalEquations } from '../base/linalg.js';
import type { AccumulateMode } from './lm-solver.js';
import { projectWithJacobian, type FitState } from './projection-jacobian.js';
import { ParameterLayout } from './parameter-layout.js';
import { evaluatePoints, PointsAtCoefficients, type SurfacePoints } from './surface-points.js';

/** What the fit needs to know about a landmark scheme on a model (see src/correspondence). */
export interface LandmarkModel {
  surface: SurfacePoints;
  /** Base weight of each landmark (0 = unused). */
  weights: Float32Array;
  contour?: ContourLines;
  /** Eyelid and inner-lip gaps whose projection must match the landmarks': eye and mouth closure. */
  closure?: ClosureGaps;
  identityCount: number;
  expressionCount: number;
  /** Expression pairs and sideways shapes the asymmetry prior holds (see asymmetry-prior.ts). */
  asymmetry?: ExpressionAsymmetry;
}

export interface LandmarkTermOptions {
  /** Expected landmark error as a fraction of face size: residuals are divided by sigma * faceSize. */
  sigma: number;
  /** Weight of the eyelid-gap residuals relative to one landmark. */
  eyeWeight: number;
  /** Weight of the inner-lip-gap residuals relative to one landmark. */
  lipWeight: number;
  /** Expected error of an observed gap as a fraction of face size (default `sigma`). */
  gapSigma?: number;
  /**
   * Observed gap (fraction of face size) below which lids or lips count as touching: their model
   * points are then also held together in depth, which the photo cannot show (contact weight
   * 1 / (1 + (gap / contactGap)^2)).
   */
  contactGap?: number;
  /** Cauchy robust scale as a fraction of face size. */
  robustScale: number;
  /** Growth of the far half's landmark sigma with yaw (see SharedFitOptions.farSideSigmaGrowth); default 0. */
  farSideSigmaGrowth?: number;
}

/** Distance from the midline (model units, 30 mm) at which a landmark counts wholly as on the far half. */
const FAR_SIDE_FULL_X = 3;

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
  /** Per used landmark: its mean-face x (head frame, model units), and its weight for the far-half sigma growth. */
  private readonly sideX: Float64Array;
  private readonly farSide: Float64Array;
  /** Pixel position of each used landmark's model point (2 per entry of `used`) at the last evaluation. */
  readonly uv: Float64Array;
  private readonly jac: Float64Array;
  /** Per used landmark: the gradients of its u and v with respect to its model-frame point (see projectWithJacobian). */
  private readonly modelGradients: Float64Array;
  /** The contour candidate (index into lm.contour.candidates) each contour landmark used at the last evaluation. */
  private contourPoints = new Uint32Array(0);
  /** Model-frame positions of the landmarks' points and of the contour candidates at the last coefficients. */
  private readonly landmarkPoints: PointsAtCoefficients;
  private readonly candidatePoints: PointsAtCoefficients | undefined;
  /** Gaps whose two landmarks are both present, and their model points' projections and Jacobian rows. */
  private readonly gaps: Uint32Array;
  private readonly gapUv: Float64Array;
  private readonly gapJac: Float64Array;
  private readonly gapScale: number;
  /** Per gap in use: weight of its depth-contact row. */
  private readonly contact: Float64Array;
  private readonly fixedCount: number;
  private readonly contourLine: Int32Array;
  private readonly slot: Int32Array;
  private chosen: Uint32Array = new Uint32Array(0);
  /** The column-major Jacobian `add` hands to NormalEquations.addRows. */
  private columnJ = new Float64Array(0);
  private readonly cx: number;
  private readonly cy: number;
  /** Layout of the parameter vector the Jacobian rows are over. */
  readonly layout: ParameterLayout;
  private readonly nParams: number;

  constructor(
    readonly lm: LandmarkModel, readonly targets: Float32Array, image: { width: number; height: number },
    readonly options: LandmarkTermOptions,
  ) {
    const N = lm.surface.count;
    this.cx = image.width / 2; this.cy = image.height / 2;
    this.layout = new ParameterLayout(lm.identityCount, lm.expressionCount);
    this.nParams = this.layout.size;
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
    const means = evaluatePoints(lm.surface, new Float64Array(lm.surface.columns));
    this.sideX = Float64Array.from(this.used, (i) => means[3 * i]);
    this.farSide = new Float64Array(this.used.length).fill(1);
    this.uv = new Float64Array(2 * this.used.length);
    this.jac = new Float64Array(2 * this.used.length * this.nParams);
    this.modelGradients = new Float64Array(6 * this.used.length);
    this.landmarkPoints = new PointsAtCoefficients(lm.surface);
    this.candidatePoints = lm.contour && new PointsAtCoefficients(lm.contour.candidates);
    const gaps: number[] = [];
    const pairs = lm.closure?.landmarkPairs ?? new Uint32Array(0);
    const present = (i: number) => Number.isFinite(targets[2 * i]) && Number.isFinite(targets[2 * i + 1]);
    for (let g = 0; g < pairs.length / 2; g++) if (present(pairs[2 * g]) && present(pairs[2 * g + 1])) gaps.push(g);
    this.gaps = Uint32Array.from(gaps);
    this.gapUv = new Float64Array(4 * gaps.length);
    this.gapJac = new Float64Array(4 * gaps.length * this.nParams);
    this.gapScale = 1 / ((options.gapSigma ?? options.sigma) * this.faceSize);
    const contactPx = (options.contactGap ?? 0.015) * this.faceSize;
    this.contact = Float64Array.from(gaps, (g) => {
      const a = pairs[2 * g], b = pairs[2 * g + 1];
      const seen = Math.hypot(targets[2 * a] - targets[2 * b], targets[2 * a + 1] - targets[2 * b + 1]);
      return 1 / (1 + (seen / contactPx) ** 2);
    });
  }

  /**
   * Projects every used landmark's model point (and its Jacobian rows) at `state`. With `poseOnly`,
   * the landmarks' Jacobian rows hold only the pose columns, and the model-frame gradients stand for
   * the rest (the gap rows are always whole).
   */
  evaluate(state: FitState, withJacobian: boolean, poseOnly = false): void {
    const nF = this.fixedCount, n = this.nParams;
    const jac = withJacobian ? this.jac : undefined;
    const rows = (from: number, modelPoints: Float64Array | undefined) =>
      (withJacobian ? { modelGradients: this.modelGradients.subarray(6 * from), poseOnly, modelPoints } : { modelPoints });
    projectWithJacobian(this.lm.surface, this.used.subarray(0, nF), state, this.layout, this.cx, this.cy, this.uv, jac,
      rows(0, this.landmarkPoints.at(state.coeffs)));
    if (this.lm.closure && this.gaps.length) {
      const points = Array.from(this.gaps, (g) => [2 * g, 2 * g + 1]).flat();
      projectWithJacobian(this.lm.closure.surface, points, state, this.layout, this.cx, this.cy, this.gapUv, withJacobian ? this.gapJac : undefined);
    }
    if (this.contourLine.length === 0) return;
    if (this.chosen.length === 0) this.chosen = selectContourPoints(this.lm.contour!, state, this.candidatePoints!.at(state.coeffs));
    // All candidates are evaluated only where the contour is re-chosen; elsewhere the chosen ones alone.
    const candidates = this.candidatePoints!.ifAt(state.coeffs);
    this.contourPoints = Uint32Array.from(this.contourLine, (line) => this.chosen[line]);
    projectWithJacobian(this.lm.contour!.candidates, this.contourPoints, state, this.layout, this.cx, this.cy,
      this.uv.subarray(2 * nF), jac?.subarray(2 * nF * n), rows(nF, candidates));
  }

  /**
   * Re-chooses the contour points and the far half's weights and, when `reweight`, the Cauchy
   * weights for `state`.
   */
  beginIteration(state: FitState, reweight: boolean): void {
    if (this.lm.contour) this.chosen = selectContourPoints(this.lm.contour, state, this.candidatePoints!.at(state.coeffs));
    this.weighFarSide(state);
    if (!reweight) return;
    this.evaluate(state, false);
    const c = this.options.robustScale * this.faceSize;
    const t = this.targets;
    this.used.forEach((i, k) => {
      const d2 = (this.uv[2 * k] - t[2 * i]) ** 2 + (this.uv[2 * k + 1] - t[2 * i + 1]) ** 2;
      this.robust[k] = 1 / (1 + d2 / (c * c));
    });
  }

  /**
   * Weight of each landmark for the far half's sigma growth at the head's yaw: positive yaw turns
   * the head to the subject's left (+x), whose half then faces away.
   */
  private weighFarSide(state: FitState): void {
    const g = this.options.farSideSigmaGrowth ?? 0;
    const yaw = (poseAngles(state.rotation).yaw * Math.PI) / 180;
    const s2 = Math.sin(yaw) ** 2, sign = Math.sign(yaw);
    this.sideX.forEach((x, k) => {
      const far = Math.min(1, Math.max(0, (sign * x) / FAR_SIDE_FULL_X));
      this.farSide[k] = 1 / (1 + g * s2 * far) ** 2;
    });
  }

  /** Adds the landmark and closure-gap rows (or only their cost) to `ne`, multiplied by `weight`. */
  add(ne: NormalEquations, state: FitState, active: Uint8Array, mode: AccumulateMode, weight = 1): void {
    const withJacobian = mode !== 'cost';
    this.evaluate(state, withJacobian, mode === 'gradient');
    const n = this.nParams, s = this.scale, t = this.targets, uv = this.uv;
    const U = this.used.length, G = this.gaps.length;
    const m = 2 * U + 3 * G;
    const r = new Float64Array(m), w = new Float64Array(m);
    let q = 0;
    for (let k = 0; k < U; k++) {
      const i = this.used[k];
      const wk = weight * this.lm.weights[i] * this.robust[k] * this.farSide[k];
      for (let d = 0; d < 2; d++, q++) {
        r[q] = (uv[2 * k + d] - t[2 * i + d]) * s;
        w[q] = wk;
      }
    }
    // Gap rows: (upper - lower) of the model points minus (upper - lower) of the landmarks.
    const closure = this.lm.closure;
    for (let k = 0; k < G; k++) {
      const g = this.gaps[k];
      const ia = closure!.landmarkPairs[2 * g], ib = closure!.landmarkPairs[2 * g + 1];
      const wg = weight * (closure!.lip[g] ? this.options.lipWeight : this.options.eyeWeight);
      for (let d = 0; d < 2; d++, q++) {
        r[q] = ((this.gapUv[4 * k + d] - this.gapUv[4 * k + 2 + d]) - (t[2 * ia + d] - t[2 * ib + d])) * this.gapScale;
        w[q] = wg;
      }
    }
    // Contact rows: where the landmarks show the lids or lips touching, the model points' head-frame
    // depth difference, in pixels at the head's distance, is pulled to zero.
    const pxPerUnit = state.focal / state.translation[2];
    const gapMeans = this.gapPoints(state);
    for (let k = 0; k < G; k++, q++) {
      const g = this.gaps[k];
      r[q] = (gapMeans[6 * g + 2] - gapMeans[6 * g + 5]) * pxPerUnit * this.gapScale;
      w[q] = weight * (closure!.lip[g] ? this.options.lipWeight : this.options.eyeWeight) * this.contact[k];
    }
    if (!withJacobian) {
      for (let k = 0; k < q; k++) ne.cost += w[k] * r[k] * r[k];
      return;
    }
    const columns: number[] = [];
    for (let p = 0; p < n; p++) if (active[p]) columns.push(p);
    // Every row of every listed column is written below, so the buffer is reused between calls.
    if (this.columnJ.length !== n * q) this.columnJ = new Float64Array(n * q);
    const J = this.columnJ;
    const jac = this.jac, gapJac = this.gapJac, nc = columns.length;
    // Column by column: J is column-major, so each column's rows are written in order. Without
    // J^T W J, the landmark rows are left out and their J^T W r is formed from the model gradients.
    for (let a = 0; a < nc && mode === 'full'; a++) {
      const p = columns[a], o = p * q;
      for (let k = 0; k < 2 * U; k++) J[o + k] = jac[k * n + p] * s;
    }
    for (let k = 0; k < G; k++) for (let d = 0; d < 2; d++) {
      const row = 2 * U + 2 * k + d, oa = (4 * k + d) * n, ob = (4 * k + 2 + d) * n;
      for (let a = 0; a < nc; a++) { const p = columns[a]; J[p * q + row] = (gapJac[oa + p] - gapJac[ob + p]) * this.gapScale; }
    }
    const basis = closure?.surface.basis, C = closure?.surface.columns ?? 0;
    const coef = this.layout.coefficients.start;
    for (let k = 0; k < G; k++) {
      const g = this.gaps[k], row = 2 * U + 2 * G + k;
      const oa = (3 * (2 * g) + 2) * C, ob = (3 * (2 * g + 1) + 2) * C;
      for (let a = 0; a < nc; a++) {
        const p = columns[a];
        J[p * q + row] = p < coef ? 0 : (basis![oa + p - coef] - basis![ob + p - coef]) * pxPerUnit * this.gapScale;
      }
    }
    if (mode === 'full') ne.addRows(J, r, w, q, columns);
    else this.addGradient(ne, r, w, q, columns);
  }

  /**
   * Cost and J^T W r of the rows `add` computed, without J^T W J: the landmark rows' coefficient
   * part as (basis rows)^T (model gradients weighted by w r), 3 products per point and coefficient
   * instead of the 6 of their Jacobian rows; the gap rows from their columns in `columnJ`.
   */
  private addGradient(ne: NormalEquations, r: Float64Array, w: Float64Array, q: number, columns: readonly number[]): void {
    const n = this.nParams, s = this.scale, U = this.used.length, nF = this.fixedCount, coef = this.layout.coefficients.start;
    const jac = this.jac, grad = this.modelGradients, J = this.columnJ, Jtr = ne.Jtr;
    for (let k = 0; k < q; k++) ne.cost += w[k] * r[k] * r[k];
    const C = this.lm.surface.columns, pose = new Float64Array(coef), coefficients = new Float64Array(C), dir = new Float64Array(3 * U);
    for (let k = 0; k < U; k++) {
      const cu = w[2 * k] * r[2 * k] * s, cv = w[2 * k + 1] * r[2 * k + 1] * s, ou = 2 * k * n, ov = ou + n;
      for (let p = 0; p < coef; p++) pose[p] += cu * jac[ou + p] + cv * jac[ov + p];
      for (let d = 0; d < 3; d++) dir[3 * k + d] = cu * grad[6 * k + d] + cv * grad[6 * k + 3 + d];
    }
    const addPoints = (points: SurfacePoints, indices: ArrayLike<number>, from: number) => {
      const basis = points.basis;
      for (let k = 0; k < indices.length; k++) {
        const r0 = 3 * indices[k] * C, r1 = r0 + C, r2 = r1 + C, o = 3 * (from + k);
        const d0 = dir[o], d1 = dir[o + 1], d2 = dir[o + 2];
        for (let m = 0; m < C; m++) coefficients[m] += basis[r0 + m] * d0 + basis[r1 + m] * d1 + basis[r2 + m] * d2;
      }
    };
    addPoints(this.lm.surface, this.used.subarray(0, nF), 0);
    if (this.contourPoints.length) addPoints(this.lm.contour!.candidates, this.contourPoints, nF);
    for (const p of columns) {
      let g = p < coef ? pose[p] : coefficients[p - coef];
      const o = p * q;
      for (let k = 2 * U; k < q; k++) g += J[o + k] * w[k] * r[k];
      Jtr[p] += g;
    }
  }

  /** Head-frame positions of every closure point (upper, lower per gap), model units. */
  private gapPoints(state: FitState): Float64Array {
    return evaluatePoints(this.lm.closure!.surface, state.coeffs);
  }

  /** Mean pixel distance between detected landmarks and their model points at `state`. */
  meanErrorPx(state: FitState): number {
    if (this.lm.contour) this.chosen = selectContourPoints(this.lm.contour, state, this.candidatePoints!.at(state.coeffs));
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

/**
 * Gaussian priors: identity ~ N(0, 1) per mode (weight `identityPrior`, 1 unless the evidence is
 * weak), expression pulled to 0, log focal length about its prior centre, and with `asymmetry` the
 * left/right expression differences and sideways shapes pulled to 0 with weight `asymmetryPrior`.
 */
export function addParameterPriors(
  ne: NormalEquations, state: FitState, active: Uint8Array, layout: ParameterLayout,
  o: { identityPrior: number; expressionPrior: number; focal0: number; focalSigmaLog: number; asymmetry?: ExpressionAsymmetry; asymmetryPrior: number },
): void {
  const f = layout.logFocal.start;
  if (active[f]) ne.addPrior(f, Math.log(state.focal / o.focal0), 1 / (o.focalSigmaLog * o.focalSigmaLog));
  for (let m = 0; m < state.coeffs.length; m++) {
    const p = layout.coefficient(m);
    if (!active[p]) continue;
    ne.addPrior(p, state.coeffs[m], p < layout.identity.end ? o.identityPrior : o.expressionPrior);
  }
  if (o.asymmetry) addAsymmetryPrior(ne, state, active, layout, o.asymmetry, o.asymmetryPrior);
}
