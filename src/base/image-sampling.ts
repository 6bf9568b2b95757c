/**
 * Pixel sampling over typed arrays: cut a (rotated, scaled) square out of an RgbImage and write it
 * as normalised floats, ready to become a model input tensor. Large reductions read from a
 * 2x box-filtered pyramid level so that downscaling does not alias.
 */
import { bilinear, bilinearTaps, clampedTaps, type RgbImage } from './image.js';

/**
 * Maps continuous destination coordinates (u, v) to continuous image coordinates:
 * x = a*u + b*v + c, y = d*u + e*v + f. Continuous coordinates put the top-left corner of the
 * picture at (0, 0) and the centre of pixel (i, j) at (i + 0.5, j + 0.5).
 */
export type Affine = readonly [a: number, b: number, c: number, d: number, e: number, f: number];

/** Source-to-destination inverse of an affine (destination pixel coordinates from image coordinates). */
export function invertAffine([a, b, c, d, e, f]: Affine): Affine {
  const det = a * e - b * d;
  if (det === 0) throw new Error('affine transform is singular');
  const ia = e / det, ib = -b / det, id = -d / det, ie = a / det;
  return [ia, ib, -(ia * c + ib * f), id, ie, -(id * c + ie * f)];
}

export function applyAffine(m: Affine, u: number, v: number): [number, number] {
  return [m[0] * u + m[1] * v + m[2], m[3] * u + m[4] * v + m[5]];
}

/**
 * A square of side `size` image pixels centred on (cx, cy), rotated by `angle` radians
 * (positive = clockwise on screen), sampled onto an `outSize` x `outSize` grid.
 */
export function squareCropAffine(cx: number, cy: number, size: number, angle: number, outSize: number): Affine {
  return cropAffine(cx, cy, size / outSize, angle, outSize, outSize);
}

/**
 * An `outW` x `outH` grid whose centre lands on image point (cx, cy), with `scale` image pixels
 * per grid pixel, rotated by `angle` radians (positive = clockwise on screen).
 */
export function cropAffine(cx: number, cy: number, scale: number, angle: number, outW: number, outH: number): Affine {
  const cos = Math.cos(angle) * scale, sin = Math.sin(angle) * scale;
  const hw = outW / 2, hh = outH / 2;
  // destination (u, v) relative to the grid centre, rotated and scaled into the image
  return [cos, -sin, cx - cos * hw + sin * hh, sin, cos, cy - sin * hw - cos * hh];
}

/** The image and its successive 2x box-filtered reductions, built on demand. */
export class ImagePyramid {
  private readonly levels: RgbImage[];

  constructor(image: RgbImage) {
    if (image.data.length < image.width * image.height * 3) {
      throw new Error(`image data holds ${image.data.length} bytes, expected ${image.width * image.height * 3} (RGB)`);
    }
    this.levels = [image];
  }

  get base(): RgbImage {
    return this.levels[0]!;
  }

  /** Level k is the image reduced 2^k times (each side rounded down, at least 1 pixel). */
  level(k: number): RgbImage {
    while (this.levels.length <= k) this.levels.push(halve(this.levels[this.levels.length - 1]!));
    return this.levels[k]!;
  }
}

/** Options for writing samples into a float buffer. */
export interface SampleTarget {
  /** Receives outSize*outSize*3 floats (RGB, row-major) starting at `offset`. */
  out: Float32Array;
  offset?: number;
  /** Output value = pixel * scale + bias (e.g. 1/255, 0 for [0,1]; 1/127.5, -1 for [-1,1]). */
  scale: number;
  bias: number;
  /** Outside the image: 'edge' repeats the border pixels, 'zero' writes the value of pixel 0. */
  border: 'edge' | 'zero';
}

/**
 * Bilinearly samples `outW` x `outH` pixels through `affine` (destination -> full-resolution
 * image coordinates), reading from the pyramid level whose resolution best matches the scale.
 */
export function sampleAffine(pyramid: ImagePyramid, affine: Affine, outW: number, outH: number, target: SampleTarget): void {
  const scale = Math.sqrt(Math.abs(affine[0] * affine[4] - affine[1] * affine[3]));
  let k = scale >= 2 ? Math.min(Math.floor(Math.log2(scale)), 16) : 0;
  while (k > 0 && (pyramid.base.width >> k < 2 || pyramid.base.height >> k < 2)) k--;
  const img = pyramid.level(k);
  // Destination pixel (u, v) has its centre at (u + 0.5, v + 0.5). Level pixel i covers full-res
  // [i * 2^k, (i + 1) * 2^k), so continuous x becomes the level sample index x / 2^k - 0.5.
  const f = 2 ** k;
  const [a, b, c, d, e, g] = affine;
  const la = a / f, lb = b / f, lc = (c + 0.5 * (a + b)) / f - 0.5;
  const ld = d / f, le = e / f, lf = (g + 0.5 * (d + e)) / f - 0.5;
  const { out, scale: vs, bias, border } = target;
  const { width: w, height: h, data } = img;
  const zero = bias;
  const taps = bilinearTaps();
  let o = target.offset ?? 0;
  for (let v = 0; v < outH; v++) {
    for (let u = 0; u < outW; u++) {
      const x = la * u + lb * v + lc;
      const y = ld * u + le * v + lf;
      if (border === 'zero' && (x < -0.5 || y < -0.5 || x > w - 0.5 || y > h - 0.5)) {
        out[o] = zero; out[o + 1] = zero; out[o + 2] = zero;
        o += 3;
        continue;
      }
      const { i00, i10, i01, i11, fx, fy } = clampedTaps(taps, x, y, w, h);
      for (let ch = 0; ch < 3; ch++) {
        out[o + ch] = bilinear(data[3 * i00 + ch]!, data[3 * i10 + ch]!, data[3 * i01 + ch]!, data[3 * i11 + ch]!, fx, fy) * vs + bias;
      }
      o += 3;
    }
  }
}

function halve(img: RgbImage): RgbImage {
  const w = Math.max(1, img.width >> 1), h = Math.max(1, img.height >> 1);
  const data = new Uint8Array(w * h * 3);
  const src = img.data;
  // Offsets of the right and lower neighbours (none along a side of 1 pixel).
  const dx = img.width > 1 ? 3 : 0, dy = img.height > 1 ? img.width * 3 : 0;
  let q = 0;
  for (let y = 0; y < h; y++) {
    let a = 2 * y * img.width * 3;
    for (let x = 0; x < w; x++, a += 6, q += 3) {
      const b = a + dx, c = a + dy, d = c + dx;
      data[q] = (src[a]! + src[b]! + src[c]! + src[d]! + 2) >> 2;
      data[q + 1] = (src[a + 1]! + src[b + 1]! + src[c + 1]! + src[d + 1]! + 2) >> 2;
      data[q + 2] = (src[a + 2]! + src[b + 2]! + src[c + 2]! + src[d + 2]! + 2) >> 2;
    }
  }
  return { width: w, height: h, data };
}
