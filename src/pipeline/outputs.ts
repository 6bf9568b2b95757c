import type { RgbImage, RgbaImage } from '../geometry/image.js';
import type { MorphableModel } from '../model/types.js';
import { poseAngles, rotationFromAngles, type Camera } from '../fit/camera.js';
import { buildExports, buildFaceParams, faceParamsJson } from '../export/index.js';
import { overlayFaces, renderPlain } from '../render/overlay.js';
import { displayMesh } from '../render/display-mesh.js';
import { bakePhoto } from '../texture/bake-photo.js';
import type { FaceReconstruction, ImageReconstruction } from './reconstruct.js';

/** Encodes pixels as PNG; injected so this module stays free of Node APIs (sharp in Node, canvas in a browser). */
export type PngEncoder = (image: RgbImage | RgbaImage) => Promise<Uint8Array>;

export type OutputFiles = Record<string, string | Uint8Array>;

export const TEXTURE_SIZE = 1024;

/** Every file of one photo's reconstruction, keyed by relative path: overlay.png and face<k>/... */
export async function buildImageOutputs(
  model: MorphableModel, photo: RgbImage, result: ImageReconstruction, encodePng: PngEncoder,
  extraTimings: Record<string, number> = {},
): Promise<OutputFiles> {
  const files: OutputFiles = {};
  files['overlay.png'] = await encodePng(overlayImage(model, photo, result));
  for (let k = 0; k < result.faces.length; k++) {
    const t0 = performance.now();
    const faceFiles = await buildFaceOutputs(model, photo, result.faces[k], encodePng);
    const exportMs = performance.now() - t0;
    const params = paramsFor(model, result, k, { ...extraTimings, export: exportMs });
    files[`face${k}/params.json`] = faceParamsJson(params);
    for (const [name, data] of Object.entries(faceFiles)) files[`face${k}/${name}`] = data;
  }
  return files;
}

/** The photo with every fitted face drawn over it, detected landmarks in green. */
export function overlayImage(model: MorphableModel, photo: RgbImage, result: ImageReconstruction): RgbaImage {
  const camera: Camera = result.faces[0]?.fit.camera
    ?? { focal: Math.max(photo.width, photo.height), cx: photo.width / 2, cy: photo.height / 2, width: photo.width, height: photo.height };
  return overlayFaces(photo, model, result.faces.map((f) => ({ positions: f.positions, pose: f.fit.pose, camera: f.fit.camera })), camera, {
    points: result.faces.map((f) => ({ points: f.detection.landmarks, stride: 3, color: [40, 220, 90] as const, radius: Math.max(1, f.fit.faceSize / 200) })),
  });
}

async function buildFaceOutputs(model: MorphableModel, photo: RgbImage, face: FaceReconstruction, encodePng: PngEncoder): Promise<OutputFiles> {
  const [fs, fe] = model.triangleRegions.face;
  const baked = bakePhoto({
    photo, camera: face.fit.camera, pose: face.fit.pose, positions: face.positions,
    triangles: model.triangles, uvs: model.uvs, triangleUvs: model.triangleUvs,
  }, { width: TEXTURE_SIZE, height: TEXTURE_SIZE, uRange: [0, 1], vRange: [0, 1], bakeSelect: [[fs, fe]], occluderSelect: displayMesh(model).select });
  const texturePng = await encodePng(baked.filled);
  const exports = buildExports(model, face.positions, face.fit.expression, texturePng, { skinColour: meanObservedColour(baked.observed) });
  return {
    ...exports,
    'texture.png': texturePng,
    'render.png': await encodePng(frontalRender(model, face.positions)),
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

function paramsFor(model: MorphableModel, result: ImageReconstruction, k: number, timings: Record<string, number>) {
  const face = result.faces[k];
  const { fit, detection } = face;
  const mm = model.unitsToMillimetres;
  return buildFaceParams({
    model,
    identity: fit.identity,
    expression: fit.expression,
    angles: poseAngles(fit.pose.rotation),
    rotation: fit.pose.rotation,
    translationMm: Array.from(fit.pose.translation, (x) => x * mm),
    camera: fit.camera,
    fit: { residualPx: fit.residualPx, residualNormalised: fit.residualNormalized, landmarkCount: fit.landmarkCount, iterations: fit.iterations },
    timingsMs: { perceptionImage: result.timings.perception, fit: face.timings.fit, ...timings },
    detection: { box: detection.box, score: detection.score },
  });
}
