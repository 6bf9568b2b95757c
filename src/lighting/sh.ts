import { luminance } from '../base/colour.js';
/**
 * Second-order spherical-harmonics lighting with Lambertian reflectance.
 *
 * Frame: the view frame, x right, y up, z toward the viewer (the camera frame of src/base/camera.ts
 * with y and z negated: cameraToView), so light from the front of the camera has a positive z component.
 *
 * Coefficients are radiance SH coefficients L_k, 9 per colour channel, stored k-major and
 * interleaved: sh[3 * k + c]. The Lambertian kernel (Ramamoorthi and Hanrahan 2001) is folded
 * into the basis, so shading(n) = sum_k L_k B_k(n) = irradiance / pi, and a white environment of
 * radiance 1 gives shading 1. Linear colour = linear albedo * shading.
 */
export const SH_COUNT = 9;
export const SH_COEFFICIENTS = 27;

const K0 = 0.282095; // Y00 * (pi / pi)
const K1 = 0.488603 * (2 / 3); // Y1m * (2 pi / 3) / pi
const K2 = 1.092548 / 4; // Y2{-2,-1,1} * (pi / 4) / pi
const K20 = 0.315392 / 4;
const K22 = 0.546274 / 4;

/** Writes the 9 kernel-folded basis values of a unit normal (view frame) into out[offset..offset+8]. */
export function shBasis(nx: number, ny: number, nz: number, out: Float64Array | Float32Array, offset = 0): void {
  out[offset] = K0;
  out[offset + 1] = K1 * ny;
  out[offset + 2] = K1 * nz;
  out[offset + 3] = K1 * nx;
  out[offset + 4] = K2 * nx * ny;
  out[offset + 5] = K2 * ny * nz;
  out[offset + 6] = K20 * (3 * nz * nz - 1);
  out[offset + 7] = K2 * nx * nz;
  out[offset + 8] = K22 * (nx * nx - ny * ny);
}

/**
 * Derivative of the basis with respect to the normal: out[offset + 3k + d] = dB_k / dn_d, d = x, y, z.
 * Used to linearise shading with respect to a rotating normal.
 */
export function shBasisGradient(nx: number, ny: number, nz: number, out: Float64Array, offset = 0): void {
  out.fill(0, offset, offset + 27);
  const o = offset;
  out[o + 3 * 1 + 1] = K1;
  out[o + 3 * 2 + 2] = K1;
  out[o + 3 * 3 + 0] = K1;
  out[o + 3 * 4 + 0] = K2 * ny; out[o + 3 * 4 + 1] = K2 * nx;
  out[o + 3 * 5 + 1] = K2 * nz; out[o + 3 * 5 + 2] = K2 * ny;
  out[o + 3 * 6 + 2] = K20 * 6 * nz;
  out[o + 3 * 7 + 0] = K2 * nz; out[o + 3 * 7 + 2] = K2 * nx;
  out[o + 3 * 8 + 0] = K22 * 2 * nx; out[o + 3 * 8 + 1] = -K22 * 2 * ny;
}

/** Shading (irradiance / pi) of a unit normal in each colour channel, written to out[0..2]. */
export function shShade(sh: ArrayLike<number>, nx: number, ny: number, nz: number, out: Float64Array | Float32Array | number[]): void {
  const b = scratch;
  shBasis(nx, ny, nz, b);
  for (let c = 0; c < 3; c++) {
    let s = 0;
    for (let k = 0; k < SH_COUNT; k++) s += sh[3 * k + c] * b[k];
    out[c] = s;
  }
}
const scratch = new Float64Array(SH_COUNT);

/**
 * shShade for one lighting, for shading many normals (per pixel, per texel): the same sums, with
 * the coefficients held as numbers rather than read from an array of whichever type per call.
 */
export function shShader(sh: ArrayLike<number>): (nx: number, ny: number, nz: number, out: Float64Array | Float32Array, o?: number) => void {
  const [r0, g0, b0, r1, g1, b1, r2, g2, b2, r3, g3, b3, r4, g4, b4, r5, g5, b5, r6, g6, b6, r7, g7, b7, r8, g8, b8] = Array.from(sh);
  return (nx, ny, nz, out, o = 0) => {
    const y0 = K0, y1 = K1 * ny, y2 = K1 * nz, y3 = K1 * nx, y4 = K2 * nx * ny, y5 = K2 * ny * nz, y6 = K20 * (3 * nz * nz - 1), y7 = K2 * nx * nz, y8 = K22 * (nx * nx - ny * ny);
    out[o] = 0 + r0 * y0 + r1 * y1 + r2 * y2 + r3 * y3 + r4 * y4 + r5 * y5 + r6 * y6 + r7 * y7 + r8 * y8;
    out[o + 1] = 0 + g0 * y0 + g1 * y1 + g2 * y2 + g3 * y3 + g4 * y4 + g5 * y5 + g6 * y6 + g7 * y7 + g8 * y8;
    out[o + 2] = 0 + b0 * y0 + b1 * y1 + b2 * y2 + b3 * y3 + b4 * y4 + b5 * y5 + b6 * y6 + b7 * y7 + b8 * y8;
  };
}

/** Radiance SH of a uniform environment (shading `ambient`) plus a distant light (direction in the view frame) of shading `intensity` at normal incidence. */
export function shFromLight(
  direction: readonly [number, number, number], ambient: readonly [number, number, number], intensity: readonly [number, number, number],
): Float64Array {
  const [dx, dy, dz] = direction;
  const len = Math.hypot(dx, dy, dz) || 1;
  const x = dx / len, y = dy / len, z = dz / len;
  // A distant light contributes radiance coefficients pi * I * Y_k(direction), so that its shading is
  // about I * max(0, n . direction); a uniform radiance a has L_0 = a * 4 pi * Y00 and shading a.
  const Y = [0.282095, 0.488603 * y, 0.488603 * z, 0.488603 * x, 1.092548 * x * y, 1.092548 * y * z, 0.315392 * (3 * z * z - 1), 1.092548 * x * z, 0.546274 * (x * x - y * y)];
  const sh = new Float64Array(SH_COEFFICIENTS);
  for (let c = 0; c < 3; c++) {
    sh[c] = ambient[c] * 4 * Math.PI * 0.282095;
    for (let k = 0; k < SH_COUNT; k++) sh[3 * k + c] += intensity[c] * Math.PI * Y[k];
  }
  return sh;
}

/**
 * The dominant light direction (unit, view frame) of an SH environment: the first-order band of the
 * luminance channel. Undefined when the environment is uniform.
 */
export function shDominantDirection(sh: ArrayLike<number>): [number, number, number] | undefined {
  const lum = (k: number) => luminance(sh, 3 * k);
  const x = lum(3), y = lum(1), z = lum(2);
  const len = Math.hypot(x, y, z);
  return len > 1e-12 ? [x / len, y / len, z / len] : undefined;
}
