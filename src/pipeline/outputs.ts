import type { Grey16Image, Rgb16Image, RgbImage, RgbaImage } from '../base/image.js';
import { deformationImage, detailPicture, displacementMap, faceTriangleMask, heightSampler, normalDetail, resampleSquare, tangentNormalMap, type DisplacementMap } from '../detail/index.js';
import type { MorphableModel } from '../model/types.js';
import { poseAngles, rotationFromAngles, type Camera } from '../base/camera.js';
import { buildDetailMeshExports, buildExports, buildFaceParams, EXPORT_FILE_NAMES, faceParamsJson, type ExportOptions } from '../export/index.js';
import { overlayFaces, renderPlain } from '../render/overlay.js';
import { displayMesh } from '../render/display-mesh.js';
import { bakePhoto, type PhotoBakeOptions, type PhotoView } from '../texture/bake-photo.js';
import { completeAlbedoFromViews, type AlbedoView, type CompletedAlbedo } from '../texture/complete-albedo.js';
import { sampleSkin, skinMaskImage, textureExclusion } from '../skin/index.js';
import { shDominantDirection, shShade } from '../lighting/sh.js';
import { paintEyeTexture } from '../texture/eye-texture.js';
import { measureIrisColour, type IrisColour } from '../texture/iris-colour.js';
import { linearToSrgb, linearToSrgb8 } from '../base/colour.js';
import { texturedMesh } from '../base/mesh.js';
import { comparePicture, faceViews, identitySimilarity, type FaceViews } from './compare-picture.js';
import type { FaceEmbedder } from '../identity/index.js';
import { identityPlausibility } from '../fit/identity-prior.js';
import type { IdentityPriorParams } from '../export/params.js';
import type { ExpandedReconstructOptions, FaceReconstruction, ImageReconstruction } from './reconstruct.js';
import { optionsRecord } from './options.js';

/** Encodes pixels as PNG; injected so this module stays free of Node APIs (sharp in Node, canvas in a browser). */
export type PngEncoder = (image: RgbImage | RgbaImage | Grey16Image | Rgb16Image) => Promise<Uint8Array>;

/** Encodes pixels as JPEG (a few times smaller than PNG for photographic textures); injected like the PNG encoder. */
export type JpegEncoder = (image: RgbImage) => Promise<Uint8Array>;

export type OutputFiles = Record<string, string | Uint8Array>;

export const TEXTURE_SIZE = 1024;

/**
 * What can be chosen to be written (ImageOutputOptions.outputs): the face folder's files
 * (mesh.obj brings its mesh.mtl; texture.png is the landmark fit's texture, albedo.png, shading.png,
 * skin.png and compare.png the photometric fit's; displacement.png, normal.png and detail.png the detail
 * band's, and mesh.mtl refers to normal.png when both are written; deformation.png the mid band's), overlay.png, and `identity`, params.json's
 * identitySimilarity (a face-recognition comparison of the photo with a render). params.json is
 * always written.
 */
export const OUTPUT_NAMES = [
  'overlay.png', 'params.json', 'mesh.obj', 'mesh.ply', 'head.glb', 'render.png', 'eyes.png',
  'texture.png', 'albedo.png', 'shading.png', 'skin.png', 'compare.png', 'identity',
  'displacement.png', 'normal.png', 'detail.png', 'deformation.png', 'detail-mesh.obj', 'detail-mesh.ply',
] as const;
export type OutputName = (typeof OUTPUT_NAMES)[number];

/** Written only when asked for (`--detail-mesh`, or named in `outputs`): the subdivided detail meshes are tens of megabytes. */
export const ON_REQUEST_OUTPUTS: readonly OutputName[] = ['detail-mesh.obj', 'detail-mesh.ply'];

/** What is written when `outputs` is not given. */
export const DEFAULT_OUTPUTS: readonly OutputName[] = OUTPUT_NAMES.filter((name) => !ON_REQUEST_OUTPUTS.includes(name));

/** Whether an output is to be built, given the chosen outputs (default: DEFAULT_OUTPUTS). */
export function outputChooser(outputs: readonly OutputName[] = DEFAULT_OUTPUTS): (name: OutputName) => boolean {
  const chosen = new Set<OutputName>(outputs);
  return (name) => chosen.has(name);
}

export interface ImageOutputOptions {
  /** Face-recognition embedder for params.json's identitySimilarity. */
  embedder?: FaceEmbedder;
  /** The photo as given, when `photo` is a downscaled copy of it (copy = original x scale): params.json's pixels are the original's. */
  original?: { width: number; height: number; scale: number };
  /** Build only these (see OUTPUT_NAMES; params.json always): the work that only the others need is skipped. Default: DEFAULT_OUTPUTS. */
  outputs?: readonly OutputName[];
  /** JPEG encoder for the face texture the GLB embeds (head.glb stays under 5 MB); without it the GLB embeds the PNG. */
  encodeJpeg?: JpegEncoder;
  /**
   * The folder number of each of the result's faces (face<number>/), when the result holds some of
   * an image's faces, reconstructed apart (see reconstructImage's `detected`). Default 0, 1, ...
   */
  faceNumbers?: readonly number[];
}

/** Every file of one photo's reconstruction, keyed by relative path: overlay.png and face<k>/... */
export async function buildImageOutputs(
  model: MorphableModel, photo: RgbImage, result: ImageReconstruction, encodePng: PngEncoder,
  extraTimings: Record<string, number> = {}, options: ImageOutputOptions = {},
): Promise<OutputFiles> {
  const wants = outputChooser(options.outputs);
  const files: OutputFiles = {};
  if (wants('overlay.png')) files['overlay.png'] = await encodePng(overlayImage(model, photo, result.faces));
  for (let k = 0; k < result.faces.length; k++) {
    const t0 = performance.now();
    const built = await buildFaceOutputs(model, photo, result.faces[k], encodePng, wants, wants('identity') ? options.embedder : undefined, options.encodeJpeg);
    const exportMs = performance.now() - t0;
    const params = paramsFor(model, result.faces[k], result.options, result.timings.perception, { ...extraTimings, export: exportMs, ...built.timings }, built, options.original);
    const folder = `face${options.faceNumbers?.[k] ?? k}`;
    files[`${folder}/params.json`] = faceParamsJson(params);
    for (const [name, data] of Object.entries(built.files)) files[`${folder}/${name}`] = data;
  }
  return files;
}

/** What overlay.png draws of a face. */
export type OverlayFace = Pick<FaceReconstruction, 'positions' | 'pose' | 'camera'> & {
  detection: Pick<FaceReconstruction['detection'], 'landmarks'>;
  fit: Pick<FaceReconstruction['fit'], 'faceSize'>;
};

/** The photo with every fitted face drawn over it, detected landmarks in green. */
export function overlayImage(model: MorphableModel, photo: RgbImage, faces: readonly OverlayFace[]): RgbaImage {
  const camera: Camera = faces[0]?.camera
    ?? { focal: Math.max(photo.width, photo.height), cx: photo.width / 2, cy: photo.height / 2, width: photo.width, height: photo.height };
  return overlayFaces(photo, model, faces.map((f) => ({ positions: f.positions, pose: f.pose, camera: f.camera })), camera, {
    points: faces.map((f) => ({ points: f.detection.landmarks, stride: 3, colour: [40, 220, 90] as const, radius: Math.max(1, f.fit.faceSize / 200) })),
  });
}

export interface FaceOutputs {
  files: OutputFiles;
  iris: IrisColour;
  /** Mean error of the fitted appearance on the skin mask, per pixel (photometric faces only). */
  skinErrorPx?: number;
  /** Photo vs textured reconstruction, when an embedder was given. */
  identitySimilarity?: number;
  /** How displacement.png's codes read back, when it was written. */
  displacement?: Omit<DisplacementMap, 'image'>;
  /** The normal map's file name, when it was written. */
  normalMap?: string;
  /** How deformation.png's codes read back, when it was written. */
  deformation?: { scale: number; offset: number };
  timings: Record<string, number>;
}

/** The head the exports and render.png show (see buildFaceOutputs). */
export interface FaceHead {
  positions: Float32Array;
  expression: Float32Array;
  albedo?: () => CompletedAlbedo;
  /** GLB options: an animation clip (a tracked video's performance too), ARKit-52 target names. */
  glb?: Pick<ExportOptions, 'clip' | 'arkit52'>;
}

/**
 * One face's files, those `wants` chooses; what params.json reports is measured either way (the
 * identity similarity only with an embedder). With `encodeJpeg` the GLB embeds the face texture as
 * JPEG. The timings are each stage's milliseconds (params.json's timingsMs; the bench's stage table).
 * `head`: the mesh the exports and render.png show, when not the face as photographed (a person's
 * head without expression), and the albedo when not this photo's alone (a person's, fused from
 * several photos); the other textures and pictures come from the face in its photo; `head.glb`: the
 * GLB's options (an expression clip or a tracked performance, ARKit-52 names).
 */
export async function buildFaceOutputs(
  model: MorphableModel, photo: RgbImage, face: FaceReconstruction, encodePng: PngEncoder,
  wants: (name: OutputName) => boolean, embedder?: FaceEmbedder, encodeJpeg?: JpegEncoder,
  head: FaceHead = face,
): Promise<FaceOutputs> {
  const clock = new StageClock();
  const png = (image: RgbImage | RgbaImage | Rgb16Image) => clock.time('pngEncode', () => encodePng(image));
  const files: OutputFiles = {};
  const meshFiles = (['mesh.obj', 'mesh.ply', 'head.glb'] as const).filter(wants);
  const exportFiles = meshFiles.flatMap((name) => (name === 'mesh.obj' ? ['mesh.obj', 'mesh.mtl'] as const : [name]));
  const iris = await clock.time('eyeTexture', () => faceIrisColour(photo, face));
  const eyeTexturePng = wants('eyes.png') || meshFiles.length > 0
    ? await png(await clock.time('eyeTexture', () => paintEyeTexture(iris.colour))) : undefined;
  if (eyeTexturePng && wants('eyes.png')) files['eyes.png'] = eyeTexturePng;
  /** The face texture for buildExports: as JPEG when the GLB is built and a JPEG encoder given, else the PNG. */
  const exportTexture = async (image: RgbImage, encoded: Uint8Array | undefined) =>
    (encodeJpeg && wants('head.glb') ? clock.time('jpegEncode', () => encodeJpeg(image)) : encoded);
  const exportOptions = { eyeTexture: eyeTexturePng, files: exportFiles, timings: clock.ms, ...head.glb };
  const similarityOf = (views: FaceViews) => clock.time('identity', () => identitySimilarity(embedder!, views, face));
  let similarity: number | undefined;
  let skinErrorPx: number | undefined;
  const detail = face.photometric && face.skin ? await clock.time('detailMaps', () => detailFiles(model, face, encodePng, wants)) : undefined;
  if (detail) Object.assign(files, detail.files);
  let deformation: { scale: number; offset: number } | undefined;
  if (face.mid && wants('deformation.png')) {
    const map = deformationImage(face.mid.map, face.mid.size);
    files['deformation.png'] = await png(map.image);
    deformation = { scale: map.scale, offset: map.offset };
  }
  if (!face.photometric || !face.skin) {
    if (meshFiles.length > 0 || wants('texture.png') || embedder) {
      const baked = await clock.time('texture', () => bakePhoto(photoView(model, photo, face), faceTextureLayout(model)));
      const texturePng = meshFiles.length > 0 || wants('texture.png') ? await png(baked.filled) : undefined;
      Object.assign(files, await buildExports(model, head.positions, head.expression, await exportTexture(baked.filled, texturePng),
        { ...exportOptions, skinColour: meanObservedColour(baked.observed) }));
      if (texturePng && wants('texture.png')) files['texture.png'] = texturePng;
      if (embedder) similarity = await similarityOf(await clock.time('views', () => faceViews(model, photo, face, baked.filled)));
    }
  } else {
    // The albedo, its views and the compare picture are measured for params.json whatever is written.
    const completed = await clock.time('albedo', () => (head.albedo ?? (() => completeFaceAlbedo(model, photo, face)))());
    const albedoPng = meshFiles.length > 0 || wants('albedo.png') ? await png(completed.albedo) : undefined;
    const tone = completed.skinTone.map(linearToSrgb) as [number, number, number];
    const detailMeshFiles = face.detail ? (['detail-mesh.obj', 'detail-mesh.ply'] as const).filter(wants) : [];
    if (face.detail && detailMeshFiles.length > 0) {
      const { detail } = face;
      Object.assign(files, await clock.time('detailMesh', () => buildDetailMeshExports(model, head.positions, {
        segments: detail.options.meshSegments, displaced: faceTriangleMask(model), height: heightSampler(detail), skinColour: tone,
        textureName: 'albedo.png', eyeTextureName: eyeTexturePng ? EXPORT_FILE_NAMES.eyeTexture : undefined,
        files: detailMeshFiles.flatMap((name) => (name === 'detail-mesh.obj' ? ['detail-mesh.obj', 'detail-mesh.mtl'] as const : [name])),
      })));
    }
    Object.assign(files, await buildExports(model, head.positions, head.expression, await exportTexture(completed.albedo, albedoPng),
      { ...exportOptions, skinColour: tone, textureName: 'albedo.png', normalMap: detail?.normalMap, normalMapName: files['normal.png'] ? 'normal.png' : undefined }));
    if (albedoPng && wants('albedo.png')) files['albedo.png'] = albedoPng;
    const headColour = completed.skinTone.map(linearToSrgb8) as [number, number, number];
    const views = await clock.time('views', () => faceViews(model, photo, face, completed.albedo, { sh: completed.lighting, headColour }));
    const compare = await clock.time('compare', () => comparePicture(model, views, face));
    skinErrorPx = compare.skinError;
    if (embedder) similarity = await similarityOf(views);
    if (wants('shading.png')) files['shading.png'] = await png(completed.shading);
    if (wants('skin.png')) files['skin.png'] = await png(await clock.time('skinPicture', () => skinMaskImage(face.skin!, photo)));
    if (wants('compare.png')) files['compare.png'] = await png(compare.image);
  }
  if (wants('render.png')) files['render.png'] = await png(await clock.time('render', () => frontalRender(model, head.positions)));
  return {
    files, iris, skinErrorPx, timings: clock.ms, identitySimilarity: similarity, displacement: detail?.displacement,
    normalMap: files['normal.png'] ? 'normal.png' : undefined, deformation,
  };
}

/** Milliseconds spent per named stage, summed over its calls. */
class StageClock {
  readonly ms: Record<string, number> = {};

  async time<T>(stage: string, work: () => T | Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await work();
    } finally {
      this.ms[stage] = (this.ms[stage] ?? 0) + performance.now() - t0;
    }
  }
}

/** The detail band's files: displacement.png (16-bit; how it reads back goes to params.json), normal.png, detail.png. */
async function detailFiles(
  model: MorphableModel, face: FaceReconstruction, encodePng: PngEncoder, wants: (name: OutputName) => boolean,
): Promise<{ files: OutputFiles; displacement?: Omit<DisplacementMap, 'image'>; normalMap?: Uint8Array } | undefined> {
  const detail = face.detail;
  if (!detail) return undefined;
  const files: OutputFiles = {};
  let displacement: Omit<DisplacementMap, 'image'> | undefined;
  if (wants('displacement.png')) {
    const map = displacementMap(detail, detail.options.mapSize);
    files['displacement.png'] = await encodePng(map.image);
    displacement = { scale: map.scale, offset: map.offset };
  }
  // The GLB embeds the normal map whether or not normal.png is written.
  const normalMap = wants('normal.png') || wants('head.glb') ? await encodePng(tangentNormalMap(detail, detail.options.mapSize)) : undefined;
  if (normalMap && wants('normal.png')) files['normal.png'] = normalMap;
  if (wants('detail.png')) {
    const coarse = face.mid ? { positions: withoutOffsets(face.positions, face.mid.vertexOffsets, model.unitsToMillimetres) } : undefined;
    const columns = [...(coarse ? [coarse] : []), { positions: face.positions }, { positions: face.positions, detail: normalDetail(detail, faceTriangleMask(model)) }];
    files['detail.png'] = await encodePng(detailPicture(model, columns));
  }
  return { files, displacement, normalMap };
}

/** The head before the mid band: its positions (model units) less the band's offsets (mm). */
function withoutOffsets(positions: Float32Array, offsetsMm: Float32Array, millimetres: number): Float32Array {
  const out = Float32Array.from(positions);
  for (let i = 0; i < out.length; i++) out[i] -= offsetsMm[i] / millimetres;
  return out;
}

/**
 * The face's full UV albedo: the photo with the fitted lighting divided out, completed (see
 * completeAlbedo); with `others`, more photos of the same head fused in (see completeAlbedoFromViews;
 * this photo sets exposure, white balance and the shading returned).
 */
export function completeFaceAlbedo(
  model: MorphableModel, photo: RgbImage, face: FaceReconstruction, others: readonly { photo: RgbImage; face: FaceReconstruction }[] = [],
): CompletedAlbedo {
  const views = [{ photo, face }, ...others].map(({ photo: image, face: f }): AlbedoView => {
    const skin = f.skin;
    if (!f.photometric || !skin) throw new Error('completeFaceAlbedo needs a photometric reconstruction');
    return {
      view: photoView(model, image, f), lighting: { sh: f.photometric.sh, whiteBalance: true },
      exclude: textureExclusion(image, skin, f.detection.landmarks),
      skin: (x, y) => sampleSkin(skin, x, y),
      detailShading: f.detail && resampleSquare(f.detail.shadingFactor, f.detail.size, TEXTURE_SIZE),
    };
  });
  return completeAlbedoFromViews(views, { ...faceTextureLayout(model), size: TEXTURE_SIZE, symmetric: texturedMesh(model, model.neutral) });
}

/** The face's iris colour from the photo; with a photometric fit, the fitted lighting of a surface facing the camera is divided out, as from the albedo. */
function faceIrisColour(photo: RgbImage, face: FaceReconstruction): IrisColour {
  const shading = [1, 1, 1] as [number, number, number];
  if (face.photometric) shShade(face.photometric.shWhite, 0, 0, 1, shading);
  return measureIrisColour(photo, face.detection.landmarks, face.detection.irises, face.photometric ? shading : undefined);
}

/** The posed face as the photo sees it, for baking the photo into the UV layout. */
export function photoView(model: MorphableModel, photo: RgbImage, face: FaceReconstruction): PhotoView {
  return { ...texturedMesh(model, face.positions), photo, camera: face.camera, pose: face.pose };
}

/** The face's UV square at TEXTURE_SIZE, with the displayed head as occluder. */
export function faceTextureLayout(model: MorphableModel): PhotoBakeOptions {
  return {
    width: TEXTURE_SIZE, height: TEXTURE_SIZE, uRange: [0, 1], vRange: [0, 1],
    bakeSelect: [model.triangleRegions.face], occluderSelect: displayMesh(model).select,
  };
}

/** The fitted head seen from the front and from a three-quarter view, side by side. */
function frontalRender(model: MorphableModel, positions: Float32Array): RgbaImage {
  const size = 512;
  const camera: Camera = { focal: 1400, cx: size, cy: size / 2 + 20, width: 2 * size, height: size };
  const place = (yaw: number, x: number) => ({
    positions, pose: { rotation: rotationFromAngles(yaw, 0, 0), translation: Float64Array.from([x, -1, 85]) },
  });
  return renderPlain(model, [place(0, -15), place(35, 15)], camera);
}

/** Mean sRGB colour (0..1) of the observed texels: the skin colour of the untextured back of the head. */
function meanObservedColour(observed: RgbaImage): [number, number, number] | undefined {
  const sum = [0, 0, 0];
  let n = 0;
  for (let p = 0; p < observed.data.length; p += 4) {
    if (observed.data[p + 3] === 0) continue;
    for (let c = 0; c < 3; c++) sum[c] += observed.data[p + c];
    n++;
  }
  return n ? [sum[0] / n / 255, sum[1] / n / 255, sum[2] / n / 255] : undefined;
}

/** One face's params.json; `built`: what its outputs measured (none for a view of a person whose files came from another). */
export function paramsFor(
  model: MorphableModel, face: FaceReconstruction, options: ExpandedReconstructOptions, perceptionMs: number | undefined,
  timings: Record<string, number>, built: Partial<FaceOutputs>, original?: ImageOutputOptions['original'],
) {
  const { fit, detection, photometric, skin } = face;
  const mm = model.unitsToMillimetres;
  const final = photometric ?? fit;
  return buildFaceParams({
    model,
    identity: face.identity,
    expression: face.expression,
    angles: poseAngles(face.pose.rotation),
    rotation: face.pose.rotation,
    translationMm: Array.from(face.pose.translation, (x) => x * mm),
    camera: face.camera,
    image: original,
    fit: { residualPx: final.residualPx, residualNormalised: final.residualNormalised, landmarkCount: fit.landmarkCount, iterations: fit.iterations + (photometric?.iterations ?? 0) },
    timingsMs: { ...(perceptionMs === undefined ? {} : { perceptionImage: perceptionMs }), ...face.timings, ...timings },
    detection: { box: detection.box, score: detection.score },
    identitySimilarity: built.identitySimilarity,
    identityPrior: identityPriorParams(face.identity),
    confidence: detection.confidence && { ...detection.confidence, priorScale: final.priors.identity },
    eyes: built.iris && { irisColour: built.iris.colour, irisPixels: built.iris.pixels },
    photometric: photometric && skin ? {
      lightingSh: Array.from(photometric.sh),
      lightDirection: shDominantDirection(photometric.sh) ?? [0, 0, 1],
      skinTone: photometric.skinTone.map(linearToSrgb) as [number, number, number],
      skinErrorLandmarkFit: photometric.photometricError.landmarkFit,
      skinErrorRefined: photometric.photometricError.refined,
      skinErrorPixels: built.skinErrorPx,
      sampleCount: photometric.sampleCount,
      landmarkFitResidualPx: fit.residualPx,
      skinCoverage: skin.coverage,
      glasses: skin.glasses,
      ...(photometric.diverged ? { diverged: true } : {}),
    } : undefined,
    detail: face.detail && {
      ...(built.displacement ? { displacement: { file: 'displacement.png', ...built.displacement, unit: 'mm' as const } } : {}),
      ...(built.normalMap ? { normalMap: built.normalMap } : {}),
      solveSize: face.detail.size, mapSize: face.detail.options.mapSize,
      evidenceTexels: face.detail.stats.evidenceTexels, rmsMm: face.detail.stats.rmsMm, maxAbsMm: face.detail.stats.maxAbsMm,
    },
    mid: face.mid && {
      ...(built.deformation ? { deformation: { file: 'deformation.png', ...built.deformation, unit: 'mm' as const } } : {}),
      mapSize: face.mid.size, rmsMm: face.mid.stats.rmsMm, maxAbsMm: face.mid.stats.maxAbsMm,
      samples: face.mid.stats.samples, landmarks: face.mid.stats.landmarks, contourPoints: face.mid.stats.contourPoints, edges: face.mid.stats.edges,
    },
    options: optionsRecord(options),
  });
}

function identityPriorParams(identity: Float32Array): IdentityPriorParams {
  const p = identityPlausibility(identity);
  return { modes: p.modes, mahalanobisNorm: p.mahalanobisNorm, normLimit99: p.normLimit, largestSigma: p.largestSigma, largestMode: p.largestMode, flagged: p.flagged };
}
