import type { RgbImage } from '../base/image.js';
import { MEDIAPIPE_FACE_OVAL } from '../correspondence/mediapipe.js';
import { SRGB8_TO_LINEAR, linearToSrgb } from '../base/colour.js';
import {
  chromaU, chromaV, fitChromaGaussian, fitChromaRegression, logLuma, regressionDistance2, type ChromaGaussian,
} from './colour-model.js';
import { fillPolygon, sampleCrop } from './crop-raster.js';
import { pointBounds, type Rect } from '../base/rect.js';
import { spectaclesRegion, type SpectaclesResult } from './glasses.js';
import {
  CHIN, FOREHEAD_TOP, LEFT_EYE, LEFT_EYEBROW, LEFT_EYE_CORNERS, LEFT_NOSTRIL, LIPS_OUTER, RIGHT_EYE, RIGHT_EYEBROW,
  RIGHT_EYE_CORNERS, RIGHT_NOSTRIL, SKIN_SEEDS, faceHeight as faceHeightOf, growPolygon, landmarkPoint, landmarkPolygon,
} from './landmark-regions.js';
import { blackTopHat, boxBlur, dilate, erode } from './morphology.js';

export interface SkinMask {
  /** Crop of the photo the weights cover; always inside the photo (may be empty for a face off the picture). */
  rect: Rect;
  /** Skin weight in [0, 1] per crop pixel, row-major, rect.width * rect.height values. */
  weight: Float32Array;
  /** Mean colour of the confidently accepted skin, components in [0, 1]: sRGB-encoded and linear. */
  skinTone: { srgb: [number, number, number]; linear: [number, number, number] };
  /** Weighted fraction of the landmark face oval that is accepted as skin, in [0, 1]. */
  coverage: number;
  /** Whether spectacles were found (their frames and lenses are then excluded). */
  glasses: boolean;
  /** The spectacles tests' evidence (ln-luma contrast of an upper rim and of a bridge; found when above 0.5 and 0.2). */
  glassesEvidence: { rims: number; bridge: number };
  /** Where spectacles were found: 1 on frames and lenses, per crop pixel. */
  spectacles?: Uint8Array;
}

export interface SkinMaskOptions {
  /** How far the upper face oval is raised to take in the forehead, in face heights (forehead top to chin). Default 0.08. */
  foreheadExtension?: number;
  /** Chroma Mahalanobis distance up to which a pixel is fully skin; default 3. Weight falls to 0 at `chromaReject` (default 5). */
  chromaAccept?: number;
  chromaReject?: number;
  /** Dark-line contrast (ln luma below the local closing) where the weight starts to fall and reaches 0. Default 0.6 and 1.0 (ln units: a line at 55% and 37% of the luma around it). */
  darkLineAccept?: number;
  darkLineReject?: number;
  /** Detect spectacles and exclude frames and lenses. Default true. */
  glasses?: boolean;
}

/** Margins around excluded parts, in face heights. */
export const EYE_MARGIN = 0.03;
export const BROW_MARGIN = 0.035;
export const LIPS_MARGIN = 0.02;
export const NOSTRIL_MARGIN = 0.015;
const OVAL_SHRINK = 0.025;
const SEED_RADIUS = 0.035;
/** Window radius of the dark-line test, in face heights: wider than a glasses frame, narrower than an eye. */
const DARK_LINE_RADIUS = 0.025;

/** 0 below edge0, 1 above edge1, the smooth cubic between. */
export function smoothstep(edge0: number, edge1: number, x: number): number {
  const t = Math.min(1, Math.max(0, (x - edge0) / (edge1 - edge0)));
  return t * t * (3 - 2 * t);
}

/** Face oval slightly shrunk (its edge is the silhouette, where background leaks in) with its upper part raised over the forehead. */
function faceRegionPolygon(landmarks: Float32Array, faceHeight: number, foreheadExtension: number): Float64Array {
  const oval = growPolygon(landmarkPolygon(landmarks, MEDIAPIPE_FACE_OVAL), -OVAL_SHRINK * faceHeight);
  const [tx, ty] = landmarkPoint(landmarks, FOREHEAD_TOP), [cx, cy] = landmarkPoint(landmarks, CHIN);
  const ux = (tx - cx) / faceHeight, uy = (ty - cy) / faceHeight;
  // Height above the eye line, as a fraction of the forehead top's height above it.
  const [ex, ey] = eyeLineCentre(landmarks);
  const topHeight = (tx - ex) * ux + (ty - ey) * uy;
  for (let k = 0; k < oval.length / 2; k++) {
    const h = ((oval[2 * k]! - ex) * ux + (oval[2 * k + 1]! - ey) * uy) / topHeight;
    if (h <= 0) continue;
    const lift = foreheadExtension * faceHeight * Math.min(1, h);
    oval[2 * k] = oval[2 * k]! + lift * ux;
    oval[2 * k + 1] = oval[2 * k + 1]! + lift * uy;
  }
  return oval;
}

function eyeLineCentre(landmarks: Float32Array): [number, number] {
  const [ax, ay] = landmarkPoint(landmarks, RIGHT_EYE_CORNERS[0]);
  const [bx, by] = landmarkPoint(landmarks, LEFT_EYE_CORNERS[0]);
  return [(ax + bx) / 2, (ay + by) / 2];
}

/** Pixel rectangle around a polygon, `pad` pixels wider on every side, clipped to the image. */
export function boundingRect(polygon: Float64Array, width: number, height: number, pad: number): Rect {
  const b = pointBounds(polygon, 2), x0 = b.x, y0 = b.y, x1 = b.x + b.width, y1 = b.y + b.height;
  const left = Math.max(0, Math.floor(x0 - pad)), top = Math.max(0, Math.floor(y0 - pad));
  const right = Math.min(width, Math.ceil(x1 + pad)), bottom = Math.min(height, Math.ceil(y1 + pad));
  return { x: left, y: top, width: Math.max(0, right - left), height: Math.max(0, bottom - top) };
}

/**
 * Soft mask of the visible bare skin of one face, for photometric fitting: the landmark face
 * oval (raised over the forehead) without eyes, eyebrows, lips and mouth, nostrils and spectacles,
 * keeping only pixels whose chroma fits a robust Gaussian estimated from seed patches that are
 * nearly always skin, that are not far darker than the skin, and that are not thin dark lines
 * (frames, hair strands). `landmarks` are the 468 face-mesh points in photo pixels.
 */
export function skinMask(photo: RgbImage, landmarks: Float32Array, options: SkinMaskOptions = {}): SkinMask {
  const faceHeight = faceHeightOf(landmarks);
  const region = faceRegionPolygon(landmarks, faceHeight, options.foreheadExtension ?? 0.08);
  const rect = boundingRect(region, photo.width, photo.height, 2);
  const { width: w, height: h } = rect;
  const n = w * h;
  const emptyTone = { srgb: [0, 0, 0] as [number, number, number], linear: [0, 0, 0] as [number, number, number] };
  if (n === 0) return { rect, weight: new Float32Array(0), skinTone: emptyTone, coverage: 0, glasses: false, glassesEvidence: { rims: 0, bridge: 0 } };

  // Where skin may be at all.
  const allowed = new Uint8Array(n);
  fillPolygon(allowed, rect, region, 1);
  const oval = new Uint8Array(n);
  fillPolygon(oval, rect, landmarkPolygon(landmarks, MEDIAPIPE_FACE_OVAL), 1);
  const exclusions: Array<[readonly number[], number]> = [
    [RIGHT_EYE, EYE_MARGIN], [LEFT_EYE, EYE_MARGIN], [RIGHT_EYEBROW, BROW_MARGIN], [LEFT_EYEBROW, BROW_MARGIN],
    [LIPS_OUTER, LIPS_MARGIN], [RIGHT_NOSTRIL, NOSTRIL_MARGIN], [LEFT_NOSTRIL, NOSTRIL_MARGIN],
  ];
  for (const [indices, margin] of exclusions) {
    fillPolygon(allowed, rect, growPolygon(landmarkPolygon(landmarks, indices), margin * faceHeight), 0);
  }

  // Per-pixel chroma and log luma over the crop.
  const u = new Float32Array(n), v = new Float32Array(n), lum = new Float32Array(n);
  for (let j = 0; j < h; j++) {
    let src = ((rect.y + j) * photo.width + rect.x) * 3;
    for (let i = 0; i < w; i++, src += 3) {
      const r = photo.data[src]!, g = photo.data[src + 1]!, b = photo.data[src + 2]!;
      const k = j * w + i;
      u[k] = chromaU(r, g);
      v[k] = chromaV(b, g);
      lum[k] = logLuma(r, g, b);
    }
  }

  const spectacles: SpectaclesResult | undefined = options.glasses === false
    ? undefined
    : spectaclesRegion(lum, rect, landmarks, faceHeight);
  if (spectacles?.found) for (let k = 0; k < n; k++) if (spectacles.region[k]) allowed[k] = 0;

  const seedModel = fitSkinModel(u, v, lum, allowed, rect, landmarks, faceHeight);
  // Face coordinates for the regression: face heights from the crop centre.
  const x0 = w / 2, y0 = h / 2, unit = 1 / faceHeight;
  const model = seedModel && fitChromaRegression(regionSamples(u, v, lum, allowed, w, h, x0, y0, unit), seedModel, 3.5);
  const darkLine = blackTopHat(lum, w, h, Math.max(1, Math.round(DARK_LINE_RADIUS * faceHeight)));

  const chromaAccept = options.chromaAccept ?? 3, chromaReject = options.chromaReject ?? 5;
  const lineAccept = options.darkLineAccept ?? 0.6, lineReject = options.darkLineReject ?? 1.0;
  const raw = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    if (!allowed[k] || !model || !seedModel) continue;
    const i = k % w, j = (k - i) / w;
    const d = Math.sqrt(regressionDistance2(model, u[k]!, v[k]!, lum[k]!, (i - x0) * unit, (j - y0) * unit));
    const colour = 1 - smoothstep(chromaAccept, chromaReject, d);
    // Shading may darken skin a lot; only far darker pixels (hair, holes) are dropped.
    const dark = smoothstep(-Math.log(8), -Math.log(4), lum[k]! - seedModel.logLumaMean);
    const line = 1 - smoothstep(lineAccept, lineReject, darkLine[k]!);
    raw[k] = colour * dark * line * unclipped(photo, rect, i, j);
  }

  const weight = cleanUp(raw, w, h);
  const skinTone = seedModel ? meanSkinTone(photo, rect, weight, lum, seedModel) : emptyTone;
  let ovalArea = 0, ovalSkin = 0;
  for (let k = 0; k < n; k++) {
    if (!oval[k]) continue;
    ovalArea++;
    ovalSkin += weight[k]!;
  }
  return {
    rect, weight, skinTone, coverage: ovalArea ? ovalSkin / ovalArea : 0,
    glasses: spectacles?.found ?? false, glassesEvidence: spectacles?.scores ?? { rims: 0, bridge: 0 },
    ...(spectacles?.found ? { spectacles: spectacles.region } : {}),
  };
}

/** Robust colour model from seed patches inside the allowed region. */
function fitSkinModel(
  u: Float32Array, v: Float32Array, lum: Float32Array, allowed: Uint8Array, rect: Rect, landmarks: Float32Array, faceHeight: number,
): ChromaGaussian | undefined {
  const radius = Math.max(1.5, SEED_RADIUS * faceHeight);
  const samples: number[] = [];
  for (const s of SKIN_SEEDS) {
    const [sx, sy] = landmarkPoint(landmarks, s);
    const i0 = Math.max(0, Math.floor(sx - radius - rect.x)), i1 = Math.min(rect.width - 1, Math.ceil(sx + radius - rect.x));
    const j0 = Math.max(0, Math.floor(sy - radius - rect.y)), j1 = Math.min(rect.height - 1, Math.ceil(sy + radius - rect.y));
    for (let j = j0; j <= j1; j++) {
      for (let i = i0; i <= i1; i++) {
        const k = j * rect.width + i;
        if (!allowed[k] || Math.hypot(rect.x + i + 0.5 - sx, rect.y + j + 0.5 - sy) > radius) continue;
        samples.push(u[k]!, v[k]!, lum[k]!);
      }
    }
  }
  return fitChromaGaussian(Float64Array.from(samples));
}

/** Every `step`-th allowed pixel as (u, v, l, x, y) samples for the colour regression. */
function regionSamples(
  u: Float32Array, v: Float32Array, lum: Float32Array, allowed: Uint8Array, w: number, h: number, x0: number, y0: number, unit: number,
): Float32Array {
  const step = Math.max(1, Math.round(Math.sqrt((w * h) / 20000)));
  const out: number[] = [];
  for (let j = 0; j < h; j += step) {
    for (let i = 0; i < w; i += step) {
      const k = j * w + i;
      if (allowed[k]) out.push(u[k]!, v[k]!, lum[k]!, (i - x0) * unit, (j - y0) * unit);
    }
  }
  return Float32Array.from(out);
}

/** 0 where the two brightest channels are clipped (the colour is lost), 1 well below. */
function unclipped(photo: RgbImage, rect: Rect, i: number, j: number): number {
  const s = ((rect.y + j) * photo.width + rect.x + i) * 3;
  const r = photo.data[s]!, g = photo.data[s + 1]!, b = photo.data[s + 2]!;
  const second = Math.max(Math.min(r, g), Math.min(Math.max(r, g), b));
  return 1 - smoothstep(244, 253, second);
}

/** Drops isolated accepted specks (opening of the confident set) and softens the edges by a pixel. */
function cleanUp(raw: Float32Array, w: number, h: number): Float32Array {
  const confident = new Float32Array(raw.length);
  for (let k = 0; k < raw.length; k++) confident[k] = raw[k]! > 0.5 ? 1 : 0;
  const opened = dilate(erode(confident, w, h, 1), w, h, 1);
  const soft = boxBlur(opened, w, h, 1);
  for (let k = 0; k < raw.length; k++) soft[k] = Math.min(soft[k]!, raw[k]! > 0.5 ? 1 : raw[k]!);
  return soft;
}

/** Mean linear colour of confidently accepted skin away from deep shadow and highlights. */
function meanSkinTone(photo: RgbImage, rect: Rect, weight: Float32Array, lum: Float32Array, model: ChromaGaussian): SkinMask['skinTone'] {
  const sum = [0, 0, 0];
  let count = 0;
  for (let j = 0; j < rect.height; j++) {
    for (let i = 0; i < rect.width; i++) {
      const k = j * rect.width + i;
      if (weight[k]! < 0.9 || Math.abs(lum[k]! - model.logLumaMean) > 1.5 * model.logLumaSigma) continue;
      const src = ((rect.y + j) * photo.width + rect.x + i) * 3;
      for (let c = 0; c < 3; c++) sum[c]! += SRGB8_TO_LINEAR[photo.data[src + c]!]!;
      count++;
    }
  }
  const linear = sum.map((s) => (count ? s / count : 0)) as [number, number, number];
  return { linear, srgb: linear.map(linearToSrgb) as [number, number, number] };
}

/** Weight at photo pixel coordinates (continuous; pixel (i, j) spans [i, i+1) x [j, j+1)), bilinear, 0 outside the crop. */
export function sampleSkin(mask: SkinMask, x: number, y: number): number {
  return sampleCrop(mask.rect, mask.weight, x, y);
}
