import type { RgbImage } from '../base/image.js';
import type { Rect } from '../base/rect.js';
import { chromaDistance2, chromaU, chromaV, fitChromaGaussian, logLuma } from './colour-model.js';
import { fillPolygon } from './crop-raster.js';
import { smoothstep } from './mask.js';

/** Mahalanobis distance (chroma and ln luma together) from the brows' own colour where a pixel starts to be foreign to them, and where it fully is. */
const BROW_ACCEPT = 3;
const BROW_REJECT = 5;

/**
 * How foreign each pixel of the brows' keep zones (`zones`, polygons in photo pixels) is to the
 * brows' own colour, in [0, 1] per crop pixel (0 outside the zones): a robust Gaussian of chroma
 * and ln luma over the pixels of both brow polygons that are darker than the skin (`skinLogLuma`;
 * a brow is darker than the skin around it, and the two brows are one colour, so a lock across
 * one brow's end is outvoted by the other brow). A blonde curl over a dark brow is foreign, and so
 * is whatever is as bright as the skin; the brow's hairs are not, and the skin between them is
 * skin-coloured (the hair test leaves it).
 */
export function foreignToBrows(photo: RgbImage, rect: Rect, brows: readonly Float64Array[], zones: readonly Float64Array[], skinLogLuma: number): Float32Array {
  const n = rect.width * rect.height;
  const inside = new Uint8Array(n), near = new Uint8Array(n);
  for (const brow of brows) fillPolygon(inside, rect, brow, 1);
  for (const zone of zones) fillPolygon(near, rect, zone, 1);
  const colour = (k: number): [number, number, number] => {
    const s = 3 * ((rect.y + Math.floor(k / rect.width)) * photo.width + rect.x + (k % rect.width));
    const r = photo.data[s]!, g = photo.data[s + 1]!, b = photo.data[s + 2]!;
    return [chromaU(r, g), chromaV(b, g), logLuma(r, g, b)];
  };
  const samples: number[] = [];
  for (let k = 0; k < n; k++) {
    if (!inside[k]) continue;
    const c = colour(k);
    if (c[2] < skinLogLuma) samples.push(...c);
  }
  const foreign = new Float32Array(n);
  const model = fitChromaGaussian(Float64Array.from(samples));
  if (!model) return foreign;
  for (let k = 0; k < n; k++) {
    if (!near[k]) continue;
    const [u, v, l] = colour(k);
    const d = Math.sqrt(chromaDistance2(model, u, v) + ((l - model.logLumaMean) / model.logLumaSigma) ** 2);
    // The brow is what is darker than the skin there: as bright as the skin is not brow at all.
    foreign[k] = Math.max(smoothstep(BROW_ACCEPT, BROW_REJECT, d), smoothstep(skinLogLuma - model.logLumaSigma, skinLogLuma, l));
  }
  return foreign;
}
