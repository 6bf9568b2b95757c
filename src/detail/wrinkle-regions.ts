/**
 * The face regions whose wrinkles respond to expression (issue 13): soft masks over the face's UV
 * square, placed from the model's 68 landmarks in UV (so they follow any model with that layout).
 * The shapes are capsules (a segment and a radius) in units of the distance between the outer eye
 * corners, s:
 * - forehead: along the brows (landmarks 19 to 24), 0.12 s above the highest brow point, radius 0.1 s;
 * - glabella: from between the inner brow ends (21, 22) down to the nose bridge (27), radius 0.1 s;
 * - crow's feet: outward from each outer eye corner (36, 45), 0.06 s to 0.22 s along the eye's axis, radius 0.1 s;
 * - nasolabial: from beside the nose wing (31, 35) to beside the mouth corner (48, 54), 0.07 s outward, radius 0.06 s;
 * - chin: from below the lower lip (57) to above the chin point (8), radius 0.12 s;
 * - neck: below the chin point (0.06 s under landmark 8).
 * Each fades out over 0.05 s; where masks overlap, a texel's weights are scaled to sum to at most 1.
 * Skin folds wherever an expression compresses it, not only in the named regions (cheeks under a
 * smile, lips in a pucker, eyelids, the nose's sides): the rest of the face is one more fold region,
 * otherSkin, whose mask is what the named ones leave (1 - their sum). It has a response of its own but
 * no wrinkle map (no morph weights that drive it alone).
 */
import type { MorphableModel } from '../model/types.js';
import { smoothstep } from '../skin/mask.js';

export const WRINKLE_REGIONS = ['forehead', 'glabella', 'crowsFeet_L', 'crowsFeet_R', 'nasolabial_L', 'nasolabial_R', 'chin', 'neck'] as const;
export type WrinkleRegion = (typeof WRINKLE_REGIONS)[number];
/** The regions a wrinkle response has: the named ones and the rest of the face. */
export const FOLD_REGIONS = [...WRINKLE_REGIONS, 'otherSkin'] as const;
export type FoldRegion = (typeof FOLD_REGIONS)[number];

/** Per region (FOLD_REGIONS order), a weight 0-1 per texel of a size x size UV square (row 0 at v = 1). */
export type RegionMasks = Float32Array[];

type Point = [number, number];

/** The UV (u, v) of each of the model's 68 landmarks, read from the face region's triangles. */
export function landmarkUvs(model: MorphableModel): Point[] {
  const uvOf = new Map<number, Point>();
  const [start, end] = model.triangleRegions.face;
  for (let t = start; t < end; t++) {
    for (let c = 0; c < 3; c++) {
      const k = model.triangleUvs[3 * t + c];
      uvOf.set(model.triangles[3 * t + c], [model.uvs[2 * k], model.uvs[2 * k + 1]]);
    }
  }
  return [...model.landmarks68].map((v) => {
    const uv = uvOf.get(v);
    if (!uv) throw new Error(`landmark vertex ${v} is not on the face's UV chart`);
    return uv;
  });
}

/** The regions' soft masks over a size x size UV square. */
export function wrinkleRegionMasks(model: MorphableModel, size: number): RegionMasks {
  const L = landmarkUvs(model);
  const s = Math.hypot(L[45][0] - L[36][0], L[45][1] - L[36][1]);
  const add = (a: Point, b: Point, k = 1): Point => [a[0] + k * b[0], a[1] + k * b[1]];
  const unit = (a: Point, b: Point): Point => { const l = Math.hypot(b[0] - a[0], b[1] - a[1]); return [(b[0] - a[0]) / l, (b[1] - a[1]) / l]; };
  const browTop = Math.max(...L.slice(17, 27).map((p) => p[1]));
  const capsules: Record<Exclude<WrinkleRegion, 'neck'>, { a: Point; b: Point; radius: number }> = {
    forehead: { a: [L[19][0], browTop + 0.12 * s], b: [L[24][0], browTop + 0.12 * s], radius: 0.1 * s },
    glabella: { a: add(add(L[21], L[22]).map((x) => x / 2) as Point, [0, 0.02 * s]), b: L[27], radius: 0.1 * s },
    // Subject's left is +u (ICT): landmarks 42-47 and 22-26, 35, 54 are the left side.
    crowsFeet_L: { a: add(L[45], unit(L[42], L[45]), 0.06 * s), b: add(L[45], unit(L[42], L[45]), 0.22 * s), radius: 0.1 * s },
    crowsFeet_R: { a: add(L[36], unit(L[39], L[36]), 0.06 * s), b: add(L[36], unit(L[39], L[36]), 0.22 * s), radius: 0.1 * s },
    nasolabial_L: { a: add(L[35], [0.07 * s, 0]), b: add(L[54], [0.07 * s, 0]), radius: 0.06 * s },
    nasolabial_R: { a: add(L[31], [-0.07 * s, 0]), b: add(L[48], [-0.07 * s, 0]), radius: 0.06 * s },
    chin: { a: L[57], b: L[8], radius: 0.12 * s },
  };
  const fade = 0.05 * s;
  const masks = FOLD_REGIONS.map(() => new Float32Array(size * size));
  for (let y = 0; y < size; y++) {
    const v = 1 - (y + 0.5) / size;
    for (let x = 0; x < size; x++) {
      const u = (x + 0.5) / size, p = y * size + x;
      let total = 0;
      WRINKLE_REGIONS.forEach((name, r) => {
        const w = name === 'neck'
          ? 1 - smoothstep(L[8][1] - 0.06 * s - fade, L[8][1] - 0.06 * s, v)
          : 1 - smoothstep(capsules[name].radius, capsules[name].radius + fade, segmentDistance([u, v], capsules[name].a, capsules[name].b));
        masks[r][p] = w;
        total += w;
      });
      if (total > 1) for (let r = 0; r < WRINKLE_REGIONS.length; r++) masks[r][p] /= total;
      masks[WRINKLE_REGIONS.length][p] = Math.max(0, 1 - total);
    }
  }
  return masks;
}

function segmentDistance(p: Point, a: Point, b: Point): number {
  const dx = b[0] - a[0], dy = b[1] - a[1];
  const t = Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy || 1)));
  return Math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy);
}
