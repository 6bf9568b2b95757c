import { vertexNormals } from '../base/normals.js';
import { uvGradients, type TexturedMesh } from '../base/mesh.js';
import type { RasterFrame } from '../render/rasterise.js';

/**
 * The surface under each texel of a UV raster, as the height field sees it: the unit normal and the
 * unit tangents along the texel grid's columns (+x, increasing u) and rows (+y, decreasing v), all in
 * the model frame, and the millimetres of surface one texel step covers along each. The height
 * field's gradient in millimetres is then (dh/dx / mmX, dh/dy / mmY) along (tangentX, tangentY);
 * treating the two tangents as orthogonal is the one approximation (UV charts are near-conformal).
 */
export interface TexelFrames {
  width: number;
  height: number;
  /** 3 floats per texel; zero outside the charts. */
  normal: Float32Array;
  tangentX: Float32Array;
  tangentY: Float32Array;
  /** Millimetres per texel step along x and y; 0 outside the charts. */
  mmX: Float32Array;
  mmY: Float32Array;
}

/**
 * Texel frames of a mesh over its UV raster. dP/du and dP/dv per UV entry (uvGradients) are
 * interpolated with the texels' barycentrics, so they vary smoothly across triangles.
 * @param uRange, vRange the UV extent the raster spans (as rasteriseUv); `millimetres` per model unit
 */
export function texelFrames(
  mesh: TexturedMesh, uvFrame: RasterFrame, millimetres: number,
  uRange: readonly [number, number] = [0, 1], vRange: readonly [number, number] = [0, 1], window: TexelWindow = fullWindow(uvFrame),
  surface: FrameSurface = frameSurface(mesh, uvFrame),
): TexelFrames {
  const { triangles, triangleUvs } = mesh;
  const W = uvFrame.width, H = uvFrame.height;
  const N = window.width * window.height;
  const { normals, dPdu, dPdv } = surface;
  const normal = new Float32Array(3 * N), tangentX = new Float32Array(3 * N), tangentY = new Float32Array(3 * N);
  const mmX = new Float32Array(N), mmY = new Float32Array(N);
  // Texel steps in UV units: x runs with u, y against v.
  const stepU = (uRange[1] - uRange[0]) / W, stepV = -(vRange[1] - vRange[0]) / H;
  const n = [0, 0, 0], gx = [0, 0, 0], gy = [0, 0, 0];
  for (let p = 0; p < N; p++) {
    const f = (window.y0 + Math.floor(p / window.width)) * W + window.x0 + (p % window.width);
    const t = uvFrame.triangleId[f];
    if (t < 0) continue;
    const b1 = uvFrame.barycentric[2 * f], b2 = uvFrame.barycentric[2 * f + 1], b0 = 1 - b1 - b2;
    const v0 = 3 * triangles[3 * t], v1 = 3 * triangles[3 * t + 1], v2 = 3 * triangles[3 * t + 2];
    const u0 = 3 * triangleUvs[3 * t], u1 = 3 * triangleUvs[3 * t + 1], u2 = 3 * triangleUvs[3 * t + 2];
    for (let k = 0; k < 3; k++) {
      n[k] = b0 * normals[v0 + k] + b1 * normals[v1 + k] + b2 * normals[v2 + k];
      gx[k] = (b0 * dPdu[u0 + k] + b1 * dPdu[u1 + k] + b2 * dPdu[u2 + k]) * stepU;
      gy[k] = (b0 * dPdv[u0 + k] + b1 * dPdv[u1 + k] + b2 * dPdv[u2 + k]) * stepV;
    }
    const nl = Math.hypot(n[0], n[1], n[2]) || 1;
    for (let k = 0; k < 3; k++) n[k] /= nl;
    const dx = gx[0] * n[0] + gx[1] * n[1] + gx[2] * n[2], dy = gy[0] * n[0] + gy[1] * n[1] + gy[2] * n[2];
    for (let k = 0; k < 3; k++) { gx[k] -= dx * n[k]; gy[k] -= dy * n[k]; }
    const lx = Math.hypot(gx[0], gx[1], gx[2]), ly = Math.hypot(gy[0], gy[1], gy[2]);
    if (!(lx > 0 && ly > 0)) continue;
    for (let k = 0; k < 3; k++) {
      normal[3 * p + k] = n[k];
      tangentX[3 * p + k] = gx[k] / lx;
      tangentY[3 * p + k] = gy[k] / ly;
    }
    mmX[p] = lx * millimetres;
    mmY[p] = ly * millimetres;
  }
  return { width: window.width, height: window.height, normal, tangentX, tangentY, mmX, mmY };
}

/** What texelFrames interpolates: the mesh's vertex normals and dP/du, dP/dv per UV entry of the triangles the raster shows. */
export interface FrameSurface { normals: Float32Array; dPdu: Float64Array; dPdv: Float64Array }

/** The surface texelFrames reads, for several windows of one raster made once. */
export function frameSurface(mesh: TexturedMesh, uvFrame: RasterFrame): FrameSurface {
  const used = new Uint8Array(mesh.triangles.length / 3);
  for (let p = 0; p < uvFrame.width * uvFrame.height; p++) if (uvFrame.triangleId[p] >= 0) used[uvFrame.triangleId[p]] = 1;
  return { ...uvGradients(mesh, used), normals: vertexNormals(mesh.positions, mesh.triangles) };
}

/** A rectangle of texels of a grid: columns x0 .. x0 + width - 1, rows y0 .. y0 + height - 1. */
export interface TexelWindow { x0: number; y0: number; width: number; height: number }

export function fullWindow(grid: { width: number; height: number }): TexelWindow {
  return { x0: 0, y0: 0, width: grid.width, height: grid.height };
}

/** The values of a per-texel plane (`channels` per texel) of a `gridWidth`-wide grid inside a window, as a plane of the window's size. */
export function cropPlane<T extends Float32Array | Int32Array>(plane: T, gridWidth: number, window: TexelWindow, channels = 1): T {
  const out = new (plane.constructor as new (n: number) => T)(window.width * window.height * channels);
  for (let y = 0; y < window.height; y++) {
    const from = ((window.y0 + y) * gridWidth + window.x0) * channels;
    out.set(plane.subarray(from, from + window.width * channels) as T, y * window.width * channels);
  }
  return out;
}

/** The inverse of cropPlane: a window-sized plane placed into a zero (or `fill`) plane of the grid. */
export function uncropPlane(plane: Float32Array, gridWidth: number, gridHeight: number, window: TexelWindow, channels = 1, fill = 0): Float32Array {
  const out = new Float32Array(gridWidth * gridHeight * channels).fill(fill);
  for (let y = 0; y < window.height; y++) {
    out.set(plane.subarray(y * window.width * channels, (y + 1) * window.width * channels), ((window.y0 + y) * gridWidth + window.x0) * channels);
  }
  return out;
}
