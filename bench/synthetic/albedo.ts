/**
 * Random but believable skin albedo in the ICT-FaceKit UV layout: skin tone, mottling and blush,
 * lips, brows, optional stubble and moles on the face tile; the back of the head, mouth and eye
 * sockets, gums, teeth and eyes (sclera, iris, pupil) on their own tiles. Features are placed from
 * the 68 landmarks of the neutral mesh, so they land where the geometry has them.
 */
import type { RgbImage } from '../../src/base/image.js';
import { linearToSrgb, srgbToLinear } from '../../src/base/colour.js';
import type { MorphableModel } from '../../src/model/types.js';
import { rasteriseUv } from '../../src/texture/uv-raster.js';
import { fractalNoise3, smoothstep } from './noise.js';

/** Texture tiles of a synthetic face, in this order. */
export const ALBEDO_TILES = ['face', 'head', 'gums', 'teeth', 'eye'] as const;

/** Triangle regions that only make sense with alpha textures (lashes, tear film, shadow shells). */
const HIDDEN_REGIONS = ['eyelashes', 'eyeBlend', 'eyeOcclusion', 'lacrimalFluid'];

export interface AlbedoLayout {
  faceSize: number;
  headSize: number;
  /** Neutral position (model units) of each face-tile texel centre; NaN where no face triangle covers it. */
  facePositions: Float32Array;
  /** Per head-tile texel: 0 none, 1 head skin, 2 mouth socket, 3 eye socket. */
  headKind: Uint8Array;
  headPositions: Float32Array;
  /** The 68 landmarks of the neutral mesh (model units). */
  landmarks: Float64Array;
  /** Which tile (index into ALBEDO_TILES) each triangle reads. */
  triangleTile: Uint8Array;
  /** Triangles to draw (1) or hide (0). */
  select: Uint8Array;
}

/** Precomputes texel positions on the neutral mesh; shared by every synthetic face of a model. */
export function albedoLayout(model: MorphableModel, faceSize = 512, headSize = 256): AlbedoLayout {
  const T = model.triangles.length / 3;
  const triangleTile = new Uint8Array(T);
  const select = new Uint8Array(T).fill(1);
  const tileOfRegion: Record<string, number> = { face: 0, headAndNeck: 1, mouthSocket: 1, eyeSocketLeft: 1, eyeSocketRight: 1, gumsAndTongue: 2, teeth: 3, eyeballLeft: 4, eyeballRight: 4 };
  for (const [name, tile] of Object.entries(tileOfRegion)) {
    const r = model.triangleRegions[name];
    if (r) triangleTile.fill(tile, r[0], r[1]);
  }
  for (const name of HIDDEN_REGIONS) {
    const r = model.triangleRegions[name];
    if (r) select.fill(0, r[0], r[1]);
  }
  const onlyRegions = (names: string[]) => names.map((n) => model.triangleRegions[n]).filter(Boolean) as [number, number][];
  const facePositions = texelPositions(model, faceSize, [0, 1], onlyRegions(['face']));
  const headPositions = texelPositions(model, headSize, [1, 2], onlyRegions(['headAndNeck', 'mouthSocket', 'eyeSocketLeft', 'eyeSocketRight']));
  const headFrame = rasteriseUv(model.uvs, model.triangleUvs, headSize, headSize, { uRange: [1, 2], select: onlyRegions(['headAndNeck', 'mouthSocket', 'eyeSocketLeft', 'eyeSocketRight']) });
  const headKind = new Uint8Array(headSize * headSize);
  const inRange = (t: number, name: string) => { const r = model.triangleRegions[name]; return !!r && t >= r[0] && t < r[1]; };
  for (let p = 0; p < headKind.length; p++) {
    const t = headFrame.triangleId[p];
    if (t < 0) continue;
    headKind[p] = inRange(t, 'mouthSocket') ? 2 : inRange(t, 'eyeSocketLeft') || inRange(t, 'eyeSocketRight') ? 3 : 1;
  }
  const landmarks = new Float64Array(68 * 3);
  for (let k = 0; k < 68; k++) for (let c = 0; c < 3; c++) landmarks[3 * k + c] = model.neutral[3 * model.landmarks68[k] + c];
  return { faceSize, headSize, facePositions, headKind, headPositions, landmarks, triangleTile, select };
}

function texelPositions(model: MorphableModel, size: number, uRange: [number, number], select: [number, number][]): Float32Array {
  const frame = rasteriseUv(model.uvs, model.triangleUvs, size, size, { uRange, select });
  const out = new Float32Array(size * size * 3).fill(NaN);
  const P = model.neutral, tri = model.triangles;
  for (let p = 0; p < size * size; p++) {
    const t = frame.triangleId[p];
    if (t < 0) continue;
    const b1 = frame.barycentric[2 * p], b2 = frame.barycentric[2 * p + 1], b0 = 1 - b1 - b2;
    for (let c = 0; c < 3; c++) {
      out[3 * p + c] = b0 * P[3 * tri[3 * t] + c] + b1 * P[3 * tri[3 * t + 1] + c] + b2 * P[3 * tri[3 * t + 2] + c];
    }
  }
  return out;
}

/** The appearance parameters of one synthetic face (sRGB 0-255 colours). */
export interface AlbedoParams {
  skin: [number, number, number];
  lips: [number, number, number];
  brows: [number, number, number];
  iris: [number, number, number];
  /** Brow thickness, model units. */
  browThickness: number;
  /** Strength of the cheek blush and skin mottling, 0..1. */
  blush: number;
  mottling: number;
  /** 0 = none, 1 = dark stubble over jaw and upper lip. */
  stubble: number;
  moles: { x: number; y: number; radius: number }[];
  noiseSeed: number;
}

const SKIN_TONES: [number, number, number][] = [[241, 210, 190], [226, 185, 155], [198, 146, 112], [160, 110, 80], [112, 74, 52], [78, 50, 36]];
const HAIR_COLOURS: [number, number, number][] = [[35, 27, 22], [62, 44, 32], [95, 68, 45], [140, 108, 72], [175, 148, 105], [130, 125, 120]];
const IRIS_COLOURS: [number, number, number][] = [[70, 45, 28], [100, 68, 38], [125, 100, 60], [85, 108, 72], [78, 112, 150], [112, 124, 135]];

/** Samples appearance parameters from a uniform random source in [0, 1). */
export function sampleAlbedoParams(uniform: () => number): AlbedoParams {
  const tone = uniform() * (SKIN_TONES.length - 1);
  const i = Math.floor(tone), f = tone - i;
  const skinLin = [0, 1, 2].map((c) => mixLinear(SKIN_TONES[i][c], SKIN_TONES[Math.min(i + 1, SKIN_TONES.length - 1)][c], f));
  // Undertone: a little more red or more yellow.
  const warm = (uniform() - 0.5) * 0.12;
  skinLin[0] *= 1 + warm; skinLin[2] *= 1 - warm;
  const skin = skinLin.map(toSrgb8) as [number, number, number];
  const lipstick = uniform() < 0.15;
  const lipsLin = skinLin.map((v, c) => v * (lipstick ? [0.85, 0.18, 0.25][c] : [0.78, 0.46, 0.5][c]) * (0.85 + 0.2 * uniform()));
  const lips = lipsLin.map(toSrgb8) as [number, number, number];
  // Dark skin rarely has light brows.
  const hairIndex = Math.min(HAIR_COLOURS.length - 1, Math.floor(uniform() * (tone > 2.5 ? 2 : HAIR_COLOURS.length)));
  const brows = HAIR_COLOURS[hairIndex].map((v, c) => Math.min(v, skin[c] * 0.6)) as [number, number, number];
  const iris = IRIS_COLOURS[tone > 2.5 ? Math.floor(uniform() * 2) : Math.floor(uniform() * IRIS_COLOURS.length)];
  const moles = Array.from({ length: Math.floor(uniform() * 4) }, () => ({ x: (uniform() - 0.5) * 12, y: (uniform() - 0.5) * 14, radius: 0.06 + 0.1 * uniform() }));
  return {
    skin, lips, brows, iris,
    browThickness: 0.3 + 0.3 * uniform(),
    blush: 0.3 + 0.7 * uniform(),
    mottling: 0.3 + 0.7 * uniform(),
    stubble: uniform() < 0.25 ? 0.4 + 0.6 * uniform() : 0,
    moles,
    noiseSeed: Math.floor(uniform() * 1e6),
  };
}

export interface SyntheticAlbedo {
  /** Tiles in the order of ALBEDO_TILES. */
  tiles: RgbImage[];
  triangleTile: Uint8Array;
}

/** Paints the texture tiles of one face. */
export function paintAlbedo(layout: AlbedoLayout, params: AlbedoParams): SyntheticAlbedo {
  const skin = params.skin.map((c) => srgbToLinear(c / 255));
  const lips = params.lips.map((c) => srgbToLinear(c / 255));
  const brows = params.brows.map((c) => srgbToLinear(c / 255));
  const mottle = fractalNoise3(params.noiseSeed, 4, 0.55);
  const fine = fractalNoise3(params.noiseSeed + 7, 2, 0.5);
  const L = layout.landmarks;
  const lm = (k: number) => [L[3 * k], L[3 * k + 1], L[3 * k + 2]];
  const outerLip = Array.from({ length: 12 }, (_, k) => lm(48 + k));
  const browLines = [[21, 20, 19, 18, 17], [22, 23, 24, 25, 26]].map((ks) => ks.map(lm));
  const noseTip = lm(30), chin = lm(8), mouthLeft = lm(54), mouthRight = lm(48);
  const eyeCentres = [[36, 39], [42, 45]].map(([a, b]) => [0, 1, 2].map((c) => (L[3 * a + c] + L[3 * b + c]) / 2));
  const lipTop = lm(51)[1];
  const lipBox = boxOf(outerLip);
  const browBoxes = browLines.map(boxOf);
  const cheeks = eyeCentres.map((e) => [e[0] * 1.15, e[1] - 2.6, e[2]]);

  const paintSkin = (x: number, y: number, z: number, out: number[]) => {
    const m = 1 + 0.07 * params.mottling * mottle(x * 0.9, y * 0.9, z * 0.9) + 0.03 * fine(x * 6, y * 6, z * 6);
    for (let c = 0; c < 3; c++) out[c] = skin[c] * m;
    // Blush on cheeks and nose tip: more red, less blue.
    let blush = 0;
    for (const ch of cheeks) blush += Math.exp(-((x - ch[0]) ** 2 + (y - ch[1]) ** 2) / (2 * 1.6 * 1.6));
    blush += 0.5 * Math.exp(-((x - noseTip[0]) ** 2 + (y - noseTip[1]) ** 2) / (2 * 0.8 * 0.8));
    blush *= 0.18 * params.blush * (z > 0 ? 1 : 0);
    out[0] *= 1 + 0.3 * blush; out[1] *= 1 - 0.6 * blush; out[2] *= 1 - 0.5 * blush;
  };

  const F = layout.faceSize;
  const face = new Uint8Array(F * F * 3);
  const col = [0, 0, 0];
  for (let p = 0; p < F * F; p++) {
    const x = layout.facePositions[3 * p], y = layout.facePositions[3 * p + 1], z = layout.facePositions[3 * p + 2];
    if (Number.isNaN(x)) { writeLinear(face, p, skin); continue; }
    paintSkin(x, y, z, col);
    const front = z > noseTip[2] - 6;
    if (front) {
      // Eye surroundings slightly darker (thin skin, shadows in the albedo of real faces).
      for (const e of eyeCentres) {
        const d = Math.hypot((x - e[0]) / 1.7, (y - e[1]) / 1.1);
        const k = 0.12 * Math.exp(-d * d);
        col[0] *= 1 - k; col[1] *= 1 - 1.2 * k; col[2] *= 1 - 0.8 * k;
      }
      if (params.stubble > 0 && y < noseTip[1]) {
        const jaw = smoothstep(mouthLeft[1] + 0.4, mouthLeft[1] - 1.2, y) * smoothstep(7, 4.5, Math.abs(x)) * smoothstep(chin[1] - 2.5, chin[1] - 0.2, y);
        const upperLip = smoothstep(noseTip[1] - 1.4, noseTip[1] - 1.8, y) * smoothstep(lipTop + 0.1, lipTop + 0.4, y) * smoothstep(2.4, 1.6, Math.abs(x));
        const dots = 0.5 + 0.5 * fine(x * 25, y * 25, z * 25);
        const k = 0.3 * params.stubble * Math.max(jaw, upperLip) * (0.6 + 0.4 * dots);
        for (let c = 0; c < 3; c++) col[c] = col[c] * (1 - k) + 0.03 * k * (c ? 0.95 : 1);
      }
      const lipMix = near(lipBox, x, y, 0.1) ? smoothstep(0.08, -0.08, signedDistanceToPolygon(x, y, outerLip)) : 0;
      if (lipMix > 0) for (let c = 0; c < 3; c++) col[c] = col[c] * (1 - lipMix) + lips[c] * (1 + 0.05 * fine(x * 8, y * 30, 0)) * lipMix;
      for (let b = 0; b < browLines.length; b++) {
        const line = browLines[b];
        if (!near(browBoxes[b], x, y, params.browThickness)) continue;
        const { distance, along } = distanceToPolyline(x, y, line);
        // Brows are thicker at the inner end and taper outward; hair strokes modulate them.
        const thick = params.browThickness * (1 - 0.45 * along);
        const k = smoothstep(thick, thick * 0.55, distance) * (0.75 + 0.25 * fine(x * 10, y * 40, 1));
        if (k > 0) for (let c = 0; c < 3; c++) col[c] = col[c] * (1 - k) + brows[c] * k;
      }
      for (const mole of params.moles) {
        const k = smoothstep(mole.radius, mole.radius * 0.5, Math.hypot(x - mole.x, y - mole.y));
        if (k > 0) for (let c = 0; c < 3; c++) col[c] *= 1 - 0.6 * k;
      }
    }
    writeLinear(face, p, col);
  }

  const Hs = layout.headSize;
  const head = new Uint8Array(Hs * Hs * 3);
  for (let p = 0; p < Hs * Hs; p++) {
    const kind = layout.headKind[p];
    const x = layout.headPositions[3 * p], y = layout.headPositions[3 * p + 1], z = layout.headPositions[3 * p + 2];
    if (kind === 2) writeLinear(head, p, [0.12, 0.025, 0.03]);
    else if (kind === 3) writeLinear(head, p, [skin[0] * 0.7, skin[1] * 0.45, skin[2] * 0.45]);
    else if (kind === 1) { paintSkin(x, y, z, col); writeLinear(head, p, col); }
    else writeLinear(head, p, skin);
  }

  const gums = solidTile(32, [0.45, 0.1, 0.11]);
  const teeth = solidTile(32, [0.72, 0.66, 0.52]);
  return { tiles: [rgb(F, face), rgb(Hs, head), gums, teeth, paintEye(256, params.iris)], triangleTile: layout.triangleTile };
}

/**
 * The ICT eye shell's UVs are polar around (0.5, 0.5), the cornea inside radius ~0.115: iris and
 * pupil are painted there, sclera outside with a darker limbal ring.
 */
function paintEye(size: number, irisColour: readonly number[]): RgbImage {
  const data = new Uint8Array(size * size * 3);
  const iris = irisColour.map((c) => srgbToLinear(c / 255));
  const sclera = [0.78, 0.74, 0.7];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = (x + 0.5) / size - 0.5, v = 0.5 - (y + 0.5) / size;
      const r = Math.hypot(u, v);
      const angle = Math.atan2(v, u);
      const col = [0, 0, 0];
      const fibres = 0.85 + 0.3 * Math.max(0, Math.sin(angle * 37) * Math.sin(angle * 11 + r * 90));
      for (let c = 0; c < 3; c++) {
        const irisShade = iris[c] * fibres * (r < 0.07 ? 1.15 : 0.9);
        const limbal = smoothstep(0.085, 0.105, r) * (1 - smoothstep(0.105, 0.12, r));
        let v2 = r < 0.105 ? irisShade * (1 - 0.6 * limbal) : sclera[c] * (1 - 0.5 * limbal) * (r > 0.3 ? [1, 0.85, 0.85][c] : 1);
        if (r < 0.042) v2 = 0.01;
        col[c] = v2;
      }
      writeLinear(data, y * size + x, col);
    }
  }
  return { width: size, height: size, data };
}

function solidTile(size: number, linear: number[]): RgbImage {
  const data = new Uint8Array(size * size * 3);
  for (let p = 0; p < size * size; p++) writeLinear(data, p, linear);
  return { width: size, height: size, data };
}

function rgb(size: number, data: Uint8Array): RgbImage {
  return { width: size, height: size, data };
}

function writeLinear(data: Uint8Array, p: number, linear: ArrayLike<number>): void {
  for (let c = 0; c < 3; c++) data[3 * p + c] = toSrgb8(linear[c]);
}

function toSrgb8(v: number): number {
  return Math.round(255 * linearToSrgb(v));
}

function mixLinear(a8: number, b8: number, f: number): number {
  return srgbToLinear(a8 / 255) * (1 - f) + srgbToLinear(b8 / 255) * f;
}

function boxOf(points: number[][]): [number, number, number, number] {
  const xs = points.map((p) => p[0]), ys = points.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

function near(box: [number, number, number, number], x: number, y: number, margin: number): boolean {
  return x > box[0] - margin && x < box[2] + margin && y > box[1] - margin && y < box[3] + margin;
}

/** Distance to a closed polygon in the xy plane, negative inside. */
function signedDistanceToPolygon(x: number, y: number, poly: number[][]): number {
  let inside = false, best = Infinity;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const a = poly[j], b = poly[i];
    if ((b[1] > y) !== (a[1] > y) && x < ((a[0] - b[0]) * (y - b[1])) / (a[1] - b[1]) + b[0]) inside = !inside;
    best = Math.min(best, segmentDistance(x, y, a, b).distance);
  }
  return inside ? -best : best;
}

/** Distance to an open polyline in the xy plane and the position along it (0 at the first point, 1 at the last). */
function distanceToPolyline(x: number, y: number, line: number[][]): { distance: number; along: number } {
  let best = Infinity, along = 0;
  for (let k = 0; k + 1 < line.length; k++) {
    const s = segmentDistance(x, y, line[k], line[k + 1]);
    if (s.distance < best) { best = s.distance; along = (k + s.t) / (line.length - 1); }
  }
  return { distance: best, along };
}

function segmentDistance(x: number, y: number, a: number[], b: number[]): { distance: number; t: number } {
  const dx = b[0] - a[0], dy = b[1] - a[1];
  const t = Math.max(0, Math.min(1, ((x - a[0]) * dx + (y - a[1]) * dy) / (dx * dx + dy * dy || 1)));
  return { distance: Math.hypot(x - a[0] - t * dx, y - a[1] - t * dy), t };
}
