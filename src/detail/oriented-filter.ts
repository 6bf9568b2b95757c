/**
 * Filters of a height field along a direction that varies per texel (the wrinkle model's filter
 * bank): a complex Gabor profile across folds and a Gaussian along them, sampled bilinearly in
 * millimetres of surface (each texel's own mmX, mmY).
 */

/** A per-texel unit direction in the surface's millimetre frame: x along +column, y along +row. */
export type DirectionField = Float32Array;

/** Taps of a 1D profile: positions (mm) and weights. */
interface Profile { t: Float64Array; even: Float64Array; odd: Float64Array }

/** Taps per wavelength (steps of wavelength / 8 out to two Gaussian sigmas of 0.45 wavelength). */
const STEPS_PER_WAVELENGTH = 8;
const SIGMA_PER_WAVELENGTH = 0.45;

/**
 * A Gabor profile normalised so that a sinusoid A cos(2 pi t / wavelength + phi) sampled along the
 * direction gives even = A cos(phi) and odd = A sin(phi) (the even part has no response to a constant).
 */
function gaborProfile(wavelength: number): Profile {
  const step = wavelength / STEPS_PER_WAVELENGTH, sigma = SIGMA_PER_WAVELENGTH * wavelength;
  const K = Math.ceil((2 * sigma) / step);
  const t = new Float64Array(2 * K + 1), g = new Float64Array(2 * K + 1), even = new Float64Array(2 * K + 1), odd = new Float64Array(2 * K + 1);
  let sg = 0, sgc = 0;
  for (let k = -K; k <= K; k++) {
    const i = k + K;
    t[i] = k * step;
    g[i] = Math.exp(-0.5 * (t[i] / sigma) ** 2);
    sg += g[i];
    sgc += g[i] * Math.cos((2 * Math.PI * t[i]) / wavelength);
  }
  let ne = 0, no = 0;
  for (let i = 0; i < t.length; i++) {
    const phase = (2 * Math.PI * t[i]) / wavelength;
    even[i] = g[i] * (Math.cos(phase) - sgc / sg);
    odd[i] = -g[i] * Math.sin(phase);
    ne += even[i] * Math.cos(phase);
    no += -odd[i] * Math.sin(phase);
  }
  for (let i = 0; i < t.length; i++) { even[i] /= ne; odd[i] /= no; }
  return { t, even, odd };
}

/** A normalised Gaussian profile of `sigma` mm. */
function gaussianProfile(sigma: number): Profile {
  const step = sigma / 2, K = 4;
  const t = new Float64Array(2 * K + 1), even = new Float64Array(2 * K + 1);
  let s = 0;
  for (let k = -K; k <= K; k++) { t[k + K] = k * step; even[k + K] = Math.exp(-0.5 * (k * step / sigma) ** 2); s += even[k + K]; }
  for (let i = 0; i < even.length; i++) even[i] /= s;
  return { t, even, odd: new Float64Array(t.length) };
}

/** A square grid of texels with its surface metric (millimetres per texel step; 0 outside the charts). */
export interface MetricGrid { size: number; mmX: Float32Array; mmY: Float32Array }

/**
 * The complex Gabor response (wavelength in mm) of `field` along each listed texel's direction
 * (rotated a quarter turn when `across` is false: along the folds instead of across them).
 */
export function gaborResponse(
  field: Float32Array, grid: MetricGrid, direction: DirectionField, wavelength: number, texels: ArrayLike<number>, across = true,
): { even: Float32Array; odd: Float32Array } {
  const S = grid.size, even = new Float32Array(S * S), odd = new Float32Array(S * S);
  const profile = gaborProfile(wavelength);
  for (let i = 0; i < texels.length; i++) {
    const p = texels[i];
    const [e, o] = along(field, grid, direction, p, profile, across);
    even[p] = e; odd[p] = o;
  }
  return { even, odd };
}

/**
 * `field` smoothed by a Gaussian of `sigma` mm along each listed texel's direction rotated a quarter
 * turn (along the folds), or along the direction itself when `across` (across the folds).
 */
export function directionalSmooth(field: Float32Array, grid: MetricGrid, direction: DirectionField, sigma: number, texels: ArrayLike<number>, across = false): Float32Array {
  const out = new Float32Array(field.length), profile = gaussianProfile(sigma);
  for (let i = 0; i < texels.length; i++) out[texels[i]] = along(field, grid, direction, texels[i], profile, across)[0];
  return out;
}

function along(field: Float32Array, grid: MetricGrid, direction: DirectionField, p: number, profile: Profile, across: boolean): [number, number] {
  const S = grid.size, x = p % S, y = (p - x) / S;
  let ex = direction[2 * p], ey = direction[2 * p + 1];
  if (!across) [ex, ey] = [-ey, ex];
  const sx = ex / grid.mmX[p], sy = ey / grid.mmY[p];
  let e = 0, o = 0;
  for (let k = 0; k < profile.t.length; k++) {
    const v = sample(field, S, x + profile.t[k] * sx, y + profile.t[k] * sy);
    e += profile.even[k] * v; o += profile.odd[k] * v;
  }
  return [e, o];
}

/** Bilinear sample of a size x size plane at texel coordinates, clamped to the grid. */
function sample(field: Float32Array, S: number, x: number, y: number): number {
  x = Math.max(0, Math.min(S - 1, x)); y = Math.max(0, Math.min(S - 1, y));
  const x0 = Math.min(S - 2, Math.floor(x)), y0 = Math.min(S - 2, Math.floor(y)), fx = x - x0, fy = y - y0, i = y0 * S + x0;
  return (1 - fy) * ((1 - fx) * field[i] + fx * field[i + 1]) + fy * ((1 - fx) * field[i + S] + fx * field[i + S + 1]);
}
