/**
 * Gaussian-weighted means of values held at scattered 3D points, read at other points: sum_k
 * w_k v_k / sum_k w_k with w_k = exp(-|p - p_k|^2 / 2 sigma^2). The values and their weights are
 * splatted trilinearly onto a lattice of spacing sigma / 2, blurred separably (the blur narrowed by
 * what the two trilinear steps add, h^2 / 3 of variance per axis) and read back trilinearly: cost
 * O(points + lattice x kernel) where the direct sum is O(points^2), over a face at a 15 mm scale
 * about 1% of the values' range apart from it.
 *
 * `positions`: xyz per vertex; `from` / `at`: vertex indices; `values`: `channels` per `from` entry.
 * Returns `channels` per `at` entry, 0 where no weight reaches.
 */
export function smoothAtPoints(
  positions: ArrayLike<number>, from: ArrayLike<number>, values: ArrayLike<number>, channels: number, at: ArrayLike<number>, sigma: number,
): Float64Array {
  const h = sigma / 2, C = channels + 1;
  const lo = [Infinity, Infinity, Infinity], hi = [-Infinity, -Infinity, -Infinity];
  for (const list of [from, at]) {
    for (let i = 0; i < list.length; i++) {
      for (let c = 0; c < 3; c++) { const p = positions[3 * list[i] + c]; lo[c] = Math.min(lo[c], p); hi[c] = Math.max(hi[c], p); }
    }
  }
  const out = new Float64Array(channels * at.length);
  if (!from.length || !at.length) return out;
  const n = [0, 1, 2].map((c) => Math.floor((hi[c] - lo[c]) / h) + 2);
  const lattice = new Float64Array(n[0] * n[1] * n[2] * C);
  const cells = new Int32Array(8), weights = new Float64Array(8);
  /** The 8 lattice cells around vertex v and their trilinear weights. */
  const corners = (v: number) => {
    const gx = Math.min(n[0] - 1.000001, (positions[3 * v] - lo[0]) / h), gy = Math.min(n[1] - 1.000001, (positions[3 * v + 1] - lo[1]) / h);
    const gz = Math.min(n[2] - 1.000001, (positions[3 * v + 2] - lo[2]) / h);
    const ix = Math.floor(gx), iy = Math.floor(gy), iz = Math.floor(gz), fx = gx - ix, fy = gy - iy, fz = gz - iz;
    for (let q = 0; q < 8; q++) {
      const dx = q & 1, dy = (q >> 1) & 1, dz = q >> 2;
      cells[q] = ((iz + dz) * n[1] + iy + dy) * n[0] + ix + dx;
      weights[q] = (dx ? fx : 1 - fx) * (dy ? fy : 1 - fy) * (dz ? fz : 1 - fz);
    }
  };
  for (let k = 0; k < from.length; k++) {
    corners(from[k]);
    for (let q = 0; q < 8; q++) {
      const at0 = C * cells[q], w = weights[q];
      for (let c = 0; c < channels; c++) lattice[at0 + c] += w * values[channels * k + c];
      lattice[at0 + channels] += w;
    }
  }
  blurLattice(lattice, n, C, Math.sqrt(sigma * sigma - (h * h) / 3) / h);
  const sum = new Float64Array(C);
  for (let k = 0; k < at.length; k++) {
    sum.fill(0);
    corners(at[k]);
    for (let q = 0; q < 8; q++) for (let c = 0; c < C; c++) sum[c] += weights[q] * lattice[C * cells[q] + c];
    if (sum[channels] > 0) for (let c = 0; c < channels; c++) out[channels * k + c] = sum[c] / sum[channels];
  }
  return out;
}

/** In-place separable Gaussian blur (sigma in cells, 3 sigma wide) of an interleaved lattice; nothing lies beyond its edges. */
function blurLattice(lattice: Float64Array, n: number[], C: number, sigma: number): void {
  const r = Math.ceil(3 * sigma), kernel = new Float64Array(2 * r + 1);
  for (let i = -r; i <= r; i++) kernel[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma));
  const line = new Float64Array(Math.max(n[0], n[1], n[2]) * C), sum = new Float64Array(C);
  const strides = [C, C * n[0], C * n[0] * n[1]];
  for (let axis = 0; axis < 3; axis++) {
    const len = n[axis], stride = strides[axis];
    const [a1, a2] = axis === 0 ? [1, 2] : axis === 1 ? [0, 2] : [0, 1];
    for (let b = 0; b < n[a2]; b++) {
      for (let a = 0; a < n[a1]; a++) {
        const base = a * strides[a1] + b * strides[a2];
        let empty = true;
        for (let i = 0; i < len; i++) {
          for (let c = 0; c < C; c++) line[C * i + c] = lattice[base + i * stride + c];
          if (line[C * i + C - 1] !== 0) empty = false;
        }
        if (empty) continue;
        for (let i = 0; i < len; i++) {
          sum.fill(0);
          for (let k = Math.max(-r, -i), end = Math.min(r, len - 1 - i); k <= end; k++) {
            const w = kernel[k + r], at = C * (i + k);
            for (let c = 0; c < C; c++) sum[c] += w * line[at + c];
          }
          for (let c = 0; c < C; c++) lattice[base + i * stride + c] = sum[c];
        }
      }
    }
  }
}
