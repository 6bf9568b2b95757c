import type { RgbImage } from '../base/image.js';
import type { Rect } from '../base/rect.js';
import { logLuma } from './colour-model.js';
import { blackTopHat, boxBlur } from './morphology.js';

/** Width of the structures measured (strands, not wrinkles or shading), as a top-hat radius in face heights. */
const STRAND_RADIUS = 0.01;
/** Window the strands' contrast is averaged over, in face heights: a few strands wide. */
const STRAND_WINDOW = 0.02;

/**
 * Strand texture per pixel of `rect`: the mean, over a window a few strands wide, of the ln-luma
 * contrast of structures narrower than a strand or two, dark on light and light on dark (black plus
 * white top-hat). Hair is made of such strands; skin, even shaded or wrinkled, has little at this
 * scale, and a semi-transparent strand over the forehead that keeps the skin's colour still has it.
 */
export function strandTexture(photo: RgbImage, rect: Rect, faceHeight: number): Float32Array {
  const { width: w, height: h } = rect;
  const lum = new Float32Array(w * h), negative = new Float32Array(w * h);
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) {
      const s = 3 * ((rect.y + j) * photo.width + rect.x + i);
      lum[j * w + i] = logLuma(photo.data[s]!, photo.data[s + 1]!, photo.data[s + 2]!);
      negative[j * w + i] = -lum[j * w + i]!;
    }
  }
  const radius = Math.max(1, Math.round(STRAND_RADIUS * faceHeight));
  const dark = blackTopHat(lum, w, h, radius), light = blackTopHat(negative, w, h, radius);
  for (let k = 0; k < dark.length; k++) dark[k] = dark[k]! + light[k]!;
  return boxBlur(dark, w, h, Math.max(1, Math.round(STRAND_WINDOW * faceHeight)));
}
