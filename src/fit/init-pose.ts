/**
 * Closed-form starting pose: fits an affine camera q = M P + b to model points P (N x 3) and
 * image points q (N x 2) by least squares, then reads a rotation and a scale out of M
 * (scaled orthographic approximation) and converts the scale to a depth with the given focal length.
 */
export function initialPose(
  model: Float64Array, image: ArrayLike<number>, use: ArrayLike<number>, focal: number, cx: number, cy: number,
): { rotation: Float64Array; translation: Float64Array } {
  // Normal equations for [Mx | bx] and [My | by] with design rows [P, 1].
  const A = new Float64Array(16);
  const bx = new Float64Array(4);
  const by = new Float64Array(4);
  for (let k = 0; k < use.length; k++) {
    const i = use[k];
    const row = [model[3 * i], model[3 * i + 1], model[3 * i + 2], 1];
    for (let a = 0; a < 4; a++) {
      for (let b = 0; b < 4; b++) A[4 * a + b] += row[a] * row[b];
      bx[a] += row[a] * image[2 * i];
      by[a] += row[a] * image[2 * i + 1];
    }
  }
  const mx = solve4(A, bx), my = solve4(A, by);
  let r1 = [mx[0], mx[1], mx[2]], r2 = [my[0], my[1], my[2]];
  const s1 = Math.hypot(...r1), s2 = Math.hypot(...r2);
  const scale = (s1 + s2) / 2;
  r1 = r1.map((x) => x / s1);
  r2 = r2.map((x) => x / s2);
  // Make the two rows orthogonal symmetrically, then complete with their cross product.
  const d = r1[0] * r2[0] + r1[1] * r2[1] + r1[2] * r2[2];
  const a = r1.map((x, i) => x - (d / 2) * r2[i]);
  const b = r2.map((x, i) => x - (d / 2) * r1[i]);
  const na = Math.hypot(...a), nb = Math.hypot(...b);
  r1 = a.map((x) => x / na);
  r2 = b.map((x) => x / nb);
  const r3 = [r1[1] * r2[2] - r1[2] * r2[1], r1[2] * r2[0] - r1[0] * r2[2], r1[0] * r2[1] - r1[1] * r2[0]];
  const tz = focal / scale;
  const translation = Float64Array.from([(mx[3] - cx) * tz / focal, (my[3] - cy) * tz / focal, tz]);
  return { rotation: Float64Array.from([...r1, ...r2, ...r3]), translation };
}

function solve4(A: Float64Array, b: Float64Array): Float64Array {
  const M = Array.from({ length: 4 }, (_, i) => [A[4 * i], A[4 * i + 1], A[4 * i + 2], A[4 * i + 3], b[i]]);
  for (let c = 0; c < 4; c++) {
    let piv = c;
    for (let r = c + 1; r < 4; r++) if (Math.abs(M[r][c]) > Math.abs(M[piv][c])) piv = r;
    [M[c], M[piv]] = [M[piv], M[c]];
    const d = M[c][c] || 1e-12;
    for (let r = 0; r < 4; r++) {
      if (r === c) continue;
      const f = M[r][c] / d;
      for (let k = c; k < 5; k++) M[r][k] -= f * M[c][k];
    }
  }
  return Float64Array.from(M.map((row, i) => row[4] / (row[i] || 1e-12)));
}
