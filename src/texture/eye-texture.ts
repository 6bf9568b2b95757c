import type { RgbImage } from '../base/image.js';
import { linearToSrgb8, srgbToLinear, type Rgb } from '../base/colour.js';
import { EYE_FRONT_UV_RADIUS, IRIS_UV_RADIUS, PUPIL_UV_RADIUS } from '../model/eye-geometry.js';

export const EYE_TEXTURE_SIZE = 256;
const SCLERA: Readonly<Rgb> = [0.92, 0.9, 0.87];
const PUPIL: Readonly<Rgb> = [0.05, 0.045, 0.045];
/** The outer rim of an iris (limbal ring) is darker than its body; this fraction of the radius, down to this brightness. */
const LIMBAL_RING_WIDTH = 0.18;
const LIMBAL_RING_BRIGHTNESS = 0.55;

/**
 * The texture of the inner eyeballs (materials M_IrisLeft/Right; both have the same layout): pupil,
 * an iris of `iris` colour with a darker limbal ring, and sclera, painted by UV radius as
 * src/model/eye-geometry.ts lays them out; edges are blended over one texel.
 */
export function paintEyeTexture(iris: Readonly<Rgb>, size = EYE_TEXTURE_SIZE): RgbImage {
  const data = new Uint8Array(size * size * 3);
  const texel = 1 / size;
  const irisLinear = iris.map(toLinear), sclera = SCLERA.map(toLinear), pupil = PUPIL.map(toLinear);
  const colour = [0, 0, 0];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = (x + 0.5) * texel, v = 1 - (y + 0.5) * texel;
      const r = Math.hypot(u - 0.5, v - 0.5);
      // Coverage of pupil and iris (1 inside, 0 outside, linear over one texel at the edges).
      const inPupil = clamp01((PUPIL_UV_RADIUS - r) / texel + 0.5);
      const inIris = clamp01((IRIS_UV_RADIUS - r) / texel + 0.5);
      const ring = 1 - (1 - LIMBAL_RING_BRIGHTNESS) * clamp01((r / IRIS_UV_RADIUS - (1 - LIMBAL_RING_WIDTH)) / LIMBAL_RING_WIDTH);
      for (let c = 0; c < 3; c++) {
        const irisShade = irisLinear[c] * ring;
        colour[c] = inPupil * pupil[c] + (inIris - inPupil) * irisShade + (1 - inIris) * sclera[c];
      }
      // Outside the eyeball's front lie the walls behind the pupil: dark, as innerEyeSurface says.
      if (r > EYE_FRONT_UV_RADIUS) colour.splice(0, 3, ...pupil);
      const o = 3 * (y * size + x);
      for (let c = 0; c < 3; c++) data[o + c] = linearToSrgb8(colour[c]);
    }
  }
  return { width: size, height: size, data };
}

function toLinear(c: number): number {
  return srgbToLinear(clamp01(c));
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}
