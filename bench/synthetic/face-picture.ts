/**
 * A synthetic photo of a face whose 3D surface is known: a truth shape (see truth-shape.ts) with a
 * painted albedo, posed in front of a random camera, lit by SH lighting around a frontal key light,
 * rendered with antialiasing and composited onto a random background. Deterministic from the seed.
 *
 * Two kinds: `clean` (the original set: bald heads, clean renders) and `realistic`, the same face,
 * pose and camera plus what real photos have (nuisances.ts): regional shape the model cannot
 * express and face states, hair, beards, glasses, a hand or object, coloured or harsh light, motion
 * blur and noise (JPEG is applied when the picture is written, see realisticPicture). The realistic
 * additions come from a random source of their own, so the clean draws stay as they were.
 * `realistic-bare` is the realistic truth without the nuisances (see PictureKind).
 */
import type { Camera, HeadPose } from '../../src/base/camera.js';
import { projectPoints, rotationFromAngles } from '../../src/base/camera.js';
import type { RgbImage } from '../../src/base/image.js';
import { shFromLight, shShade } from '../../src/lighting/sh.js';
import type { MorphableModel } from '../../src/model/types.js';
import { compositeOver, renderTextured } from '../../src/render/textured.js';
import { paintAlbedo, sampleAlbedoParams, type AlbedoLayout, type AlbedoParams } from './albedo.js';
import { paintBackground, sampleBackgroundParams, type BackgroundParams } from './background.js';
import { seededRandom } from './landmark-scene.js';
import { makeShapeRealistic, sampleTruthShape, truthPositions, type RandomSource, type TruthShape } from './truth-shape.js';
import { addNoise, jpegRoundTrip, motionBlur } from './degrade.js';
import type { Point } from './draw.js';
import { drawGlasses } from './glasses.js';
import { drawLongHair, paintHairAndBeard } from './hair.js';
import { nuisanceTags, sampleNuisances, type LightingNuisance, type Nuisances } from './nuisances.js';
import { drawOccluder } from './occluder.js';
import { detailPerson, displacementDetail, trueDisplacement, type TrueDisplacement } from './fine-detail.js';
import type { TrueDetailPerson } from './wrinkles.js';

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
  /** Which kind of set. Default clean. */
  kind?: PictureKind;
  /** Realistic kind: these nuisances instead of the sampled ones (to show one on its own). */
  nuisances?: Nuisances;
  /**
   * A picture of the person of picture `person` of the same set: their identity, shape beyond the
   * model (bumps, the realistic kind's regional shape) and skin; this picture's own pose, expression,
   * light, background and nuisances. For sets of several photos of one person.
   */
  person?: number;
  /** Render the person's true fine detail (see fine-detail.ts; the truth then carries it). Default true. */
  detail?: boolean;
}

/**
 * `realistic-bare`: the realistic truth (regional shape, face states) with none of the picture's
 * nuisances (the clean kind's lighting, no hair, glasses, occluder, blur, noise or JPEG), so the
 * bench can separate the model floor's cost from the nuisances'.
 */
export type PictureKind = 'clean' | 'realistic' | 'realistic-bare';
export const PICTURE_KINDS: readonly PictureKind[] = ['clean', 'realistic', 'realistic-bare'];

/**
 * Amplitude of the realistic kind's regional shape, set so the model floor (bench/metrics/model-floor.ts)
 * is about 0.7 mm, as on real scanned heads (0.41 mm on the clean truth).
 */
export const REALISTIC_REGIONAL_SCALE = 3.2;

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
  /** The true displacement map's parameters (the map itself is FacePicture.displacement; a stored set names its file). */
  detail?: { size: number; seed: number; zones: TrueDetailPerson['zones']; file?: string; format?: string };
  /** Realistic kind only. */
  kind?: 'realistic' | 'realistic-bare';
  regional?: TruthShape['regional'];
  nuisances?: Nuisances;
  /** Names of the nuisances present (see nuisanceTags). */
  tags?: string[];
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
  /** The true fine detail the picture was rendered with (absent with `detail: false`). */
  displacement?: TrueDisplacement;
}

/** Face width used to set the camera distance: the ICT head between the cheeks, model units. */
const FACE_WIDTH_UNITS = 14;

/** The random source of picture `index` of the set made from `seed`. */
export function pictureRandom(seed: number, index: number): RandomSource {
  return seededRandom(1 + ((seed * 1000003 + index * 7919) % 2147483646));
}

/**
 * The second random source of a realistic picture (its nuisances and extra shape). The seed is
 * hashed: Park-Miller's first draws from seeds in arithmetic progression are correlated (unhashed,
 * 7 closed-lip smiles to 75 lowered lids in 200 pictures where the draw asks for half each).
 */
export function nuisanceRandom(seed: number, index: number): RandomSource {
  let h = (Math.imul(seed, 0x9e3779b1) ^ Math.imul(index + 0x632be5ab, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return seededRandom(1 + (((h ^ (h >>> 16)) >>> 0) % 2147483646));
}

export function makeFacePicture(model: MorphableModel, layout: AlbedoLayout, seed: number, index: number, options: FacePictureOptions = {}): FacePicture {
  const rnd = pictureRandom(seed, index);
  const W = options.width ?? 512, H = options.height ?? 512;
  const maxYaw = options.maxYaw ?? 70, maxTilt = options.maxTilt ?? 25;
  const [wMin, wMax] = options.faceWidthPx ?? [150, 300];
  const between = (a: number, b: number) => a + (b - a) * rnd.uniform();
  const tilt = () => Math.max(-maxTilt, Math.min(maxTilt, 12 * rnd.normal()));

  const realistic = options.kind === 'realistic' || options.kind === 'realistic-bare';
  const extra = nuisanceRandom(seed, index);
  let shape = sampleTruthShape(model, rnd);
  const person = options.person === undefined ? undefined : personOf(model, seed, options.person, realistic);
  if (person) shape = { ...shape, identity: person.shape.identity, bumps: person.shape.bumps };
  if (options.expression) {
    shape.expression.fill(0);
    shape.presets = [];
    for (const [name, w] of Object.entries(options.expression)) {
      const k = model.expressionNames.indexOf(name);
      if (k < 0) throw new Error(`unknown expression ${name}`);
      shape.expression[k] = w;
    }
  }
  if (realistic) shape = makeShapeRealistic(model, shape, extra, REALISTIC_REGIONAL_SCALE);
  if (person?.shape.regional) shape = { ...shape, regional: person.shape.regional };
  const nuisances = !realistic ? undefined : options.kind === 'realistic-bare' ? {} : (options.nuisances ?? sampleNuisances(extra));
  const positions = truthPositions(model, shape);
  const skin = options.detail === false ? undefined : detailPerson(model, shape.identity, detailSeed(seed, options.person ?? index));
  const displacement = skin && trueDisplacement(model, skin, shape.expression);
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
  const sh = nuisances?.lighting ? nuisanceLight(nuisances.lighting, total) : shFromLight(direction as [number, number, number], ambient, intensity);

  const albedoParams = sampleAlbedoParams(rnd.uniform);
  if (person) Object.assign(albedoParams, person.albedo);
  const albedo = paintAlbedo(layout, albedoParams);
  if (nuisances) paintHairAndBeard(layout, albedo, nuisances.hair, nuisances.beard);
  const backgroundParams = sampleBackgroundParams(rnd.uniform);
  const background = paintBackground(W, H, backgroundParams);
  const render = renderTextured(
    { positions, triangles: model.triangles, uvs: model.uvs, triangleUvs: model.triangleUvs, select: layout.select, detail: displacement && displacementDetail(model, positions, displacement) },
    { rotation, translation }, camera,
    { kind: 'texture', tiles: albedo.tiles, triangleTile: albedo.triangleTile }, sh,
    { supersample: options.supersample ?? 2 },
  );
  let image = compositeOver(render.image, background);
  if (nuisances) image = drawNuisances(model, image, nuisances, positions, { rotation, translation }, camera, faceWidthPx, sh, albedoParams.skin);

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
    ...(skin && displacement ? { detail: { size: displacement.size, seed: skin.seed, zones: skin.zones } } : {}),
    ...(nuisances ? { kind: options.kind === 'realistic-bare' ? 'realistic-bare' as const : 'realistic' as const, regional: shape.regional, nuisances, tags: nuisanceTags(nuisances, shape.presets) } : {}),
  };
  return { image, truth, positions, camera, rotation, translation, displacement };
}

/** The seed of the fine detail of the person of picture `index` (hashed, as the nuisances' source). */
function detailSeed(seed: number, index: number): number {
  return 1 + Math.floor(nuisanceRandom(seed + 0x5bd1, index).uniform() * 2147483645);
}

/**
 * Frames of one clean scene: picture `index`'s person, pose, camera, light and background, each frame
 * with its own expression (by name; the rest 0), as makeFacePicture would draw it with that expression
 * and without fine detail (the same pixels), the albedo and background painted once. For sequences with the head still.
 * `render` false: the truth alone (the image is the background).
 */
export function faceSequenceRenderer(
  model: MorphableModel, layout: AlbedoLayout, seed: number, index: number, options: Omit<FacePictureOptions, 'expression' | 'kind' | 'person' | 'nuisances'> = {},
): (expression: Record<string, number>, render?: boolean) => FacePicture {
  const first = makeFacePicture(model, layout, seed, index, { ...options, expression: {}, detail: false });
  const shape = sampleTruthShape(model, pictureRandom(seed, index));
  const albedo = paintAlbedo(layout, first.truth.albedo);
  const background = paintBackground(first.truth.width, first.truth.height, first.truth.background);
  const sh = Float64Array.from(first.truth.lighting.sh);
  return (weights, draw = true) => {
    const expression = new Float32Array(model.expressionNames.length);
    for (const [name, w] of Object.entries(weights)) {
      const k = model.expressionNames.indexOf(name);
      if (k < 0) throw new Error(`unknown expression ${name}`);
      expression[k] = w;
    }
    const positions = truthPositions(model, { ...shape, expression, presets: [] });
    const truth = { ...first.truth, expression: Object.fromEntries(Object.entries(weights).filter(([, w]) => w !== 0)), presets: [] };
    if (!draw) return { ...first, image: background, truth, positions };
    const render = renderTextured(
      { positions, triangles: model.triangles, uvs: model.uvs, triangleUvs: model.triangleUvs, select: layout.select },
      { rotation: first.rotation, translation: first.translation }, first.camera,
      { kind: 'texture', tiles: albedo.tiles, triangleTile: albedo.triangleTile }, sh,
      { supersample: options.supersample ?? 2 },
    );
    return { ...first, image: compositeOver(render.image, background), truth, positions };
  };
}

/**
 * The person of picture `index` of the set made from `seed`: identity, bumps, regional shape (realistic
 * kinds) and skin, drawn from that picture's own random sources as its single picture draws them.
 */
function personOf(model: MorphableModel, seed: number, index: number, realistic: boolean): { shape: TruthShape; albedo: AlbedoParams } {
  const own = sampleTruthShape(model, pictureRandom(seed, index));
  const regional = realistic ? makeShapeRealistic(model, own, nuisanceRandom(seed, index), REALISTIC_REGIONAL_SCALE).regional : undefined;
  return { shape: { ...own, regional }, albedo: sampleAlbedoParams(pictureRandom(seed + 7919, index).uniform) };
}

/** The neutral (expression-free) true head of the person of picture `index`, model units: the reference a multi-view fit is scored against. */
export function personNeutralPositions(model: MorphableModel, seed: number, index: number, kind: PictureKind = 'clean'): Float32Array {
  const { shape } = personOf(model, seed, index, kind !== 'clean');
  return truthPositions(model, { ...shape, expression: new Float32Array(shape.expression.length) });
}

/** A realistic picture as written: makeFacePicture, then the JPEG round trip its nuisances ask for. */
export async function realisticPicture(model: MorphableModel, layout: AlbedoLayout, seed: number, index: number, options: FacePictureOptions = {}): Promise<FacePicture> {
  const pic = makeFacePicture(model, layout, seed, index, { kind: 'realistic', ...options });
  const jpeg = pic.truth.nuisances?.jpeg;
  return jpeg ? { ...pic, image: await jpegRoundTrip(pic.image, jpeg.quality) } : pic;
}

/** SH of a coloured or harsh light: a key light, a coloured second light from the other side, little ambient. */
function nuisanceLight(l: LightingNuisance, total: number): Float64Array {
  const ambient = [0, 1, 2].map(() => total * l.ambientShare) as [number, number, number];
  const key = l.keyColour.map((c) => c * total * (1 - l.ambientShare) * (l.kind === 'harsh' ? 1.3 : 1)) as [number, number, number];
  const sh = shFromLight(l.direction, ambient, key);
  const rim = shFromLight(l.rimDirection, [0, 0, 0], l.rimColour.map((c) => c * 0.5 * total) as [number, number, number]);
  for (let k = 0; k < sh.length; k++) sh[k] += rim[k];
  return sh;
}

/** Long hair, glasses and an occluder over the rendered picture, then motion blur and noise. */
function drawNuisances(
  model: MorphableModel, picture: RgbImage, n: Nuisances, positions: Float32Array, pose: HeadPose, camera: Camera,
  faceWidthPx: number, sh: ArrayLike<number>, skin: readonly number[],
): RgbImage {
  let image: RgbImage = { ...picture, data: Uint8Array.from(picture.data) };
  const lm = (k: number): [number, number, number] => { const v = model.landmarks68[k]; return [positions[3 * v], positions[3 * v + 1], positions[3 * v + 2]]; };
  const screen = projectPoints(Float32Array.from(Array.from({ length: 68 }, (_, k) => lm(k)).flat()), pose, camera);
  const at = (k: number): Point => [screen[3 * k], screen[3 * k + 1]];
  // Brightness of a surface facing the camera, for what is drawn over the picture.
  const shade = [0, 0, 0];
  shShade(sh, 0, 0, 1, shade);
  const light = Math.max(0.2, (shade[0] + shade[1] + shade[2]) / 3);
  // A side of the head is turned away when its outward x axis points away from the camera.
  const away = (s: number) => s * pose.rotation[6] > 0.35;
  if (n.hair?.style === 'long') {
    const browTopY = Math.min(...[19, 24].map((k) => at(k)[1]));
    drawLongHair(image, n.hair, Array.from({ length: 17 }, (_, k) => at(k)), browTopY, faceWidthPx, light, [away(-1), away(1)]);
  }
  if (n.glasses) {
    const centre = (a: number, b: number) => [0, 1, 2].map((c) => (lm(a)[c] + lm(b)[c]) / 2) as [number, number, number];
    drawGlasses(image, n.glasses, [centre(36, 39), centre(42, 45)], pose, camera, light);
  }
  if (n.occluder) drawOccluder(image, n.occluder, at(n.occluder.anchor), faceWidthPx, skin, light);
  if (n.motionBlur) image = motionBlur(image, n.motionBlur.length, n.motionBlur.angle);
  if (n.noise) image = addNoise(image, n.noise.sigma, n.noise.chroma, n.noise.seed);
  return image;
}

function normalise(v: number[]): number[] {
  const l = Math.hypot(...v) || 1;
  return v.map((x) => x / l);
}
