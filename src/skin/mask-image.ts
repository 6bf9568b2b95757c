import type { RgbImage, RgbaImage } from '../base/image.js';
import type { SkinMask } from './mask.js';

/**
 * A picture of the mask over its crop rectangle, for inspection: with the photo, skin keeps its
 * colours and rejected pixels are dimmed to a quarter and tinted blue; without it, the weight as grey.
 */
export function skinMaskImage(mask: SkinMask, photo?: RgbImage): RgbaImage {
  const { rect, weight } = mask;
  const data = new Uint8Array(rect.width * rect.height * 4);
  for (let j = 0; j < rect.height; j++) {
    for (let i = 0; i < rect.width; i++) {
      const k = j * rect.width + i, w = weight[k]!, o = 4 * k;
      if (photo) {
        const src = ((rect.y + j) * photo.width + rect.x + i) * 3;
        const dim = 0.25 + 0.75 * w, tint = 60 * (1 - w);
        data[o] = Math.round(photo.data[src]! * dim);
        data[o + 1] = Math.round(photo.data[src + 1]! * dim);
        data[o + 2] = Math.min(255, Math.round(photo.data[src + 2]! * dim + tint));
      } else {
        data[o] = data[o + 1] = data[o + 2] = Math.round(255 * w);
      }
      data[o + 3] = 255;
    }
  }
  return { width: rect.width, height: rect.height, data };
}
