/** Encoding our in-memory images as PNG (Node only, uses sharp). */
import { writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { Grey16Image, Rgb16Image, RgbaImage, RgbImage } from '../base/image.js';

/** PNG bytes for an 8-bit RGB or RGBA image or a 16-bit grey or RGB one (the channel count is inferred from data.length). */
export async function encodePng(image: RgbImage | RgbaImage | Grey16Image | Rgb16Image): Promise<Uint8Array> {
  if (image.data instanceof Uint16Array) {
    const channels = image.data.length === 3 * image.width * image.height ? 3 : 1;
    const png = await sharp(image.data, { raw: { width: image.width, height: image.height, channels } })
      .toColourspace(channels === 3 ? 'rgb16' : 'grey16').png().toBuffer();
    return new Uint8Array(png.buffer, png.byteOffset, png.length);
  }
  const rgb = image as RgbImage | RgbaImage;
  const channels = channelsOf(rgb);
  const png = await sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels } })
    .png()
    .toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.length);
}

/** Quality of the JPEG textures embedded into head.glb: no visible loss on a 1024 px skin texture. */
export const JPEG_QUALITY = 90;

/** JPEG bytes for an 8-bit RGB image (the GLB's embedded face texture). */
export async function encodeJpeg(image: RgbImage): Promise<Uint8Array> {
  const jpeg = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: channelsOf(image) } })
    .jpeg({ quality: JPEG_QUALITY })
    .toBuffer();
  return new Uint8Array(jpeg.buffer, jpeg.byteOffset, jpeg.length);
}

/** Encodes as PNG and writes it to `path` (not atomic; use OutputStaging for result folders). */
export async function writePng(path: string, image: RgbImage | RgbaImage): Promise<void> {
  await writeFile(path, await encodePng(image));
}

function channelsOf(image: RgbImage | RgbaImage): 3 | 4 {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`encodePng: invalid image size ${width}x${height}`);
  }
  const channels = data.length / (width * height);
  if (channels !== 3 && channels !== 4) {
    throw new RangeError(
      `encodePng: ${data.length} bytes is neither RGB nor RGBA for ${width}x${height} (expected ` +
        `${width * height * 3} or ${width * height * 4})`,
    );
  }
  return channels;
}
