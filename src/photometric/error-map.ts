import type { RgbaImage, RgbImage } from '../base/image.js';

/**
 * Heat map of the per-pixel colour difference between a render and the photo (same size, same
 * pixels) where the render covers and `weight` (e.g. the skin mask) is positive: black (0) through
 * red and yellow to white at `maxError` (8-bit sRGB units, mean over channels). Returns the picture
 * and the weighted mean error.
 */
export function errorHeatMap(
  render: RgbaImage, photo: RgbImage, weight: (x: number, y: number) => number, maxError = 40,
): { image: RgbaImage; meanError: number } {
  const { width: W, height: H } = render;
  const data = new Uint8Array(4 * W * H);
  let sum = 0, wsum = 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const p = y * W + x;
      const g = Math.round(0.3 * (photo.data[3 * p] + photo.data[3 * p + 1] + photo.data[3 * p + 2]) / 3);
      data.set([g, g, g, 255], 4 * p);
      const w = render.data[4 * p + 3] ? weight(x, y) : 0;
      if (w <= 0) continue;
      let e = 0;
      for (let c = 0; c < 3; c++) e += Math.abs(render.data[4 * p + c] - photo.data[3 * p + c]);
      e /= 3;
      sum += w * e; wsum += w;
      const s = Math.min(1, e / maxError);
      data.set([Math.round(255 * Math.min(1, 3 * s)), Math.round(255 * Math.min(1, Math.max(0, 3 * s - 1))), Math.round(255 * Math.max(0, 3 * s - 2)), 255], 4 * p);
    }
  }
  return { image: { width: W, height: H, data }, meanError: wsum > 0 ? sum / wsum : NaN };
}
