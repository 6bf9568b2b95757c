/**
 * A synthetic picture's true fine detail: a displacement map along the normal (mm) over the face's UV
 * square, the person's static detail (pores, permanent lines) and the folds of the picture's own
 * expression, from bench/synthetic/wrinkles.ts (a wrinkle model that is not the fitter's). The
 * renderer tilts each pixel's normal by its gradient on the posed true head, so the picture shows
 * the wrinkles in its shading; the moles stay painted albedo (see albedo.ts), not geometry.
 */
import { texturedMesh } from '../../src/base/mesh.js';
import { faceTriangleMask, normalDetail } from '../../src/detail/index.js';
import { texelFrames } from '../../src/detail/surface-frame.js';
import type { MorphableModel } from '../../src/model/types.js';
import type { NormalDetail } from '../../src/render/normal-detail.js';
import { rasteriseUv } from '../../src/texture/uv-raster.js';
import { randomTrueDetailPerson, trueDetail, type TrueDetailPerson } from './wrinkles.js';

/** Texels per side of a picture's true displacement map, and of the grid its folds are laid out on. */
export const DETAIL_SIZE = 1024;
export const FOLD_SIZE = 256;

/** The true displacement of one picture: `size` x `size` texels, row 0 at v = 1, mm along the normal, 0 outside the face chart. */
export interface TrueDisplacement {
  size: number;
  height: Float32Array;
}

/** The wrinkle person of a picture's person: the picture's identity, skin parameters drawn from `seed`. */
export function detailPerson(model: MorphableModel, identity: Float32Array, seed: number): TrueDetailPerson {
  return { ...randomTrueDetailPerson(model, seed, 0), identity };
}

/** The person's true displacement at an expression (static + that expression's folds, no raised moles). */
export function trueDisplacement(model: MorphableModel, person: TrueDetailPerson, expression: Float32Array, size = DETAIL_SIZE): TrueDisplacement {
  return { size, height: trueDetail(model, person, expression, size, undefined, { foldSize: Math.min(size, FOLD_SIZE), moles: false }).height };
}

/** The displacement as a renderer's normal detail on a posed head (model-unit positions). */
export function displacementDetail(model: MorphableModel, positions: Float32Array, displacement: TrueDisplacement): NormalDetail {
  const { size, height } = displacement;
  const uvFrame = rasteriseUv(model.uvs, model.triangleUvs, size, size, { select: [model.triangleRegions.face] });
  const frames = texelFrames(texturedMesh(model, positions), uvFrame, model.unitsToMillimetres);
  return normalDetail({ size, height, frames }, faceTriangleMask(model));
}
