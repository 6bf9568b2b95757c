/**
 * True skin detail of a synthetic person (issue 13's benchmark): a static part (pores as fractal
 * noise, a few moles) and expression wrinkles, over the face's UV square. The wrinkle model is
 * deliberately not the fitter's (src/detail/wrinkle-response.ts): compression is measured per vertex
 * from its edges (each edge's shortening, averaged as a tensor over the vertex's one-ring), and folds
 * are sparse Gabor noise on the rest head in 3D (impulses fixed per person, their crests across the
 * compression direction jittered by one of three angles per zone, wavelengths spread about the
 * person's), their depth growing as compression^1.2; a person has one depth gain and wavelength per
 * zone of the face (upper, eyes, lower). Skin keeps faint permanent lines where it habitually folds:
 * the static part includes the same impulses' folds along the summed compression of a few habitual
 * expressions at a depth of compression 0.05 (imprint = 0 leaves them out).
 */
import { vertexNormals } from '../../src/base/normals.js';
import { instantiate } from '../../src/model/instance.js';
import type { MorphableModel } from '../../src/model/types.js';
import { presetExpression } from '../../src/export/expressions.js';
import { rasteriseUv } from '../../src/texture/uv-raster.js';
import { seededRandom } from './landmark-scene.js';
import { fractalNoise3 } from './noise.js';

/** A person's wrinkle parameters per zone: depth (mm) at compression 1, wavelength (mm), orientation jitters (rad) and phases of the three folds. */
export interface TrueWrinkleZone { gain: number; wavelength: number; jitter: number[]; spread: number[]; phase: number[] }

export interface TrueDetailPerson {
  identity: Float32Array;
  /** Zones by UV v: upper (v > 0.76: forehead, glabella), eyes (0.6 - 0.76), lower. */
  zones: [TrueWrinkleZone, TrueWrinkleZone, TrueWrinkleZone];
  seed: number;
}

const ZONE_EDGES = [0.76, 0.6];
/** The permanent lines' depth as a compression (folds at rest, in the directions of the habitual expressions). */
const IMPRINT = 0.05;
const HABITUAL_EXPRESSIONS = ['smile', 'frown', 'surprise', 'sad', 'pucker', 'open'];
/** RMS of the static detail (pores), mm. */
const PORE_RMS_MM = 0.02;

export function randomTrueDetailPerson(model: MorphableModel, seed: number, identitySpread = 1): TrueDetailPerson {
  const rng = seededRandom(seed);
  const identity = new Float32Array(model.identityCount);
  for (let k = 0; k < Math.min(40, identity.length); k++) identity[k] = identitySpread * rng.normal();
  const zone = (): TrueWrinkleZone => ({
    gain: 1 + 2 * rng.uniform(), wavelength: 4 + 6 * rng.uniform(),
    jitter: [0, 1, 2].map(() => (rng.uniform() - 0.5) * (24 * Math.PI) / 180),
    spread: [0.8 + 0.1 * rng.uniform(), 1, 1.1 + 0.15 * rng.uniform()],
    phase: [0, 1, 2].map(() => 2 * Math.PI * rng.uniform()),
  });
  return { identity, zones: [zone(), zone(), zone()], seed };
}

/** How trueDetail samples the detail (see there). */
export interface TrueDetailOptions {
  /** Texels per side at which the folds are laid out (then interpolated bicubically to `size`); default `size`. */
  foldSize?: number;
  /** Raised moles in the static detail (default true); pictures leave them out, their moles are painted albedo only. */
  moles?: boolean;
}

/**
 * The person's true static detail and expression folds (mm per texel) over a size x size UV square at
 * an expression. The folds' cost grows with the fourth power of their grid, so a fine map lays them
 * out on a coarser `foldSize` grid (wavelengths of 3 mm and more are several texels long at 256) and
 * evaluates the pores at full size.
 */
export function trueDetail(
  model: MorphableModel, person: TrueDetailPerson, expression: Float32Array, size: number, imprint = IMPRINT, options: TrueDetailOptions = {},
): { static: Float32Array; folds: Float32Array; height: Float32Array } {
  const foldSize = Math.min(size, options.foldSize ?? size);
  const rest = instantiate(model, { identity: person.identity });
  const posed = instantiate(model, { identity: person.identity, expression });
  const tensor = vertexCompression(model, rest, posed);
  const habitual = imprint > 0 ? habitualCompression(model, person, rest) : new Float64Array(tensor.length);
  const grid = texelSurface(model, rest, foldSize, tensor, habitual);
  const pattern = foldPattern(person, foldSize, grid.triangleId, grid.P, grid.n, grid.c, grid.d);
  const lines = imprint > 0 ? foldPattern(person, foldSize, grid.triangleId, grid.P, grid.n, grid.cRest, grid.dRest) : undefined;
  let folds: Float32Array = new Float32Array(foldSize * foldSize), imprinted: Float32Array = new Float32Array(foldSize * foldSize);
  for (let p = 0; p < folds.length; p++) {
    const gain = zoneOf(person, 1 - (Math.floor(p / foldSize) + 0.5) / foldSize).gain;
    if (grid.c[p] > 0) folds[p] = gain * grid.c[p] ** 1.2 * pattern[p];
    if (lines && grid.cRest[p] > 0) imprinted[p] = gain * imprint ** 1.2 * lines[p];
  }
  const full = foldSize === size ? grid : texelSurface(model, rest, size);
  if (foldSize !== size) {
    folds = bicubicResample(folds, foldSize, size, full.triangleId);
    imprinted = bicubicResample(imprinted, foldSize, size, full.triangleId);
  }
  const pores = fractalNoise3(person.seed * 7 + 1, 3, 0.6);
  const rng = seededRandom(person.seed * 13 + 5);
  const moles = Array.from({ length: 4 }, () => ({ u: 0.3 + 0.4 * rng.uniform(), v: 0.35 + 0.45 * rng.uniform(), height: 0.08 + 0.08 * rng.uniform() }));
  if (options.moles === false) moles.length = 0;
  const N = size * size, P = full.P;
  const stat = new Float32Array(N), height = new Float32Array(N);
  for (let p = 0; p < N; p++) {
    if (full.triangleId[p] < 0) continue;
    const x = (p % size + 0.5) / size, v = 1 - (Math.floor(p / size) + 0.5) / size;
    let h = (PORE_RMS_MM / 0.25) * pores(P[3 * p] / 2.5, P[3 * p + 1] / 2.5, P[3 * p + 2] / 2.5);
    for (const m of moles) h += m.height * Math.exp(-(((x - m.u) ** 2 + (v - m.v) ** 2) / (2 * 0.006 ** 2)));
    stat[p] = h + imprinted[p];
    height[p] = stat[p] + folds[p];
  }
  return { static: stat, folds, height };
}

/**
 * Per texel of a size x size raster of the face chart: rest position (mm) and normal, and with
 * compression tensors given, the compression and its 3D direction (now and habitual).
 */
function texelSurface(model: MorphableModel, rest: Float32Array, size: number, tensor?: Float64Array, habitual?: Float64Array) {
  const mm = model.unitsToMillimetres;
  const normals = vertexNormals(rest, model.triangles);
  const frame = rasteriseUv(model.uvs, model.triangleUvs, size, size, { select: [model.triangleRegions.face] });
  const N = size * size;
  const P = new Float32Array(3 * N), n = new Float32Array(3 * N), c = new Float32Array(N), d = new Float32Array(3 * N);
  const cRest = new Float32Array(N), dRest = new Float32Array(3 * N);
  const T = new Float64Array(6), TRest = new Float64Array(6), dir = [0, 0, 0];
  for (let p = 0; p < N; p++) {
    const t = frame.triangleId[p];
    if (t < 0) continue;
    const b1 = frame.barycentric[2 * p], b2 = frame.barycentric[2 * p + 1], b = [1 - b1 - b2, b1, b2];
    T.fill(0); TRest.fill(0);
    for (let k = 0; k < 3; k++) {
      const v = model.triangles[3 * t + k];
      for (let j = 0; j < 3; j++) { P[3 * p + j] += b[k] * rest[3 * v + j] * mm; n[3 * p + j] += b[k] * normals[3 * v + j]; }
      if (tensor && habitual) for (let j = 0; j < 6; j++) { T[j] += b[k] * tensor[6 * v + j]; TRest[j] += b[k] * habitual[6 * v + j]; }
    }
    const nl = Math.hypot(n[3 * p], n[3 * p + 1], n[3 * p + 2]) || 1;
    for (let j = 0; j < 3; j++) n[3 * p + j] /= nl;
    if (!tensor) continue;
    c[p] = dominant(T, dir);
    d.set(dir, 3 * p);
    cRest[p] = dominant(TRest, dir);
    dRest.set(dir, 3 * p);
  }
  return { triangleId: frame.triangleId, P, n, c, d, cRest, dRest };
}

/** A field over the UV square resampled from `from` to `to` texels per side by Catmull-Rom bicubic interpolation (texel centres aligned), 0 outside the chart. */
function bicubicResample(field: Float32Array, from: number, to: number, triangleId: Int32Array): Float32Array {
  const out = new Float32Array(to * to), f = from / to, w = [0, 0, 0, 0], row = [0, 0, 0, 0];
  const weights = (t: number) => {
    const t2 = t * t, t3 = t2 * t;
    w[0] = 0.5 * (-t3 + 2 * t2 - t); w[1] = 0.5 * (3 * t3 - 5 * t2 + 2); w[2] = 0.5 * (-3 * t3 + 4 * t2 + t); w[3] = 0.5 * (t3 - t2);
    return w.slice();
  };
  const clamp = (i: number) => Math.max(0, Math.min(from - 1, i));
  for (let y = 0; y < to; y++) {
    const sy = (y + 0.5) * f - 0.5, iy = Math.floor(sy), wy = weights(sy - iy);
    for (let x = 0; x < to; x++) {
      if (triangleId[y * to + x] < 0) continue;
      const sx = (x + 0.5) * f - 0.5, ix = Math.floor(sx), wx = weights(sx - ix);
      for (let j = 0; j < 4; j++) {
        const r = clamp(iy - 1 + j) * from;
        row[j] = wx[0] * field[r + clamp(ix - 1)] + wx[1] * field[r + clamp(ix)] + wx[2] * field[r + clamp(ix + 1)] + wx[3] * field[r + clamp(ix + 2)];
      }
      out[y * to + x] = wy[0] * row[0] + wy[1] * row[1] + wy[2] * row[2] + wy[3] * row[3];
    }
  }
  return out;
}

/** The person's lines at rest follow the skin's habitual compression: the sum of the habitual expressions' tensors (kept per person). */
const habitualCache = new WeakMap<TrueDetailPerson, Float64Array>();
function habitualCompression(model: MorphableModel, person: TrueDetailPerson, rest: Float32Array): Float64Array {
  let sum = habitualCache.get(person);
  if (!sum) {
    sum = new Float64Array(6 * model.vertexCount);
    for (const name of HABITUAL_EXPRESSIONS) {
      const t = vertexCompression(model, rest, instantiate(model, { identity: person.identity, expression: presetExpression(model.expressionNames, name)! }));
      for (let i = 0; i < t.length; i++) sum[i] += t[i];
    }
    habitualCache.set(person, sum);
  }
  return sum;
}

function zoneOf(person: TrueDetailPerson, v: number): TrueWrinkleZone {
  return person.zones[v > ZONE_EDGES[0] ? 0 : v > ZONE_EDGES[1] ? 1 : 2];
}

/** Texels between fold impulses (one per cell, jittered). */
const IMPULSE_CELL = 4;

/**
 * Unit-RMS fold pattern by sparse convolution: one impulse per cell of the UV grid (jittered, random
 * sign, fixed per person), each an elongated Gabor kernel in 3D whose crests run across the
 * compression direction at the impulse (jittered by the zone's angle) at the zone's wavelength
 * (spread by the impulse's own factor); kernels where the skin is not compressed are left out.
 */
function foldPattern(person: TrueDetailPerson, S: number, triangleId: Int32Array, P: Float32Array, n: Float32Array, c: Float32Array, d: Float32Array): Float32Array {
  const rng = seededRandom(person.seed * 31 + 17);
  const out = new Float32Array(S * S);
  let mmSum = 0, mmCount = 0;
  for (let p = 0; p + 1 < S * S; p++) {
    if (triangleId[p] >= 0 && triangleId[p + 1] >= 0) { mmSum += Math.hypot(P[3 * p + 3] - P[3 * p], P[3 * p + 4] - P[3 * p + 1], P[3 * p + 5] - P[3 * p + 2]); mmCount++; }
  }
  const mmPerTexel = mmCount ? mmSum / mmCount : 1;
  for (let cy = 0; cy < S; cy += IMPULSE_CELL) {
    for (let cx = 0; cx < S; cx += IMPULSE_CELL) {
      const x = Math.min(S - 1, cx + Math.floor(rng.uniform() * IMPULSE_CELL)), y = Math.min(S - 1, cy + Math.floor(rng.uniform() * IMPULSE_CELL));
      const sign = rng.uniform() < 0.5 ? -1 : 1, phase = 2 * Math.PI * rng.uniform(), k = Math.floor(3 * rng.uniform()), spread = rng.uniform();
      const i = y * S + x;
      if (triangleId[i] < 0 || !(c[i] > 0)) continue;
      const zone = zoneOf(person, 1 - (y + 0.5) / S);
      const wavelength = zone.wavelength * (zone.spread[k] + 0.1 * (spread - 0.5)), jitter = zone.jitter[k];
      // The compression direction at the impulse turned about the normal by the jitter.
      const nx = n[3 * i], ny = n[3 * i + 1], nz = n[3 * i + 2], dx = d[3 * i], dy = d[3 * i + 1], dz = d[3 * i + 2];
      const cj = Math.cos(jitter), sj = Math.sin(jitter);
      const ax = cj * dx + sj * (ny * dz - nz * dy), ay = cj * dy + sj * (nz * dx - nx * dz), az = cj * dz + sj * (nx * dy - ny * dx);
      const sa = 0.6 * wavelength, sb = 1.5 * wavelength, R = Math.ceil((3 * sb) / mmPerTexel);
      for (let qy = Math.max(0, y - R); qy <= Math.min(S - 1, y + R); qy++) {
        for (let qx = Math.max(0, x - R); qx <= Math.min(S - 1, x + R); qx++) {
          const q = qy * S + qx;
          if (triangleId[q] < 0) continue;
          const ex = P[3 * q] - P[3 * i], ey = P[3 * q + 1] - P[3 * i + 1], ez = P[3 * q + 2] - P[3 * i + 2];
          const a = ex * ax + ey * ay + ez * az, normal = ex * nx + ey * ny + ez * nz;
          const b2 = Math.max(0, ex * ex + ey * ey + ez * ez - a * a - normal * normal);
          out[q] += sign * Math.exp(-(a * a) / (2 * sa * sa) - b2 / (2 * sb * sb)) * Math.cos((2 * Math.PI * a) / wavelength + phase);
        }
      }
    }
  }
  let sum2 = 0, count = 0;
  for (let p = 0; p < S * S; p++) if (c[p] > 0) { sum2 += out[p] ** 2; count++; }
  const rms = count ? Math.sqrt(sum2 / count) : 1;
  for (let p = 0; p < S * S; p++) out[p] /= rms || 1;
  return out;
}

/**
 * Per vertex of the face, the tensor (xx, xy, xz, yy, yz, zz) of its edges' shortening: the mean over
 * its edges of max(0, 1 - posed length / rest length) e eᵀ (e the rest edge's unit vector), averaged
 * again with its one-ring's.
 */
function vertexCompression(model: MorphableModel, rest: Float32Array, posed: Float32Array): Float64Array {
  const V = model.vertexCount, own = new Float64Array(6 * V), count = new Float64Array(V);
  const [start, end] = model.triangleRegions.face;
  const edges: [number, number][] = [];
  for (let t = start; t < end; t++) {
    for (let c = 0; c < 3; c++) {
      const a = model.triangles[3 * t + c], b = model.triangles[3 * t + (c + 1) % 3];
      edges.push([a, b]);
      const e = [0, 1, 2].map((k) => rest[3 * b + k] - rest[3 * a + k]), l = Math.hypot(...e);
      const lp = Math.hypot(...[0, 1, 2].map((k) => posed[3 * b + k] - posed[3 * a + k]));
      if (!(l > 0)) continue;
      const s = Math.max(0, 1 - lp / l);
      const u = e.map((x) => x / l), outer = [u[0] * u[0], u[0] * u[1], u[0] * u[2], u[1] * u[1], u[1] * u[2], u[2] * u[2]];
      for (const w of [a, b]) { for (let k = 0; k < 6; k++) own[6 * w + k] += s * outer[k]; count[w]++; }
    }
  }
  // Edges at angle a to a shortening c along D shorten by about c cos^2 a; the mean of cos^4 is 3/8, so 8/3 of the mean gives c back.
  for (let w = 0; w < V; w++) if (count[w] > 0) for (let k = 0; k < 6; k++) own[6 * w + k] *= 8 / 3 / count[w];
  const out = new Float64Array(6 * V), ringCount = new Float64Array(V);
  for (let w = 0; w < V; w++) { for (let k = 0; k < 6; k++) out[6 * w + k] = own[6 * w + k]; ringCount[w] = 1; }
  for (const [a, b] of edges) {
    for (let k = 0; k < 6; k++) { out[6 * a + k] += own[6 * b + k]; out[6 * b + k] += own[6 * a + k]; }
    ringCount[a]++; ringCount[b]++;
  }
  for (let w = 0; w < V; w++) for (let k = 0; k < 6; k++) out[6 * w + k] /= ringCount[w];
  return out;
}

/** The largest eigenvalue of a symmetric 3x3 tensor (xx, xy, xz, yy, yz, zz) and its unit eigenvector in `d` (power iteration). */
function dominant(T: Float64Array, d: number[]): number {
  let x = 1, y = 0.3, z = 0.2, lambda = 0;
  for (let i = 0; i < 20; i++) {
    const nx = T[0] * x + T[1] * y + T[2] * z, ny = T[1] * x + T[3] * y + T[4] * z, nz = T[2] * x + T[4] * y + T[5] * z;
    lambda = Math.hypot(nx, ny, nz);
    if (!(lambda > 0)) return 0;
    x = nx / lambda; y = ny / lambda; z = nz / lambda;
  }
  d[0] = x; d[1] = y; d[2] = z;
  return lambda;
}
