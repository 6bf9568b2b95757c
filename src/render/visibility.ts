import type { RasterFrame } from './rasterise.js';

export interface VisibilityOptions {
  /** How far (in z units) behind the z-buffer a vertex may lie and still count as visible. Default 0.5% of its depth. */
  tolerance?: number;
  /** Relative tolerance used when `tolerance` is not given. Default 0.005. */
  relativeTolerance?: number;
  /** Only vertices with a non-zero byte here are tested; the rest are reported hidden. */
  vertexMask?: Uint8Array;
}

/**
 * Per-vertex visibility (1 = visible) of screen-space vertices (u, v, z) against a rasterised frame
 * of the same mesh: a vertex is visible when it lies inside the picture and no surface in the
 * z-buffer at its pixel is nearer than its own depth minus the tolerance. An empty pixel (a vertex
 * exactly on the silhouette whose pixel centre fell outside) has nothing in front of it: visible.
 */
export function vertexVisibility(screen: Float32Array, frame: RasterFrame, options: VisibilityOptions = {}): Uint8Array {
  const n = Math.floor(screen.length / 3);
  const visible = new Uint8Array(n);
  const rel = options.relativeTolerance ?? 0.005;
  const { width: W, height: H, depth } = frame;
  for (let i = 0; i < n; i++) {
    if (options.vertexMask && !options.vertexMask[i]) continue;
    const u = screen[3 * i], v = screen[3 * i + 1], z = screen[3 * i + 2];
    if (!(u >= 0 && u < W && v >= 0 && v < H && z > 0)) continue;
    const nearest = depth[Math.floor(v) * W + Math.floor(u)];
    const tol = options.tolerance ?? rel * z;
    if (z <= nearest + tol) visible[i] = 1;
  }
  return visible;
}
