import { projectPoints, type Camera, type HeadPose } from '../base/camera.js';
import { vertexNormals } from '../base/normals.js';
import type { TexturedMesh } from '../base/mesh.js';
import { bilinear, bilinearTaps, clampedTaps, type RgbImage, type RgbaImage } from '../base/image.js';
import { rasterise, type RasterFrame, type TriangleSelection } from '../render/rasterise.js';
import { pushPullFill } from './inpaint.js';
import { rasteriseUv } from './uv-raster.js';

/** A posed mesh seen in a photo. */
export interface PhotoView extends TexturedMesh {
  photo: RgbImage;
  camera: Camera;
  pose: HeadPose;
}

export interface PhotoBakeOptions {
  /** Texture size in texels. */
  width: number;
  height: number;
  /** Texture-space extent, as in `rasteriseUv`. */
  uRange?: readonly [number, number];
  vRange?: readonly [number, number];
  /** Triangles that receive texture. Default all. */
  bakeSelect?: TriangleSelection;
  /** Triangles that can hide others from the camera. Default all. */
  occluderSelect?: TriangleSelection;
  /** The camera-view raster of the occluders, if already computed. */
  cameraFrame?: RasterFrame;
  /** Texels whose surface faces the camera at a smaller cosine are left unobserved. Default 0.1. */
  minCosine?: number;
  /** Depth tolerance of the visibility test as a fraction of the depth. Default 0.01. */
  relativeDepthTolerance?: number;
}

export interface BakedTexture {
  /** Photo colours where observed (alpha 255), zero elsewhere. */
  observed: RgbaImage;
  /** Observed colours with every other texel filled smoothly from them: the texture to ship. */
  filled: RgbImage;
  /** Cosine between the surface normal and the view direction where observed, 0 elsewhere. */
  weight: Float32Array;
  /** Texel -> triangle + barycentrics, for later per-texel work. */
  uvFrame: RasterFrame;
}

/** Where each texel's surface point lands in the photo, and how it faces the camera. */
export interface TexelObservations {
  /** Texel -> triangle + barycentrics. */
  uvFrame: RasterFrame;
  /** Photo position (x, y in pixels, pixel (i, j) spanning [i, i+1) x [j, j+1)) of each observed texel; NaN elsewhere. */
  pixel: Float32Array;
  /** Unit surface normal (interpolated vertex normals) of every covered texel in the camera frame; zero outside the charts. */
  normal: Float32Array;
  /** Cosine between the surface normal and the view direction where observed, 0 elsewhere. */
  cosine: Float32Array;
}

/**
 * Projects a photo into a UV texture: each texel's surface point is found by rasterising in UV
 * space, moved into the camera frame, and kept when it faces the camera and matches the camera
 * z-buffer; its colour is the photo sampled bilinearly at its projection.
 */
export function bakePhoto(view: PhotoView, options: PhotoBakeOptions): BakedTexture {
  const { photo } = view;
  const { width: TW, height: TH } = options;
  const { uvFrame, pixel, cosine } = observeTexels(view, options);

  const rgba = new Uint8Array(TW * TH * 4);
  const known = new Uint8Array(TW * TH);
  for (let p = 0; p < TW * TH; p++) {
    if (!(cosine[p] > 0)) continue;
    sampleBilinear(photo, pixel[2 * p] - 0.5, pixel[2 * p + 1] - 0.5, rgba, 4 * p, photo.width, photo.height);
    rgba[4 * p + 3] = 255;
    known[p] = 1;
  }

  const filled = new Uint8Array(TW * TH * 3);
  for (let p = 0; p < TW * TH; p++) for (let c = 0; c < 3; c++) filled[3 * p + c] = rgba[4 * p + c];
  pushPullFill(filled, TW, TH, 3, known);
  return {
    observed: { width: TW, height: TH, data: rgba },
    filled: { width: TW, height: TH, data: filled },
    weight: cosine,
    uvFrame,
  };
}

/** The geometric half of `bakePhoto`: which texels the camera sees, where, and at what angle. */
export function observeTexels(view: PhotoView, options: PhotoBakeOptions & { uvFrame?: RasterFrame }): TexelObservations {
  const { photo, camera, pose, positions, triangles } = view;
  if (photo.width !== camera.width || photo.height !== camera.height) {
    throw new Error(`photo is ${photo.width}x${photo.height} but the camera is ${camera.width}x${camera.height}`);
  }
  const { width: TW, height: TH } = options;
  const minCos = options.minCosine ?? 0.1;
  const relTol = options.relativeDepthTolerance ?? 0.01;
  const uvFrame = options.uvFrame
    ?? rasteriseUv(view.uvs, view.triangleUvs, TW, TH, { select: options.bakeSelect, uRange: options.uRange, vRange: options.vRange });
  if (uvFrame.width !== TW || uvFrame.height !== TH) throw new Error(`uvFrame is ${uvFrame.width}x${uvFrame.height}, expected ${TW}x${TH}`);
  const cameraFrame = options.cameraFrame
    ?? rasterise(projectPoints(positions, pose, camera), triangles, camera.width, camera.height, { select: options.occluderSelect });
  const normals = vertexNormals(positions, triangles);
  const R = pose.rotation, T = pose.translation;

  const pixel = new Float32Array(2 * TW * TH).fill(NaN);
  const normal = new Float32Array(3 * TW * TH);
  const cosine = new Float32Array(TW * TH);
  const { triangleId, barycentric } = uvFrame;
  const { focal, cx, cy, width: CW, height: CH } = camera;
  const viewIds = cameraFrame.triangleId, viewDepth = cameraFrame.depth;

  for (let p = 0; p < TW * TH; p++) {
    const t = triangleId[p];
    if (t < 0) continue;
    const b1 = barycentric[2 * p], b2 = barycentric[2 * p + 1], b0 = 1 - b1 - b2;
    const i0 = 3 * triangles[3 * t], i1 = 3 * triangles[3 * t + 1], i2 = 3 * triangles[3 * t + 2];
    const mx = b0 * normals[i0] + b1 * normals[i1] + b2 * normals[i2];
    const my = b0 * normals[i0 + 1] + b1 * normals[i1 + 1] + b2 * normals[i2 + 1];
    const mz = b0 * normals[i0 + 2] + b1 * normals[i1 + 2] + b2 * normals[i2 + 2];
    const nx = R[0] * mx + R[1] * my + R[2] * mz, ny = R[3] * mx + R[4] * my + R[5] * mz, nz = R[6] * mx + R[7] * my + R[8] * mz;
    const nl = Math.sqrt(nx * nx + ny * ny + nz * nz) || 1;
    normal[3 * p] = nx / nl; normal[3 * p + 1] = ny / nl; normal[3 * p + 2] = nz / nl;

    const x = b0 * positions[i0] + b1 * positions[i1] + b2 * positions[i2];
    const y = b0 * positions[i0 + 1] + b1 * positions[i1 + 1] + b2 * positions[i2 + 1];
    const z = b0 * positions[i0 + 2] + b1 * positions[i1 + 2] + b2 * positions[i2 + 2];
    const X = R[0] * x + R[1] * y + R[2] * z + T[0];
    const Y = R[3] * x + R[4] * y + R[5] * z + T[1];
    const Z = R[6] * x + R[7] * y + R[8] * z + T[2];
    if (!(Z > 0)) continue;
    const u = focal * X / Z + cx, v = focal * Y / Z + cy;
    if (!(u >= 0 && u < CW && v >= 0 && v < CH)) continue;
    const cos = -(nx * X + ny * Y + nz * Z) / (nl * Math.sqrt(X * X + Y * Y + Z * Z) || 1);
    if (!(cos > minCos)) continue;

    // The pixel must show the mesh (not background next to the silhouette) at this point's depth.
    const q = Math.floor(v) * CW + Math.floor(u);
    if (viewIds[q] < 0 || Z > viewDepth[q] + relTol * Z) continue;

    pixel[2 * p] = u;
    pixel[2 * p + 1] = v;
    cosine[p] = cos;
  }
  return { uvFrame, pixel, normal, cosine };
}

/** Bilinear RGB sample at continuous pixel-index coordinates (pixel centres at integers), clamped at the border. */
function sampleBilinear(image: RgbImage, x: number, y: number, out: Uint8Array, o: number, W: number, H: number): void {
  const d = image.data;
  const { i00, i10, i01, i11, fx, fy } = clampedTaps(taps, x, y, W, H);
  for (let k = 0; k < 3; k++) out[o + k] = Math.round(bilinear(d[3 * i00 + k], d[3 * i10 + k], d[3 * i01 + k], d[3 * i11 + k], fx, fy));
}
const taps = bilinearTaps();
