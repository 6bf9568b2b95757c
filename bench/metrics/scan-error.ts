/**
 * Reconstruction error against a ground-truth surface, measured the way the public benchmarks do.
 *
 * NoW (Sanyal et al. 2019): the prediction is aligned to the ground truth by a similarity transform
 * from corresponding landmarks, the alignment is refined rigidly (scale kept) by ICP that minimises
 * the ground-truth-to-prediction distance, and the error is the distance from every ground-truth
 * vertex of the face region to the predicted surface (point-to-triangle).
 * REALY (Chai et al. 2022): the same per facial region, each region re-aligned on its own first.
 */
import { vertexNormals } from '../../src/base/normals.js';
import * as mat3 from '../../src/base/mat3.js';
import { solveSpd } from '../../src/base/linalg.js';
import { TriangleBvh, type ClosestPoint } from './closest-point.js';
import { alignRigid, applyTransform } from './rigid-align.js';
import { summarise, type Summary } from './stats.js';

export interface SimilarityTransform {
  rotation: Float64Array;
  translation: Float64Array;
  scale: number;
}

/** A predicted face mesh, in any frame and scale. */
export interface PredictedSurface {
  positions: Float32Array;
  triangles: Uint32Array;
  /** Triangles (indices) that make up the surface to measure against; default all. */
  surfaceTriangles?: ArrayLike<number>;
  /** K x 3 landmark positions, in the same order as the reference's landmarks. */
  landmarks: Float32Array;
}

/** The ground truth, in millimetres. */
export interface ReferenceSurface {
  positions: Float32Array;
  triangles: Uint32Array;
  /** Vertices where the error is measured (the cropped face region). */
  region: ArrayLike<number>;
  /** K x 3 landmark positions. */
  landmarks: Float32Array;
  /** Unit vertex normals; computed from the triangles when absent. */
  normals?: Float32Array;
}

export interface IcpOptions {
  /** Largest number of ICP iterations. Default 30. */
  maxIterations?: number;
  /** Stop when the mean distance improves by less than this (same unit as the reference). Default 1e-4. */
  tolerance?: number;
}

export interface ScanError extends Summary {
  /** Distance of each region vertex (in `reference.region` order) to the aligned prediction. */
  distances: Float32Array;
  /** Prediction -> reference transform after ICP. */
  transform: SimilarityTransform;
  icpIterations: number;
  /** The error after the landmark similarity alone, before ICP. */
  landmarkAligned: Summary;
  /** Angle (degrees) between each region vertex's normal and the prediction's interpolated normal there. */
  normalAngles: Float32Array;
  normalAngle: Summary;
}

/** A prepared prediction: its BVH and vertex normals, reusable for several measurements. */
export class PreparedPrediction {
  readonly bvh: TriangleBvh;
  readonly normals: Float32Array;
  constructor(readonly surface: PredictedSurface) {
    this.bvh = new TriangleBvh(surface.positions, surface.triangles, surface.surfaceTriangles);
    this.normals = vertexNormals(surface.positions, surface.triangles);
  }
}

/** Similarity transform (scale allowed) mapping prediction landmarks onto reference landmarks. */
export function landmarkSimilarity(predicted: Float32Array, reference: Float32Array): SimilarityTransform {
  const n = Math.min(predicted.length, reference.length) / 3;
  const idx = Array.from({ length: n }, (_, i) => i);
  return alignRigid(predicted, reference, idx, true);
}

/**
 * Rigid ICP with fixed scale: each reference point is matched to its closest point on the
 * prediction, then rotation and translation are re-solved minimising the point-to-plane distance
 * (along the reference normal; converges in a few iterations where point-to-point ICP crawls).
 * Stops when the mean closest-point distance improves by less than the tolerance, keeping the
 * best transform seen. Returns the refined transform and the number of updates made.
 */
export function refineByIcp(
  prediction: PreparedPrediction, reference: Float32Array, referenceNormals: Float32Array, vertices: ArrayLike<number>,
  start: SimilarityTransform, options: IcpOptions = {},
): { transform: SimilarityTransform; iterations: number } {
  const maxIterations = options.maxIterations ?? 30;
  const tolerance = options.tolerance ?? 1e-4;
  const n = vertices.length;
  const cp = newClosest();
  let T = start, best = start, bestMean = Infinity, iterations = 0;
  const JtJ = new Float64Array(36), Jtr = new Float64Array(6), row = new Float64Array(6);
  for (let it = 0; it <= maxIterations; it++) {
    const R = T.rotation, s = T.scale, t = T.translation;
    JtJ.fill(0); Jtr.fill(0);
    // Matched prediction points (in the reference frame) and their centroid, for conditioning.
    const matched = new Float64Array(3 * n);
    let sum = 0;
    const centre = [0, 0, 0];
    for (let k = 0; k < n; k++) {
      const v = vertices[k];
      const q = toPredictionFrame(T, reference[3 * v], reference[3 * v + 1], reference[3 * v + 2]);
      prediction.bvh.closest(q[0], q[1], q[2], cp);
      sum += cp.distance * s;
      for (let r = 0; r < 3; r++) {
        matched[3 * k + r] = s * (R[3 * r] * cp.x + R[3 * r + 1] * cp.y + R[3 * r + 2] * cp.z) + t[r];
        centre[r] += matched[3 * k + r] / n;
      }
    }
    const mean = sum / n;
    if (mean < bestMean - tolerance) { bestMean = mean; best = T; } else break;
    if (it === maxIterations) break;
    for (let k = 0; k < n; k++) {
      const v = vertices[k];
      const nx = referenceNormals[3 * v], ny = referenceNormals[3 * v + 1], nz = referenceNormals[3 * v + 2];
      const px = matched[3 * k] - centre[0], py = matched[3 * k + 1] - centre[1], pz = matched[3 * k + 2] - centre[2];
      const res = (matched[3 * k] - reference[3 * v]) * nx + (matched[3 * k + 1] - reference[3 * v + 1]) * ny + (matched[3 * k + 2] - reference[3 * v + 2]) * nz;
      row[0] = py * nz - pz * ny; row[1] = pz * nx - px * nz; row[2] = px * ny - py * nx;
      row[3] = nx; row[4] = ny; row[5] = nz;
      for (let a = 0; a < 6; a++) {
        Jtr[a] -= row[a] * res;
        for (let b = 0; b < 6; b++) JtJ[6 * a + b] += row[a] * row[b];
      }
    }
    for (let a = 0; a < 6; a++) JtJ[7 * a] += 1e-9 * (1 + JtJ[7 * a]);
    const x = solveSpd(new Float64Array(6), JtJ, Jtr, 6);
    if (!x) break;
    const dR = mat3.fromAxisAngle(mat3.create(), x[0], x[1], x[2]);
    const rotation = mat3.multiply(mat3.create(), dR, R);
    const translation = new Float64Array(3);
    for (let r = 0; r < 3; r++) {
      translation[r] = dR[3 * r] * (t[0] - centre[0]) + dR[3 * r + 1] * (t[1] - centre[1]) + dR[3 * r + 2] * (t[2] - centre[2]) + centre[r] + x[3 + r];
    }
    T = { rotation, translation, scale: s };
    iterations++;
  }
  return { transform: best, iterations };
}

/** Distances (and normal angles) from reference vertices to the prediction under transform T. */
export function surfaceDistances(
  prediction: PreparedPrediction, reference: Float32Array, referenceNormals: Float32Array | undefined, vertices: ArrayLike<number>, T: SimilarityTransform,
): { distances: Float32Array; normalAngles: Float32Array } {
  const n = vertices.length;
  const distances = new Float32Array(n), normalAngles = new Float32Array(n).fill(NaN);
  const cp = newClosest();
  const tri = prediction.surface.triangles, N = prediction.normals, R = T.rotation;
  for (let k = 0; k < n; k++) {
    const v = vertices[k];
    const q = toPredictionFrame(T, reference[3 * v], reference[3 * v + 1], reference[3 * v + 2]);
    prediction.bvh.closest(q[0], q[1], q[2], cp);
    distances[k] = cp.distance * T.scale;
    if (!referenceNormals || cp.triangle < 0) continue;
    const i0 = 3 * tri[3 * cp.triangle], i1 = 3 * tri[3 * cp.triangle + 1], i2 = 3 * tri[3 * cp.triangle + 2];
    const m = [0, 1, 2].map((c) => cp.b0 * N[i0 + c] + cp.b1 * N[i1 + c] + cp.b2 * N[i2 + c]);
    const r = [0, 1, 2].map((row) => R[3 * row] * m[0] + R[3 * row + 1] * m[1] + R[3 * row + 2] * m[2]);
    const len = Math.hypot(r[0], r[1], r[2]) || 1;
    const dot = (r[0] * referenceNormals[3 * v] + r[1] * referenceNormals[3 * v + 1] + r[2] * referenceNormals[3 * v + 2]) / len;
    normalAngles[k] = (Math.acos(Math.max(-1, Math.min(1, dot))) * 180) / Math.PI;
  }
  return { distances, normalAngles };
}

/** NoW-style error of a prediction against a reference: landmark similarity, rigid ICP, scan-to-mesh distances. */
export function scanError(prediction: PredictedSurface | PreparedPrediction, reference: ReferenceSurface, options: IcpOptions = {}): ScanError {
  const prepared = prediction instanceof PreparedPrediction ? prediction : new PreparedPrediction(prediction);
  const normals = reference.normals ?? vertexNormals(reference.positions, reference.triangles);
  const start = landmarkSimilarity(prepared.surface.landmarks, reference.landmarks);
  const before = surfaceDistances(prepared, reference.positions, undefined, reference.region, start);
  const { transform, iterations } = refineByIcp(prepared, reference.positions, normals, reference.region, start, options);
  const { distances, normalAngles } = surfaceDistances(prepared, reference.positions, normals, reference.region, transform);
  return {
    ...summarise(distances),
    distances,
    transform,
    icpIterations: iterations,
    landmarkAligned: summarise(before.distances),
    normalAngles,
    normalAngle: summarise(normalAngles),
  };
}

export interface RegionError extends Summary {
  icpIterations: number;
}

/**
 * REALY-style per-region errors: starting from a global alignment, each region of the reference
 * is re-aligned rigidly by ICP on its own vertices, then measured.
 */
export function regionErrors(
  prediction: PreparedPrediction, reference: ReferenceSurface, regions: Record<string, ArrayLike<number>>, start: SimilarityTransform, options: IcpOptions = {},
): Record<string, RegionError> {
  const out: Record<string, RegionError> = {};
  const normals = reference.normals ?? vertexNormals(reference.positions, reference.triangles);
  for (const [name, vertices] of Object.entries(regions)) {
    if (vertices.length < 3) { out[name] = { ...summarise([]), icpIterations: 0 }; continue; }
    const { transform, iterations } = refineByIcp(prediction, reference.positions, normals, vertices, start, options);
    const { distances } = surfaceDistances(prediction, reference.positions, undefined, vertices, transform);
    out[name] = { ...summarise(distances), icpIterations: iterations };
  }
  return out;
}

/** Applies a similarity transform to positions. */
export function transformPositions(positions: Float32Array, T: SimilarityTransform): Float32Array {
  return applyTransform(positions, T);
}

function toPredictionFrame(T: SimilarityTransform, x: number, y: number, z: number): [number, number, number] {
  const R = T.rotation, s = T.scale;
  const dx = x - T.translation[0], dy = y - T.translation[1], dz = z - T.translation[2];
  return [
    (R[0] * dx + R[3] * dy + R[6] * dz) / s,
    (R[1] * dx + R[4] * dy + R[7] * dz) / s,
    (R[2] * dx + R[5] * dy + R[8] * dz) / s,
  ];
}

function newClosest(): ClosestPoint {
  return { distance: Infinity, triangle: -1, b0: 0, b1: 0, b2: 0, x: 0, y: 0, z: 0 };
}
