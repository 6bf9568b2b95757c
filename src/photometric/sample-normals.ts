import type { MorphableModel } from '../model/types.js';
import type { FaceSamples } from './face-samples.js';

/**
 * Area-weighted normals of the samples, N = sum over the surrounding triangles of
 * (p_b - p_a) x (p_c - p_a), linearised in the model coefficients around the current ones:
 * N(c) = N0 + D (c - c0). For triangle (a, b, c), dN = da x (p_b - p_c) + db x (p_c - p_a) +
 * dc x (p_a - p_b), so D is a sum over the ring's vertices of (basis displacement) x (edge sum).
 */
export interface SampleNormals {
  count: number;
  columns: number;
  c0: Float64Array;
  /** Unnormalised normal of each sample at c0 (model frame), 3 per sample. */
  N0: Float64Array;
  /** dN/dc, per sample 3 rows of `columns`. */
  D: Float64Array;
}

export function lineariseNormals(
  model: MorphableModel, samples: FaceSamples, positions: Float32Array, identityCount: number, coeffs: Float64Array,
): SampleNormals {
  const S = samples.vertices.length;
  const E = model.expressionNames.length;
  const C = identityCount + E;
  const V3 = model.vertexCount * 3;
  const N0 = new Float64Array(3 * S);
  const D = new Float64Array(3 * S * C);
  const ringVertex: number[] = [];
  const ringEdge: number[] = [];
  const p = positions, tri = model.triangles;
  const normal = new Float64Array(3);
  for (let i = 0; i < S; i++) {
    sampleRing(samples, i, p, tri, ringVertex, ringEdge, normal);
    N0.set(normal, 3 * i);
    const o = 3 * i * C;
    for (let k = 0; k < ringVertex.length; k++) {
      const v = 3 * ringVertex[k];
      const gx = ringEdge[3 * k], gy = ringEdge[3 * k + 1], gz = ringEdge[3 * k + 2];
      for (let m = 0; m < C; m++) {
        const basis = m < identityCount ? model.identityBasis : model.expressionBasis;
        const base = (m < identityCount ? m : m - identityCount) * V3 + v;
        const dx = basis[base], dy = basis[base + 1], dz = basis[base + 2];
        D[o + m] += dy * gz - dz * gy;
        D[o + C + m] += dz * gx - dx * gz;
        D[o + 2 * C + m] += dx * gy - dy * gx;
      }
    }
  }
  return { count: S, columns: C, c0: Float64Array.from(coeffs), N0, D };
}

/**
 * The area-weighted normal of sample i (unnormalised, into `normal`) over `positions`, and its ring:
 * the vertices of the triangles around it (`ring`) with the edge sum g_k of each (`ringEdge`, 3 per
 * vertex), so that moving ring vertex k by dp_k changes the normal by sum_k dp_k x g_k.
 */
export function sampleRing(
  samples: FaceSamples, i: number, positions: ArrayLike<number>, triangles: Uint32Array, ring: number[], ringEdge: number[], normal: Float64Array,
): void {
  ring.length = 0; ringEdge.length = 0; normal.fill(0);
  const p = positions;
  const add = (v: number, gx: number, gy: number, gz: number) => {
    let k = ring.indexOf(v);
    if (k < 0) { k = ring.length; ring.push(v); ringEdge.push(0, 0, 0); }
    ringEdge[3 * k] += gx; ringEdge[3 * k + 1] += gy; ringEdge[3 * k + 2] += gz;
  };
  for (let q = samples.triangleStart[i]; q < samples.triangleStart[i + 1]; q++) {
    const t = samples.triangles[q];
    const a = triangles[3 * t], b = triangles[3 * t + 1], c = triangles[3 * t + 2];
    const ax = p[3 * a], ay = p[3 * a + 1], az = p[3 * a + 2];
    const bx = p[3 * b], by = p[3 * b + 1], bz = p[3 * b + 2];
    const cx = p[3 * c], cy = p[3 * c + 1], cz = p[3 * c + 2];
    const ux = bx - ax, uy = by - ay, uz = bz - az, vx = cx - ax, vy = cy - ay, vz = cz - az;
    normal[0] += uy * vz - uz * vy; normal[1] += uz * vx - ux * vz; normal[2] += ux * vy - uy * vx;
    add(a, bx - cx, by - cy, bz - cz);
    add(b, cx - ax, cy - ay, cz - az);
    add(c, ax - bx, ay - by, az - bz);
  }
}

/** Unit normal of sample i at coefficients `coeffs` under the linear model; writes out[0..2], returns |N|. */
export function sampleNormal(n: SampleNormals, i: number, coeffs: Float64Array, out: Float64Array): number {
  const C = n.columns, o = 3 * i * C;
  let x = n.N0[3 * i], y = n.N0[3 * i + 1], z = n.N0[3 * i + 2];
  for (let m = 0; m < C; m++) {
    const d = coeffs[m] - n.c0[m];
    if (d === 0) continue;
    x += n.D[o + m] * d; y += n.D[o + C + m] * d; z += n.D[o + 2 * C + m] * d;
  }
  const len = Math.hypot(x, y, z) || 1;
  out[0] = x / len; out[1] = y / len; out[2] = z / len;
  return len;
}
