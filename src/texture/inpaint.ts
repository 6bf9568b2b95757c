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

  const levels: Level[] = [{ width, height, color: base, weight: weight0 }];
  while (levels[levels.length - 1].width > 1 || levels[levels.length - 1].height > 1) levels.push(pull(levels[levels.length - 1]));
  for (let l = levels.length - 2; l >= 0; l--) push(levels[l], levels[l + 1]);

  for (let p = 0; p < width * height; p++) {
    if (known[p]) continue;
    for (let c = 0; c < 3; c++) data[channels * p + c] = Math.round(Math.min(255, Math.max(0, base[3 * p + c])));
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
