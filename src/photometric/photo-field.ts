import { bilinear, bilinearTaps, clampedTaps, type RgbImage } from '../base/image.js';
import type { Rect } from '../base/rect.js';
import { luminance, SRGB8_TO_LINEAR } from '../base/colour.js';

/**
 * A face's part of the photo in linear light, slightly blurred (which widens the basin of the
 * image-gradient term), with the gradient of its luminance, for bilinear lookups at projected
 * surface points. Coordinates are full-image pixels with pixel centres at +0.5 (as projectPoints).
 */
export interface PhotoField {
  rect: Rect;
  /** Linear RGB, 3 per pixel of rect. */
  rgb: Float32Array;
  /** Luminance gradient per pixel (d/dx, d/dy). */
  gradient: Float32Array;
}

export function photoField(photo: RgbImage, rect: Rect, blurSigma: number): PhotoField {
  const x0 = Math.max(0, Math.floor(rect.x)), y0 = Math.max(0, Math.floor(rect.y));
  const x1 = Math.min(photo.width, Math.ceil(rect.x + rect.width)), y1 = Math.min(photo.height, Math.ceil(rect.y + rect.height));
  const w = Math.max(1, x1 - x0), h = Math.max(1, y1 - y0);
  const rgb = new Float32Array(3 * w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = 3 * ((y + y0) * photo.width + x + x0), d = 3 * (y * w + x);
      for (let c = 0; c < 3; c++) rgb[d + c] = SRGB8_TO_LINEAR[photo.data[s + c]];
    }
  }
  if (blurSigma > 0.3) gaussianBlur(rgb, w, h, 3, blurSigma);
  const lum = new Float32Array(w * h);
  for (let i = 0; i < w * h; i++) lum[i] = luminance(rgb, 3 * i);
  const gradient = new Float32Array(2 * w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const xl = Math.max(0, x - 1), xr = Math.min(w - 1, x + 1), yu = Math.max(0, y - 1), yd = Math.min(h - 1, y + 1);
      gradient[2 * (y * w + x)] = (lum[y * w + xr] - lum[y * w + xl]) / Math.max(1, xr - xl);
      gradient[2 * (y * w + x) + 1] = (lum[yd * w + x] - lum[yu * w + x]) / Math.max(1, yd - yu);
    }
  }
  return { rect: { x: x0, y: y0, width: w, height: h }, rgb, gradient };
}

/**
 * Bilinear lookup at full-image position (u, v): out[0..2] linear RGB, out[3..4] luminance
 * gradient. Returns false (out untouched) outside the field.
 */
export function sampleField(f: PhotoField, u: number, v: number, out: Float64Array): boolean {
  const { width: w, height: h } = f.rect;
  const x = u - 0.5 - f.rect.x, y = v - 0.5 - f.rect.y;
  if (!(x >= 0 && y >= 0 && x <= w - 1 && y <= h - 1)) return false;
  const { i00, i10, i01, i11, fx, fy } = clampedTaps(taps, x, y, w, h);
  const { rgb, gradient } = f;
  for (let c = 0; c < 3; c++) out[c] = bilinear(rgb[3 * i00 + c], rgb[3 * i10 + c], rgb[3 * i01 + c], rgb[3 * i11 + c], fx, fy);
  for (let c = 0; c < 2; c++) out[3 + c] = bilinear(gradient[2 * i00 + c], gradient[2 * i10 + c], gradient[2 * i01 + c], gradient[2 * i11 + c], fx, fy);
  return true;
}

const taps = bilinearTaps();

/** In-place separable Gaussian blur of an interleaved float image. */
export function gaussianBlur(data: Float32Array, w: number, h: number, channels: number, sigma: number): void {
  const r = Math.ceil(3 * sigma);
  const kernel = new Float32Array(2 * r + 1);
  let sum = 0;
  for (let i = -r; i <= r; i++) sum += kernel[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < kernel.length; i++) kernel[i] /= sum;
  const tmp = new Float32Array(data.length);
  const pass = (src: Float32Array, dst: Float32Array, horizontal: boolean) => {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let c = 0; c < channels; c++) {
          let s = 0;
          for (let k = -r; k <= r; k++) {
            const xx = horizontal ? Math.min(w - 1, Math.max(0, x + k)) : x;
            const yy = horizontal ? y : Math.min(h - 1, Math.max(0, y + k));
            s += kernel[k + r] * src[channels * (yy * w + xx) + c];
          }
          dst[channels * (y * w + x) + c] = s;
        }
      }
    }
  };
  pass(data, tmp, true);
  pass(tmp, data, false);
}
