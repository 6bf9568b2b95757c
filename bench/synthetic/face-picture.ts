/**
 * A synthetic photo of a face whose 3D surface is known: a truth shape (see truth-shape.ts) with a
 * painted albedo, posed in front of a random camera, lit by SH lighting around a frontal key light,
 * rendered with antialiasing and composited onto a random background. Deterministic from the seed.
 */
import type { Camera } from '../../src/base/camera.js';
import { rotationFromAngles } from '../../src/base/camera.js';
import type { RgbImage } from '../../src/base/image.js';
import { shFromLight } from '../../src/lighting/sh.js';
import type { MorphableModel } from '../../src/model/types.js';
import { compositeOver, renderTextured } from '../../src/render/textured.js';
import { paintAlbedo, sampleAlbedoParams, type AlbedoLayout, type AlbedoParams } from './albedo.js';
import { paintBackground, sampleBackgroundParams, type BackgroundParams } from './background.js';
import { seededRandom } from './landmark-scene.js';
import { sampleTruthShape, truthPositions, type RandomSource, type TruthShape } from './truth-shape.js';

export interface FacePictureOptions {
  width?: number;
  height?: number;
  /** Largest |yaw| in degrees (uniform), default 70; pitch and roll are normal (sd 12) clipped to +-maxTilt. */
  maxYaw?: number;
  maxTilt?: number;
  /** Face width (about ear to ear at the cheeks) in pixels, drawn uniformly from this range. */
  faceWidthPx?: [number, number];
  /** Antialiasing samples per pixel side. Default 2. */
  supersample?: number;
  /** Expression weights by name that replace the randomly drawn expression (for pictures of a chosen state). */
  expression?: Record<string, number>;
}

export interface FacePictureTruth {
  seed: number;
  index: number;
  width: number;
  height: number;
  camera: { focal: number; cx: number; cy: number };
  pose: { yaw: number; pitch: number; roll: number; rotation: number[]; translationMm: number[] };
  identity: number[];
  expression: Record<string, number>;
  presets: string[];
  bumps: TruthShape['bumps'];
  wrinkles: TruthShape['wrinkles'];
  lighting: { sh: number[]; direction: number[]; ambient: number[]; intensity: number[] };
  albedo: AlbedoParams;
  background: BackgroundParams;
  faceWidthPx: number;
}

export interface FacePicture {
  image: RgbImage;
  truth: FacePictureTruth;
  /** True vertex positions, model units, model frame. */
  positions: Float32Array;
  camera: Camera;
  rotation: Float64Array;
  /** Camera-frame translation, model units. */
  translation: Float64Array;
}

/** Face width used to set the camera distance: the ICT head between the cheeks, model units. */
const FACE_WIDTH_UNITS = 14;

/** The random source of picture `index` of the set made from `seed`. */
export function pictureRandom(seed: number, index: number): RandomSource {
  return seededRandom(1 + ((seed * 1000003 + index * 7919) % 2147483646));
}

export function makeFacePicture(model: MorphableModel, layout: AlbedoLayout, seed: number, index: number, options: FacePictureOptions = {}): FacePicture {
  const rnd = pictureRandom(seed, index);
  const W = options.width ?? 512, H = options.height ?? 512;
  const maxYaw = options.maxYaw ?? 70, maxTilt = options.maxTilt ?? 25;
  const [wMin, wMax] = options.faceWidthPx ?? [150, 300];
  const between = (a: number, b: number) => a + (b - a) * rnd.uniform();
  const tilt = () => Math.max(-maxTilt, Math.min(maxTilt, 12 * rnd.normal()));

  const shape = sampleTruthShape(model, rnd);
  if (options.expression) {
    shape.expression.fill(0);
    shape.presets = [];
    for (const [name, w] of Object.entries(options.expression)) {
      const k = model.expressionNames.indexOf(name);
      if (k < 0) throw new Error(`unknown expression ${name}`);
      shape.expression[k] = w;
    }
  }
  const positions = truthPositions(model, shape);
  const yaw = (2 * rnd.uniform() - 1) * maxYaw, pitch = tilt(), roll = tilt();
  const rotation = rotationFromAngles(yaw, pitch, roll);
  const focal = Math.max(W, H) * between(0.9, 3);
  const faceWidthPx = between(wMin, wMax);
  const depth = (focal * FACE_WIDTH_UNITS) / faceWidthPx;
  const margin = 0.6 * faceWidthPx;
  const px = between(margin, Math.max(margin, W - margin)), py = between(margin, Math.max(margin, H - margin));
  // Place the nose tip's neighbourhood (landmark 30 of the neutral head) at the chosen pixel.
  const c = model.landmarks68[30];
  const centre = [model.neutral[3 * c], model.neutral[3 * c + 1], model.neutral[3 * c + 2]];
  const rc = [0, 1, 2].map((r) => rotation[3 * r] * centre[0] + rotation[3 * r + 1] * centre[1] + rotation[3 * r + 2] * centre[2]);
  const translation = Float64Array.from([((px - W / 2) * depth) / focal - rc[0], ((py - H / 2) * depth) / focal - rc[1], depth - rc[2]]);
  const camera: Camera = { focal, cx: W / 2, cy: H / 2, width: W, height: H };

  const direction = normalise([0.6 * rnd.normal(), 0.35 + 0.35 * rnd.normal(), 1]);
  const total = between(0.85, 1.2), ambientShare = between(0.25, 0.55);
  const tint = [0, 1, 2].map(() => 1 + 0.06 * rnd.normal());
  const ambient = tint.map((t) => total * ambientShare * t) as [number, number, number];
  const intensity = tint.map((t, k) => total * (1 - ambientShare) * (k === 2 ? t * 0.97 : t)) as [number, number, number];
  const sh = shFromLight(direction as [number, number, number], ambient, intensity);

  const albedoParams = sampleAlbedoParams(rnd.uniform);
  const albedo = paintAlbedo(layout, albedoParams);
  const backgroundParams = sampleBackgroundParams(rnd.uniform);
  const background = paintBackground(W, H, backgroundParams);
  const render = renderTextured(
    { positions, triangles: model.triangles, uvs: model.uvs, triangleUvs: model.triangleUvs, select: layout.select },
    { rotation, translation }, camera,
    { kind: 'texture', tiles: albedo.tiles, triangleTile: albedo.triangleTile }, sh,
    { supersample: options.supersample ?? 2 },
  );
  const image = compositeOver(render.image, background);

  const mm = model.unitsToMillimetres;
  const expression: Record<string, number> = {};
  shape.expression.forEach((w, k) => { if (w !== 0) expression[model.expressionNames[k]] = w; });
  const truth: FacePictureTruth = {
    seed, index, width: W, height: H,
    camera: { focal, cx: W / 2, cy: H / 2 },
    pose: { yaw, pitch, roll, rotation: Array.from(rotation), translationMm: Array.from(translation, (t) => t * mm) },
    identity: Array.from(shape.identity),
    expression,
    presets: shape.presets,
    bumps: shape.bumps,
    wrinkles: shape.wrinkles,
    lighting: { sh: Array.from(sh), direction, ambient, intensity },
    albedo: albedoParams,
    background: backgroundParams,
    faceWidthPx,
  };
  return { image, truth, positions, camera, rotation, translation };
}

function normalise(v: number[]): number[] {
  const l = Math.hypot(...v) || 1;
  return v.map((x) => x / l);
}
