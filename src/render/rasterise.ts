/**
 * Z-buffer triangle rasteriser over screen-space vertices (u, v, z per vertex, as `projectPoints`
 * returns). Its product is per-pixel triangle id + perspective-correct barycentrics, the input of
 * shading, visibility, texture baking and (later) a differentiable renderer.
 *
 * Conventions: pixel (x, y) covers [x, x+1) x [y, y+1) and is sampled at its centre (x+0.5, y+0.5).
 * Vertices snap to 1/256 pixel so edge functions are exact integers (held in doubles), which makes
 * the top-left fill rule exact: triangles sharing an edge leave no gaps and cover no pixel twice.
 * A triangle is front-facing when its vertices appear counter-clockwise in the picture, which is
 * how the outward (counter-clockwise, right-handed) triangles of a y-up model appear after
 * `projectPoints`.
 */

const SUBPIXEL = 256;
const HALF_PIXEL = SUBPIXEL / 2;

export interface RasterFrame {
  width: number;
  height: number;
  /** Triangle drawn at each pixel, -1 where nothing was drawn. */
  triangleId: Int32Array;
  /** Perspective-correct barycentrics (b1, b2) of each pixel centre; b0 = 1 - b1 - b2. */
  barycentric: Float32Array;
  /** Depth (the vertices' z, interpolated perspective-correctly) at each pixel centre; +Infinity where empty. */
  depth: Float32Array;
  /** The `meshIndex` option of the call that drew each pixel, so several meshes can share one z-buffer. */
  meshIndex: Uint16Array;
}

/** Triangles to draw: a mask with one byte per triangle (non-zero = draw), or [start, end) ranges. */
export type TriangleSelection = Uint8Array | ReadonlyArray<readonly [number, number]>;

/** One byte per triangle of `triangleCount`, non-zero where `select` draws it. */
export function selectionMask(select: TriangleSelection, triangleCount: number): Uint8Array {
  if (select instanceof Uint8Array) return select;
  const mask = new Uint8Array(triangleCount);
  for (const [start, end] of select) mask.fill(1, Math.max(0, start), Math.min(end, triangleCount));
  return mask;
}

export interface RasteriseOptions {
  select?: TriangleSelection;
  /** Skip triangles that appear clockwise in the picture (their back is toward the camera). */
  cullBackfaces?: boolean;
  /** Stored per covered pixel in `frame.meshIndex`. */
  meshIndex?: number;
  /** Triangles with a vertex at z <= near are skipped (there is no clipping). Default 1e-6. */
  near?: number;
}

export function createRasterFrame(width: number, height: number): RasterFrame {
  const n = width * height;
  return {
    width,
    height,
    triangleId: new Int32Array(n).fill(-1),
    barycentric: new Float32Array(2 * n),
    depth: new Float32Array(n).fill(Infinity),
    meshIndex: new Uint16Array(n),
  };
}

export function clearRasterFrame(frame: RasterFrame): void {
  frame.triangleId.fill(-1);
  frame.barycentric.fill(0);
  frame.depth.fill(Infinity);
  frame.meshIndex.fill(0);
}

/** Rasterises into a fresh frame. */
export function rasterise(
  screen: Float32Array,
  triangles: Uint32Array,
  width: number,
  height: number,
  options: RasteriseOptions = {},
): RasterFrame {
  const frame = createRasterFrame(width, height);
  rasteriseInto(frame, screen, triangles, options);
  return frame;
}

/** Draws triangles into an existing frame, depth-testing against what it already holds. Returns the number of pixel writes. */
export function rasteriseInto(
  frame: RasterFrame,
  screen: Float32Array,
  triangles: Uint32Array,
  options: RasteriseOptions = {},
): number {
  const triangleCount = Math.floor(triangles.length / 3);
  const select = options.select;
  const mask = select instanceof Uint8Array ? select : null;
  const ranges: ReadonlyArray<readonly [number, number]> = select && !mask
    ? (select as ReadonlyArray<readonly [number, number]>)
    : [[0, triangleCount]];
  const cull = options.cullBackfaces ?? false;
  const near = options.near ?? 1e-6;
  const meshIndex = options.meshIndex ?? 0;
  const W = frame.width, H = frame.height;
  const ids = frame.triangleId, bary = frame.barycentric, zbuf = frame.depth, meshes = frame.meshIndex;
  let writes = 0;

  for (const [start, end] of ranges) {
    const last = Math.min(end, triangleCount);
    for (let t = Math.max(0, start); t < last; t++) {
      if (mask && !mask[t]) continue;
      const i0 = 3 * triangles[3 * t], i1 = 3 * triangles[3 * t + 1], i2 = 3 * triangles[3 * t + 2];
      const z0 = screen[i0 + 2], z1 = screen[i1 + 2], z2 = screen[i2 + 2];
      if (!(z0 > near && z1 > near && z2 > near)) continue;

      const X0 = Math.round(screen[i0] * SUBPIXEL), Y0 = Math.round(screen[i0 + 1] * SUBPIXEL);
      let X1 = Math.round(screen[i1] * SUBPIXEL), Y1 = Math.round(screen[i1 + 1] * SUBPIXEL);
      let X2 = Math.round(screen[i2] * SUBPIXEL), Y2 = Math.round(screen[i2 + 1] * SUBPIXEL);
      let area = (X1 - X0) * (Y2 - Y0) - (Y1 - Y0) * (X2 - X0);
      if (!(area !== 0)) continue; // degenerate or NaN
      if (cull && area > 0) continue;
      const iz0 = 1 / z0;
      let iz1 = 1 / z1, iz2 = 1 / z2;
      // Normalise to area > 0 (clockwise in the picture) so one set of edge rules applies.
      const swapped = area < 0;
      if (swapped) {
        let s = X1; X1 = X2; X2 = s;
        s = Y1; Y1 = Y2; Y2 = s;
        s = iz1; iz1 = iz2; iz2 = s;
        area = -area;
      }

      const xs = Math.max(0, Math.ceil(Math.min(X0, X1, X2) / SUBPIXEL - 0.5));
      const xe = Math.min(W - 1, Math.floor(Math.max(X0, X1, X2) / SUBPIXEL - 0.5));
      const ys = Math.max(0, Math.ceil(Math.min(Y0, Y1, Y2) / SUBPIXEL - 0.5));
      const ye = Math.min(H - 1, Math.floor(Math.max(Y0, Y1, Y2) / SUBPIXEL - 0.5));
      if (xs > xe || ys > ye) continue;

      // Edge k is the edge opposite vertex k; its function is positive inside and equals `area` at vertex k.
      const a0 = Y1 - Y2, b0 = X2 - X1; // edge v1 -> v2
      const a1 = Y2 - Y0, b1 = X0 - X2; // edge v2 -> v0
      const a2 = Y0 - Y1, b2 = X1 - X0; // edge v0 -> v1
      // Top-left rule: a pixel centre exactly on an edge belongs to the triangle only if that edge is
      // a left edge (going up) or a top edge (horizontal, going right).
      const min0 = isTopLeft(a0, b0) ? 0 : 1;
      const min1 = isTopLeft(a1, b1) ? 0 : 1;
      const min2 = isTopLeft(a2, b2) ? 0 : 1;

      const px = xs * SUBPIXEL + HALF_PIXEL, py = ys * SUBPIXEL + HALF_PIXEL;
      let row0 = b0 * (py - Y1) + a0 * (px - X1);
      let row1 = b1 * (py - Y2) + a1 * (px - X2);
      let row2 = b2 * (py - Y0) + a2 * (px - X0);
      const sx0 = a0 * SUBPIXEL, sx1 = a1 * SUBPIXEL, sx2 = a2 * SUBPIXEL;
      const sy0 = b0 * SUBPIXEL, sy1 = b1 * SUBPIXEL, sy2 = b2 * SUBPIXEL;

      for (let y = ys; y <= ye; y++) {
        let e0 = row0, e1 = row1, e2 = row2;
        let p = y * W + xs;
        for (let x = xs; x <= xe; x++, p++) {
          if (e0 >= min0 && e1 >= min1 && e2 >= min2) {
            // 1/z is affine in screen space; weighting each edge value by its vertex's 1/z gives perspective-correct barycentrics.
            const q0 = e0 * iz0, q1 = e1 * iz1, q2 = e2 * iz2;
            const s = q0 + q1 + q2;
            const z = area / s;
            if (z < zbuf[p]) {
              zbuf[p] = z;
              ids[p] = t;
              meshes[p] = meshIndex;
              bary[2 * p] = (swapped ? q2 : q1) / s;
              bary[2 * p + 1] = (swapped ? q1 : q2) / s;
              writes++;
            }
          }
          e0 += sx0; e1 += sx1; e2 += sx2;
        }
        row0 += sy0; row1 += sy1; row2 += sy2;
      }
    }
  }
  return writes;
}

/** For an edge with function a*x + b*y (a = -dy, b = dx of the edge direction) of a clockwise triangle. */
function isTopLeft(a: number, b: number): boolean {
  const dy = -a, dx = b;
  return dy < 0 || (dy === 0 && dx > 0);
}
