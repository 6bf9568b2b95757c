/**
 * Scores of fine detail against a synthetic picture's true displacement (bench/synthetic/fine-detail.ts),
 * per texel of the face's UV square on a FINE_GRID grid, over the texels the picture shows. A predicted
 * texel is compared with the true surface point the picture shows at the same place: the texel's
 * projection under the prediction's pose and camera, looked up in the true head's raster of the
 * picture (a fitted head's UV sits a few mm off the truth's, as much as a fold's wavelength, so the
 * same UV would compare different folds):
 *
 * - normal angle: the angle between the predicted surface's normal (its mesh tilted by its displacement,
 *   if any) and the true detailed surface's normal, after the prediction's rigid alignment to the truth;
 * - albedo contamination: the correlation of the recovered albedo's fine log-luminance with the fine log
 *   shading that the true displacement adds under the true light (0: the albedo carries none of the
 *   wrinkles' shading; 1: all of it is painted in).
 */
import { cameraToView, projectPoints, type Camera, type HeadPose } from '../../src/base/camera.js';
import { LUMA, SRGB8_TO_LINEAR } from '../../src/base/colour.js';
import type { RgbImage } from '../../src/base/image.js';
import { texturedMesh } from '../../src/base/mesh.js';
import { heightSlopes, resampleSquare } from '../../src/detail/maps.js';
import { texelFrames, type TexelFrames } from '../../src/detail/surface-frame.js';
import { shShade } from '../../src/lighting/sh.js';
import type { MorphableModel } from '../../src/model/types.js';
import { displayMesh } from '../../src/render/display-mesh.js';
import { rasterise, type RasterFrame } from '../../src/render/rasterise.js';
import { boxBlur } from '../../src/skin/morphology.js';
import { observeTexels } from '../../src/texture/bake-photo.js';
import { rasteriseUv } from '../../src/texture/uv-raster.js';
import type { TrueDisplacement } from '../synthetic/fine-detail.js';

/** Texels per side of the grid the fine scores are measured on (about 0.5 mm of face per texel). */
export const FINE_GRID = 512;
/** Texels seen at a smaller cosine between normal and view ray are not scored (grazing views show no detail). */
const MIN_COSINE = 0.3;
/** Scored texels lie within this distance of the nose tip (mm), as NoW's crop. */
const FACE_RADIUS_MM = 95;
/** Box radius (texels, three passes) of the blur whose residual is the "fine" part of a plane: wavelengths up to about 15 mm pass. */
const HIGH_PASS_RADIUS = 6;

export interface FineTruth {
  grid: number;
  uvFrame: RasterFrame;
  /** The picture's size, and the true face chart's UV at each of its pixel centres (NaN off the face chart). */
  width: number;
  height: number;
  pixelUv: Float32Array;
  /** 1 where a texel is scored: on the face chart, within FACE_RADIUS_MM of the nose tip, seen by the camera. */
  visible: Uint8Array;
  /** The true detailed surface's unit normal per texel, model frame. */
  normals: Float32Array;
  /** The true coarse surface's (no fine detail) unit normal per texel, model frame. */
  coarseNormals: Float32Array;
  /** The fine log shading the true displacement adds under the true light (high-passed, 0 off `visible`). */
  detailShading: Float32Array;
}

/** A displaced surface's unit normals per texel: the mesh normal tilted by the height field's gradient, n - grad h normalised. */
export function detailedNormals(frames: TexelFrames, size: number, height?: Float32Array): Float32Array {
  const out = new Float32Array(3 * size * size);
  const slopes = height ? heightSlopes({ size, height, frames }) : undefined;
  for (let p = 0; p < size * size; p++) {
    if (!(frames.mmX[p] > 0)) continue;
    let x = frames.normal[3 * p], y = frames.normal[3 * p + 1], z = frames.normal[3 * p + 2];
    if (slopes) {
      const sx = slopes.x[p], sy = slopes.y[p];
      x -= sx * frames.tangentX[3 * p] + sy * frames.tangentY[3 * p];
      y -= sx * frames.tangentX[3 * p + 1] + sy * frames.tangentY[3 * p + 1];
      z -= sx * frames.tangentX[3 * p + 2] + sy * frames.tangentY[3 * p + 2];
    }
    const l = Math.hypot(x, y, z) || 1;
    out[3 * p] = x / l; out[3 * p + 1] = y / l; out[3 * p + 2] = z / l;
  }
  return out;
}

/** A square field resampled to `to` texels per side: box means when `to` divides its size, bilinear otherwise. */
export function toGrid(field: Float32Array, from: number, to: number): Float32Array {
  if (from === to || from % to !== 0) return resampleSquare(field, from, to);
  const k = from / to, out = new Float32Array(to * to);
  for (let y = 0; y < from; y++) for (let x = 0; x < from; x++) out[Math.floor(y / k) * to + Math.floor(x / k)] += field[y * from + x];
  for (let p = 0; p < out.length; p++) out[p] /= k * k;
  return out;
}

/** The truth side of the fine scores for one picture (true head, model units; true pose, camera, light). */
export function fineTruth(
  model: MorphableModel, picture: { image: RgbImage; positions: Float32Array; pose: HeadPose; camera: Camera; sh: ArrayLike<number>; noseTip: ArrayLike<number>; displacement: TrueDisplacement },
  grid = FINE_GRID,
): FineTruth {
  const mm = model.unitsToMillimetres, face = [model.triangleRegions.face] as [number, number][];
  const uvFrame = rasteriseUv(model.uvs, model.triangleUvs, grid, grid, { select: face });
  const mesh = texturedMesh(model, picture.positions);
  const frames = texelFrames(mesh, uvFrame, mm);
  const height = toGrid(picture.displacement.height, picture.displacement.size, grid);
  const normals = detailedNormals(frames, grid, height), coarseNormals = detailedNormals(frames, grid);
  const seen = observeTexels({ ...mesh, photo: picture.image, camera: picture.camera, pose: picture.pose }, {
    width: grid, height: grid, uvFrame, bakeSelect: face, occluderSelect: displayMesh(model).select, minCosine: MIN_COSINE,
  });
  const visible = new Uint8Array(grid * grid), tri = model.triangles, P = picture.positions;
  for (let p = 0; p < grid * grid; p++) {
    const t = uvFrame.triangleId[p];
    if (t < 0 || !(frames.mmX[p] > 0) || Number.isNaN(seen.pixel[2 * p])) continue;
    const b1 = uvFrame.barycentric[2 * p], b2 = uvFrame.barycentric[2 * p + 1], b = [1 - b1 - b2, b1, b2];
    let d2 = 0;
    for (let c = 0; c < 3; c++) {
      let x = 0;
      for (let k = 0; k < 3; k++) x += b[k] * P[3 * tri[3 * t + k] + c];
      d2 += (x * mm - picture.noseTip[c]) ** 2;
    }
    if (d2 <= FACE_RADIUS_MM ** 2) visible[p] = 1;
  }
  // The light the true detail adds: log of the detailed over the coarse shading's luminance, in the camera's view.
  const R = picture.pose.rotation, shade = new Float64Array(3), v = new Float64Array(3);
  const luminance = (n: Float32Array, p: number) => {
    const x = n[3 * p], y = n[3 * p + 1], z = n[3 * p + 2];
    cameraToView(v, R[0] * x + R[1] * y + R[2] * z, R[3] * x + R[4] * y + R[5] * z, R[6] * x + R[7] * y + R[8] * z);
    shShade(picture.sh, v[0], v[1], v[2], shade);
    return Math.max(1e-4, LUMA[0] * shade[0] + LUMA[1] * shade[1] + LUMA[2] * shade[2]);
  };
  const logShading = new Float32Array(grid * grid);
  for (let p = 0; p < grid * grid; p++) if (visible[p]) logShading[p] = Math.log(luminance(normals, p) / luminance(coarseNormals, p));
  return { grid, uvFrame, width: picture.camera.width, height: picture.camera.height, pixelUv: pixelUvs(model, picture.positions, picture.pose, picture.camera), visible, normals, coarseNormals, detailShading: highPass(logShading, visible, grid) };
}

/** The UV of the face chart at each pixel centre of a head's render (NaN where the face chart is not the visible surface). */
function pixelUvs(model: MorphableModel, positions: Float32Array, pose: HeadPose, camera: Camera): Float32Array {
  const { width: W, height: H } = camera;
  const frame = rasterise(projectPoints(positions, pose, camera), model.triangles, W, H, { select: displayMesh(model).select });
  const out = new Float32Array(2 * W * H).fill(NaN), [f0, f1] = model.triangleRegions.face, uv = model.uvs, tuv = model.triangleUvs;
  for (let p = 0; p < W * H; p++) {
    const t = frame.triangleId[p];
    if (t < f0 || t >= f1) continue;
    const b1 = frame.barycentric[2 * p], b2 = frame.barycentric[2 * p + 1], b0 = 1 - b1 - b2;
    const i0 = 2 * tuv[3 * t], i1 = 2 * tuv[3 * t + 1], i2 = 2 * tuv[3 * t + 2];
    out[2 * p] = b0 * uv[i0] + b1 * uv[i1] + b2 * uv[i2];
    out[2 * p + 1] = b0 * uv[i0 + 1] + b1 * uv[i1 + 1] + b2 * uv[i2 + 1];
  }
  return out;
}

/**
 * For each texel of the predicted head that the picture shows (under its own pose and camera), the
 * true texel seen at the same picture position (-1 where none, or off the scored texels): the true
 * UV interpolated bilinearly between the four pixel centres around the projection.
 */
export function registerThroughPicture(model: MorphableModel, truth: FineTruth, prediction: FinePrediction): Int32Array {
  const { grid, width: W, height: H, pixelUv } = truth;
  const photo = { width: W, height: H, data: new Uint8Array(0) };
  const seen = observeTexels({ ...texturedMesh(model, prediction.positions), photo, camera: prediction.camera, pose: prediction.pose }, {
    width: grid, height: grid, uvFrame: truth.uvFrame, bakeSelect: [model.triangleRegions.face], occluderSelect: displayMesh(model).select, minCosine: MIN_COSINE,
  });
  const out = new Int32Array(grid * grid).fill(-1);
  for (let p = 0; p < grid * grid; p++) {
    const x = seen.pixel[2 * p] - 0.5, y = seen.pixel[2 * p + 1] - 0.5;
    if (!(x >= 0 && y >= 0 && x < W - 1 && y < H - 1)) continue;
    const x0 = Math.floor(x), y0 = Math.floor(y), fx = x - x0, fy = y - y0;
    let u = 0, v = 0;
    const taps = [[x0, y0, (1 - fx) * (1 - fy)], [x0 + 1, y0, fx * (1 - fy)], [x0, y0 + 1, (1 - fx) * fy], [x0 + 1, y0 + 1, fx * fy]];
    for (const [tx, ty, w] of taps) { const q = ty * W + tx; u += w * pixelUv[2 * q]; v += w * pixelUv[2 * q + 1]; }
    if (Number.isNaN(u) || Number.isNaN(v)) continue;
    const tx = Math.floor(u * grid), ty = Math.floor((1 - v) * grid);
    if (tx < 0 || ty < 0 || tx >= grid || ty >= grid || !truth.visible[ty * grid + tx]) continue;
    out[p] = ty * grid + tx;
  }
  return out;
}

export interface FinePrediction {
  /** The predicted head in the model frame, model units (the mesh the displacement sits on), and where it places it in the picture. */
  positions: Float32Array;
  pose: HeadPose;
  camera: Camera;
  /** Rotation (row-major 3x3) taking the prediction's frame onto the truth's (its rigid alignment). */
  rotation: ArrayLike<number>;
  /** Predicted displacement along the normal, mm, over the face's UV square. */
  detail?: { size: number; height: Float32Array };
  /** Recovered albedo of the face's UV square (sRGB). */
  albedo?: RgbImage;
}

export interface FineScore {
  /** Per-texel normal angle to the true detailed surface over the scored texels, degrees. */
  normalMedianDeg: number;
  normalMeanDeg: number;
  /** Correlation of the albedo's fine log-luminance with the true detail's fine log shading; NaN without an albedo. */
  albedoContamination: number;
  texels: number;
}

export function fineScore(model: MorphableModel, truth: FineTruth, prediction: FinePrediction): FineScore {
  const { grid } = truth;
  const frames = texelFrames(texturedMesh(model, prediction.positions), truth.uvFrame, model.unitsToMillimetres);
  const height = prediction.detail && toGrid(prediction.detail.height, prediction.detail.size, grid);
  const normals = detailedNormals(frames, grid, height);
  const match = registerThroughPicture(model, truth, prediction);
  const angles = normalAngles(truth.normals, normals, prediction.rotation, match);
  const { medianDeg, meanDeg } = angleSummary(angles);
  return {
    normalMedianDeg: medianDeg, normalMeanDeg: meanDeg,
    albedoContamination: prediction.albedo ? albedoContamination(truth, prediction.albedo, match) : NaN,
    texels: angles.length,
  };
}

export function angleSummary(angles: number[]): { medianDeg: number; meanDeg: number } {
  if (!angles.length) return { medianDeg: NaN, meanDeg: NaN };
  const sorted = Float64Array.from(angles).sort();
  return { medianDeg: sorted[sorted.length >> 1], meanDeg: sorted.reduce((s, a) => s + a, 0) / sorted.length };
}

/**
 * Angles (degrees) between predicted normals turned by `rotation` and true ones: at each predicted texel
 * p the true texel match[p] (skipped where -1 or where the prediction has no normal).
 */
export function normalAngles(truth: Float32Array, predicted: Float32Array, rotation: ArrayLike<number>, match: Int32Array): number[] {
  const R = rotation, out: number[] = [];
  for (let p = 0; p < match.length; p++) {
    const q = match[p];
    if (q < 0) continue;
    const x = predicted[3 * p], y = predicted[3 * p + 1], z = predicted[3 * p + 2];
    if (x === 0 && y === 0 && z === 0) continue;
    const rx = R[0] * x + R[1] * y + R[2] * z, ry = R[3] * x + R[4] * y + R[5] * z, rz = R[6] * x + R[7] * y + R[8] * z;
    const dot = (rx * truth[3 * q] + ry * truth[3 * q + 1] + rz * truth[3 * q + 2]) / (Math.hypot(rx, ry, rz) || 1);
    out.push((Math.acos(Math.max(-1, Math.min(1, dot))) * 180) / Math.PI);
  }
  return out;
}

/** Pearson correlation of the albedo's high-passed log-luminance at each predicted texel with the true detail's log shading at its true texel `match`. */
export function albedoContamination(truth: FineTruth, albedo: RgbImage, match: Int32Array): number {
  const { grid } = truth;
  const visible = Uint8Array.from(match, (q) => (q >= 0 ? 1 : 0));
  if (albedo.width !== albedo.height) throw new Error('albedoContamination: the albedo must cover the UV square');
  const lum = new Float32Array(albedo.width * albedo.width), d = albedo.data, L = SRGB8_TO_LINEAR;
  for (let p = 0; p < lum.length; p++) lum[p] = LUMA[0] * L[d[3 * p]] + LUMA[1] * L[d[3 * p + 1]] + LUMA[2] * L[d[3 * p + 2]];
  const onGrid = toGrid(lum, albedo.width, grid);
  for (let p = 0; p < onGrid.length; p++) onGrid[p] = visible[p] ? Math.log(Math.max(1e-4, onGrid[p])) : 0;
  const fine = highPass(onGrid, visible, grid), shading = new Float32Array(grid * grid);
  for (let p = 0; p < match.length; p++) if (match[p] >= 0) shading[p] = truth.detailShading[match[p]];
  return correlation(fine, shading, visible);
}

/** The plane minus its normalised blur over `mask` (0 off the mask). */
function highPass(plane: Float32Array, mask: Uint8Array, size: number): Float32Array {
  const weight = Float32Array.from(mask), value = new Float32Array(plane.length);
  for (let p = 0; p < plane.length; p++) value[p] = mask[p] ? plane[p] : 0;
  let num: Float32Array = value, den: Float32Array = weight;
  for (let k = 0; k < 3; k++) { num = boxBlur(num, size, size, HIGH_PASS_RADIUS); den = boxBlur(den, size, size, HIGH_PASS_RADIUS); }
  const out = new Float32Array(plane.length);
  for (let p = 0; p < plane.length; p++) if (mask[p] && den[p] > 1e-6) out[p] = plane[p] - num[p] / den[p];
  return out;
}

function correlation(a: Float32Array, b: Float32Array, mask: Uint8Array): number {
  let n = 0, sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
  for (let p = 0; p < a.length; p++) {
    if (!mask[p]) continue;
    n++; sa += a[p]; sb += b[p]; saa += a[p] * a[p]; sbb += b[p] * b[p]; sab += a[p] * b[p];
  }
  if (n < 2) return NaN;
  const cov = sab / n - (sa / n) * (sb / n), va = saa / n - (sa / n) ** 2, vb = sbb / n - (sb / n) ** 2;
  return va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : NaN;
}
