import type { Affine } from '../base/image-sampling.js';

/**
 * Least-squares similarity transform (rotation, uniform scale, translation; no reflection) that
 * maps points `from` onto points `to`, both given as x0, y0, x1, y1, ...
 * Written with complex numbers: to ≈ a·from + b, a = scale·e^(i·angle).
 */
export function fitSimilarity(from: ArrayLike<number>, to: ArrayLike<number>): Affine {
  const n = from.length >> 1;
  if (n < 2 || to.length !== from.length) throw new Error('fitSimilarity needs two equally long lists of at least 2 points');
  let fx = 0, fy = 0, tx = 0, ty = 0;
  for (let i = 0; i < n; i++) {
    fx += from[2 * i]!; fy += from[2 * i + 1]!;
    tx += to[2 * i]!; ty += to[2 * i + 1]!;
  }
  fx /= n; fy /= n; tx /= n; ty /= n;
  let re = 0, im = 0, norm = 0;
  for (let i = 0; i < n; i++) {
    const u = from[2 * i]! - fx, v = from[2 * i + 1]! - fy;
    const p = to[2 * i]! - tx, q = to[2 * i + 1]! - ty;
    // (p + iq) * conj(u + iv)
    re += p * u + q * v;
    im += q * u - p * v;
    norm += u * u + v * v;
  }
  if (norm === 0) throw new Error('fitSimilarity: the source points coincide');
  const a = re / norm, b = im / norm;
  return [a, -b, tx - (a * fx - b * fy), b, a, ty - (b * fx + a * fy)];
}
