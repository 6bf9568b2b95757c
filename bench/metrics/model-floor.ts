/**
 * The model floor of a ground-truth shape: how far the truth is from anything the fitted model can
 * express. The model (the fit's identity modes and every expression, weights bounded to [0, 1]) is
 * fitted in 3D to the true vertices of the scored region, regularised as the landmark fit is (the
 * same priors, and the data weighted as its 468 landmarks at its expected error), then scored with
 * the benchmark's own protocol (NoW alignment, ICP, point-to-surface). On real scanned heads this
 * leaves about 0.7 mm median on the inner face; a synthetic truth with a much lower floor flatters
 * every method scored on it.
 */
import { NormalEquations, solveSpd } from '../../src/base/linalg.js';
import { instantiate } from '../../src/model/instance.js';
import type { MorphableModel } from '../../src/model/types.js';
import { scanError, type IcpOptions, type ReferenceSurface } from './scan-error.js';
import type { Summary } from './stats.js';

export interface ModelFloorOptions {
  /** Identity modes the fit uses. Default 50 (the landmark fit's). */
  identityCount?: number;
  /** Prior weight of the expression weights, as in the landmark fit. Default 3. */
  expressionPrior?: number;
  /** Expected error per landmark as a fraction of face size, as in the landmark fit. Default 0.025. */
  sigma?: number;
  /** Landmarks whose total weight the region's vertices share (the landmark fit's 468). */
  landmarkCount?: number;
}

export interface ModelFloor {
  identity: Float32Array;
  expression: Float32Array;
  /** The fitted instance, model frame, mm. */
  positionsMm: Float32Array;
  /** NoW-protocol error of the fitted instance against the truth (mm), and its per-vertex distances. */
  error: Summary;
  distances: Float32Array;
}

/**
 * Fits the model to the true vertices of `reference.region` (positions in mm, model frame) and
 * scores the fit. `surfaceTriangles` are the prediction triangles to measure against (the face).
 */
export function modelFloor(
  model: MorphableModel, reference: ReferenceSurface, keypoints: (positionsMm: Float32Array) => Float32Array,
  surfaceTriangles: ArrayLike<number>, options: ModelFloorOptions = {}, icp: IcpOptions = {},
): ModelFloor {
  const { identity, expression } = fitModelToSurface(model, reference.positions, reference.region, options);
  const positionsMm = instantiate(model, { identity, expression }).map((v) => v * model.unitsToMillimetres);
  const s = scanError({ positions: positionsMm, triangles: model.triangles, surfaceTriangles, landmarks: keypoints(positionsMm) }, reference, icp);
  return { identity, expression, positionsMm, error: { count: s.count, median: s.median, mean: s.mean, std: s.std }, distances: s.distances };
}

/**
 * Regularised linear least squares of identity and expression weights to target vertices (mm,
 * model frame): sum over region vertices of w |x(c) - target|^2 + identity^2 + prior * expression^2,
 * expression weights kept in [0, 1] by an active set (clamp, re-solve with the clamped ones fixed).
 */
export function fitModelToSurface(
  model: MorphableModel, targetMm: Float32Array, region: ArrayLike<number>, options: ModelFloorOptions = {},
): { identity: Float32Array; expression: Float32Array } {
  const K = Math.min(options.identityCount ?? 50, model.identityCount);
  const E = model.expressionNames.length;
  const n = K + E, V3 = 3 * model.vertexCount, mm = model.unitsToMillimetres;
  const rows = 3 * region.length;
  // Column-major Jacobian over the region's coordinates, and the residual at zero coefficients.
  const J = new Float64Array(n * rows), r = new Float64Array(rows);
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  for (let k = 0; k < region.length; k++) {
    const v = region[k];
    for (let c = 0; c < 3; c++) {
      const row = 3 * k + c, o = 3 * v + c;
      r[row] = targetMm[o] - model.neutral[o] * mm;
      for (let m = 0; m < K; m++) J[m * rows + row] = model.identityBasis[m * V3 + o] * mm;
      for (let e = 0; e < E; e++) J[(K + e) * rows + row] = model.expressionBasis[e * V3 + o] * mm;
    }
    minX = Math.min(minX, targetMm[3 * v]); maxX = Math.max(maxX, targetMm[3 * v]);
    minY = Math.min(minY, targetMm[3 * v + 1]); maxY = Math.max(maxY, targetMm[3 * v + 1]);
  }
  // The landmark fit weighs 2 residuals per landmark by 1 / (sigma * face size)^2; the region's
  // 3 residuals per vertex share that total weight.
  const sigmaMm = (options.sigma ?? 0.025) * Math.sqrt((maxX - minX) * (maxY - minY));
  const weight = (2 * (options.landmarkCount ?? 468)) / rows / (sigmaMm * sigmaMm);
  const ne = new NormalEquations(n);
  ne.addRows(J, r, new Float64Array(rows).fill(weight), rows, Array.from({ length: n }, (_, i) => i));
  ne.symmetrise();
  const prior = options.expressionPrior ?? 3;
  for (let m = 0; m < n; m++) ne.JtJ[m * n + m] += m < K ? 1 : prior;

  const coeffs = new Float64Array(n);
  const fixed = new Uint8Array(n);
  for (let round = 0; round < 2 * E + 1; round++) {
    const free = Array.from({ length: n }, (_, i) => i).filter((i) => !fixed[i]);
    const A = new Float64Array(free.length * free.length), b = new Float64Array(free.length);
    free.forEach((i, a) => {
      let rhs = ne.Jtr[i];
      for (let j = 0; j < n; j++) if (fixed[j]) rhs -= ne.JtJ[i * n + j] * coeffs[j];
      b[a] = rhs;
      free.forEach((j, c) => { A[a * free.length + c] = ne.JtJ[i * n + j]; });
    });
    const x = solveSpd(new Float64Array(free.length), A, b, free.length);
    if (!x) throw new Error('model floor: singular normal equations');
    let changed = false;
    free.forEach((i, a) => {
      coeffs[i] = x[a];
      if (i >= K && (x[a] < 0 || x[a] > 1)) { coeffs[i] = Math.min(1, Math.max(0, x[a])); fixed[i] = 1; changed = true; }
    });
    if (!changed) break;
  }
  return { identity: Float32Array.from(coeffs.subarray(0, K)), expression: Float32Array.from(coeffs.subarray(K)) };
}
