/** sRGB transfer function (IEC 61966-2-1): photos and PNGs are sRGB, lighting works in linear light. */
export function srgbToLinear(v: number): number {
  return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
}

export function linearToSrgb(v: number): number {
  if (v <= 0) return 0;
  if (v >= 1) return 1;
  return v <= 0.0031308 ? 12.92 * v : 1.055 * Math.pow(v, 1 / 2.4) - 0.055;
}

/** Linear value of each 8-bit sRGB code. */
export const SRGB8_TO_LINEAR: Float32Array = (() => {
  const t = new Float32Array(256);
  for (let i = 0; i < 256; i++) t[i] = srgbToLinear(i / 255);
  return t;
})();

/** 8-bit sRGB code of a linear value, clamped to [0, 1]: Math.round(linearToSrgb(v) * 255), mostly without the power (see below). */
export function linearToSrgb8(v: number): number {
  if (!(v > 0 && v < 1)) return Math.round(linearToSrgb(v) * 255);
  let code = SRGB8_BUCKET_CODE[Math.floor(v * SRGB8_BUCKETS)];
  while (code < 255 && v >= SRGB8_CODE_START[code + 1]) code++;
  // Within a hair of a code's boundary the boundary's own rounding may disagree with the power's: the power decides.
  const near = 1e-12 * v;
  if (v - SRGB8_CODE_START[code] < near || (code < 255 && SRGB8_CODE_START[code + 1] - v < near)) return Math.round(linearToSrgb(v) * 255);
  return code;
}

/** Linear value at which each 8-bit sRGB code starts (the midpoint to the code below). */
const SRGB8_CODE_START = (() => {
  const t = new Float64Array(256);
  t[0] = -Infinity;
  for (let i = 1; i < 256; i++) t[i] = srgbToLinear((i - 0.5) / 255);
  return t;
})();
/** Buckets of the linear range [0, 1): the code at each bucket's start, from which linearToSrgb8 steps up (at most about one code per bucket). */
const SRGB8_BUCKETS = 4096;
const SRGB8_BUCKET_CODE = (() => {
  const codes = new Uint8Array(SRGB8_BUCKETS);
  let code = 0;
  for (let b = 0; b < SRGB8_BUCKETS; b++) {
    while (code < 255 && b / SRGB8_BUCKETS >= SRGB8_CODE_START[code + 1]) code++;
    codes[b] = code;
  }
  return codes;
})();

/** An RGB triple (linear or sRGB, 0..1 unless stated). */
export type Rgb = [r: number, g: number, b: number];

/** Rec. 709 luma weights: relative luminance of linear RGB. */
export const LUMA = [0.2126, 0.7152, 0.0722] as const;

/** Rec. 601 luma weights, for a luma of gamma-encoded RGB (the skin colour model's brightness axis). */
export const LUMA_REC601 = [0.299, 0.587, 0.114] as const;

/** Relative luminance of the linear RGB triple at rgb[o..o+2]. */
export function luminance(rgb: ArrayLike<number>, o = 0): number {
  return LUMA[0] * rgb[o] + LUMA[1] * rgb[o + 1] + LUMA[2] * rgb[o + 2];
}
