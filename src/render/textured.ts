/**
 * Forward renderer for textured meshes lit by spherical harmonics: rasterise, interpolate UVs and
 * normals per pixel (perspective-correct), look the albedo up bilinearly, shade in linear light with
 * second-order SH (Lambertian), write sRGB with alpha = pixel coverage.
 */
import { cameraToView, projectPoints, type Camera, type HeadPose } from '../base/camera.js';
import { bilinear, bilinearTaps, clampedTaps, type RgbImage, type RgbaImage } from '../base/image.js';
import { vertexNormals } from '../base/normals.js';
import { shShader } from '../lighting/sh.js';
import { linearToSrgb8, SRGB8_TO_LINEAR } from '../base/colour.js';
import type { TexturedMesh } from '../base/mesh.js';
import { rasterise, selectionMask, type RasterFrame, type TriangleSelection } from './rasterise.js';
import { cameraNormals } from './shade.js';
import { pixelNormal } from './interpolate.js';
import { normalTilt, type NormalDetail } from './normal-detail.js';

/** A textured mesh to render, optionally with its normals and a triangle selection. */
export interface RenderMesh extends TexturedMesh {
  /** Model-frame unit vertex normals; computed from the triangles when absent. */
  normals?: Float32Array;
  select?: TriangleSelection;
  /** Fine detail tilting the normals per pixel (see NormalDetail). */
  detail?: NormalDetail;
}

/**
 * Albedo from sRGB texture images. A triangle reads `tiles[triangleTile[t]]` (default: the integer
 * part of its first UV corner's u, the UDIM-like convention of ICT-FaceKit) at (u mod 1, v).
 */
export interface TextureAlbedo {
  kind: 'texture';
  tiles: readonly (RgbImage | undefined)[];
  triangleTile?: ArrayLike<number>;
  /** sRGB colour of triangles whose tile is missing. Default mid grey. */
  fallback?: readonly [number, number, number];
}

/** Albedo given per vertex in linear RGB (e.g. an error heat map), interpolated over triangles. */
export interface VertexAlbedo {
  kind: 'vertex';
  colours: Float32Array;
}

export type Albedo = TextureAlbedo | VertexAlbedo;

export interface TexturedRenderOptions {
  /** Render at this many samples per pixel side and average (antialiased edges, fractional alpha). Default 1. */
  supersample?: number;
  /** Flip normals that face away from the viewer (mouth interior, open shells). Default true. */
  twoSided?: boolean;
  cullBackfaces?: boolean;
  /**
   * Of the drawn triangles, only these are shown; the others still hide what lies behind them but
   * leave their pixels empty (for drawing part of a head over another render of it). Default all.
   */
  visible?: TriangleSelection;
}

export interface TexturedRender {
  /** sRGB colour, alpha = covered fraction of each pixel. */
  image: RgbaImage;
  /** The raster the colours came from, at `supersample` times the camera's resolution. */
  frame: RasterFrame;
  /** Linear RGB per pixel of `frame` (0 where empty), before the sRGB encoding. */
  linear: Float32Array;
}

/**
 * Renders a posed mesh. `sh` holds 27 radiance SH coefficients in the view frame (see
 * src/lighting/sh.ts); colour = albedo (linear) * SH shading.
 */
export function renderTextured(
  mesh: RenderMesh, pose: HeadPose, camera: Camera, albedo: Albedo, sh: ArrayLike<number>, options: TexturedRenderOptions = {},
): TexturedRender {
  const s = Math.max(1, Math.round(options.supersample ?? 1));
  const twoSided = options.twoSided ?? true;
  const W = camera.width * s, H = camera.height * s;
  const cam: Camera = { focal: camera.focal * s, cx: camera.cx * s, cy: camera.cy * s, width: W, height: H };
  const screen = projectPoints(mesh.positions, pose, cam);
  const frame = rasterise(screen, mesh.triangles, W, H, { select: mesh.select, cullBackfaces: options.cullBackfaces ?? false });
  const normals = cameraNormals(mesh.normals ?? vertexNormals(mesh.positions, mesh.triangles), pose.rotation);

  const linear = new Float32Array(W * H * 3);
  const tri = mesh.triangles, triUv = mesh.triangleUvs, uvs = mesh.uvs;
  const shade = new Float64Array(3), colour = new Float64Array(3), nrm = new Float64Array(3), vn = new Float64Array(3);
  const tilt = mesh.detail && normalTilt(mesh.detail, uvs, triUv, pose.rotation);
  const sampler = albedo.kind === 'texture' ? textureSampler(albedo, uvs, triUv) : undefined;
  const shadeOf = shShader(sh);
  const visible = options.visible && selectionMask(options.visible, tri.length / 3);
  for (let p = 0; p < W * H; p++) {
    const t = frame.triangleId[p];
    if (t < 0) continue;
    if (visible && !visible[t]) { frame.triangleId[p] = -1; continue; }
    const b1 = frame.barycentric[2 * p], b2 = frame.barycentric[2 * p + 1], b0 = 1 - b1 - b2;
    const i0 = 3 * tri[3 * t], i1 = 3 * tri[3 * t + 1], i2 = 3 * tri[3 * t + 2];
    pixelNormal(frame, p, tri, normals, nrm);
    tilt?.(t, b1, b2, nrm);
    let nx = nrm[0], ny = nrm[1], nz = nrm[2];
    if (twoSided) {
      // Camera frame: the ray from the camera through the pixel; a normal along it faces away.
      const x = p % W, y = (p - x) / W;
      const rx = (x + 0.5 - cam.cx) / cam.focal, ry = (y + 0.5 - cam.cy) / cam.focal;
      if (nx * rx + ny * ry + nz > 0) { nx = -nx; ny = -ny; nz = -nz; }
    }
    cameraToView(vn, nx, ny, nz);
    shadeOf(vn[0], vn[1], vn[2], shade);
    if (sampler) {
      const u = b0 * uvs[2 * triUv[3 * t]] + b1 * uvs[2 * triUv[3 * t + 1]] + b2 * uvs[2 * triUv[3 * t + 2]];
      const v = b0 * uvs[2 * triUv[3 * t] + 1] + b1 * uvs[2 * triUv[3 * t + 1] + 1] + b2 * uvs[2 * triUv[3 * t + 2] + 1];
      sampler(t, u, v, colour);
    } else {
      const c = (albedo as VertexAlbedo).colours;
      for (let k = 0; k < 3; k++) colour[k] = b0 * c[i0 + k] + b1 * c[i1 + k] + b2 * c[i2 + k];
    }
    for (let k = 0; k < 3; k++) linear[3 * p + k] = colour[k] * Math.max(0, shade[k]);
  }
  return { image: resolveToSrgb(linear, frame.triangleId, W, H, s), frame, linear };
}

/** Bilinear albedo lookup in linear light: returns (triangle, u, v, out) => void. */
function textureSampler(
  albedo: TextureAlbedo, uvs: Float32Array, triUv: Uint32Array,
): (t: number, u: number, v: number, out: Float64Array) => void {
  const linearTiles = albedo.tiles.map((tile) => tile && { w: tile.width, h: tile.height, data: tile.data });
  const fb = (albedo.fallback ?? [128, 128, 128]).map((c) => SRGB8_TO_LINEAR[c]);
  const taps = bilinearTaps(), L = SRGB8_TO_LINEAR;
  return (t, u, v, out) => {
    const tileIndex = albedo.triangleTile ? albedo.triangleTile[t] : Math.floor(uvs[2 * triUv[3 * t]]);
    const tile = linearTiles[tileIndex];
    if (!tile) { out[0] = fb[0]; out[1] = fb[1]; out[2] = fb[2]; return; }
    const fu = u - Math.floor(u);
    const { i00, i10, i01, i11, fx, fy } = clampedTaps(taps, fu * tile.w - 0.5, (1 - v) * tile.h - 0.5, tile.w, tile.h);
    const d = tile.data;
    for (let c = 0; c < 3; c++) out[c] = bilinear(L[d[3 * i00 + c]], L[d[3 * i10 + c]], L[d[3 * i01 + c]], L[d[3 * i11 + c]], fx, fy);
  };
}

/** Box-filters s x s blocks (linear light, premultiplied by coverage) into an sRGB RGBA image. */
function resolveToSrgb(linear: Float32Array, ids: Int32Array, W: number, H: number, s: number): RgbaImage {
  const w = W / s, h = H / s;
  const data = new Uint8Array(w * h * 4);
  const n = s * s;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let r = 0, g = 0, b = 0, covered = 0;
      for (let dy = 0; dy < s; dy++) {
        for (let dx = 0; dx < s; dx++) {
          const p = (y * s + dy) * W + x * s + dx;
          if (ids[p] < 0) continue;
          covered++;
          r += linear[3 * p]; g += linear[3 * p + 1]; b += linear[3 * p + 2];
        }
      }
      if (!covered) continue;
      const o = 4 * (y * w + x);
      data[o] = linearToSrgb8(r / covered);
      data[o + 1] = linearToSrgb8(g / covered);
      data[o + 2] = linearToSrgb8(b / covered);
      data[o + 3] = Math.round((255 * covered) / n);
    }
  }
  return { width: w, height: h, data };
}

/** Composites an RGBA render over an RGB picture (blending in linear light). */
export function compositeOver(foreground: RgbaImage, background: RgbImage): RgbImage {
  const { width, height } = background;
  if (foreground.width !== width || foreground.height !== height) throw new Error('compositeOver: size mismatch');
  const out = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    const a = foreground.data[4 * p + 3] / 255;
    for (let c = 0; c < 3; c++) {
      const bg = background.data[3 * p + c];
      if (a === 0) { out[3 * p + c] = bg; continue; }
      const v = a * SRGB8_TO_LINEAR[foreground.data[4 * p + c]] + (1 - a) * SRGB8_TO_LINEAR[bg];
      out[3 * p + c] = linearToSrgb8(v);
    }
  }
  return { width, height, data: out };
}
