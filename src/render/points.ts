import type { RgbImage, RgbaImage } from '../base/image.js';

/** 2D points to mark on a picture, e.g. detected landmarks. */
export interface PointSet {
  /** x, y pixel coordinates, `stride` numbers per point (3 for xyz landmark arrays). */
  points: ArrayLike<number>;
  stride?: number;
  colour: readonly [number, number, number];
  /** Dot radius in pixels. Default 2. */
  radius?: number;
}

/** Draws filled, edge-antialiased dots in place on an RGB or RGBA image (alpha is set to opaque). */
export function drawPoints(image: RgbImage | RgbaImage, set: PointSet): void {
  const { width: W, height: H, data } = image;
  const channels = data.length / (W * H);
  const stride = set.stride ?? 2;
  const radius = set.radius ?? 2;
  const [cr, cg, cb] = set.colour;
  const reach = Math.ceil(radius + 1);
  for (let i = 0; i + 1 < set.points.length; i += stride) {
    const px = set.points[i], py = set.points[i + 1];
    if (!Number.isFinite(px) || !Number.isFinite(py)) continue;
    const x0 = Math.max(0, Math.floor(px - reach)), x1 = Math.min(W - 1, Math.ceil(px + reach));
    const y0 = Math.max(0, Math.floor(py - reach)), y1 = Math.min(H - 1, Math.ceil(py + reach));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const d = Math.hypot(x + 0.5 - px, y + 0.5 - py);
        const a = Math.min(1, Math.max(0, radius + 0.5 - d));
        if (a <= 0) continue;
        const o = (y * W + x) * channels;
        data[o] = Math.round(data[o] + (cr - data[o]) * a);
        data[o + 1] = Math.round(data[o + 1] + (cg - data[o + 1]) * a);
        data[o + 2] = Math.round(data[o + 2] + (cb - data[o + 2]) * a);
        if (channels === 4) data[o + 3] = Math.max(data[o + 3], Math.round(255 * a));
      }
    }
  }
}
