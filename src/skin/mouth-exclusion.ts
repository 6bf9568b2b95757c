import type { RgbImage } from '../base/image.js';
import type { Rect } from '../base/rect.js';
import { LUMA, SRGB8_TO_LINEAR } from '../base/colour.js';
import { median } from './colour-model.js';
import { fillPolygon } from './crop-raster.js';
import { growPolygon, landmarkPolygon, LIPS_INNER, LIPS_OUTER } from './landmark-regions.js';
import { smoothstep } from './mask.js';
import { boxBlur, dilate } from './morphology.js';

/**
 * Teeth are brighter than the lips and less red; a highlight on the lips too. Luminance as a share of
 * the lips' median where the test starts and where it is complete, and how much less red (log r/g)
 * than the lips' median.
 */
const BRIGHT_ACCEPT = 1.25;
const BRIGHT_REJECT = 1.7;
const PALER_ACCEPT = 0.05;
const PALER_REJECT = 0.2;

/**
 * What the lips' texels must not take from the photo, in [0, 1] per crop pixel: the mouth opening
 * (teeth, tongue and the dark inside; the lips' inner texels sit there when the photo's mouth opens
 * a little wider than the fitted one) and, within `reach` pixels of it, whatever looks like teeth or
 * a highlight rather than lips: the opening's landmarks miss the teeth by a pixel or two on a soft photo.
 */
export function mouthExclusion(photo: RgbImage, rect: Rect, landmarks: Float32Array, reach: number): Float32Array {
  const { opening, teeth } = teethWeight(photo, rect, landmarks, reach);
  const mouth = boxBlur(Float32Array.from(opening), rect.width, rect.height, 1);
  const grown = dilate(teeth, rect.width, rect.height, 1);
  return Float32Array.from(grown, (t, k) => Math.max(t, Math.min(1, 2 * mouth[k]!)));
}

/**
 * How much each crop pixel near the mouth opening looks like teeth (or a highlight) rather than lips:
 * brighter than the lips and less red, against the median of the ring between the outer and inner contours.
 */
function teethWeight(photo: RgbImage, rect: Rect, landmarks: Float32Array, reach: number): { opening: Uint8Array; teeth: Float32Array } {
  const n = rect.width * rect.height;
  const ring = new Uint8Array(n), opening = new Uint8Array(n), near = new Uint8Array(n);
  const innerPolygon = landmarkPolygon(landmarks, LIPS_INNER);
  fillPolygon(ring, rect, landmarkPolygon(landmarks, LIPS_OUTER), 1);
  fillPolygon(opening, rect, innerPolygon, 1);
  fillPolygon(near, rect, growPolygon(innerPolygon, reach), 1);
  for (let k = 0; k < n; k++) if (opening[k]) ring[k] = 0;
  // The test runs near the opening; the lips' colour comes from the whole ring between the contours.
  const luma = new Float64Array(n), redness = new Float64Array(n);
  const ringLuma: number[] = [], ringRedness: number[] = [];
  for (let k = 0; k < n; k++) {
    if (!ring[k] && !near[k]) continue;
    const s = 3 * ((rect.y + Math.floor(k / rect.width)) * photo.width + rect.x + (k % rect.width));
    const r = SRGB8_TO_LINEAR[photo.data[s]!]!, g = SRGB8_TO_LINEAR[photo.data[s + 1]!]!, b = SRGB8_TO_LINEAR[photo.data[s + 2]!]!;
    luma[k] = LUMA[0] * r + LUMA[1] * g + LUMA[2] * b;
    redness[k] = Math.log(Math.max(r, 1e-4) / Math.max(g, 1e-4));
    if (ring[k]) { ringLuma.push(luma[k]); ringRedness.push(redness[k]); }
  }
  const weight = new Float32Array(n);
  if (ringLuma.length < 8) return { opening, teeth: weight };
  const lipsLuma = Math.max(1e-4, median(Float64Array.from(ringLuma))), lipsRedness = median(Float64Array.from(ringRedness));
  for (let k = 0; k < n; k++) {
    if (!near[k]) continue;
    weight[k] = smoothstep(BRIGHT_ACCEPT, BRIGHT_REJECT, luma[k] / lipsLuma) * smoothstep(PALER_ACCEPT, PALER_REJECT, lipsRedness - redness[k]);
  }
  return { opening, teeth: weight };
}
