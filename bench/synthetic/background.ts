import type { RgbImage } from '../../src/base/image.js';
import { linearToSrgb, srgbToLinear } from '../../src/base/colour.js';
import { fractalNoise3 } from './noise.js';

export interface BackgroundParams {
  /** Two sRGB colours of a linear gradient and its direction (radians). */
  from: [number, number, number];
  to: [number, number, number];
  angle: number;
  /** Soft blobs (blurred shapes): centre and radii as fractions of the picture, sRGB colour, opacity. */
  blobs: { x: number; y: number; rx: number; ry: number; colour: [number, number, number]; opacity: number }[];
  /** Amplitude of the texture noise (0..1 of the linear value) and its seed. */
  noise: number;
  seed: number;
}

export function sampleBackgroundParams(uniform: () => number): BackgroundParams {
  const colour = (): [number, number, number] => {
    const base = 30 + 200 * uniform();
    return [0, 1, 2].map(() => Math.max(0, Math.min(255, Math.round(base + (uniform() - 0.5) * 120)))) as [number, number, number];
  };
  return {
    from: colour(),
    to: colour(),
    angle: uniform() * 2 * Math.PI,
    blobs: Array.from({ length: 2 + Math.floor(uniform() * 6) }, () => ({
      x: uniform(), y: uniform(), rx: 0.05 + 0.3 * uniform(), ry: 0.05 + 0.3 * uniform(), colour: colour(), opacity: 0.3 + 0.6 * uniform(),
    })),
    noise: 0.02 + 0.08 * uniform(),
    seed: Math.floor(uniform() * 1e6),
  };
}

/** Paints a gradient with blurred shapes and texture noise. */
export function paintBackground(width: number, height: number, p: BackgroundParams): RgbImage {
  const data = new Uint8Array(width * height * 3);
  const noise = fractalNoise3(p.seed, 4, 0.6);
  const from = p.from.map((c) => srgbToLinear(c / 255)), to = p.to.map((c) => srgbToLinear(c / 255));
  const blobs = p.blobs.map((b) => ({ ...b, lin: b.colour.map((c) => srgbToLinear(c / 255)) }));
  const ca = Math.cos(p.angle), sa = Math.sin(p.angle);
  const scale = Math.max(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = x / scale, v = y / scale;
      const t = Math.max(0, Math.min(1, 0.5 + (u - 0.5) * ca + (v - 0.5) * sa));
      const col = [0, 1, 2].map((c) => from[c] * (1 - t) + to[c] * t);
      for (const b of blobs) {
        const d2 = ((u - b.x) / b.rx) ** 2 + ((v - b.y) / b.ry) ** 2;
        const a = b.opacity / (1 + Math.exp(4 * (d2 - 1)));
        for (let c = 0; c < 3; c++) col[c] = col[c] * (1 - a) + b.lin[c] * a;
      }
      const n = 1 + p.noise * noise(u * 40, v * 40, 0) * 2;
      const o = 3 * (y * width + x);
      for (let c = 0; c < 3; c++) data[o + c] = Math.round(255 * linearToSrgb(col[c] * n));
    }
  }
  return { width, height, data };
}
