import { solveSpd } from '../base/linalg.js';
import { shBasis, SH_COUNT, SH_COEFFICIENTS } from '../lighting/sh.js';
import { NEIGHBOURS, type FaceSamples } from './face-samples.js';
import { LUMA } from '../base/colour.js';

/** What the photo shows at each sample, and how it is lit, for the lighting and albedo solves. */
export interface SampleObservations {
  /** SH basis of each sample's view-frame normal, 9 per sample. */
  basis: Float64Array;
  /** Linear RGB photo colour at each sample's projection. */
  colour: Float64Array;
  /** Weight per sample, 0 = not observed. */
  weight: Float64Array;
}

/** Re-solves with the directions whose shading came out negative held at zero. */
const NON_NEGATIVE_PASSES = 4;
/** Weight of each held direction's zero-shading row, per unit of total sample weight, summed over all directions. */
const NEGATIVE_SHADING_PENALTY = 10;
/** Ridge on the constant band: only keeps the system positive definite. */
const CONSTANT_BAND_RIDGE = 1e-9;

/**
 * Least-squares SH lighting (27 coefficients) for fixed albedo: per channel,
 * min sum_i w_i (a_ic B_i . L_c - I_ic)^2 + sum_w (ridge1 |band 1|^2 + ridge2 |band 2|^2).
 * A face shows only the front half of the sphere of normals, so on its own the fit can trade the
 * constant band for a huge "toward the camera" band and light the back of the head negatively;
 * irradiance cannot be negative, so directions all round the sphere whose shading comes out
 * negative are pulled back to zero (a few re-solves with those rows added).
 */
export function solveLighting(obs: SampleObservations, albedo: Float64Array, ridge1 = 1e-5, ridge2 = 1e-2): Float64Array {
  const sh = new Float64Array(SH_COEFFICIENTS);
  const S = obs.weight.length;
  const dirBasis = new Float64Array(SH_COUNT);
  const solution = new Float64Array(SH_COUNT), factor = new Float64Array(SH_COUNT * SH_COUNT);
  for (let c = 0; c < 3; c++) {
    const A = new Float64Array(SH_COUNT * SH_COUNT), b = new Float64Array(SH_COUNT);
    let wsum = 0;
    for (let i = 0; i < S; i++) {
      const w = obs.weight[i];
      if (w <= 0) continue;
      wsum += w;
      const a = albedo[3 * i + c];
      for (let k = 0; k < SH_COUNT; k++) {
        const jk = a * obs.basis[SH_COUNT * i + k];
        b[k] += w * jk * obs.colour[3 * i + c];
        for (let l = k; l < SH_COUNT; l++) A[k * SH_COUNT + l] += w * jk * a * obs.basis[SH_COUNT * i + l];
      }
    }
    for (let k = 0; k < SH_COUNT; k++) {
      for (let l = 0; l < k; l++) A[k * SH_COUNT + l] = A[l * SH_COUNT + k];
      A[k * SH_COUNT + k] += (k === 0 ? CONSTANT_BAND_RIDGE : k < 4 ? ridge1 : ridge2) * Math.max(wsum, 1e-9);
    }
    const constrained = new Uint8Array(SPHERE.length / 3);
    const penalty = NEGATIVE_SHADING_PENALTY * Math.max(wsum, 1e-9) / constrained.length;
    let x: Float64Array | undefined;
    for (let pass = 0; pass < NON_NEGATIVE_PASSES; pass++) {
      const Ac = Float64Array.from(A);
      for (let d = 0; d < constrained.length; d++) {
        if (!constrained[d]) continue;
        shBasis(SPHERE[3 * d], SPHERE[3 * d + 1], SPHERE[3 * d + 2], dirBasis);
        for (let k = 0; k < SH_COUNT; k++) for (let l = 0; l < SH_COUNT; l++) Ac[k * SH_COUNT + l] += penalty * dirBasis[k] * dirBasis[l];
      }
      x = solveSpd(solution, Ac, b, SH_COUNT, factor);
      if (!x) break;
      let added = false;
      for (let d = 0; d < constrained.length; d++) {
        if (constrained[d]) continue;
        shBasis(SPHERE[3 * d], SPHERE[3 * d + 1], SPHERE[3 * d + 2], dirBasis);
        let shade = 0;
        for (let k = 0; k < SH_COUNT; k++) shade += x[k] * dirBasis[k];
        if (shade < 0) { constrained[d] = 1; added = true; }
      }
      if (!added) break;
    }
    if (x) for (let k = 0; k < SH_COUNT; k++) sh[3 * k + c] = x[k];
  }
  return sh;
}

/**
 * The white light closest to a coloured SH environment: each band's luminance in every channel.
 * Used to divide the light out of the photo for the texture: the light's colour cannot be told
 * from the skin's in one photo, and dividing by per-channel shading that the fit bent toward the
 * skin's own colour variation tints the albedo (greenish centres, red rims), so the light's colour
 * stays in the albedo instead.
 */
export function whiteLighting(sh: ArrayLike<number>): Float64Array {
  const out = new Float64Array(SH_COEFFICIENTS);
  for (let k = 0; k < SH_COUNT; k++) out.fill(LUMA[0] * sh[3 * k] + LUMA[1] * sh[3 * k + 1] + LUMA[2] * sh[3 * k + 2], 3 * k, 3 * k + 3);
  return out;
}

/** 26 unit directions: the faces, edges and corners of a cube. */
const SPHERE = (() => {
  const dirs: number[] = [];
  for (let x = -1; x <= 1; x++) for (let y = -1; y <= 1; y++) for (let z = -1; z <= 1; z++) {
    if (!x && !y && !z) continue;
    const l = Math.hypot(x, y, z);
    dirs.push(x / l, y / l, z / l);
  }
  return Float64Array.from(dirs);
})();

export interface AlbedoPriors {
  /** Pull toward the face's mean tone (keeps smooth fall-off in the shading, not the albedo). */
  tone: number;
  /** Pull toward the mirror sample's albedo. */
  symmetry: number;
  /** Pull toward each neighbour's albedo. */
  smoothness: number;
  sweeps: number;
}

export const DEFAULT_ALBEDO_PRIORS: AlbedoPriors = { tone: 0.1, symmetry: 1, smoothness: 0.3, sweeps: 30 };

/** One photo's samples and their per-channel SH shading, for solveAlbedo. */
export interface ShadedObservations {
  obs: SampleObservations;
  shading: Float64Array;
}

/**
 * Per-sample linear albedo for fixed lighting: data term sum over the photos w_i |a_i s_i - I_i|^2
 * (several photos of one face share its albedo) plus priors toward the mean tone, the mirror sample
 * and the neighbours, by Gauss-Seidel sweeps from `albedo` (updated in place).
 */
export function solveAlbedo(
  samples: FaceSamples, photos: readonly ShadedObservations[], albedo: Float64Array, tone: ArrayLike<number>,
  priors: AlbedoPriors = DEFAULT_ALBEDO_PRIORS,
): void {
  const S = samples.vertices.length, { mirror, neighbours } = samples;
  for (let sweep = 0; sweep < priors.sweeps; sweep++) {
    for (let i = 0; i < S; i++) {
      const m = mirror[i];
      for (let c = 0; c < 3; c++) {
        let num = priors.tone * tone[c];
        let den = priors.tone;
        for (const { obs, shading } of photos) {
          const w = obs.weight[i], s = shading[3 * i + c];
          num += w * s * obs.colour[3 * i + c];
          den += w * s * s;
        }
        if (m >= 0 && m !== i) { num += priors.symmetry * albedo[3 * m + c]; den += priors.symmetry; }
        for (let k = 0; k < NEIGHBOURS; k++) {
          num += priors.smoothness * albedo[3 * neighbours[NEIGHBOURS * i + k] + c];
          den += priors.smoothness;
        }
        albedo[3 * i + c] = Math.min(1, Math.max(0.002, num / den));
      }
    }
  }
}

/** The single albedo that best explains the observed samples under the given shading (least squares). */
export function meanTone(obs: SampleObservations, shading: Float64Array): [number, number, number] {
  const tone: [number, number, number] = [0, 0, 0];
  for (let c = 0; c < 3; c++) {
    let num = 0, den = 0;
    for (let i = 0; i < obs.weight.length; i++) {
      const w = obs.weight[i], s = shading[3 * i + c];
      if (w <= 0 || s <= 1e-3) continue;
      num += w * s * obs.colour[3 * i + c];
      den += w * s * s;
    }
    tone[c] = den > 0 ? Math.min(1, num / den) : 0.4;
  }
  return tone;
}
