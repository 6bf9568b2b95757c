/** A face's mask lives in a window (Rect) of the photo: pixel (i, j) of the crop is photo pixel (x + i, y + j). */
import { bilinear } from '../base/image.js';
import type { Rect } from '../base/rect.js';

/**
 * Sets `value` in every crop pixel whose centre lies inside the polygon (even-odd rule). The
 * polygon is x, y pairs in photo pixels; pixel (i, j) of the photo has its centre at (i + 0.5, j + 0.5).
 */
export function fillPolygon(mask: Uint8Array, rect: Rect, polygon: Float64Array, value: number): void {
  const n = polygon.length / 2;
  if (n < 3) return;
  let minY = Infinity, maxY = -Infinity;
  for (let k = 0; k < n; k++) {
    minY = Math.min(minY, polygon[2 * k + 1]!);
    maxY = Math.max(maxY, polygon[2 * k + 1]!);
  }
  const j0 = Math.max(0, Math.ceil(minY - 0.5 - rect.y));
  const j1 = Math.min(rect.height - 1, Math.floor(maxY - 0.5 - rect.y));
  const crossings: number[] = [];
  for (let j = j0; j <= j1; j++) {
    const yc = rect.y + j + 0.5;
    crossings.length = 0;
    for (let k = 0, prev = n - 1; k < n; prev = k++) {
      const ya = polygon[2 * prev + 1]!, yb = polygon[2 * k + 1]!;
      if ((ya <= yc) === (yb <= yc)) continue;
      const xa = polygon[2 * prev]!, xb = polygon[2 * k]!;
      crossings.push(xa + ((yc - ya) / (yb - ya)) * (xb - xa));
    }
    crossings.sort((a, b) => a - b);
    for (let c = 0; c + 1 < crossings.length; c += 2) {
      const i0 = Math.max(0, Math.ceil(crossings[c]! - 0.5 - rect.x));
      const i1 = Math.min(rect.width - 1, Math.floor(crossings[c + 1]! - 0.5 - rect.x));
      if (i1 >= i0) mask.fill(value, j * rect.width + i0, j * rect.width + i1 + 1);
    }
  }
}

/** Fills an ellipse given by its centre, unit major axis direction and semi-axes. */
export function fillEllipse(
  mask: Uint8Array, rect: Rect,
  cx: number, cy: number, ax: number, ay: number, a: number, b: number, value: number,
): void {
  const r = Math.max(a, b);
  const i0 = Math.max(0, Math.floor(cx - r - rect.x)), i1 = Math.min(rect.width - 1, Math.ceil(cx + r - rect.x));
  const j0 = Math.max(0, Math.floor(cy - r - rect.y)), j1 = Math.min(rect.height - 1, Math.ceil(cy + r - rect.y));
  for (let j = j0; j <= j1; j++) {
    const dy = rect.y + j + 0.5 - cy;
    for (let i = i0; i <= i1; i++) {
      const dx = rect.x + i + 0.5 - cx;
      const u = (dx * ax + dy * ay) / a, v = (-dx * ay + dy * ax) / b;
      if (u * u + v * v <= 1) mask[j * rect.width + i] = value;
    }
  }
}

/**
 * Bilinear read of a per-crop-pixel plane at continuous photo coordinates (pixel (i, j) spans
 * [i, i+1) x [j, j+1)); pixels beyond the crop read as `outside` (with NaN, a sample that touches
 * one is NaN).
 */
export function sampleCrop(rect: Rect, plane: Float32Array, x: number, y: number, outside = 0): number {
  const fx = x - rect.x - 0.5, fy = y - rect.y - 0.5;
  const i0 = Math.floor(fx), j0 = Math.floor(fy);
  const ax = fx - i0, ay = fy - j0;
  // No closure per sample: this runs for every texel of the albedo and every photometric sample.
  const w = rect.width, h = rect.height;
  const x0 = i0 >= 0 && i0 < w, x1 = i0 + 1 >= 0 && i0 + 1 < w, y0 = j0 >= 0 && j0 < h, y1 = j0 + 1 >= 0 && j0 + 1 < h;
  const row0 = j0 * w, row1 = row0 + w;
  return bilinear(
    x0 && y0 ? plane[row0 + i0]! : outside, x1 && y0 ? plane[row0 + i0 + 1]! : outside,
    x0 && y1 ? plane[row1 + i0]! : outside, x1 && y1 ? plane[row1 + i0 + 1]! : outside, ax, ay,
  );
}
