import { checkKeys, checkNumber, withDefaults } from '../base/options.js';

/** Settings of the high-frequency detail band (see reconstructDetail). Lengths on the surface are millimetres. */
export interface DetailOptions {
  /**
   * Texels per side of the UV grid the height field is solved on (the face's UV square); 0 = chosen
   * per face, the power of two at which a texel covers one to two photo pixels on the face (a finer
   * grid has no more evidence), within [minSolveSize, maxSolveSize]. The solve's cost grows with its
   * square: 256 for a face about 250 px wide costs about 0.4 s, 512 four times that.
   */
  solveSize?: number;
  minSolveSize?: number;
  maxSolveSize?: number;
  /** Texels per side of the written maps (displacement.png, normal.png); the solved field is interpolated up. */
  mapSize?: number;
  /**
   * Scale separating the band from coarser shape, mm: the photo's shading residual is high-passed at
   * this Gaussian-like width and the height field is screened toward 0 over it, so the band holds
   * wrinkles, folds and pores, not the mid-scale shape the morphable model misses.
   */
  bandWidth?: number;
  /** Weight of the membrane smoothness of the height field against the shading data (larger = smoother, less noise). */
  smoothness?: number;
  /**
   * Ratio of chromatic to achromatic fine variation (log RGB, local energy) up to which a texel's
   * variation counts as shading, and beyond which it counts as albedo only (freckles, moles, make-up).
   */
  chromaAccept?: number;
  chromaReject?: number;
  /** Conjugate-gradient iterations per solve. */
  iterations?: number;
  /**
   * Pieces each edge of the face's triangles is cut into for the detail meshes (detail-mesh.obj/.ply):
   * 4 gives edges of about 0.8 mm on ICT-FaceKit's 3 mm face triangles (16x the triangles).
   */
  meshSegments?: number;
}

export type ExpandedDetailOptions = Required<DetailOptions>;

export const DETAIL_DEFAULTS: ExpandedDetailOptions = {
  solveSize: 0,
  minSolveSize: 256,
  maxSolveSize: 512,
  mapSize: 1024,
  bandWidth: 5,
  smoothness: 0.15,
  chromaAccept: 0.2,
  chromaReject: 0.45,
  iterations: 60,
  meshSegments: 4,
};

export function expandDetailOptions(options: DetailOptions = {}, path = 'detail'): ExpandedDetailOptions {
  checkKeys(path, options, Object.keys(DETAIL_DEFAULTS));
  const o = withDefaults(DETAIL_DEFAULTS, options);
  const p = (k: string) => `${path}.${k}`;
  if (o.solveSize !== 0) checkNumber(p('solveSize'), o.solveSize, { min: 64, max: 4096, integer: true });
  checkNumber(p('minSolveSize'), o.minSolveSize, { min: 64, max: 4096, integer: true });
  checkNumber(p('maxSolveSize'), o.maxSolveSize, { min: o.minSolveSize, max: 4096, integer: true });
  checkNumber(p('mapSize'), o.mapSize, { min: 64, max: 8192, integer: true });
  checkNumber(p('bandWidth'), o.bandWidth, { min: 0, exclusive: true });
  checkNumber(p('smoothness'), o.smoothness, { min: 0, exclusive: true });
  checkNumber(p('chromaAccept'), o.chromaAccept, { min: 0 });
  checkNumber(p('chromaReject'), o.chromaReject, { min: o.chromaAccept, exclusive: true });
  checkNumber(p('iterations'), o.iterations, { min: 1, integer: true });
  checkNumber(p('meshSegments'), o.meshSegments, { min: 1, max: 16, integer: true });
  return o;
}
