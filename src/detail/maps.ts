import { bilinear, bilinearTaps, clampedTaps, type Grey16Image, type Rgb16Image, type RgbImage } from '../base/image.js';
import type { NormalDetail } from '../render/normal-detail.js';
import type { DetailResult } from './reconstruct-detail.js';

/** A height field over the UV square with the texel frames of its surface (a DetailResult is one). */
export type HeightField = Pick<DetailResult, 'size' | 'height' | 'frames'>;

/** A 16-bit displacement map and how its codes read back: millimetres = offset + scale * code. */
export interface DisplacementMap {
  image: Grey16Image;
  scale: number;
  offset: number;
}

/**
 * The height field as a 16-bit grey image of `size` texels per side (interpolated from the solved
 * grid), the code range spread over +-max|h| so 0 mm sits mid-range.
 */
export function displacementMap(detail: HeightField, size: number): DisplacementMap {
  const h = resampleSquare(detail.height, detail.size, size);
  const { scale, offset } = symmetricCodes(h);
  return { image: { width: size, height: size, data: encodeCodes(h, scale, offset) }, scale, offset };
}

/** The mid band's deformation map as a 16-bit RGB image (x, y, z offsets in mm, head frame): millimetres = offset + scale * code. */
export interface DeformationImage {
  image: Rgb16Image;
  scale: number;
  offset: number;
}

/** The deformation map (size x size texels, 3 offsets each) with one code range over +-max|offset|, so 0 mm sits mid-range. */
export function deformationImage(map: Float32Array, size: number): DeformationImage {
  const { scale, offset } = symmetricCodes(map);
  return { image: { width: size, height: size, data: encodeCodes(map, scale, offset) }, scale, offset };
}

function symmetricCodes(values: Float32Array): { scale: number; offset: number } {
  let maxAbs = 0;
  for (const v of values) maxAbs = Math.max(maxAbs, Math.abs(v));
  const half = Math.max(maxAbs, 1e-3);
  return { scale: (2 * half) / 65535, offset: -half };
}

function encodeCodes(values: Float32Array, scale: number, offset: number): Uint16Array {
  const data = new Uint16Array(values.length);
  for (let p = 0; p < data.length; p++) data[p] = Math.max(0, Math.min(65535, Math.round((values[p] - offset) / scale)));
  return data;
}

/**
 * Slopes of the height field along the texel axes, per mm of surface (central differences inside
 * the chart, one-sided at its edges): x along tangentX (+u), y along tangentY (+row, i.e. -v).
 */
export function heightSlopes(detail: HeightField): { x: Float32Array; y: Float32Array } {
  const S = detail.size, h = detail.height, { mmX, mmY } = detail.frames;
  const x = new Float32Array(S * S), y = new Float32Array(S * S);
  const inChart = (p: number) => mmX[p] > 0;
  for (let p = 0; p < S * S; p++) {
    if (!inChart(p)) continue;
    const c = p % S;
    const l = c > 0 && inChart(p - 1) ? p - 1 : p, r = c + 1 < S && inChart(p + 1) ? p + 1 : p;
    const u = p >= S && inChart(p - S) ? p - S : p, d = p + S < S * S && inChart(p + S) ? p + S : p;
    if (r !== l) x[p] = (h[r] - h[l]) / ((r - l) * mmX[p]);
    if (d !== u) y[p] = (h[d] - h[u]) / (((d - u) / S) * mmY[p]);
  }
  return { x, y };
}

/**
 * The tangent-space normal map (glTF convention, the one Blender and three.js read): per texel the
 * unit normal of the displaced surface in the frame (tangent along +u, bitangent along +v, normal),
 * encoded as 8-bit (n + 1) / 2, so a flat displacement gives (0.5, 0.5, 1) = (128, 128, 255).
 */
export function tangentNormalMap(detail: HeightField, size: number): RgbImage {
  const slopes = heightSlopes(detail);
  const sx = resampleSquare(slopes.x, detail.size, size), sy = resampleSquare(slopes.y, detail.size, size);
  const data = new Uint8Array(3 * size * size);
  for (let p = 0; p < size * size; p++) {
    // dh/d(+v) = -sy, so the normal (-dh/du, -dh/dv, 1) is (-sx, sy, 1).
    const nx = -sx[p], ny = sy[p], l = Math.hypot(nx, ny, 1);
    data[3 * p] = Math.round(((nx / l + 1) / 2) * 255);
    data[3 * p + 1] = Math.round(((ny / l + 1) / 2) * 255);
    data[3 * p + 2] = Math.round(((1 / l + 1) / 2) * 255);
  }
  return { width: size, height: size, data };
}

/** The height field's surface gradient (model frame) for a renderer, on the solved grid. */
export function normalDetail(detail: HeightField, faceTriangles: Uint8Array): NormalDetail {
  const S = detail.size, { tangentX, tangentY } = detail.frames;
  const slopes = heightSlopes(detail);
  const gradient = new Float32Array(3 * S * S);
  for (let p = 0; p < S * S; p++) {
    for (let k = 0; k < 3; k++) gradient[3 * p + k] = slopes.x[p] * tangentX[3 * p + k] + slopes.y[p] * tangentY[3 * p + k];
  }
  return { width: S, height: S, gradient, triangles: faceTriangles };
}

/** The height field (mm along the outward normal) at a point (u, v) of the UV square, bilinear between texel centres. */
export function heightSampler(detail: Pick<HeightField, 'size' | 'height'>): (u: number, v: number) => number {
  const S = detail.size, h = detail.height, t = bilinearTaps();
  return (u, v) => {
    const { i00, i10, i01, i11, fx, fy } = clampedTaps(t, u * S - 0.5, (1 - v) * S - 0.5, S, S);
    return bilinear(h[i00], h[i10], h[i01], h[i11], fx, fy);
  };
}

/** A field over the UV square resampled bilinearly from `from` to `to` texels per side (texel centres aligned). */
export function resampleSquare(field: Float32Array, from: number, to: number): Float32Array {
  if (from === to) return field.slice();
  const out = new Float32Array(to * to), t = bilinearTaps(), f = from / to;
  for (let y = 0; y < to; y++) {
    for (let x = 0; x < to; x++) {
      const { i00, i10, i01, i11, fx, fy } = clampedTaps(t, (x + 0.5) * f - 0.5, (y + 0.5) * f - 0.5, from, from);
      out[y * to + x] = bilinear(field[i00], field[i10], field[i01], field[i11], fx, fy);
    }
  }
  return out;
}
