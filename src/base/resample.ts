import type { RgbImage } from './image.js';

/**
 * A window of an image resampled bilinearly: output pixel (i, j) shows image position
 * (x0 + (i + 0.5) / scale, y0 + (j + 0.5) / scale), pixel centres at +0.5; edges are clamped.
 */
export function resampleWindow(image: RgbImage, x0: number, y0: number, scale: number, width: number, height: number): RgbImage {
  const data = new Uint8Array(3 * width * height);
  const W = image.width, H = image.height;
  for (let j = 0; j < height; j++) {
    const y = Math.min(H - 1, Math.max(0, y0 + (j + 0.5) / scale - 0.5));
    const yi = Math.min(H - 2, Math.floor(y)), fy = Math.max(0, y - yi);
    for (let i = 0; i < width; i++) {
      const x = Math.min(W - 1, Math.max(0, x0 + (i + 0.5) / scale - 0.5));
      const xi = Math.min(W - 2, Math.floor(x)), fx = Math.max(0, x - xi);
      const a = 3 * (Math.max(0, yi) * W + Math.max(0, xi)), b = a + 3, c = a + 3 * W, d = c + 3;
      for (let k = 0; k < 3; k++) {
        const v = (1 - fy) * ((1 - fx) * image.data[a + k] + fx * image.data[b + k]) + fy * ((1 - fx) * image.data[c + k] + fx * image.data[d + k]);
        data[3 * (j * width + i) + k] = Math.round(v);
      }
    }
  }
  return { width, height, data };
}
