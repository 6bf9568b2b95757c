/**
 * A per-image colour model of what is NOT skin around a face (hair, headwear, beard, background),
 * for keeping those out of the face texture. The skin mask's chroma test alone lets fair hair
 * through (its chroma is close to skin); here the photo's own non-skin colours are learnt from
 * where they nearly always are, above the brows and just outside the face outline, and weighed
 * against the face's own lower-face skin (its dominant colour), as two (u, v, ln luma) histograms
 * times two histograms of strand texture (a naive Bayes classifier): a thin or see-through strand
 * whose colour lies between the hair's and the skin's is still told by its strands.
 */
import type { RgbImage } from '../base/image.js';
import { MEDIAPIPE_FACE_OVAL } from '../correspondence/mediapipe.js';
import { chromaDistance2, chromaU, chromaV, fitChromaGaussian, logLuma } from './colour-model.js';
import { fillPolygon } from './crop-raster.js';
import type { Rect } from '../base/rect.js';
import { CHIN, FOREHEAD_TOP, RIGHT_EYE_CORNERS, LEFT_EYE_CORNERS, faceHeight, growPolygon, landmarkPoint, landmarkPolygon } from './landmark-regions.js';
import { boundingRect, type SkinMask } from './mask.js';
import { boxBlur } from './morphology.js';
import { strandTexture } from './strand-texture.js';
import { nthSmallest } from '../base/select.js';

/** Seed ring outside the face outline, in face heights: from just beyond the silhouette to well into the hair. */
const RING_INNER = 0.04;
const RING_OUTER = 0.2;
/** Histogram bins: chroma step (ln units) and ln-luma step, and the number of bins per axis. */
const CHROMA_STEP = 0.035;
const LUMA_STEP = 0.12;
const CHROMA_BINS = 32;
const LUMA_BINS = 32;
/**
 * Skin seeds lie this far inside the face outline, in face heights: hair that hangs over the face
 * lies along its sides, and would teach the skin model hair colours.
 */
const SKIN_SEED_INSET = 0.1;
/** Strand-texture bins (ln-luma contrast, see strandTexture): step and count. */
const TEXTURE_STEP = 0.02;
const TEXTURE_BINS = 24;
/** Values per sample: u, v, ln luma, strand texture. */
const SAMPLE = 4;
/** Chroma Mahalanobis radius of the skin seeds' dominant cluster (fitted trimmed at 2.5). */
const SKIN_CLUSTER_RADIUS = 3;
/** Prior share of non-skin in the face region. */
const NON_SKIN_PRIOR = 0.4;

export interface NonSkinModel {
  /** Crop the probabilities cover (the skin mask's rect). */
  rect: Rect;
  /** Probability that a crop pixel shows something other than skin, by colour and strand texture. */
  probability: Float32Array;
  /** The same by colour alone (for the facial features, whose lashes and brow hairs have a strand texture of their own). */
  colourProbability: Float32Array;
  /** Seed counts: non-skin (ring above the eye line) and skin (lower face). */
  seeds: { nonSkin: number; skin: number };
}

/**
 * Learns the image's non-skin and skin colours around one face and scores every pixel of the
 * skin mask's crop. Non-skin seeds: a ring outside the face outline, above the eye line (hair,
 * hats, background; below it neck and collar would teach skin as non-skin). Skin seeds: the skin
 * mask's confident pixels below the eye line and well inside the face outline (hair that reaches
 * there hangs along the face's sides).
 */
export function nonSkinModel(photo: RgbImage, landmarks: Float32Array, mask: SkinMask): NonSkinModel {
  const { rect } = mask;
  const n = rect.width * rect.height;
  const probability = new Float32Array(n), colourProbability = new Float32Array(n);
  const fh = faceHeight(landmarks);
  const [tx, ty] = landmarkPoint(landmarks, FOREHEAD_TOP), [cx, cy] = landmarkPoint(landmarks, CHIN);
  const upX = (tx - cx) / fh, upY = (ty - cy) / fh;
  const [ax, ay] = landmarkPoint(landmarks, RIGHT_EYE_CORNERS[0]), [bx, by] = landmarkPoint(landmarks, LEFT_EYE_CORNERS[0]);
  const eyeX = (ax + bx) / 2, eyeY = (ay + by) / 2;
  const aboveEyes = (x: number, y: number) => (x - eyeX) * upX + (y - eyeY) * upY > 0;

  // The seed ring lives in a larger crop than the mask's: it lies outside the face.
  const oval = landmarkPolygon(landmarks, MEDIAPIPE_FACE_OVAL);
  const outer = growPolygon(oval, RING_OUTER * fh);
  const ringRect = boundingRect(outer, photo.width, photo.height, 0);
  const ring = new Uint8Array(ringRect.width * ringRect.height);
  fillPolygon(ring, ringRect, outer, 1);
  fillPolygon(ring, ringRect, growPolygon(oval, RING_INNER * fh), 0);

  // Per pixel of the ring's crop (which holds the mask's): colour and strand texture.
  const texture = strandTexture(photo, ringRect, fh);
  const candidates: number[] = [], otherSamples: number[] = [];
  const pixel = (x: number, y: number, out: number[]) => {
    const s = 3 * (y * photo.width + x);
    const r = photo.data[s]!, g = photo.data[s + 1]!, b = photo.data[s + 2]!;
    out.push(chromaU(r, g), chromaV(b, g), logLuma(r, g, b), texture[(y - ringRect.y) * ringRect.width + x - ringRect.x]!);
  };
  for (let j = 0; j < ringRect.height; j++) {
    for (let i = 0; i < ringRect.width; i++) {
      const x = ringRect.x + i, y = ringRect.y + j;
      if (ring[j * ringRect.width + i] && aboveEyes(x + 0.5, y + 0.5)) pixel(x, y, otherSamples);
    }
  }
  const inner = new Uint8Array(n);
  fillPolygon(inner, rect, growPolygon(oval, -SKIN_SEED_INSET * fh), 1);
  for (let j = 0; j < rect.height; j++) {
    for (let i = 0; i < rect.width; i++) {
      const x = rect.x + i, y = rect.y + j, k = j * rect.width + i;
      if (inner[k] && mask.weight[k]! >= 0.9 && !aboveEyes(x + 0.5, y + 0.5)) pixel(x, y, candidates);
    }
  }
  const skinSamples = dominantColour(candidates);
  const seeds = { nonSkin: otherSamples.length / SAMPLE, skin: skinSamples.length / SAMPLE };
  if (seeds.nonSkin < 50 || seeds.skin < 50) return { rect, probability, colourProbability, seeds };

  // Colour bins centred on the skin's median colour; texture bins from 0.
  const centre = [0, 1, 2].map((c) => medianOf(skinSamples, c));
  const binOf = (u: number, v: number, l: number): number => {
    const bu = clampBin(Math.floor((u - centre[0]!) / CHROMA_STEP) + CHROMA_BINS / 2, CHROMA_BINS);
    const bv = clampBin(Math.floor((v - centre[1]!) / CHROMA_STEP) + CHROMA_BINS / 2, CHROMA_BINS);
    const bl = clampBin(Math.floor((l - centre[2]!) / LUMA_STEP) + LUMA_BINS / 2, LUMA_BINS);
    return (bl * CHROMA_BINS + bv) * CHROMA_BINS + bu;
  };
  const textureBin = (t: number): number => clampBin(Math.floor(t / TEXTURE_STEP), TEXTURE_BINS);
  const skinDensity = histogram(skinSamples, binOf), otherDensity = histogram(otherSamples, binOf);
  const skinTexture = textureHistogram(skinSamples, textureBin), otherTexture = textureHistogram(otherSamples, textureBin);

  // Naive Bayes: colour and strand texture taken as independent given the class.
  for (let j = 0; j < rect.height; j++) {
    for (let i = 0; i < rect.width; i++) {
      const x = rect.x + i, y = rect.y + j, s = 3 * (y * photo.width + x);
      const r = photo.data[s]!, g = photo.data[s + 1]!, b = photo.data[s + 2]!;
      const c = binOf(chromaU(r, g), chromaV(b, g), logLuma(r, g, b));
      const t = textureBin(texture[(y - ringRect.y) * ringRect.width + x - ringRect.x]!);
      const o = NON_SKIN_PRIOR * otherDensity[c]!, sk = (1 - NON_SKIN_PRIOR) * skinDensity[c]!;
      colourProbability[j * rect.width + i] = o / (o + sk);
      probability[j * rect.width + i] = (o * otherTexture[t]!) / (o * otherTexture[t]! + sk * skinTexture[t]!);
    }
  }
  // Single pixels decide little: average over a small window, about a hair strand wide.
  const radius = Math.max(1, Math.round(0.006 * fh));
  return {
    rect, seeds,
    probability: boxBlur(probability, rect.width, rect.height, radius), colourProbability: boxBlur(colourProbability, rect.width, rect.height, radius),
  };
}

/** Normalised histogram of the samples' strand texture, smoothed over 3 bins, with the same floor as the colour's. */
function textureHistogram(samples: number[], binOf: (t: number) => number): Float32Array {
  const raw = new Float32Array(TEXTURE_BINS), count = samples.length / SAMPLE;
  for (let k = 0; k < count; k++) raw[binOf(samples[SAMPLE * k + 3]!)]! += 1;
  const smooth = new Float32Array(TEXTURE_BINS);
  for (let b = 0; b < TEXTURE_BINS; b++) {
    let sum = 0, bins = 0;
    for (let d = -1; d <= 1; d++) if (b + d >= 0 && b + d < TEXTURE_BINS) { sum += raw[b + d]!; bins++; }
    smooth[b] = (sum / bins + 0.02) / count;
  }
  return smooth;
}

/** Normalised, smoothed (3x3x3 box) histogram of (u, v, l) samples, with a floor so empty bins are not zero. */
function histogram(samples: number[], binOf: (u: number, v: number, l: number) => number): Float32Array {
  const B = CHROMA_BINS, L = LUMA_BINS, raw = new Float32Array(B * B * L);
  const count = samples.length / SAMPLE;
  for (let k = 0; k < count; k++) raw[binOf(samples[SAMPLE * k]!, samples[SAMPLE * k + 1]!, samples[SAMPLE * k + 2]!)]! += 1;
  const smooth = new Float32Array(raw.length);
  for (let l = 0; l < L; l++) for (let v = 0; v < B; v++) for (let u = 0; u < B; u++) {
    let sum = 0;
    for (let dl = -1; dl <= 1; dl++) for (let dv = -1; dv <= 1; dv++) for (let du = -1; du <= 1; du++) {
      const ll = l + dl, vv = v + dv, uu = u + du;
      if (ll < 0 || vv < 0 || uu < 0 || ll >= L || vv >= B || uu >= B) continue;
      sum += raw[(ll * B + vv) * B + uu]!;
    }
    smooth[(l * B + v) * B + u] = (sum / 27 + 0.02) / count;
  }
  return smooth;
}

function clampBin(b: number, n: number): number {
  return b < 0 ? 0 : b >= n ? n - 1 : b;
}

function medianOf(samples: number[], channel: number): number {
  const values = Float64Array.from({ length: samples.length / SAMPLE }, (_, k) => samples[SAMPLE * k + channel]!);
  return nthSmallest(values, values.length >> 1);
}

/**
 * The candidates (u, v, l, texture samples) whose chroma lies in their dominant cluster (a robust Gaussian,
 * within SKIN_CLUSTER_RADIUS). The skin mask lets colours through that a lighting gradient or
 * shading could explain, and where hair covers much of the face those include the hair's own
 * (a brown curtain over a pale cheek passes as shadowed skin): taught as skin, they would never be
 * told apart from the hair they are.
 */
function dominantColour(candidates: number[]): number[] {
  const colours = Float64Array.from({ length: (candidates.length / SAMPLE) * 3 }, (_, k) => candidates[SAMPLE * Math.floor(k / 3) + (k % 3)]!);
  const model = fitChromaGaussian(colours);
  if (!model) return candidates;
  const out: number[] = [];
  for (let k = 0; k < candidates.length; k += SAMPLE) {
    if (chromaDistance2(model, candidates[k]!, candidates[k + 1]!) <= SKIN_CLUSTER_RADIUS ** 2) out.push(...candidates.slice(k, k + SAMPLE));
  }
  return out;
}
