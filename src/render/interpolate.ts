import type { RasterFrame } from './rasterise.js';

/**
 * Unit normal at pixel `p` of a frame, interpolated from per-vertex normals with the pixel's
 * barycentrics (`triangles` are the mesh's vertex triples the frame's triangle ids refer to).
 * Writes out[0..2].
 */
export function pixelNormal(frame: RasterFrame, p: number, triangles: Uint32Array, normals: Float32Array, out: Float64Array): void {
  const t = frame.triangleId[p];
  const b1 = frame.barycentric[2 * p], b2 = frame.barycentric[2 * p + 1], b0 = 1 - b1 - b2;
  const i0 = 3 * triangles[3 * t], i1 = 3 * triangles[3 * t + 1], i2 = 3 * triangles[3 * t + 2];
  const nx = b0 * normals[i0] + b1 * normals[i1] + b2 * normals[i2];
  const ny = b0 * normals[i0 + 1] + b1 * normals[i1 + 1] + b2 * normals[i2 + 1];
  const nz = b0 * normals[i0 + 2] + b1 * normals[i1 + 2] + b2 * normals[i2 + 2];
  const nl = Math.sqrt(nx * nx + ny * ny + nz * nz) || 1;
  out[0] = nx / nl; out[1] = ny / nl; out[2] = nz / nl;
}
