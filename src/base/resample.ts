import { bilinear, bilinearTaps, clampedTaps, type RgbImage } from './image.js';

/**
 * A window of an image resampled bilinearly: output pixel (i, j) shows image position
 * (x0 + (i + 0.5) / scale, y0 + (j + 0.5) / scale), pixel centres at +0.5; edges are clamped.
 */
export function resampleWindow(image: RgbImage, x0: number, y0: number, scale: number, width: number, height: number): RgbImage {
  const data = new Uint8Array(3 * width * height);
  const d = image.data, t = bilinearTaps();
  for (let j = 0; j < height; j++) {
    const y = y0 + (j + 0.5) / scale - 0.5;
    for (let i = 0; i < width; i++) {
      const { i00, i10, i01, i11, fx, fy } = clampedTaps(t, x0 + (i + 0.5) / scale - 0.5, y, image.width, image.height);
      for (let k = 0; k < 3; k++) {
        data[3 * (j * width + i) + k] = Math.round(bilinear(d[3 * i00 + k], d[3 * i10 + k], d[3 * i01 + k], d[3 * i11 + k], fx, fy));
      }
    }
  }
  return { width, height, data };
}
