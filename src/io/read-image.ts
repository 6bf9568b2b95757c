/**
 * Decoding photos from disk or memory into upright 8-bit sRGB (Node only, uses sharp).
 *
 * Whatever the file holds — EXIF rotation, greyscale, alpha, 16-bit, palette, CMYK, an
 * embedded colour profile — callers get an upright `RgbImage` in sRGB, at most
 * `maxDimension` pixels on its long side, plus an `ImageInfo` that says what the file was
 * and how to map coordinates back to it. Bad input is reported as an `InputError`.
 */
import { constants as fsConstants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import sharp from 'sharp';
import type { Metadata, OutputInfo, Sharp } from 'sharp';
import type { RgbImage } from '../base/image.js';
import { describeFsError, InputError } from './errors.js';
import { toRgb8, type Rgb8 } from './to-rgb8.js';

export const DEFAULT_MAX_DIMENSION = 4096;
export const DEFAULT_MIN_DIMENSION = 64;
export const DEFAULT_MAX_INPUT_PIXELS = 50_000_000;
/** sharp's own default (0x3FFF²): beyond this a header is treated as a decompression bomb. */
export const DECOMPRESSION_BOMB_PIXELS = 268_402_689;
/** Transparent pixels are composited onto white unless `background` says otherwise. */
export const DEFAULT_BACKGROUND: Readonly<Rgb8> = { r: 255, g: 255, b: 255 };

/** Decoders we accept photos from; vector, HDR and scientific formats are refused. */
const PHOTO_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif', 'jp2', 'jxl', 'ppm']);

export interface ReadImageOptions {
  /** Longest side of the returned image; larger images are downscaled to fit. Default 4096. */
  maxDimension?: number;
  /** Images whose shorter side is below this are refused as 'too-small'. Default 64. */
  minDimension?: number;
  /**
   * Images with more pixels than this are refused as 'too-large'. Default 50 megapixels.
   * Values above DECOMPRESSION_BOMB_PIXELS are capped to it.
   */
  maxInputPixels?: number;
  /** Colour (8-bit sRGB) that transparent areas are composited onto. Default white. */
  background?: Rgb8;
}

export interface ImageInfo {
  /** The path given to readImage, or the name given to decodeImage. */
  path: string;
  /** Decoder that read the file: 'jpeg', 'png', 'webp', 'gif', 'tiff', 'heif' (HEIC/AVIF), ... */
  format: string;
  /** Upright size of the file's image: after EXIF orientation, before any downscaling. */
  originalWidth: number;
  originalHeight: number;
  /** EXIF orientation tag (1–8) if the file had one. It has already been applied. */
  orientation?: number;
  /** Channels stored in the file: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA or CMYK. */
  channels: number;
  /** Bits per sample in the file: 1, 2, 4 (palette/grey PNG), 8 or 16. */
  bitDepth: number;
  /** libvips interpretation of the file: 'srgb', 'b-w', 'rgb16', 'grey16', 'cmyk', ... */
  colourSpace: string;
  /** Whether the file had an alpha channel; transparency was composited onto the background. */
  hasAlpha: boolean;
  /**
   * returned size = original size × scale (1 when not downscaled). The long side is exact;
   * the short side is rounded to whole pixels. Map back with x_original = x / scale.
   */
  scale: number;
}

export interface DecodedImage {
  /** Upright 8-bit sRGB; `image.data` is a plain Uint8Array owning its whole ArrayBuffer. */
  image: RgbImage;
  info: ImageInfo;
}

/** Reads and decodes an image file. See the module comment for what is normalised. */
export async function readImage(path: string, options: ReadImageOptions = {}): Promise<DecodedImage> {
  let size: number;
  try {
    const stats = await stat(path);
    if (stats.isDirectory()) throw new InputError('unreadable', `${path}: cannot read file (it is a directory)`);
    if (!stats.isFile()) throw new InputError('unreadable', `${path}: cannot read file (not a regular file)`);
    await access(path, fsConstants.R_OK);
    size = stats.size;
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError('unreadable', `${path}: cannot read file (${describeFsError(error)})`, { cause: error });
  }
  if (size === 0) throw new InputError('not-image', `${path}: not an image (file is empty)`);
  return decode(path, path, options);
}

/** Decodes an image held in memory; `name` is used in messages and `info.path`. */
export async function decodeImage(
  bytes: Uint8Array,
  name: string,
  options: ReadImageOptions = {},
): Promise<DecodedImage> {
  if (bytes.length === 0) throw new InputError('not-image', `${name}: not an image (file is empty)`);
  return decode(bytes, name, options);
}

interface Limits {
  maxDimension: number;
  minDimension: number;
  maxInputPixels: number;
  background: Rgb8;
}

async function decode(input: string | Uint8Array, name: string, options: ReadImageOptions): Promise<DecodedImage> {
  const limits = resolveOptions(options);
  const meta = await readHeader(input, name);

  const width = meta.autoOrient.width;
  const height = meta.autoOrient.height;
  checkSize(name, width, height, limits);

  const scale = Math.min(1, limits.maxDimension / Math.max(width, height));
  const outWidth = scale < 1 ? Math.max(1, Math.round(width * scale)) : width;
  const outHeight = scale < 1 ? Math.max(1, Math.round(height * scale)) : height;
  if (Math.min(outWidth, outHeight) < limits.minDimension) {
    throw new InputError(
      'too-small',
      `${name}: image is too elongated (${width}x${height} px; fitting it into ${limits.maxDimension} px ` +
        `leaves ${outWidth}x${outHeight}, need at least ${limits.minDimension} px on each side)`,
    );
  }

  const sixteenBit = meta.depth === 'ushort';
  let pipeline: Sharp = sharp(input, {
    autoOrient: true,
    failOn: 'error', // reject truncated/corrupt data, tolerate the warnings common in camera JPEGs
    limitInputPixels: limits.maxInputPixels,
  });
  if (scale < 1) pipeline = pipeline.resize(outWidth, outHeight, { fit: 'fill' });
  // sharp converts 8-bit input with an embedded profile to sRGB by itself, but not 16-bit.
  if (sixteenBit && meta.hasProfile) pipeline = pipeline.withIccProfile('srgb');
  pipeline = pipeline.toColourspace(sixteenBit ? 'rgb16' : 'srgb');

  let raw: { data: Buffer; info: OutputInfo };
  try {
    raw = await pipeline.raw({ depth: sixteenBit ? 'ushort' : 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (error) {
    if (meta.format === 'heif' && meta.compression === 'hevc') {
      // sharp's prebuilt libvips decodes AVIF but has no HEVC decoder for iPhone-style HEIC.
      throw new InputError('unsupported-format', `${name}: HEIC (HEVC) photos are not supported; convert to JPEG`, {
        cause: error,
      });
    }
    throw new InputError('not-image', `${name}: not an image (${meta.format} data is truncated or corrupt)`, {
      cause: error,
    });
  }

  const { info } = raw;
  if (info.width !== outWidth || info.height !== outHeight || (info.channels !== 3 && info.channels !== 4)) {
    throw new Error(
      `${name}: decoder returned ${info.width}x${info.height}x${info.channels}, ` +
        `expected ${outWidth}x${outHeight} with 3 or 4 channels`,
    );
  }
  const data = toRgb8(
    {
      width: outWidth,
      height: outHeight,
      channels: info.channels,
      bitDepth: sixteenBit ? 16 : 8,
      samples: sixteenBit ? uint16View(raw.data) : ownedBytes(raw.data),
    },
    limits.background,
  );

  return {
    image: { width: outWidth, height: outHeight, data },
    info: {
      path: name,
      format: meta.format,
      originalWidth: width,
      originalHeight: height,
      ...(meta.orientation !== undefined && { orientation: meta.orientation }),
      channels: meta.channels,
      bitDepth: meta.bitsPerSample ?? bitsOfDepth(meta.depth),
      colourSpace: meta.space,
      hasAlpha: meta.hasAlpha,
      scale,
    },
  };
}

function resolveOptions(options: ReadImageOptions): Limits {
  const maxDimension = options.maxDimension ?? DEFAULT_MAX_DIMENSION;
  const minDimension = options.minDimension ?? DEFAULT_MIN_DIMENSION;
  const maxInputPixels = Math.min(options.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS, DECOMPRESSION_BOMB_PIXELS);
  const background = options.background ?? DEFAULT_BACKGROUND;
  for (const [key, value] of Object.entries({ maxDimension, minDimension, maxInputPixels })) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`readImage: ${key} must be a positive integer`);
  }
  if (minDimension > maxDimension) throw new RangeError('readImage: minDimension must not exceed maxDimension');
  for (const value of [background.r, background.g, background.b]) {
    if (!Number.isInteger(value) || value < 0 || value > 255) {
      throw new RangeError('readImage: background channels must be integers 0-255');
    }
  }
  return { maxDimension, minDimension, maxInputPixels, background };
}

/** Reads only the header, so nothing is decoded before the size checks. */
async function readHeader(input: string | Uint8Array, name: string): Promise<Metadata> {
  let meta: Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new InputError('not-image', `${name}: not an image (could not decode)`, { cause: error });
  }
  if (!PHOTO_FORMATS.has(meta.format)) {
    throw new InputError(
      'unsupported-format',
      `${name}: unsupported image format '${meta.format}' (use JPEG, PNG, WebP, HEIC/AVIF, TIFF or GIF)`,
    );
  }
  if (!(meta.width > 0 && meta.height > 0)) {
    throw new InputError('not-image', `${name}: not an image (no image size in header)`);
  }
  return meta;
}

function checkSize(name: string, width: number, height: number, limits: Limits): void {
  const pixels = width * height;
  const size = `${width}x${height} px, ${megapixels(pixels)} megapixels`;
  if (pixels > DECOMPRESSION_BOMB_PIXELS) {
    throw new InputError(
      'too-large',
      `${name}: image is too large to decode safely (${size}; the safety limit is ` +
        `${megapixels(DECOMPRESSION_BOMB_PIXELS)} megapixels)`,
    );
  }
  if (pixels > limits.maxInputPixels) {
    throw new InputError(
      'too-large',
      `${name}: image is too large (${size}; the limit is ${megapixels(limits.maxInputPixels)} megapixels)`,
    );
  }
  if (Math.min(width, height) < limits.minDimension) {
    throw new InputError(
      'too-small',
      `${name}: image is too small (${width}x${height} px; need at least ${limits.minDimension} px on each side)`,
    );
  }
}

function megapixels(pixels: number): string {
  return (pixels / 1e6).toFixed(1);
}

function bitsOfDepth(depth: Metadata['depth']): number {
  switch (depth) {
    case 'uchar':
    case 'char':
      return 8;
    case 'ushort':
    case 'short':
      return 16;
    case 'double':
    case 'dpcomplex':
      return 64;
    default:
      return 32;
  }
}

/** A plain Uint8Array (not a Buffer) that owns its whole ArrayBuffer; copies only if needed. */
function ownedBytes(buffer: Buffer): Uint8Array {
  if (buffer.byteOffset === 0 && buffer.buffer.byteLength === buffer.length) return new Uint8Array(buffer.buffer);
  return new Uint8Array(buffer);
}

/** A Uint16Array over sharp's output (native byte order); copies only if misaligned. */
function uint16View(buffer: Buffer): Uint16Array {
  if (buffer.byteOffset % 2 === 0) return new Uint16Array(buffer.buffer, buffer.byteOffset, buffer.length / 2);
  return new Uint16Array(new Uint8Array(buffer).buffer);
}
