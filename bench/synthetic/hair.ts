/**
 * Hair and beards for the realistic kind. Scalp hair (hairline, receding temples, a fringe over the
 * forehead) and beards are painted into the albedo tiles by position on the neutral mesh, so they
 * follow the surface and its shading; long hair falling over the cheeks hangs in front of the face
 * and is drawn over the picture.
 */
import type { RgbImage } from '../../src/base/image.js';
import { linearToSrgb, srgbToLinear } from '../../src/base/colour.js';
import type { AlbedoLayout, SyntheticAlbedo } from './albedo.js';
import { blendOver, polygonCoverage, type Point } from './draw.js';
import { fractalNoise3, smoothstep } from './noise.js';
import type { BeardParams, HairParams } from './nuisances.js';

/** Weight (0..1) of scalp hair at a neutral-mesh position. */
export function hairWeight(layout: AlbedoLayout, hair: HairParams): (x: number, y: number, z: number) => number {
  const L = layout.landmarks;
  let browTop = -Infinity;
  for (let k = 17; k <= 26; k++) browTop = Math.max(browTop, L[3 * k + 1]);
  const noise = fractalNoise3(hair.seed, 3, 0.5);
  return (x, y, z) => {
    // The hairline: higher at the temples when receding, down to ear level at the sides and the nape behind.
    const front = browTop + hair.hairline + hair.recession * smoothstep(1.5, 4.5, Math.abs(x)) + 0.25 * noise(x * 1.5, 0, 1);
    const line = front - smoothstep(6, 2, z) * (front - 3) - smoothstep(0, -5, z) * 4;
    let w = smoothstep(line - 0.1, line + 0.25, y);
    if (hair.fringeGap > 0 && z > 5 && Math.abs(x) < 6.5) {
      // Strands of a fringe end at different lengths.
      const end = browTop + hair.fringeGap + 0.35 * Math.abs(noise(x * 4, 3, 0)) + 0.4 * smoothstep(3.5, 6.5, Math.abs(x));
      w = Math.max(w, smoothstep(end - 0.05, end + 0.2, y));
    }
    return w;
  };
}

/** Weight (0..1) of beard hair at a neutral-mesh position. */
export function beardWeight(layout: AlbedoLayout, beard: BeardParams): (x: number, y: number, z: number) => number {
  const L = layout.landmarks;
  const lm = (k: number) => [L[3 * k], L[3 * k + 1], L[3 * k + 2]];
  const noseBottom = lm(33)[1], lipTop = lm(51)[1], lipBottom = lm(57)[1], mouthY = (lm(48)[1] + lm(54)[1]) / 2, chin = lm(8)[1];
  const mouthHalf = (lm(54)[0] - lm(48)[0]) / 2;
  const noise = fractalNoise3(beard.seed, 2, 0.5);
  const lips = (x: number, y: number) => ((x / (mouthHalf + 0.15)) ** 2 + ((y - (lipTop + lipBottom) / 2) / ((lipTop - lipBottom) / 2 + 0.12)) ** 2) < 1;
  return (x, y, z) => {
    if (z < 2 || lips(x, y)) return 0;
    const edge = 0.2 * noise(x * 3, y * 3, 0);
    const moustache = smoothstep(noseBottom - 0.1, noseBottom - 0.4, y + edge) * smoothstep(lipTop - 0.2, lipTop + 0.15, y) * smoothstep(mouthHalf + 0.6, mouthHalf, Math.abs(x));
    const chinPatch = smoothstep(lipBottom + 0.1, lipBottom - 0.3, y) * smoothstep(mouthHalf + 0.5, mouthHalf - 0.3, Math.abs(x + edge)) * smoothstep(chin - 1.5, chin - 0.3, y);
    const full = smoothstep(mouthY + 1.6, mouthY + 0.6, y + edge) * smoothstep(7.2, 6.2, Math.abs(x)) * smoothstep(chin - 2.8, chin - 1.2, y) * smoothstep(3, 5, z);
    switch (beard.kind) {
      case 'moustache': return moustache;
      case 'goatee': return Math.max(moustache, chinPatch);
      case 'full': return Math.max(moustache, chinPatch, full);
      case 'stubble': return 0.45 * Math.max(moustache, full);
    }
  };
}

/** Paints scalp hair and a beard into the face and head tiles (in place). */
export function paintHairAndBeard(layout: AlbedoLayout, albedo: SyntheticAlbedo, hair?: HairParams, beard?: BeardParams): void {
  if (!hair && !beard) return;
  const hw = hair ? hairWeight(layout, hair) : undefined;
  const bw = beard ? beardWeight(layout, beard) : undefined;
  const strands = fractalNoise3((hair?.seed ?? 0) + 11, 3, 0.6);
  const bristles = fractalNoise3((beard?.seed ?? 0) + 13, 2, 0.5);
  const hairLin = hair?.colour.map((c) => srgbToLinear(c / 255));
  const beardLin = beard?.colour.map((c) => srgbToLinear(c / 255));
  const tiles: [RgbImage, Float32Array, Uint8Array | undefined][] = [[albedo.tiles[0], layout.facePositions, undefined], [albedo.tiles[1], layout.headPositions, layout.headKind]];
  for (const [tile, positions, kind] of tiles) {
    for (let p = 0; p < tile.width * tile.height; p++) {
      const x = positions[3 * p], y = positions[3 * p + 1], z = positions[3 * p + 2];
      if (Number.isNaN(x) || (kind && kind[p] !== 1)) continue;
      if (hw && hairLin) {
        // Strands run down the head: fine across them, long along them.
        const w = hw(x, y, z) * (0.85 + 0.15 * strands(x * 14, y * 1.2, z * 14));
        if (w > 0) blendTexel(tile, p, hairLin, w, 0.65 + 0.6 * Math.abs(strands(x * 22, y * 2, z * 22)));
      }
      if (bw && beardLin && beard) {
        const w = bw(x, y, z) * beard.density * (0.55 + 0.45 * (0.5 + 0.5 * bristles(x * 30, y * 30, z * 30)));
        if (w > 0) blendTexel(tile, p, beardLin, w, 0.7 + 0.5 * Math.abs(bristles(x * 9, y * 4, z * 9)));
      }
    }
  }
}

function blendTexel(tile: RgbImage, p: number, colour: number[], weight: number, shade: number): void {
  for (let c = 0; c < 3; c++) {
    const skin = srgbToLinear(tile.data[3 * p + c] / 255);
    const v = skin * (1 - weight) + colour[c] * shade * weight;
    tile.data[3 * p + c] = Math.round(255 * linearToSrgb(Math.max(0, Math.min(1, v))));
  }
}

/**
 * Long hair over the cheeks: a curtain on each side of the face, from above the temple to below
 * the jaw, reaching `cheekCover` of the face width in from the outline. `contour` is the 17 jaw
 * landmarks in the picture; `hidden` skips the side turned away (it falls behind the head).
 */
export function drawLongHair(image: RgbImage, hair: HairParams, contour: Point[], browTopY: number, faceWidthPx: number, light: number, hidden: [boolean, boolean]): void {
  const colour = hair.colour.map((c) => srgbToLinear(c / 255) * light);
  const strands = fractalNoise3(hair.seed + 17, 3, 0.6);
  const centre = contour[8];
  for (const side of [0, 1] as const) {
    if (hidden[side] || hair.cheekCover[side] <= 0) continue;
    const pts = side === 0 ? contour.slice(0, 7) : contour.slice(10, 17).reverse();
    const inward = (q: Point, f: number): Point => {
      const dx = centre[0] - q[0], len = Math.abs(dx) || 1;
      return [q[0] + (dx / len) * f * faceWidthPx, q[1]];
    };
    const top = browTopY - 0.1 * faceWidthPx;
    const inner = pts.map((q) => inward(q, hair.cheekCover[side]));
    const outer = [...pts].reverse().map((q) => inward(q, -0.3));
    const bottom = pts[pts.length - 1][1] + 0.3 * faceWidthPx;
    const poly: Point[] = [[inner[0][0], top], ...inner, [inner[inner.length - 1][0], bottom], [outer[0][0], bottom], ...outer, [outer[outer.length - 1][0], top]];
    const cover = polygonCoverage(image.width, image.height, poly);
    blendOver(image, cover, (x, y, out) => {
      const s = 0.6 + 0.55 * Math.abs(strands(x * 0.35, y * 0.02, side));
      for (let c = 0; c < 3; c++) out[c] = colour[c] * s;
    }, 0.97);
  }
}
