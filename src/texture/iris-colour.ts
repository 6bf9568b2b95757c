import type { RgbImage } from '../base/image.js';
import { linearToSrgb, LUMA, SRGB8_TO_LINEAR, type Rgb } from '../base/colour.js';
import { fillPolygon } from '../skin/crop-raster.js';
import type { Rect } from '../base/rect.js';
import { LEFT_EYE, LEFT_EYE_CORNERS, landmarkPolygon, RIGHT_EYE, RIGHT_EYE_CORNERS } from '../skin/landmark-regions.js';

/** The iris colour when no eye is seen well enough to measure it: a neutral mid brown (sRGB). */
export const FALLBACK_IRIS_COLOUR: Readonly<Rgb> = [0.36, 0.25, 0.17];

/** Fewer iris pixels than this (both eyes together) and the colour is not measured. */
const MIN_IRIS_PIXELS = 8;
/** An eye whose lids hide more of the sampled ring than this is not used (closed, or nearly). */
const MIN_VISIBLE_FRACTION = 0.35;
/** The part of the iris disc that is sampled, as fractions of its radius: outside the pupil, inside the dark rim. */
const INNER_FRACTION = 0.35;
const OUTER_FRACTION = 0.9;
/** Samples kept by luminance: the darkest (lashes, pupil edge) and brightest (catch lights, sclera) are dropped. */
const KEEP_FROM = 0.1;
const KEEP_TO = 0.8;
/** Without the iris network, the iris radius as a fraction of the eye's corner-to-corner width (11.7 mm of about 29 mm). */
const IRIS_RADIUS_PER_EYE_WIDTH = 0.2;

export interface IrisColour {
  /** sRGB in [0, 1]: the iris albedo when `shading` was given, else the photo's colour. */
  colour: Readonly<Rgb>;
  /** Photo pixels it was measured on; 0 when the fallback was used. */
  pixels: number;
}

/**
 * The iris colour of one face, measured in the photo where the eyes are seen: the pixels of the iris
 * disc (from the iris network's points when given, else centred in the eye opening) that lie inside
 * the eye opening between the lids, robustly averaged in linear light and divided by `shading`
 * (linear, per channel) when given. An eye whose lids hide most of that disc is left out; with no
 * eye left (closed or hidden eyes), the fallback. How well closed eyes are found depends on how
 * well the face mesh's lid points close on them.
 *
 * @param landmarks 468 face-mesh points (x, y, z), photo pixels
 * @param irises the iris network's 10 points (subject's right eye then left, centre first, then 4 on the rim)
 */
export function measureIrisColour(
  photo: RgbImage, landmarks: Float32Array, irises?: Float32Array, shading?: readonly [number, number, number],
): IrisColour {
  const samples: number[] = [];
  const eyes = [[RIGHT_EYE, RIGHT_EYE_CORNERS], [LEFT_EYE, LEFT_EYE_CORNERS]] as const;
  eyes.forEach(([opening, corners], eye) => {
    const polygon = landmarkPolygon(landmarks, opening);
    const disc = irises ? irisDisc(irises, eye) : openingDisc(polygon, landmarks, corners);
    collectIrisPixels(photo, polygon, disc, samples);
  });
  const count = samples.length / 4;
  if (count < MIN_IRIS_PIXELS) return { colour: FALLBACK_IRIS_COLOUR, pixels: 0 };

  const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => samples[4 * a + 3] - samples[4 * b + 3]);
  const kept = order.slice(Math.floor(KEEP_FROM * count), Math.max(Math.floor(KEEP_FROM * count) + 1, Math.ceil(KEEP_TO * count)));
  const mean = [0, 0, 0];
  for (const i of kept) for (let c = 0; c < 3; c++) mean[c] += samples[4 * i + c] / kept.length;
  const colour = mean.map((m, c) => linearToSrgb(shading ? m / Math.max(shading[c], 1e-3) : m)) as [number, number, number];
  return { colour, pixels: count };
}

interface Disc {
  x: number;
  y: number;
  radius: number;
}

function irisDisc(irises: Float32Array, eye: number): Disc {
  const o = 15 * eye;
  const x = irises[o], y = irises[o + 1];
  let radius = 0;
  for (let k = 1; k <= 4; k++) radius += Math.hypot(irises[o + 3 * k] - x, irises[o + 3 * k + 1] - y) / 4;
  return { x, y, radius };
}

function openingDisc(polygon: Float64Array, landmarks: Float32Array, corners: readonly [number, number]): Disc {
  const n = polygon.length / 2;
  let x = 0, y = 0;
  for (let k = 0; k < n; k++) { x += polygon[2 * k] / n; y += polygon[2 * k + 1] / n; }
  const [a, b] = corners;
  const width = Math.hypot(landmarks[3 * a] - landmarks[3 * b], landmarks[3 * a + 1] - landmarks[3 * b + 1]);
  return { x, y, radius: IRIS_RADIUS_PER_EYE_WIDTH * width };
}

/**
 * Appends linear r, g, b and luminance of each photo pixel in the disc's sampled ring and inside the
 * eye opening, unless the opening holds less than MIN_VISIBLE_FRACTION of the ring.
 */
function collectIrisPixels(photo: RgbImage, opening: Float64Array, disc: Disc, out: number[]): void {
  const outer = OUTER_FRACTION * disc.radius, inner = INNER_FRACTION * disc.radius;
  const x0 = Math.max(0, Math.floor(disc.x - outer)), x1 = Math.min(photo.width, Math.ceil(disc.x + outer));
  const y0 = Math.max(0, Math.floor(disc.y - outer)), y1 = Math.min(photo.height, Math.ceil(disc.y + outer));
  if (x1 <= x0 || y1 <= y0) return;
  const rect: Rect = { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
  const inside = new Uint8Array(rect.width * rect.height);
  fillPolygon(inside, rect, opening, 1);
  const seen: number[] = [];
  let ring = 0;
  for (let j = 0; j < rect.height; j++) {
    for (let i = 0; i < rect.width; i++) {
      const x = x0 + i, y = y0 + j;
      const d = Math.hypot(x + 0.5 - disc.x, y + 0.5 - disc.y);
      if (d < inner || d > outer) continue;
      ring++;
      if (!inside[j * rect.width + i]) continue;
      const p = 3 * (y * photo.width + x);
      const r = SRGB8_TO_LINEAR[photo.data[p]], g = SRGB8_TO_LINEAR[photo.data[p + 1]], b = SRGB8_TO_LINEAR[photo.data[p + 2]];
      seen.push(r, g, b, LUMA[0] * r + LUMA[1] * g + LUMA[2] * b);
    }
  }
  if (seen.length / 4 >= MIN_VISIBLE_FRACTION * ring) out.push(...seen);
}
