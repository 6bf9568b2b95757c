/** Camera and file degradations for the realistic kind: motion blur, sensor noise, JPEG compression. */
import sharp from 'sharp';
import type { RgbImage } from '../../src/base/image.js';
import { seededRandom } from './landmark-scene.js';

/** Linear motion blur: the mean of samples along a segment of `length` pixels at `angle` (bilinear). */
export function motionBlur(image: RgbImage, length: number, angle: number): RgbImage {
  const { width, height, data } = image;
  const out = new Uint8Array(data.length);
  const n = Math.max(2, Math.ceil(length) + 1);
  const dx = Math.cos(angle), dy = Math.sin(angle);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const acc = [0, 0, 0];
      for (let k = 0; k < n; k++) {
        const t = (k / (n - 1) - 0.5) * length;
        const sx = Math.min(width - 1, Math.max(0, x + t * dx)), sy = Math.min(height - 1, Math.max(0, y + t * dy));
        const x0 = Math.floor(sx), y0 = Math.floor(sy), x1 = Math.min(width - 1, x0 + 1), y1 = Math.min(height - 1, y0 + 1);
        const fx = sx - x0, fy = sy - y0;
        for (let c = 0; c < 3; c++) {
          acc[c] += (1 - fy) * ((1 - fx) * data[3 * (y0 * width + x0) + c] + fx * data[3 * (y0 * width + x1) + c])
            + fy * ((1 - fx) * data[3 * (y1 * width + x0) + c] + fx * data[3 * (y1 * width + x1) + c]);
        }
      }
      for (let c = 0; c < 3; c++) out[3 * (y * width + x) + c] = Math.round(acc[c] / n);
    }
  }
  return { width, height, data: out };
}

/** Gaussian noise in 8-bit levels: a shared (luma) part and a per-channel (chroma) part of relative size `chroma`. */
export function addNoise(image: RgbImage, sigma: number, chroma: number, seed: number): RgbImage {
  const rnd = seededRandom(seed + 1);
  const data = Uint8Array.from(image.data);
  for (let p = 0; p < image.width * image.height; p++) {
    const luma = rnd.normal() * sigma;
    for (let c = 0; c < 3; c++) {
      const v = data[3 * p + c] + luma * (1 - chroma) + rnd.normal() * sigma * chroma;
      data[3 * p + c] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  return { width: image.width, height: image.height, data };
}

/** Encodes as JPEG at `quality` and decodes again (what a photo that went through a camera or a website looks like). */
export async function jpegRoundTrip(image: RgbImage, quality: number): Promise<RgbImage> {
  const raw = { width: image.width, height: image.height, channels: 3 as const };
  const jpeg = await sharp(Buffer.from(image.data), { raw }).jpeg({ quality, chromaSubsampling: '4:2:0' }).toBuffer();
  const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}
