/**
 * A robust Gaussian skin-colour model in log-chroma space. Chroma u = ln(R/G), v = ln(B/G) of the
 * 8-bit sRGB values is unchanged when a pixel is darkened or brightened by shading (a scale on
 * linear RGB scales gamma-encoded values by a power of it), so skin in shadow keeps its chroma;
 * brightness is tested separately and loosely.
 */

import { solveSpd } from '../base/linalg.js';
import { LUMA_REC601 } from '../base/colour.js';

/** Added to 8-bit values before taking logs, so near-black pixels do not give wild chroma. */
const DARK_OFFSET = 6;
/** Smallest chroma standard deviation: JPEG chroma noise and compression blocks are about this large. */
const MIN_SIGMA = 0.025;

export interface ChromaGaussian {
  mean: [number, number];
  /** Covariance [uu, uv, vv]. */
  cov: [number, number, number];
  /** Robust mean and spread of ln(luma). */
  logLumaMean: number;
  logLumaSigma: number;
}

export function chromaU(r: number, g: number): number {
  return Math.log((r + DARK_OFFSET) / (g + DARK_OFFSET));
}

export function chromaV(b: number, g: number): number {
  return Math.log((b + DARK_OFFSET) / (g + DARK_OFFSET));
}

export function logLuma(r: number, g: number, b: number): number {
  return Math.log(LUMA_REC601[0] * r + LUMA_REC601[1] * g + LUMA_REC601[2] * b + DARK_OFFSET);
}

/** Squared Mahalanobis distance of (u, v) from the model. */
export function chromaDistance2(model: ChromaGaussian, u: number, v: number): number {
  const [uu, uv, vv] = model.cov;
  const det = uu * vv - uv * uv;
  const du = u - model.mean[0], dv = v - model.mean[1];
  return (vv * du * du - 2 * uv * du * dv + uu * dv * dv) / det;
}

export function median(values: Float64Array): number {
  const s = values.slice().sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : 0.5 * (s[m - 1]! + s[m]!);
}

/**
 * Fits the Gaussian to samples (u, v, logLuma triples) of which a good share may be outliers:
 * starts from the coordinate-wise median and MAD, then re-estimates mean and covariance from the
 * samples within a 2.5-sigma Mahalanobis radius (with the consistency factor for that trimming),
 * a few times. Returns undefined if there are fewer than 8 samples.
 */
export function fitChromaGaussian(samples: Float64Array, iterations = 6): ChromaGaussian | undefined {
  const n = samples.length / 3;
  if (n < 8) return undefined;
  const us = new Float64Array(n), vs = new Float64Array(n), ls = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    us[k] = samples[3 * k]!;
    vs[k] = samples[3 * k + 1]!;
    ls[k] = samples[3 * k + 2]!;
  }
  const mu = median(us), mv = median(vs), ml = median(ls);
  const mad = (a: Float64Array, m: number): number => 1.4826 * median(a.map((x) => Math.abs(x - m)));
  const floor2 = MIN_SIGMA * MIN_SIGMA;
  const model: ChromaGaussian = {
    mean: [mu, mv],
    cov: [Math.max(floor2, mad(us, mu) ** 2), 0, Math.max(floor2, mad(vs, mv) ** 2)],
    logLumaMean: ml,
    logLumaSigma: Math.max(0.05, mad(ls, ml)),
  };
  const c2 = 2.5 * 2.5;
  const consistency = trimConsistency(c2);
  for (let it = 0; it < iterations; it++) {
    let count = 0, su = 0, sv = 0;
    const keep = new Uint8Array(n);
    for (let k = 0; k < n; k++) {
      if (chromaDistance2(model, us[k]!, vs[k]!) <= c2) {
        keep[k] = 1;
        count++;
        su += us[k]!;
        sv += vs[k]!;
      }
    }
    if (count < 8) break;
    const nu = su / count, nv = sv / count;
    let cuu = 0, cuv = 0, cvv = 0;
    for (let k = 0; k < n; k++) {
      if (!keep[k]) continue;
      const du = us[k]! - nu, dv = vs[k]! - nv;
      cuu += du * du;
      cuv += du * dv;
      cvv += dv * dv;
    }
    model.mean = [nu, nv];
    model.cov = trimmedCovariance(cuu, cuv, cvv, count, consistency);
  }
  return model;
}

/**
 * Skin chroma whose mean varies linearly with ln luma (shadowed skin is more saturated: light
 * that reaches it has travelled further through the skin) and with position in the face (coloured
 * or mixed lighting): mean(u, v) = B^T [1, l - l0, x, y], x and y in face heights from the crop
 * centre. The residual is Gaussian with covariance `cov`.
 */
export interface ChromaRegression {
  /** Coefficients per chroma channel: 4 for u then 4 for v. */
  coefficients: Float64Array;
  lumaOrigin: number;
  cov: [number, number, number];
}

export const REGRESSION_TERMS = 4;

export function regressionDistance2(model: ChromaRegression, u: number, v: number, l: number, x: number, y: number): number {
  const c = model.coefficients, dl = l - model.lumaOrigin;
  const du = u - (c[0]! + c[1]! * dl + c[2]! * x + c[3]! * y);
  const dv = v - (c[4]! + c[5]! * dl + c[6]! * x + c[7]! * y);
  const [uu, uv, vv] = model.cov;
  return (vv * du * du - 2 * uv * du * dv + uu * dv * dv) / (uu * vv - uv * uv);
}


/**
 * Fits the regression to samples (u, v, l, x, y per sample), starting from `start` (a constant
 * model, e.g. from seed patches) and keeping, at each of a few rounds, the samples within a
 * Mahalanobis radius `radius` of the current model. Slopes are ridge-regularised towards 0.
 */
export function fitChromaRegression(samples: Float32Array, start: ChromaGaussian, radius = 3, iterations = 4): ChromaRegression {
  const n = samples.length / 5, T = REGRESSION_TERMS;
  const model: ChromaRegression = {
    coefficients: Float64Array.from([start.mean[0], 0, 0, 0, start.mean[1], 0, 0, 0]),
    lumaOrigin: start.logLumaMean,
    cov: [...start.cov],
  };
  const c2 = radius * radius;
  const consistency = trimConsistency(c2);
  const phi = new Float64Array(T);
  for (let it = 0; it < iterations; it++) {
    const ata = new Float64Array(T * T), atu = new Float64Array(T), atv = new Float64Array(T);
    let count = 0;
    const keep = new Uint8Array(n);
    for (let k = 0; k < n; k++) {
      const o = 5 * k;
      const u = samples[o]!, v = samples[o + 1]!, l = samples[o + 2]!, x = samples[o + 3]!, y = samples[o + 4]!;
      if (regressionDistance2(model, u, v, l, x, y) > c2) continue;
      keep[k] = 1;
      count++;
      phi[0] = 1; phi[1] = l - model.lumaOrigin; phi[2] = x; phi[3] = y;
      for (let a = 0; a < T; a++) {
        atu[a] = atu[a]! + phi[a]! * u;
        atv[a] = atv[a]! + phi[a]! * v;
        for (let b = 0; b < T; b++) ata[a * T + b] = ata[a * T + b]! + phi[a]! * phi[b]!;
      }
    }
    if (count < 20) break;
    for (let a = 1; a < T; a++) ata[a * T + a] = ata[a * T + a]! + 1e-3 * count;
    const bu = solveSpd(new Float64Array(T), ata, atu, T), bv = solveSpd(new Float64Array(T), ata, atv, T);
    if (!bu || !bv) break;
    model.coefficients.set(bu, 0);
    model.coefficients.set(bv, T);
    let cuu = 0, cuv = 0, cvv = 0;
    const c = model.coefficients;
    for (let k = 0; k < n; k++) {
      if (!keep[k]) continue;
      const o = 5 * k, dl = samples[o + 2]! - model.lumaOrigin, x = samples[o + 3]!, y = samples[o + 4]!;
      const du = samples[o]! - (c[0]! + c[1]! * dl + c[2]! * x + c[3]! * y);
      const dv = samples[o + 1]! - (c[4]! + c[5]! * dl + c[6]! * x + c[7]! * y);
      cuu += du * du;
      cuv += du * dv;
      cvv += dv * dv;
    }
    model.cov = trimmedCovariance(cuu, cuv, cvv, count, consistency);
  }
  return model;
}

/**
 * r² of a 2D Gaussian is exponential with mean 2; trimmed at c² its mean drops to
 * 2 (1 - t (1 + c²/2)) / (1 - t), t = e^(-c²/2): the kept samples' covariance is scaled back up by the inverse.
 */
function trimConsistency(c2: number): number {
  const tail = Math.exp(-c2 / 2);
  return (1 - tail) / (1 - tail * (1 + c2 / 2));
}

/** Chroma covariance from the kept samples' residual sums: scaled for the trimming, variances floored, correlation capped at 0.95. */
function trimmedCovariance(suu: number, suv: number, svv: number, count: number, consistency: number): [number, number, number] {
  const s = consistency / count, floor2 = MIN_SIGMA * MIN_SIGMA;
  const uu = Math.max(floor2, suu * s), vv = Math.max(floor2, svv * s);
  const limit = 0.95 * Math.sqrt(uu * vv);
  return [uu, Math.max(-limit, Math.min(limit, suv * s)), vv];
}
