/**
 * Skin for the parts of a texture no photo shows, made from the skin that is seen: a regional
 * tone (robust medians per block of the texture, spread smoothly) and fine detail copied from
 * observed skin patches (frequency transfer: the high-pass of the observed albedo, tiled with
 * overlapping, variance-preserving tent-weighted patches so no tile edge shows).
 */
import { pushPullBlend, upsampleBilinear } from './inpaint.js';
import { boxBlur } from '../skin/morphology.js';
import { nthSmallest } from '../base/select.js';

/** Blocks per texture side for the regional tone. */
const TONE_BLOCKS = 16;
/** Share of a block's texels that must be confident skin for its median to count fully. */
const TONE_BLOCK_COVER = 0.3;
/** Share of a source patch that must be confident skin, and the fewest source patches wanted before trying smaller ones. */
const PATCH_COVER = 0.85;
const MIN_PATCHES = 8;
/** Detail log-amplitude cap (ln units): specks brighter or darker than this are not copied. */
const DETAIL_CAP = 0.35;

/**
 * Linear RGB skin tone per texel: the per-channel median of the confident skin texels in each of
 * TONE_BLOCKS^2 blocks, completed across blocks without skin by push-pull toward `fallback`, and
 * interpolated bilinearly between block centres. `confidence` in [0, 1] per texel; texels at 0.5
 * or more take part.
 */
export function regionalSkinTone(albedo: Float32Array, confidence: Float32Array, size: number, fallback: readonly [number, number, number]): Float32Array {
  const S = size, B = TONE_BLOCKS, block = S / B;
  const blockTone = new Float32Array(3 * B * B), blockWeight = new Float32Array(B * B);
  const values = [new Float32Array(Math.ceil(block) ** 2), new Float32Array(Math.ceil(block) ** 2), new Float32Array(Math.ceil(block) ** 2)];
  for (let by = 0; by < B; by++) {
    for (let bx = 0; bx < B; bx++) {
      let count = 0, area = 0;
      for (let y = Math.floor(by * block); y < Math.floor((by + 1) * block); y++) {
        for (let x = Math.floor(bx * block); x < Math.floor((bx + 1) * block); x++) {
          area++;
          const p = y * S + x;
          if (!(confidence[p]! >= 0.5)) continue;
          for (let c = 0; c < 3; c++) values[c]![count] = albedo[3 * p + c]!;
          count++;
        }
      }
      const b = by * B + bx;
      if (count < 16) continue;
      for (let c = 0; c < 3; c++) {
        blockTone[3 * b + c] = nthSmallest(values[c]!.subarray(0, count), count >> 1);
      }
      blockWeight[b] = Math.min(1, count / (TONE_BLOCK_COVER * area));
    }
  }
  pushPullBlend(blockTone, blockWeight, B, B, { prior: fallback, priorWeight: 0.02 });
  return upsampleBilinear(blockTone, B, B, S, S, block);
}

/**
 * Fine skin detail for every texel, as a per-channel ln factor with zero local mean: the observed
 * skin's ln albedo minus its local mean (a box of `radius` texels, default size / 128, over confident texels), copied
 * patch by patch from places where at least 85% of a patch is confident skin (halving the patch size while fewer than 8 such places exist). Patches of `patch`
 * texels sit on a grid of half that spacing, each with a pseudo-random source drawn from `seed`,
 * and overlap with tent weights; the sum is divided by the root of the summed squared weights so
 * the detail keeps the source's contrast. All zero when no source patch exists.
 */
export function synthesiseSkinDetail(
  albedo: Float32Array, confidence: Float32Array, size: number, options: { patch?: number; radius?: number; seed?: number } = {},
): Float32Array {
  const S = size, N = S * S;
  let patch = options.patch ?? Math.max(8, Math.round(S / 16));
  const radius = options.radius ?? Math.max(2, Math.round(S / 128));
  const confident = new Float32Array(N);
  for (let p = 0; p < N; p++) confident[p] = confidence[p]! >= 0.8 ? 1 : 0;

  // High-pass of the confident skin's ln albedo.
  const source = new Float32Array(3 * N);
  const plane = new Float32Array(N);
  // Window means of weight and weighted value: their ratio is the confident skin's local mean.
  const meanWeight = boxBlur(confident, S, S, radius);
  for (let c = 0; c < 3; c++) {
    for (let p = 0; p < N; p++) plane[p] = confident[p]! ? confident[p]! * Math.log(Math.max(1e-3, albedo[3 * p + c]!)) : 0;
    const mean = boxBlur(plane, S, S, radius);
    for (let p = 0; p < N; p++) {
      if (!confident[p] || !(meanWeight[p]! > 0)) continue;
      const d = plane[p]! - mean[p]! / meanWeight[p]!;
      source[3 * p + c] = Math.max(-DETAIL_CAP, Math.min(DETAIL_CAP, d));
    }
  }

  const integral = new Float64Array((S + 1) * (S + 1));
  for (let y = 0; y < S; y++) {
    let row = 0;
    for (let x = 0; x < S; x++) {
      row += confident[y * S + x]!;
      integral[(y + 1) * (S + 1) + x + 1] = integral[y * (S + 1) + x + 1]! + row;
    }
  }
  // Patch origins whose patch is nearly all confident skin; smaller patches when too few large ones exist.
  let origins: number[] = [];
  for (;; patch = Math.round(patch / 2)) {
    origins = [];
    const step = Math.max(1, Math.round(patch / 8));
    for (let y = 0; y + patch <= S; y += step) {
      for (let x = 0; x + patch <= S; x += step) {
        const sum = integral[(y + patch) * (S + 1) + x + patch]! - integral[y * (S + 1) + x + patch]! - integral[(y + patch) * (S + 1) + x]! + integral[y * (S + 1) + x]!;
        if (sum >= PATCH_COVER * patch * patch) origins.push(x, y);
      }
    }
    if (origins.length >= 2 * MIN_PATCHES || patch < 16) break;
  }
  const detail = new Float32Array(3 * N);
  const count = origins.length / 2;
  if (count === 0) return detail;
  const half = patch / 2;

  const seed = options.seed ?? 1;
  // Each grid node's source patch, drawn once per node rather than per texel.
  const nodes = Math.floor((S - 1) / half) + 2;
  const nodeOrigin = new Int32Array(nodes * nodes);
  for (let j = 0; j < nodes; j++) for (let i = 0; i < nodes; i++) nodeOrigin[j * nodes + i] = hash(i + 1, j + 1, seed) % count;
  // Per column (and per row below): the node to the left, the tent weight's position, and the
  // offset into the patches of the nodes either side; the per-texel sums only look them up.
  const column = tentTaps(S, half, patch);
  const row = tentTaps(S, half, patch);
  for (let y = 0; y < S; y++) {
    const j0 = row.node[y]!, ty = row.t[y]!;
    for (let x = 0; x < S; x++) {
      const i0 = column.node[x]!, tx = column.t[x]!;
      let r = 0, g = 0, b = 0, w2 = 0;
      for (let dj = 0; dj < 2; dj++) {
        const wy = dj ? ty : 1 - ty;
        const rowNode = (j0 + dj) * nodes, offsetY = (dj ? row.offset1 : row.offset0)[y]!;
        for (let di = 0; di < 2; di++) {
          const w = (di ? tx : 1 - tx) * wy;
          if (w <= 0) continue;
          const o = nodeOrigin[rowNode + i0 + di]!;
          const sx = origins[2 * o]! + (di ? column.offset1 : column.offset0)[x]!;
          const sy = origins[2 * o + 1]! + offsetY;
          const q = 3 * (sy * S + sx);
          r += w * source[q]!; g += w * source[q + 1]!; b += w * source[q + 2]!;
          w2 += w * w;
        }
      }
      const scale = w2 > 0 ? 1 / Math.sqrt(w2) : 0, p = 3 * (y * S + x);
      detail[p] = r * scale; detail[p + 1] = g * scale; detail[p + 2] = b * scale;
    }
  }
  return detail;
}


/**
 * Along one axis of the patch grid (nodes every `half` texels, each node's patch spanning
 * [(i - 1) half, (i + 1) half)): per texel coordinate, the node before it, the tent weight's
 * fraction toward the next node, and the offset into the patch of the node before and after.
 */
function tentTaps(S: number, half: number, patch: number): { node: Int32Array; t: Float64Array; offset0: Int32Array; offset1: Int32Array } {
  const node = new Int32Array(S), t = new Float64Array(S), offset0 = new Int32Array(S), offset1 = new Int32Array(S);
  for (let x = 0; x < S; x++) {
    const i0 = Math.floor(x / half);
    node[x] = i0; t[x] = x / half - i0;
    offset0[x] = Math.min(patch - 1, Math.floor(x - (i0 - 1) * half));
    offset1[x] = Math.min(patch - 1, Math.floor(x - i0 * half));
  }
  return { node, t, offset0, offset1 };
}

/** A well-mixed non-negative 31-bit hash of two integers and a seed. */
function hash(a: number, b: number, seed: number): number {
  let h = Math.imul(a, 0x27d4eb2d) ^ Math.imul(b, 0x165667b1) ^ Math.imul(seed, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
