import { bilinear, bilinearTaps, clampedTaps } from '../base/image.js';

/**
 * Fine surface detail for a renderer: a map over one UV square of the surface gradient of a height
 * field (model frame, a tangent vector per texel: grad h), which tilts the interpolated normal to
 * normalise(n - grad h), as displacing the surface by h along its normal would, to first order.
 */
export interface NormalDetail {
  width: number;
  height: number;
  /** 3 floats per texel, model frame; row 0 at v = vRange[1]. */
  gradient: Float32Array;
  uRange?: readonly [number, number];
  vRange?: readonly [number, number];
  /** One byte per triangle: 1 where the map applies (triangles whose UVs lie in this square). */
  triangles: Uint8Array;
}

/**
 * A per-pixel normal tilt for a mesh posed with `rotation` (model -> camera): given a pixel's triangle,
 * barycentrics and camera-frame unit normal, tilts the normal in place by the detail at its UV.
 */
export function normalTilt(
  detail: NormalDetail, uvs: Float32Array, triangleUvs: Uint32Array, rotation: ArrayLike<number>,
): (t: number, b1: number, b2: number, normal: Float64Array) => void {
  const { width: W, height: H, gradient } = detail;
  const [u0, u1] = detail.uRange ?? [0, 1];
  const [v0, v1] = detail.vRange ?? [0, 1];
  const taps = bilinearTaps(), R = rotation, g = [0, 0, 0];
  return (t, b1, b2, n) => {
    if (!detail.triangles[t]) return;
    const b0 = 1 - b1 - b2;
    const i0 = 2 * triangleUvs[3 * t], i1 = 2 * triangleUvs[3 * t + 1], i2 = 2 * triangleUvs[3 * t + 2];
    const u = b0 * uvs[i0] + b1 * uvs[i1] + b2 * uvs[i2], v = b0 * uvs[i0 + 1] + b1 * uvs[i1 + 1] + b2 * uvs[i2 + 1];
    const { i00, i10, i01, i11, fx, fy } = clampedTaps(taps, ((u - u0) / (u1 - u0)) * W - 0.5, ((v1 - v) / (v1 - v0)) * H - 0.5, W, H);
    for (let k = 0; k < 3; k++) g[k] = bilinear(gradient[3 * i00 + k], gradient[3 * i10 + k], gradient[3 * i01 + k], gradient[3 * i11 + k], fx, fy);
    const x = n[0] - (R[0] * g[0] + R[1] * g[1] + R[2] * g[2]);
    const y = n[1] - (R[3] * g[0] + R[4] * g[1] + R[5] * g[2]);
    const z = n[2] - (R[6] * g[0] + R[7] * g[1] + R[8] * g[2]);
    const l = Math.hypot(x, y, z) || 1;
    n[0] = x / l; n[1] = y / l; n[2] = z / l;
  };
}
