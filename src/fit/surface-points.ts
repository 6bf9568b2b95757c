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
  // Every column, zero weights included: a plain dot product runs about twice as fast as one that
  // skips the zero weights through an index list, and adding the zero terms changes no bit.
  for (let r = 0; r < points.count * 3; r++) {
    let s = mean[r];
    const row = r * C;
    for (let m = 0; m < C; m++) s += basis[row + m] * coeffs[m];
    out[r] = s;
  }
  return out;
}

/**
 * The model-frame positions of `points` (evaluatePoints) at the last coefficients asked for, kept
 * until the coefficients change: a fit evaluates the same coefficients several times (the robust
 * re-weighting, the contour choice and the linearisation at one state, the cost of an accepted step
 * and the next linearisation). The array returned is overwritten by the next call with other values.
 */
export class PointsAtCoefficients {
  private coeffs: Float64Array = new Float64Array(0);
  private readonly positions: Float64Array<ArrayBuffer>;

  constructor(readonly points: SurfacePoints) {
    this.positions = new Float64Array(points.count * 3);
  }

  at(coeffs: Float64Array): Float64Array {
    if (!this.holds(coeffs)) {
      evaluatePoints(this.points, coeffs, this.positions);
      this.coeffs = Float64Array.from(coeffs);
    }
    return this.positions;
  }

  /** The positions if they were last computed at `coeffs`, otherwise undefined (nothing is computed). */
  ifAt(coeffs: Float64Array): Float64Array | undefined {
    return this.holds(coeffs) ? this.positions : undefined;
  }

  private holds(coeffs: Float64Array): boolean {
    const last = this.coeffs;
    if (last.length !== coeffs.length) return false;
    for (let m = 0; m < coeffs.length; m++) if (!Object.is(last[m], coeffs[m])) return false;
    return true;
  }
}
