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
}

/**
 * Weighted push-pull on float RGB, in place: texels of weight 1 keep their colour, texels of weight
 * w in (0, 1) become w * own + (1 - w) * the smooth fill from the coarser levels, and texels of
 * weight 0 take the fill alone. So partial confidence blends into the fill without a step.
 * Every texel of the image gets a value; `weight` is left unchanged.
 */
export function pushPullBlend(color: Float32Array, weight: Float32Array, width: number, height: number, options: PushPullOptions = {}): void {
  const weight0 = new Float32Array(width * height);
  for (let p = 0; p < width * height; p++) weight0[p] = Math.min(1, Math.max(0, weight[p]));
  const levels: Level[] = [{ width, height, color, weight: weight0 }];
  const prior = options.prior, eps = options.priorWeight ?? 0.05;
  while (levels[levels.length - 1].width > 1 || levels[levels.length - 1].height > 1) {
    const level = pull(levels[levels.length - 1]);
    if (prior) addPrior(level, prior, eps);
    levels.push(level);
  }
  const top = levels[levels.length - 1];
  if (top.weight[0] === 0) {
    // No data at all: the prior, or grey.
    for (let c = 0; c < 3; c++) top.color[c] = prior ? prior[c] : 0.5;
    top.weight[0] = 1;
  }
  for (let l = levels.length - 2; l >= 0; l--) push(levels[l], levels[l + 1]);
}

function addPrior(level: Level, prior: readonly [number, number, number], eps: number): void {
  const { color, weight } = level;
  for (let p = 0; p < weight.length; p++) {
    const w = weight[p];
    if (w >= 1) continue;
    const add = eps * (1 - w), total = w + add;
    for (let c = 0; c < 3; c++) color[3 * p + c] = (w * color[3 * p + c] + add * prior[c]) / total;
    weight[p] = total;
  }
}

interface Level {
  width: number;
  height: number;
  /** Colour of the known part of each texel (valid where weight > 0). */
  color: Float32Array;
  /** Coverage in [0, 1]. */
  weight: Float32Array;
}

function pull(fine: Level): Level {
  const W = Math.ceil(fine.width / 2), H = Math.ceil(fine.height / 2);
  const color = new Float32Array(3 * W * H), weight = new Float32Array(W * H);
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
          w += fw; r += fw * fine.color[3 * q]; g += fw * fine.color[3 * q + 1]; b += fw * fine.color[3 * q + 2];
        }
      }
      const p = y * W + x;
      if (w > 0) {
        color[3 * p] = r / w; color[3 * p + 1] = g / w; color[3 * p + 2] = b / w;
        weight[p] = Math.min(1, w);
      }
    }
  }
  return { width: W, height: H, color, weight };
}

/** Completes `fine` from the (already complete) coarser level. */
function push(fine: Level, coarse: Level): void {
  const { width: W, height: H, color, weight } = fine;
  const cw = coarse.width, ch = coarse.height, cc = coarse.color;
  for (let y = 0; y < H; y++) {
    const sy = Math.min(ch - 1, Math.max(0, (y + 0.5) / 2 - 0.5));
    const y0 = Math.floor(sy), y1 = Math.min(ch - 1, y0 + 1), fy = sy - y0;
    for (let x = 0; x < W; x++) {
      const p = y * W + x, w = weight[p];
      if (w >= 1) continue;
      const sx = Math.min(cw - 1, Math.max(0, (x + 0.5) / 2 - 0.5));
      const x0 = Math.floor(sx), x1 = Math.min(cw - 1, x0 + 1), fx = sx - x0;
      const a = 3 * (y0 * cw + x0), b = 3 * (y0 * cw + x1), c = 3 * (y1 * cw + x0), d = 3 * (y1 * cw + x1);
      for (let k = 0; k < 3; k++) {
        const up = (1 - fy) * ((1 - fx) * cc[a + k] + fx * cc[b + k]) + fy * ((1 - fx) * cc[c + k] + fx * cc[d + k]);
        color[3 * p + k] = w * color[3 * p + k] + (1 - w) * up;
      }
      weight[p] = 1;
    }
  }
}
