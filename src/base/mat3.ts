/**
 * Row-major 3x3 matrices in Float64Arrays, gl-matrix style: the result goes to `out` (which may be
 * an argument) and is returned, so hot loops allocate nothing.
 */

export function create(): Float64Array {
  return new Float64Array(9);
}

/** out = a b. */
export function multiply(out: Float64Array, a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3], a4 = a[4], a5 = a[5], a6 = a[6], a7 = a[7], a8 = a[8];
  const b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3], b4 = b[4], b5 = b[5], b6 = b[6], b7 = b[7], b8 = b[8];
  out[0] = a0 * b0 + a1 * b3 + a2 * b6; out[1] = a0 * b1 + a1 * b4 + a2 * b7; out[2] = a0 * b2 + a1 * b5 + a2 * b8;
  out[3] = a3 * b0 + a4 * b3 + a5 * b6; out[4] = a3 * b1 + a4 * b4 + a5 * b7; out[5] = a3 * b2 + a4 * b5 + a5 * b8;
  out[6] = a6 * b0 + a7 * b3 + a8 * b6; out[7] = a6 * b1 + a7 * b4 + a8 * b7; out[8] = a6 * b2 + a7 * b5 + a8 * b8;
  return out;
}

/** Rodrigues: out = the rotation matrix of the axis-angle vector (wx, wy, wz), angle in radians. */
export function fromAxisAngle(out: Float64Array, wx: number, wy: number, wz: number): Float64Array {
  const th = Math.hypot(wx, wy, wz);
  if (th < 1e-12) {
    // First order: I + [w]x.
    out[0] = 1; out[1] = -wz; out[2] = wy; out[3] = wz; out[4] = 1; out[5] = -wx; out[6] = -wy; out[7] = wx; out[8] = 1;
    return out;
  }
  const x = wx / th, y = wy / th, z = wz / th, c = Math.cos(th), s = Math.sin(th), C = 1 - c;
  out[0] = c + x * x * C; out[1] = x * y * C - z * s; out[2] = x * z * C + y * s;
  out[3] = y * x * C + z * s; out[4] = c + y * y * C; out[5] = y * z * C - x * s;
  out[6] = z * x * C - y * s; out[7] = z * y * C + x * s; out[8] = c + z * z * C;
  return out;
}

/** out = a b^T (for rotations: a after undoing b). */
export function multiplyTransposed(out: Float64Array, a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const t = Float64Array.of(b[0], b[3], b[6], b[1], b[4], b[7], b[2], b[5], b[8]);
  return multiply(out, a, t);
}

/** The axis-angle vector (radians) of a rotation matrix, the inverse of fromAxisAngle for angles below pi. */
export function toAxisAngle(r: ArrayLike<number>): [number, number, number] {
  const vx = r[7] - r[5], vy = r[2] - r[6], vz = r[3] - r[1];
  const s = Math.hypot(vx, vy, vz) / 2, c = (r[0] + r[4] + r[8] - 1) / 2;
  const th = Math.atan2(s, c);
  // th / sin(th) -> 1 as th -> 0.
  const k = s < 1e-12 ? 0.5 : th / (2 * s);
  return [vx * k, vy * k, vz * k];
}

/** The unit quaternion [x, y, z, w] of a rotation matrix (Shepperd's method: the largest pivot). */
export function toQuaternion(r: ArrayLike<number>): [number, number, number, number] {
  const tr = r[0] + r[4] + r[8];
  let q: [number, number, number, number];
  if (tr > 0) {
    const s = 2 * Math.sqrt(tr + 1);
    q = [(r[7] - r[5]) / s, (r[2] - r[6]) / s, (r[3] - r[1]) / s, s / 4];
  } else if (r[0] > r[4] && r[0] > r[8]) {
    const s = 2 * Math.sqrt(1 + r[0] - r[4] - r[8]);
    q = [s / 4, (r[1] + r[3]) / s, (r[2] + r[6]) / s, (r[7] - r[5]) / s];
  } else if (r[4] > r[8]) {
    const s = 2 * Math.sqrt(1 + r[4] - r[0] - r[8]);
    q = [(r[1] + r[3]) / s, s / 4, (r[5] + r[7]) / s, (r[2] - r[6]) / s];
  } else {
    const s = 2 * Math.sqrt(1 + r[8] - r[0] - r[4]);
    q = [(r[2] + r[6]) / s, (r[5] + r[7]) / s, s / 4, (r[3] - r[1]) / s];
  }
  const n = Math.hypot(...q);
  return q.map((v) => v / n) as [number, number, number, number];
}
