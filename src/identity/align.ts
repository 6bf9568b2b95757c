/**
 * Face-recognition crops: the image resampled through the similarity transform that puts the five
 * face points (five-points.ts) onto a template, the way InsightFace-style models were trained.
 * Works on photos and on renders alike, given the 468 landmark positions in that image.
 */
import type { RgbaImage, RgbImage } from '../base/image.js';
import { ImagePyramid, sampleAffine, type Affine } from '../base/image-sampling.js';
import { fivePoints } from './five-points.js';
import { fitSimilarity } from './similarity-transform.js';

/** Where the five points go in a square crop of `size` pixels (continuous coordinates: pixel i spans [i, i+1)). */
export interface CropTemplate {
  size: number;
  /** x0, y0, ..., x4, y4 in the order of `fivePoints`. */
  points: Float64Array;
}

/** InsightFace's ArcFace template for 112x112 crops (OpenCV pixel-centre coordinates). */
const ARCFACE_112 = [38.2946, 51.6963, 73.5318, 51.5014, 56.0252, 71.7366, 41.5493, 92.3655, 70.7299, 92.2041] as const;

/**
 * The ArcFace template for a `size`-pixel crop. `zoom` < 1 shrinks the face about the crop centre,
 * leaving more of the head and background in view (zoom 1 is the standard tight crop).
 */
export function arcfaceTemplate(size = 112, zoom = 1): CropTemplate {
  const points = new Float64Array(10);
  const s = size / 112, c = size / 2;
  for (let i = 0; i < 10; i++) points[i] = c + ((ARCFACE_112[i]! + 0.5) * s - c) * zoom;
  return { size, points };
}

/** Crop-to-image transform (crop pixels -> image pixels) that puts the face's five points onto the template. */
export function alignmentAffine(landmarks: ArrayLike<number>, stride: number, template: CropTemplate): Affine {
  return fitSimilarity(template.points, fivePoints(landmarks, stride));
}

/** Grey that transparent render pixels are composited over: sRGB 128, a neutral background for the networks. */
export const BACKGROUND_GREY = 128;

/**
 * RGB pixels of an RGB or RGBA image (told apart by the data length); RGBA is composited over
 * `BACKGROUND_GREY` with straight (non-premultiplied) alpha.
 */
export function toRgbOverGrey(image: RgbImage | RgbaImage): RgbImage {
  const n = image.width * image.height;
  if (image.data.length === 3 * n) return image;
  if (image.data.length !== 4 * n) throw new Error(`image data holds ${image.data.length} bytes, expected ${3 * n} (RGB) or ${4 * n} (RGBA)`);
  const src = image.data;
  const data = new Uint8Array(3 * n);
  for (let i = 0, p = 0, q = 0; i < n; i++, p += 4, q += 3) {
    const a = src[p + 3]!;
    if (a === 255) {
      data[q] = src[p]!; data[q + 1] = src[p + 1]!; data[q + 2] = src[p + 2]!;
    } else {
      const g = BACKGROUND_GREY * (255 - a);
      data[q] = Math.round((src[p]! * a + g) / 255);
      data[q + 1] = Math.round((src[p + 1]! * a + g) / 255);
      data[q + 2] = Math.round((src[p + 2]! * a + g) / 255);
    }
  }
  return { width: image.width, height: image.height, data };
}

/**
 * The aligned face crop as an image: `size` x `size` pixels with the five points on the ArcFace
 * template (or on `template` when given). Bilinear sampling; faces much larger than the crop are
 * read from a box-filtered reduction so that they do not alias. Outside the picture is black, as
 * in InsightFace's training crops.
 */
export function alignedFaceCrop(image: RgbImage | RgbaImage, landmarks: ArrayLike<number>, stride = 3, size = 112, template: CropTemplate = arcfaceTemplate(size)): RgbImage {
  if (template.size !== size) throw new Error(`template is for ${template.size} px crops, asked for ${size}`);
  const floats = new Float32Array(size * size * 3);
  sampleAligned(new ImagePyramid(toRgbOverGrey(image)), alignmentAffine(landmarks, stride, template), size, floats, 0, 1, 0);
  const data = new Uint8Array(floats.length);
  for (let i = 0; i < floats.length; i++) data[i] = Math.round(floats[i]!);
  return { width: size, height: size, data };
}

/** Writes the crop through `affine` as floats pixel * scale + bias into `out` at `offset`. */
export function sampleAligned(pyramid: ImagePyramid, affine: Affine, size: number, out: Float32Array, offset: number, scale: number, bias: number): void {
  sampleAffine(pyramid, affine, size, size, { out, offset, scale, bias, border: 'zero' });
}
