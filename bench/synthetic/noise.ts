/** Seeded smooth value noise in 3D (trilinear with smoothstep), values in [-1, 1]. */
export function valueNoise3(seed: number): (x: number, y: number, z: number) => number {
  const s = (Math.floor(seed) * 2654435761) >>> 0;
  const hash = (i: number, j: number, k: number): number => {
    let h = (s ^ Math.imul(i, 374761393) ^ Math.imul(j, 668265263) ^ Math.imul(k, 2147483647)) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 1274126177) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
    return (h / 4294967295) * 2 - 1;
  };
  const fade = (t: number) => t * t * (3 - 2 * t);
  const lerp = (a: number, b: number, t: number) => a + (b - a) * t;
  return (x, y, z) => {
    const i = Math.floor(x), j = Math.floor(y), k = Math.floor(z);
    const fx = fade(x - i), fy = fade(y - j), fz = fade(z - k);
    const c00 = lerp(hash(i, j, k), hash(i + 1, j, k), fx);
    const c10 = lerp(hash(i, j + 1, k), hash(i + 1, j + 1, k), fx);
    const c01 = lerp(hash(i, j, k + 1), hash(i + 1, j, k + 1), fx);
    const c11 = lerp(hash(i, j + 1, k + 1), hash(i + 1, j + 1, k + 1), fx);
    return lerp(lerp(c00, c10, fy), lerp(c01, c11, fy), fz);
  };
}

/** Sum of `octaves` noise layers, each at twice the frequency and `gain` times the amplitude of the last. */
export function fractalNoise3(seed: number, octaves = 3, gain = 0.5): (x: number, y: number, z: number) => number {
  const layers = Array.from({ length: octaves }, (_, o) => valueNoise3(seed * 31 + o));
  let norm = 0;
  for (let o = 0; o < octaves; o++) norm += gain ** o;
  return (x, y, z) => {
    let v = 0, f = 1, a = 1;
    for (let o = 0; o < layers.length; o++) { v += a * layers[o](x * f, y * f, z * f); f *= 2; a *= gain; }
    return v / norm;
  };
}

export function smoothstep(e0: number, e1: number, x: number): number {
  const t = Math.max(0, Math.min(1, (x - e0) / (e1 - e0)));
  return t * t * (3 - 2 * t);
}
