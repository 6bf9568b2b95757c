/**
 * Expression-dependent wrinkles (issue 13, DECA's detail consistency without a training set): the
 * skin folds across the direction in which an expression compresses it. A person's response is, per
 * face region (wrinkle-regions.ts), a fold depth per unit compression and a fold wavelength. It is
 * fitted from the photo's displacement where the photo's expression compresses the skin: the
 * displacement is projected on Gabor filters across the compression direction (a bank of
 * wavelengths), less the same filters along it (isotropic texture such as pores answers both); the
 * wavelength with the most such oriented energy wins and the depth is the least-squares slope of its
 * amplitude on the compression. Regions the photo does not compress keep the population default
 * (POPULATION_RESPONSE) scaled by an age-like strength: the RMS of the person's static detail over
 * that of the sample photos. The static part is the displacement minus the fitted oriented part.
 * Re-synthesis for another expression: static + the photo's own folds rescaled by the new
 * compression where that compresses the same way, and new folds (depth x compression at the region's
 * wavelength) where it compresses skin the photo showed uncompressed: in the phase of the static
 * part filtered across the new direction (the person's own faint lines, or their skin's texture
 * made into ridges), oriented noise only where the static part is empty.
 */
import { boxBlur } from '../skin/morphology.js';
import { smoothstep } from '../skin/mask.js';
import { directionalSmooth, gaborResponse, type MetricGrid } from './oriented-filter.js';
import type { StrainMap } from './strain.js';
import { FOLD_REGIONS, type FoldRegion, type RegionMasks } from './wrinkle-regions.js';

/** Compression per texel of the detail's grid, smoothed, with its direction in the surface's millimetre frame. */
export interface CompressionField {
  size: number;
  /** 1 - smaller principal stretch (0 where not compressed). */
  compression: Float32Array;
  /** Unit direction of the compression per texel (x along +column, y along +row, in mm); 0 where none. */
  direction: Float32Array;
}

/** One region's wrinkle response. */
export interface RegionResponse {
  region: FoldRegion;
  /** Fold amplitude (mm) per unit of compression. */
  depthPerCompression: number;
  /** Distance between folds, mm. */
  wavelengthMm: number;
  /** The photo's share in the depth (0: population default alone, 1: the photo alone). */
  photoShare: number;
}

/** One photo's expression folds and the compression its expression causes. */
export interface PhotoFolds {
  /** The photo's expression folds (mm per texel); the static part + this is about the photo's displacement. */
  expressionHeight: Float32Array;
  compression: CompressionField;
}

/** A person's wrinkle response, and the split of their photos' displacements it came with. */
export interface WrinkleFit {
  regions: RegionResponse[];
  /** Age-like strength scaling the population default: static detail RMS over REFERENCE_STATIC_RMS_MM, in [0.5, 2]. */
  strength: number;
  /** The displacement without expression folds (mm per texel), shared by every photo. */
  staticHeight: Float32Array;
  /** Per photo (in the order given), its folds. */
  photos: PhotoFolds[];
}

/** One photo of the person for fitWrinklesTogether: its displacement on its grid (one UV square for all), its compression, and optionally a per-texel trust (0-1, e.g. the detail band's evidence). */
export interface WrinklePhoto {
  height: Float32Array;
  grid: MetricGrid;
  compression: CompressionField;
  weight?: Float32Array;
}

/**
 * Population default per region: fold amplitude (mm) per unit compression at strength 1 and fold
 * spacing (mm). Spacings from the anatomy literature's typical values (forehead lines about 1 cm
 * apart, crow's feet a few mm, one nasolabial fold; the rest of the face's creases, lips' and lids', a few mm); depths chosen so a full expression's folds are a
 * few tenths of a millimetre, as the detail band recovers them from the sample photos.
 */
export const POPULATION_RESPONSE: Readonly<Record<FoldRegion, { depthPerCompression: number; wavelengthMm: number }>> = {
  forehead: { depthPerCompression: 0.6, wavelengthMm: 9 },
  glabella: { depthPerCompression: 0.8, wavelengthMm: 6 },
  crowsFeet_L: { depthPerCompression: 0.5, wavelengthMm: 4 },
  crowsFeet_R: { depthPerCompression: 0.5, wavelengthMm: 4 },
  nasolabial_L: { depthPerCompression: 0.8, wavelengthMm: 10 },
  nasolabial_R: { depthPerCompression: 0.8, wavelengthMm: 10 },
  chin: { depthPerCompression: 0.4, wavelengthMm: 5 },
  neck: { depthPerCompression: 0.5, wavelengthMm: 10 },
  otherSkin: { depthPerCompression: 0.4, wavelengthMm: 5 },
};

/** Strength 1: the mean RMS (mm) of the detail band on the sample photos (astronaut 0.09, Grace Hopper 0.15). */
export const REFERENCE_STATIC_RMS_MM = 0.12;
/** Fold wavelengths tried, mm. */
export const WAVELENGTH_BANK = [3, 4, 5, 6, 8, 10, 12];
/** Prior weight of the population default against the photo's evidence: mm² of skin at compression 1. */
const PRIOR_MM2 = 2;
/** Smoothing across the folds that tells their energy, in wavelengths. */
const FOLD_SMOOTHING = 0.25;
/** Compression below which skin does not fold; full weight from the upper value. */
const FOLD_ONSET: readonly [number, number] = [0.02, 0.08];
/** The photo's folds are rescaled by at most this factor of its compression. */
const MAX_RESCALE = 3;
/** Smoothing of the per-triangle compression (the strain is constant over each triangle), mm. */
const COMPRESSION_SMOOTHING_MM = 2;

/**
 * A strain map (strain.ts, same grid as `grid`) as a smooth compression field in the surface's
 * millimetre frame: the tensor compression x direction directionᵀ is blurred and its larger
 * eigenvector taken (directions have no sign, so the tensor, not the vector, is averaged).
 */
export function compressionField(strain: StrainMap, grid: MetricGrid, smoothMm = COMPRESSION_SMOOTHING_MM): CompressionField {
  const S = grid.size;
  if (strain.size !== S) throw new Error(`strain map of ${strain.size} texels for a ${S} grid`);
  const txx = new Float32Array(S * S), txy = new Float32Array(S * S), tyy = new Float32Array(S * S);
  let mmSum = 0, mmCount = 0;
  for (let p = 0; p < S * S; p++) {
    const c = strain.compression[p];
    if (!(grid.mmX[p] > 0)) continue;
    mmSum += grid.mmX[p]; mmCount++;
    if (!(c > 0)) continue;
    const dx = strain.direction[2 * p] * S * grid.mmX[p], dy = -strain.direction[2 * p + 1] * S * grid.mmY[p];
    const l = Math.hypot(dx, dy);
    if (!(l > 0)) continue;
    txx[p] = (c * dx * dx) / (l * l); txy[p] = (c * dx * dy) / (l * l); tyy[p] = (c * dy * dy) / (l * l);
  }
  const radius = Math.max(1, Math.round(smoothMm / (mmCount ? mmSum / mmCount : 1)));
  const [bxx, bxy, byy] = [txx, txy, tyy].map((t) => boxBlur(boxBlur(t, S, S, radius), S, S, radius));
  const compression = new Float32Array(S * S), direction = new Float32Array(2 * S * S);
  for (let p = 0; p < S * S; p++) {
    if (!(grid.mmX[p] > 0)) continue;
    const a = bxx[p], b = bxy[p], d = byy[p];
    const mean = (a + d) / 2, radiusE = Math.hypot((a - d) / 2, b), high = mean + radiusE;
    if (!(high > 1e-6)) continue;
    // Eigenvector of [[a, b], [b, d]] for `high`.
    let vx = b, vy = high - a;
    if (Math.hypot(vx, vy) < 1e-9) { vx = high - d; vy = b; }
    if (Math.hypot(vx, vy) < 1e-9) { vx = 1; vy = 0; }
    const l = Math.hypot(vx, vy);
    compression[p] = high;
    direction[2 * p] = vx / l; direction[2 * p + 1] = vy / l;
  }
  return { size: S, compression, direction };
}

/**
 * Fits a person's wrinkle response to the displacement `height` (mm, on `grid`) of a photo whose
 * expression compresses the skin as `compression` does, and splits the displacement into static and
 * expression parts.
 */
export function fitWrinkles(height: Float32Array, grid: MetricGrid, masks: RegionMasks, compression: CompressionField): WrinkleFit {
  return fitWrinklesTogether([{ height, grid, compression }], masks);
}

/**
 * DECA's detail consistency: photos of one person in different expressions (displacements over one
 * UV square) share one static part and one response. Per region, the fold spacing is the one with
 * the most oriented energy summed over every photo's compressed texels, and the depth the least-squares
 * slope over all of them, each photo with its own compression. The static part of a texel comes from
 * the photos whose expression leaves it least compressed (where one photo frowns and another does not,
 * the other's glabella shows the static skin); each photo's folds are then its displacement less that
 * shared static part, where its expression compresses the skin. One photo: its own split.
 */
export function fitWrinklesTogether(photos: readonly WrinklePhoto[], masks: RegionMasks): WrinkleFit {
  if (photos.length === 0) throw new Error('fitWrinklesTogether: no photos');
  const S = photos[0].grid.size, N = S * S;
  if (photos.some((f) => f.grid.size !== S || f.height.length !== N)) throw new Error('fitWrinklesTogether: the photos\' displacements must share one grid size');
  const split = photos.map(() => new Float32Array(N));
  const trust = (i: number, p: number) => photos[i].weight?.[p] ?? 1;
  const found: { region: FoldRegion; slope: number; evidence: number; wavelength: number }[] = [];
  FOLD_REGIONS.forEach((region, r) => {
    const mask = masks[r];
    // Per photo: the texels its expression folds, and its evidence (mm² x compression², trusted share).
    const views = photos.map(({ grid, compression }, i) => {
      const texels: number[] = [];
      let evidence = 0;
      for (let p = 0; p < N; p++) {
        const w = foldWeight(mask[p], compression.compression[p]);
        if (!(w > 0) || !(grid.mmX[p] > 0)) continue;
        texels.push(p);
        evidence += trust(i, p) * w * grid.mmX[p] * grid.mmY[p] * compression.compression[p] ** 2;
      }
      return { texels, evidence };
    });
    let evidence = views.reduce((s, v) => s + v.evidence, 0);
    let best = { wavelength: POPULATION_RESPONSE[region].wavelengthMm, score: -Infinity };
    if (views.some((v) => v.texels.length > 0)) {
      for (const wavelength of WAVELENGTH_BANK) {
        let score = 0, wsum = 0;
        photos.forEach(({ height, grid, compression }, i) => {
          const { texels } = views[i];
          if (texels.length === 0) return;
          const across = gaborResponse(height, grid, compression.direction, wavelength, texels, true);
          const along = gaborResponse(height, grid, compression.direction, wavelength, texels, false);
          for (const p of texels) {
            const w = trust(i, p) * foldWeight(mask[p], compression.compression[p]) * grid.mmX[p] * grid.mmY[p];
            score += w * (energy(across, p) - energy(along, p));
            wsum += w;
          }
        });
        score /= wsum || 1;
        if (score > best.score) best = { wavelength, score };
      }
    }
    let slope = 0;
    if (best.score > 0 && evidence > PRIOR_MM2 / 4) {
      let sca = 0, scc = 0;
      photos.forEach(({ height, grid, compression }, i) => {
        const { texels } = views[i];
        if (texels.length === 0) return;
        // Smoothed across them, folds fade to `kept` of their amplitude: the energy that smoothing takes
        // away, over 1 - kept², is the folds' (fine isotropic texture loses some too: pores count as
        // folds only where the filter bank found oriented energy); the folds' share of the local energy
        // is the share of the displacement that goes with the expression.
        const sigma = FOLD_SMOOTHING * best.wavelength, kept = Math.exp(-2 * (Math.PI * FOLD_SMOOTHING) ** 2);
        const acrossFolds = directionalSmooth(height, grid, compression.direction, sigma, texels, true);
        const inside = new Float32Array(N);
        for (const p of texels) inside[p] = 1;
        const radius = Math.max(1, Math.round(sigma / meanMm(grid, texels)));
        const localEnergy = localMean(height.map((x, p) => inside[p] * x * x), inside, S, radius);
        const acrossEnergy = localMean(acrossFolds.map((x) => x * x), inside, S, radius);
        for (const p of texels) {
          const f = foldWeight(mask[p], compression.compression[p]), w = trust(i, p) * f * grid.mmX[p] * grid.mmY[p], c = compression.compression[p];
          const fold = Math.min(localEnergy[p], Math.max(0, localEnergy[p] - acrossEnergy[p]) / (1 - kept * kept));
          sca += w * c * c * fold; scc += w * c ** 4;
          split[i][p] += f * (localEnergy[p] > 0 ? fold / localEnergy[p] : 0) * height[p];
        }
      });
      // The folds' energy per unit compression squared, least squares; a fold's amplitude is sqrt(2) times its RMS.
      slope = scc > 0 ? Math.SQRT2 * Math.sqrt(sca / scc) : 0;
    } else {
      evidence = 0;
      best.wavelength = POPULATION_RESPONSE[region].wavelengthMm;
    }
    found.push({ region, slope, evidence, wavelength: best.wavelength });
  });
  const { staticHeight, folds } = sharedStatic(photos, masks, split, trust);
  let sum2 = 0, count = 0;
  for (let p = 0; p < N; p++) {
    if (photos.some((f) => f.height[p] !== 0)) { sum2 += staticHeight[p] ** 2; count++; }
  }
  const strength = Math.min(2, Math.max(0.5, (count ? Math.sqrt(sum2 / count) : 0) / REFERENCE_STATIC_RMS_MM));
  const regions = found.map(({ region, slope, evidence, wavelength }) => {
    const prior = POPULATION_RESPONSE[region].depthPerCompression * strength;
    return { region, depthPerCompression: (evidence * slope + PRIOR_MM2 * prior) / (evidence + PRIOR_MM2), wavelengthMm: wavelength, photoShare: evidence / (evidence + PRIOR_MM2) };
  });
  return { regions, strength, staticHeight, photos: photos.map((f, i) => ({ expressionHeight: folds[i], compression: f.compression })) };
}

/** Skin less compressed than this share of full folding still counts a little toward the static part (so a texel every photo folds keeps their mean). */
const STATIC_FLOOR = 0.05;

/**
 * The static part shared by the photos and each photo's folds (see fitWrinklesTogether): per texel
 * the photos' own static parts (displacement less the folds `split` found) weighted by how little
 * their expression folds the texel (and their trust), then each photo's folds = its displacement
 * less that, in proportion to how much its expression folds the texel.
 */
function sharedStatic(
  photos: readonly WrinklePhoto[], masks: RegionMasks, split: Float32Array[], trust: (i: number, p: number) => number,
): { staticHeight: Float32Array; folds: Float32Array[] } {
  const N = split[0].length;
  if (photos.length === 1) return { staticHeight: photos[0].height.map((h, p) => h - split[0][p]), folds: split };
  const regionWeight = new Float32Array(N);
  for (const m of masks) for (let p = 0; p < N; p++) regionWeight[p] += m[p];
  const folding = photos.map(({ compression }) => {
    const f = new Float32Array(N);
    for (let p = 0; p < N; p++) f[p] = Math.min(1, regionWeight[p]) * foldWeight(1, compression.compression[p]);
    return f;
  });
  const staticHeight = new Float32Array(N);
  for (let p = 0; p < N; p++) {
    let sum = 0, weight = 0;
    photos.forEach(({ height }, i) => {
      const w = (1 + STATIC_FLOOR - folding[i][p]) * Math.max(1e-3, trust(i, p));
      sum += w * (height[p] - split[i][p]); weight += w;
    });
    staticHeight[p] = sum / weight;
  }
  const folds = photos.map(({ height }, i) => height.map((h, p) => (folding[i][p] > 0 ? folding[i][p] * (h - staticHeight[p]) : 0)));
  return { staticHeight, folds };
}

/**
 * The displacement (mm per texel) for an expression that compresses the skin as `target` does: the
 * static part, the photo's folds rescaled where the target compresses the same way, and new folds of
 * the fitted response where it does not. `seed` fixes where new folds lie (the same person keeps them
 * in the same place across expressions).
 */
export function resynthesiseWrinkles(fit: WrinkleFit, grid: MetricGrid, masks: RegionMasks, target: CompressionField, seed = 1): Float32Array {
  const S = grid.size, N = S * S;
  const out = Float32Array.from(fit.staticHeight);
  // How much of the photos' folds carry over: a photo compressed there, the same way. With several
  // photos, those whose compression is nearest the target's lead (their folds need the least rescaling).
  const kept = new Float32Array(N);
  for (let p = 0; p < N; p++) {
    const cB = target.compression[p];
    let sum = 0, weight = 0;
    for (const { compression: photo, expressionHeight } of fit.photos) {
      const cA = photo.compression[p];
      if (!(cA > 0) || expressionHeight[p] === 0) continue;
      const align = photo.direction[2 * p] * target.direction[2 * p] + photo.direction[2 * p + 1] * target.direction[2 * p + 1];
      const k = smoothstep(FOLD_ONSET[0], FOLD_ONSET[1], cA) * align * align;
      const w = k / (1 + Math.abs(Math.log((cB + 0.01) / (cA + 0.01))));
      kept[p] = Math.max(kept[p], k);
      sum += w * Math.min(MAX_RESCALE, cB / cA) * expressionHeight[p]; weight += w;
    }
    if (weight > 0) out[p] += kept[p] * (sum / weight);
  }
  fit.regions.forEach((response, r) => {
    const mask = masks[r];
    const texels: number[] = [];
    for (let p = 0; p < N; p++) if (mask[p] > 0 && grid.mmX[p] > 0 && target.compression[p] > FOLD_ONSET[0] && kept[p] < 1) texels.push(p);
    if (texels.length === 0) return;
    const folds = newFolds(grid, target, response.wavelengthMm, texels, seed * 131 + r, fit.staticHeight);
    for (const p of texels) out[p] += mask[p] * (1 - kept[p]) * foldWeight(1, target.compression[p]) * response.depthPerCompression * target.compression[p] * folds[p];
  });
  return out;
}

/** The fold weight of a texel: its region mask times the onset of folding with compression. */
function foldWeight(mask: number, compression: number): number {
  return mask > 0 ? mask * smoothstep(FOLD_ONSET[0], FOLD_ONSET[1], compression) : 0;
}

/** Mean millimetres per texel step over the listed texels. */
function meanMm(grid: MetricGrid, texels: number[]): number {
  let sum = 0;
  for (const p of texels) sum += (grid.mmX[p] + grid.mmY[p]) / 2;
  return texels.length ? sum / texels.length : 1;
}

/** The mean of `values` over the texels where `inside` is 1, about `radius` texels around each (two box passes). */
function localMean(values: Float32Array, inside: Float32Array, S: number, radius: number): Float32Array {
  const blur = (f: Float32Array) => boxBlur(boxBlur(f, S, S, radius), S, S, radius);
  const num = blur(values), den = blur(inside);
  for (let p = 0; p < num.length; p++) num[p] = den[p] > 1e-6 ? num[p] / den[p] : 0;
  return num;
}

function energy(z: { even: Float32Array; odd: Float32Array }, p: number): number {
  return z.even[p] ** 2 + z.odd[p] ** 2;
}

/**
 * Texels whose static part answers the fold filter below this share of its RMS answer over the
 * folded texels take their phase from oriented noise instead (the static part is empty there:
 * beyond the detail band's evidence).
 */
const STATIC_PHASE_FLOOR = 0.1;

/**
 * Unit-amplitude folds across the target's compression direction at `wavelength` mm, at the listed
 * texels. Folds deepen what the person's skin already has: the phase of the static displacement's
 * Gabor response across that direction at that spacing. Where it holds lines across the direction,
 * that is their phase; where it holds only isotropic texture, the filter turns it into ridges along
 * the folds all the same, and they are the person's (the same place in every expression, and where
 * a photo's faint lines are recovered only in part, the part recovered still places them). Only where
 * the static part is empty, in proportion, oriented noise (white noise, a hash of texel and seed,
 * smoothed along the folds, then the phase of its Gabor response across them: ridges of random phase).
 * (Taking the static phase only where its energy across the direction exceeded that along it gave
 * 25% / 22% lower than carried on 20 true-displacement pairs, regions / face, against 29% / 25% now;
 * from photos it made re-synthesis worse than carrying A's detail over: see the README.)
 */
function newFolds(grid: MetricGrid, target: CompressionField, wavelength: number, texels: number[], seed: number, staticHeight: Float32Array): Float32Array {
  const S = grid.size;
  const lines = gaborResponse(staticHeight, grid, target.direction, wavelength, texels, true);
  let sum2 = 0;
  for (const p of texels) sum2 += lines.even[p] ** 2 + lines.odd[p] ** 2;
  const floor = STATIC_PHASE_FLOOR * Math.sqrt(sum2 / texels.length);
  const share = new Float32Array(S * S);
  let noiseTexels = 0;
  for (const p of texels) {
    share[p] = floor > 0 ? Math.min(1, Math.hypot(lines.even[p], lines.odd[p]) / floor) : 0;
    if (share[p] < 1) noiseTexels++;
  }
  const z = noiseTexels > 0 ? noiseFolds(grid, target, wavelength, texels, seed) : undefined;
  const out = new Float32Array(S * S);
  for (const p of texels) {
    const l = Math.hypot(lines.even[p], lines.odd[p]), m = z ? Math.hypot(z.even[p], z.odd[p]) : 0;
    out[p] = share[p] * (l > 0 ? lines.even[p] / l : 0) + (1 - share[p]) * (z && m > 0 ? z.even[p] / m : 0);
  }
  return out;
}

/** The Gabor response across the target's compression of white noise (a hash of texel and seed) smoothed along it, at the listed texels. */
function noiseFolds(grid: MetricGrid, target: CompressionField, wavelength: number, texels: number[], seed: number): { even: Float32Array; odd: Float32Array } {
  const S = grid.size;
  // The noise and its smoothing are needed a Gabor reach around the texels.
  let x0 = S, y0 = S, x1 = -1, y1 = -1;
  for (const p of texels) { const x = p % S, y = (p - x) / S; x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
  let mmMin = Infinity;
  for (const p of texels) mmMin = Math.min(mmMin, grid.mmX[p], grid.mmY[p]);
  const margin = Math.ceil((2 * wavelength) / mmMin) + 1;
  const noise = new Float32Array(S * S), around: number[] = [];
  for (let y = Math.max(0, y0 - margin); y <= Math.min(S - 1, y1 + margin); y++) {
    for (let x = Math.max(0, x0 - margin); x <= Math.min(S - 1, x1 + margin); x++) {
      const p = y * S + x;
      noise[p] = hashNoise(p, seed);
      if (grid.mmX[p] > 0 && (target.direction[2 * p] !== 0 || target.direction[2 * p + 1] !== 0)) around.push(p);
    }
  }
  const smooth = directionalSmooth(noise, grid, target.direction, wavelength, around);
  return gaborResponse(smooth, grid, target.direction, wavelength, texels, true);
}

/** A uniform value in [-1, 1) from a texel index and a seed (integer hash; no state). */
function hashNoise(p: number, seed: number): number {
  let h = Math.imul(p ^ Math.imul(seed, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35); h ^= h >>> 16;
  return (h >>> 0) / 2147483648 - 1;
}
