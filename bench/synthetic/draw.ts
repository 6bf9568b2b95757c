/** 2D drawing on RGB pictures for the realistic kind's overlays: antialiased coverage of shapes, blending in linear light. */
import type { RgbImage } from '../../src/base/image.js';
import { linearToSrgb, SRGB8_TO_LINEAR } from '../../src/base/colour.js';

export type Point = [number, number];

/** Coverage (0..1, 4x4 samples per pixel) of a closed polygon, over the picture. */
export function polygonCoverage(width: number, height: number, poly: readonly Point[]): Float32Array {
  return coverage(width, height, bounds(poly, 0), (x, y) => insidePolygon(x, y, poly));
}

/** Coverage of a thick open polyline (round joins and caps), `halfWidth` in pixels. */
export function strokeCoverage(width: number, height: number, line: readonly Point[], halfWidth: number): Float32Array {
  return coverage(width, height, bounds(line, halfWidth), (x, y) => {
    for (let k = 0; k + 1 < line.length; k++) if (segmentDistance(x, y, line[k], line[k + 1]) <= halfWidth) return true;
    return line.length === 1 && Math.hypot(x - line[0][0], y - line[0][1]) <= halfWidth;
  });
}

/** Blends a colour (linear RGB, per pixel via `colourAt`) over the picture with alpha = coverage * opacity. */
export function blendOver(
  image: RgbImage, cover: Float32Array, colourAt: (x: number, y: number, out: number[]) => void, opacity = 1,
): void {
  const col = [0, 0, 0];
  for (let p = 0; p < cover.length; p++) {
    const a = cover[p] * opacity;
    if (a <= 0) continue;
    const x = p % image.width, y = Math.floor(p / image.width);
    colourAt(x, y, col);
    for (let c = 0; c < 3; c++) {
      const v = a * col[c] + (1 - a) * SRGB8_TO_LINEAR[image.data[3 * p + c]];
      image.data[3 * p + c] = Math.round(255 * linearToSrgb(Math.max(0, Math.min(1, v))));
    }
  }
}

export function insidePolygon(x: number, y: number, poly: readonly Point[]): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const a = poly[j], b = poly[i];
    if ((b[1] > y) !== (a[1] > y) && x < ((a[0] - b[0]) * (y - b[1])) / (a[1] - b[1]) + b[0]) inside = !inside;
  }
  return inside;
}

export function segmentDistance(x: number, y: number, a: Point, b: Point): number {
  const dx = b[0] - a[0], dy = b[1] - a[1];
  const t = Math.max(0, Math.min(1, ((x - a[0]) * dx + (y - a[1]) * dy) / (dx * dx + dy * dy || 1)));
  return Math.hypot(x - a[0] - t * dx, y - a[1] - t * dy);
}

function bounds(points: readonly Point[], pad: number): [number, number, number, number] {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const [x, y] of points) { x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y); }
  return [x0 - pad, y0 - pad, x1 + pad, y1 + pad];
}

function coverage(width: number, height: number, box: [number, number, number, number], inside: (x: number, y: number) => boolean): Float32Array {
  const out = new Float32Array(width * height);
  const x0 = Math.max(0, Math.floor(box[0])), y0 = Math.max(0, Math.floor(box[1]));
  const x1 = Math.min(width - 1, Math.ceil(box[2])), y1 = Math.min(height - 1, Math.ceil(box[3]));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      let n = 0;
      for (let sy = 0; sy < 4; sy++) for (let sx = 0; sx < 4; sx++) if (inside(x + (sx + 0.5) / 4, y + (sy + 0.5) / 4)) n++;
      out[y * width + x] = n / 16;
    }
  }
  return out;
}
