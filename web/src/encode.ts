/** PNG and JPEG encoders for the core's outputs (outputFiles), on an OffscreenCanvas. */
import type { PngEncoder, RgbImage, RgbaImage } from '../../src/index.js';

function toImageData(image: RgbImage | RgbaImage): ImageData {
  const n = image.width * image.height;
  const channels = image.data.length / n;
  const rgba = new Uint8ClampedArray(4 * n);
  for (let i = 0; i < n; i++) {
    rgba[4 * i] = image.data[channels * i]!;
    rgba[4 * i + 1] = image.data[channels * i + 1]!;
    rgba[4 * i + 2] = image.data[channels * i + 2]!;
    rgba[4 * i + 3] = channels === 4 ? image.data[4 * i + 3]! : 255;
  }
  return new ImageData(rgba, image.width, image.height);
}

async function encode(image: RgbImage | RgbaImage, type: string, quality?: number): Promise<Uint8Array> {
  const canvas = new OffscreenCanvas(image.width, image.height);
  const context = canvas.getContext('2d');
  if (!context) throw new Error('no 2D canvas to encode images with');
  context.putImageData(toImageData(image), 0, 0);
  const blob = await canvas.convertToBlob({ type, quality });
  return new Uint8Array(await blob.arrayBuffer());
}

export const encodePng: PngEncoder = (image) => {
  if (!(image.data instanceof Uint8Array)) return Promise.reject(new Error('16-bit images are not encoded in the page'));
  return encode(image as RgbImage | RgbaImage, 'image/png');
};

/** JPEG at quality 0.9, as the CLI embeds the face texture in head.glb. */
export const encodeJpeg = (image: RgbImage) => encode(image, 'image/jpeg', 0.9);
