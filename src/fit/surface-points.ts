import type { MorphableModel } from '../model/types.js';

/**
 * Points on the model surface, each a barycentric combination of three vertices, with their
 * position as a linear function of the coefficients: p = mean + basis [identity; expression].
 * basis is stored per point as 3 rows of (identityCount + expressionCount) columns.
 */
export interface SurfacePoints {
  count: number;
  vertices: Uint32Array;
  weights: Float32Array;
  mean: Float64Array;
  basis: Float64Array;
  columns: number;
}

export function buildSurfacePoints(
  model: MorphableModel, vertices: Uint32Array, weights: Float32Array, identityCount: number,
): SurfacePoints {
  const count = vertices.length / 3;
  const E = model.expressionNames.length;
  const columns = identityCount + E;
  const V3 = model.vertexCount * 3;
  const mean = new Float64Array(count * 3);
  const basis = new Float64Array(count * 3 * columns);
  for (let p = 0; p < count; p++) {
    for (let c = 0; c < 3; c++) {
      const row = (3 * p + c) * columns;
      for (let k = 0; k < 3; k++) {
        const v = vertices[3 * p + k], w = weights[3 * p + k];
        if (w === 0) continue;
        const o = 3 * v + c;
        mean[3 * p + c] += w * model.neutral[o];
        for (let m = 0; m < identityCount; m++) basis[row + m] += w * model.identityBasis[m * V3 + o];
        for (let m = 0; m < E; m++) basis[row + identityCount + m] += w * model.expressionBasis[m * V3 + o];
      }
    }
  }
  return { count, vertices, weights, mean, basis, columns };
}

/** Surface points that are plain vertices. */
export function vertexPoints(model: MorphableModel, indices: ArrayLike<number>, identityCount: number): SurfacePoints {
  const vertices = new Uint32Array(indices.length * 3);
  const weights = new Float32Array(indices.length * 3);
  for (let i = 0; i < indices.length; i++) {
    vertices[3 * i] = vertices[3 * i + 1] = vertices[3 * i + 2] = indices[i];
    weights[3 * i] = 1;
  }
  return buildSurfacePoints(model, vertices, weights, identityCount);
}

/** Model-frame positions of the points for coefficients c = [identity(identityCount); expression]. */
export function evaluatePoints(points: SurfacePoints, coeffs: Float64Array, out = new Float64Array(points.count * 3)): Float64Array {
  const C = points.columns, basis = points.basis, mean = points.mean;
  // Expression weights are mostly exactly zero (clamped at their bound): skip those columns.
  const used = new Int32Array(C);
  let nu = 0;
  for (let m = 0; m < C; m++) if (coeffs[m] !== 0) used[nu++] = m;
  for (let r = 0; r < points.count * 3; r++) {
    let s = mean[r];
    const row = r * C;
    for (let j = 0; j < nu; j++) { const m = used[j]; s += basis[row + m] * coeffs[m]; }
    out[r] = s;
  }
  return out;
}
