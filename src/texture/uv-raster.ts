import { rasterise, type RasterFrame, type TriangleSelection } from '../render/rasterise.js';

export interface UvRasterOptions {
  /** Triangles to draw. Where UV charts overlap (ICT eyeballs share tile 0 with the face) the first drawn wins. */
  select?: TriangleSelection;
  /** The u interval the texture spans left to right. Default [0, 1]; ICT keeps the head in [1, 2] and other parts in further tiles. */
  uRange?: readonly [number, number];
  /** The v interval the texture spans bottom to top. Default [0, 1]. */
  vRange?: readonly [number, number];
}

/**
 * Rasterises a mesh in texture space: for each texel, the triangle covering its centre and the
 * barycentrics (b1, b2) of that centre, valid for the triangle's vertices as well as its UV corners.
 * UVs have v up (as in OBJ): texture row 0 is v = vRange[1]. `depth` is 1 where covered.
 */
export function rasteriseUv(
  uvs: Float32Array,
  triangleUvs: Uint32Array,
  width: number,
  height: number,
  options: UvRasterOptions = {},
): RasterFrame {
  const [u0, u1] = options.uRange ?? [0, 1];
  const [v0, v1] = options.vRange ?? [0, 1];
  const sx = width / (u1 - u0), sy = height / (v1 - v0);
  const n = uvs.length / 2;
  const screen = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    screen[3 * i] = (uvs[2 * i] - u0) * sx;
    screen[3 * i + 1] = (v1 - uvs[2 * i + 1]) * sy;
    screen[3 * i + 2] = 1; // constant depth: barycentrics stay affine, as texture space needs
  }
  return rasterise(screen, triangleUvs, width, height, { select: options.select });
}
