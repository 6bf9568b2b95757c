import { bilinear } from '../base/image.js';
import { membraneSolver } from './membrane-solve.js';

/** Cap on the membrane solve's iterations (it converges in far fewer). */
const MEMBRANE_ITERATIONS = 100;

/**
 * Push-pull hole filling (Gortler et al. 1996): known texels are averaged down an image pyramid,
 * then every level's gaps are filled from the bilinearly upsampled coarser level. Known texels keep
 * their exact values; unknown ones get a smooth blend of the nearest known colours at the scale
 * of the hole. Works in place on interleaved 8-bit data with `channels` channels (the first 3 are filled).
 */
export function pushPullFill(data: Uint8Array, width: number, height: number, channels: number, known: Uint8Array, fallback: readonly [number, number, number] = [128, 128, 128]): void {
  const base = new Float32Array(3 * width * height);
  const weight0 = new Float32Array(width * height);
  let any = false;
  for (let p = 0; p < width * height; p++) {
    if (!known[p]) continue;
    any = true;
    weight0[p] = 1;
    for (let c = 0; c < 3; c++) base[3 * p + c] = data[channels * p + c];
  }
  if (!any) {
    for (let p = 0; p < width * height; p++) for (let c = 0; c < 3; c++) data[channels * p + c] = fallback[c];
    return;
  }
  pushPullBlend(base, weight0, width, height);
  for (let p = 0; p < width * height; p++) {
    if (known[p]) continue;
    for (let c = 0; c < 3; c++) data[channels * p + c] = Math.round(Math.min(255, Math.max(0, base[3 * p + c])));
  }
}

export interface PushPullOptions {
  /** Colour that regions far from any data tend to. Default none: the coarse average of the data. */
  prior?: readonly [number, number, number];
  /**
   * Coverage the prior adds at every coarser pyramid level where the data leave room ((1 - w) of it).
   * Small values only take over well inside large gaps. Default 0.05.
   */
  priorWeight?: number;
  /** 1 where the image (the finest level) is to be completed; elsewhere it keeps its colour. Default everywhere. */
  only?: Uint8Array;
}

/**
 * Weighted push-pull on float RGB, in place: texels of weight 1 keep their colour, texels of weight
 * w in (0, 1) become w * own + (1 - w) * the smooth fill from the coarser levels, and texels of
 * weight 0 take the fill alone. So partial confidence blends into the fill without a step.
 * Every texel of the image (or of `options.only`) gets a value; `weight` is left unchanged.
 */
export function pushPullBlend(colour: Float32Array, weight: Float32Array, width: number, height: number, options: PushPullOptions = {}): void {
  const weight0 = new Float32Array(width * height);
  for (let p = 0; p < width * height; p++) weight0[p] = Math.min(1, Math.max(0, weight[p]));
  const levels: Level[] = [{ width, height, colour, weight: weight0 }];
  const prior = options.prior, eps = options.priorWeight ?? 0.05;
  while (levels[levels.length - 1].width > 1 || levels[levels.length - 1].height > 1) {
    const level = pull(levels[levels.length - 1]);
    if (prior) addPrior(level, prior, eps);
    levels.push(level);
  }
  const top = levels[levels.length - 1];
  if (top.weight[0] === 0) {
    // No data at all: the prior, or grey.
    for (let c = 0; c < 3; c++) top.colour[c] = prior ? prior[c] : 0.5;
    top.weight[0] = 1;
  }
  for (let l = levels.length - 2; l >= 0; l--) push(levels[l], levels[l + 1], l === 0 ? options.only : undefined);
}

function addPrior(level: Level, prior: readonly [number, number, number], eps: number): void {
  const { colour, weight } = level;
  for (let p = 0; p < weight.length; p++) {
    const w = weight[p];
    if (w >= 1) continue;
    const add = eps * (1 - w), total = w + add;
    for (let c = 0; c < 3; c++) colour[3 * p + c] = (w * colour[3 * p + c] + add * prior[c]) / total;
    weight[p] = total;
  }
}

interface Level {
  width: number;
  height: number;
  /** Colour of the known part of each texel (valid where weight > 0). */
  colour: Float32Array;
  /** Coverage in [0, 1]. */
  weight: Float32Array;
}

function pull(fine: Level): Level {
  const W = Math.ceil(fine.width / 2), H = Math.ceil(fine.height / 2);
  const colour = new Float32Array(3 * W * H), weight = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let w = 0, r = 0, g = 0, b = 0;
      for (let dy = 0; dy < 2; dy++) {
        const fy = 2 * y + dy;
        if (fy >= fine.height) continue;
        for (let dx = 0; dx < 2; dx++) {
          const fx = 2 * x + dx;
          if (fx >= fine.width) continue;
          const q = fy * fine.width + fx, fw = fine.weight[q];
          if (fw === 0) continue;
          w += fw; r += fw * fine.colour[3 * q]; g += fw * fine.colour[3 * q + 1]; b += fw * fine.colour[3 * q + 2];
        }
      }
      const p = y * W + x;
      if (w > 0) {
        colour[3 * p] = r / w; colour[3 * p + 1] = g / w; colour[3 * p + 2] = b / w;
        weight[p] = Math.min(1, w);
      }
    }
  }
  return { width: W, height: H, colour, weight };
}

/** Completes `fine` (where `only` is 1, when given) from the (already complete) coarser level. */
function push(fine: Level, coarse: Level, only?: Uint8Array): void {
  const { width: W, height: H, colour, weight } = fine;
  const cw = coarse.width, ch = coarse.height, cc = coarse.colour;
  // clampedTaps' indices and weights separate into each column's and each row's.
  const x0 = new Int32Array(W), x1 = new Int32Array(W), fxs = new Float64Array(W);
  for (let x = 0; x < W; x++) {
    const c = Math.min(cw - 1, Math.max(0, (x + 0.5) / 2 - 0.5));
    x0[x] = Math.floor(c); x1[x] = Math.min(cw - 1, x0[x] + 1); fxs[x] = c - x0[x];
  }
  for (let y = 0; y < H; y++) {
    const cy = Math.min(ch - 1, Math.max(0, (y + 0.5) / 2 - 0.5));
    const y0 = Math.floor(cy), y1 = Math.min(ch - 1, y0 + 1), fy = cy - y0;
    for (let x = 0; x < W; x++) {
      const p = y * W + x, w = weight[p];
      if (w >= 1 || (only && !only[p])) continue;
      const i00 = 3 * (y0 * cw + x0[x]), i10 = 3 * (y0 * cw + x1[x]), i01 = 3 * (y1 * cw + x0[x]), i11 = 3 * (y1 * cw + x1[x]), fx = fxs[x];
      for (let k = 0; k < 3; k++) {
        const up = bilinear(cc[i00 + k], cc[i10 + k], cc[i01 + k], cc[i11 + k], fx, fy);
        colour[3 * p + k] = w * colour[3 * p + k] + (1 - w) * up;
      }
      weight[p] = 1;
    }
  }
}

export interface ScreenedMembraneOptions {
  /** Distance (texels of the full grid) over which the solution decays to 0 away from the data. Default width / 16. */
  decay?: number;
  /** Grid reduction for the solve: the field is solved on a grid this many times coarser and interpolated back. Default 4. */
  coarsen?: number;
  /** The coarse grid's solve (after a push-pull start) stops when the residual is this fraction of the right-hand side's. Default 1e-4. */
  tolerance?: number;
}

/**
 * The smooth field h that follows `value` where `weight` is high and decays to 0 away from it: the
 * minimiser of sum w (h - value)^2 + |grad h|^2 + h^2 / decay^2 (a screened Poisson / membrane
 * problem), 3 channels, solved on a coarser grid and interpolated back bilinearly. Used for
 * gradient-domain blending: adding h to a guide image makes it meet the data at their boundary
 * while keeping the guide's own gradients inside the gap.
 */
export function screenedMembrane(value: Float32Array, weight: Float32Array, width: number, height: number, options: ScreenedMembraneOptions = {}): Float32Array {
  const f = Math.max(1, Math.round(options.coarsen ?? 4));
  const W = Math.ceil(width / f), H = Math.ceil(height / f);
  const decay = (options.decay ?? width / 16) / f;
  const screen = 1 / (decay * decay);
  // Coarse data: weighted means, with the mean weight as the coarse weight.
  const cv = new Float32Array(3 * W * H), cw = new Float32Array(W * H);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x, w = Math.min(1, Math.max(0, weight[p]!));
      if (!(w > 0)) continue;
      const q = Math.floor(y / f) * W + Math.floor(x / f);
      cw[q] += w;
      for (let c = 0; c < 3; c++) cv[3 * q + c] += w * value[3 * p + c]!;
    }
  }
  const stiffness = new Float32Array(W * H);
  for (let q = 0; q < W * H; q++) {
    if (cw[q]! > 0) for (let c = 0; c < 3; c++) cv[3 * q + c] /= cw[q]!;
    // A fully known coarse cell holds the field about as firmly as its four neighbours together.
    stiffness[q] = (4 * cw[q]!) / (f * f);
  }
  // Start from the push-pull fill of the data toward 0, then solve.
  const h = cv.slice();
  const start = new Float32Array(W * H), mass = new Float64Array(W * H);
  for (let q = 0; q < W * H; q++) { start[q] = Math.min(1, stiffness[q]! / 4); mass[q] = stiffness[q]! + screen; }
  pushPullBlend(h, start, W, H, { prior: [0, 0, 0], priorWeight: 0.1 });
  const solver = membraneSolver(mass, W, H);
  const x = Float64Array.from(h), rhs = new Float64Array(3 * W * H);
  for (let k = 0; k < 3 * W * H; k++) rhs[k] = stiffness[Math.floor(k / 3)]! * cv[k]!;
  solver.solve(rhs, x, { tolerance: options.tolerance ?? 1e-4, iterations: MEMBRANE_ITERATIONS }, 3);
  for (let k = 0; k < 3 * W * H; k++) h[k] = x[k]!;
  return upsampleBilinear(h, W, H, width, height, f);
}

/**
 * Bilinear interpolation of a coarse 3-channel grid (W x H) onto a fine one (width x height) that
 * is `factor` times finer: coarse cell i covers fine texels [i factor, (i + 1) factor), its centre
 * at fine coordinate (i + 0.5) factor - 0.5; values beyond the outer centres are held.
 */
export function upsampleBilinear(coarse: Float32Array, W: number, H: number, width: number, height: number, factor: number): Float32Array {
  const out = new Float32Array(3 * width * height);
  // The taps separate: each fine column's and row's pair of coarse indices and weight, as clampedTaps gives them.
  const x0 = new Int32Array(width), x1 = new Int32Array(width), fx = new Float64Array(width);
  for (let x = 0; x < width; x++) {
    const c = Math.min(W - 1, Math.max(0, (x + 0.5) / factor - 0.5));
    x0[x] = Math.floor(c); x1[x] = Math.min(W - 1, x0[x]! + 1); fx[x] = c - x0[x]!;
  }
  // bilinear()'s blends along x of a coarse row, made once per row for all the fine rows that read it.
  const rows = new Map<number, Float64Array>();
  const alongX = (cy: number) => {
    let row = rows.get(cy);
    if (row) return row;
    row = new Float64Array(3 * width);
    const base = 3 * cy * W;
    for (let x = 0; x < width; x++) {
      const i0 = base + 3 * x0[x]!, i1 = base + 3 * x1[x]!, f = fx[x]!;
      for (let c = 0; c < 3; c++) { const v0 = coarse[i0 + c]!; row[3 * x + c] = v0 + (coarse[i1 + c]! - v0) * f; }
    }
    if (rows.size > 2) rows.delete(rows.keys().next().value!);
    rows.set(cy, row);
    return row;
  };
  for (let y = 0; y < height; y++) {
    const cy = Math.min(H - 1, Math.max(0, (y + 0.5) / factor - 0.5));
    const y0 = Math.floor(cy), y1 = Math.min(H - 1, y0 + 1), fy = cy - y0;
    const top = alongX(y0), bottom = alongX(y1), o = 3 * y * width;
    for (let k = 0; k < 3 * width; k++) { const t = top[k]!; out[o + k] = t + (bottom[k]! - t) * fy; }
  }
  return out;
}
