/**
 * Expression transfer (`facerecon animate`): the identity (and mid band and detail) of face A, the
 * expression and jaw of a photo B, a preset or weights by name, and the pose of A or of B. Builds the
 * same files as a reconstruction of A (with buildFaceOutputs) showing that head, plus animate.png and
 * turntable.png. Touches no disk.
 */
import { rotationFromAngles, type Camera, type HeadPose } from '../base/camera.js';
import { sideBySide, type RgbImage, type RgbaImage } from '../base/image.js';
import { texturedMesh } from '../base/mesh.js';
import { resampleWindow } from '../base/resample.js';
import { expressionDetail, faceTriangleMask, normalDetail, wrinkleMaps, wrinkleSummary, WRINKLE_REGIONS, type ExpressionDetail, type WrinkleMaps } from '../detail/index.js';
import { CLIP_EXPRESSIONS, expressionClip, presetExpression } from '../export/index.js';
import { shFromLight } from '../lighting/sh.js';
import { instantiate } from '../model/instance.js';
import type { MorphableModel } from '../model/types.js';
import { renderPlain } from '../render/overlay.js';
import type { NormalDetail } from '../render/normal-detail.js';
import { renderTextured } from '../render/textured.js';
import { bakePhoto } from '../texture/bake-photo.js';
import type { CompletedAlbedo } from '../texture/complete-albedo.js';
import { faceWindow, opaque, over } from './compare-picture.js';
import {
  buildFaceOutputs, completeFaceAlbedo, faceTextureLayout, outputChooser, overlayImage, paramsFor, photoView,
  type ImageOutputOptions, type OutputFiles, type OutputName, type PngEncoder,
} from './outputs.js';
import { padTo, type FaceReconstruction, type ImageReconstruction } from './reconstruct.js';

/** Where the new expression comes from. */
export interface AnimateTarget {
  /** Weights per model expression. */
  expression: Float32Array;
  /** What it came from, as params.json's `animate` block reports it: a photo's path, a preset's name, a weights file's path. */
  source: { kind: 'photo' | 'preset' | 'weights'; name: string };
  /** The photo B and its face, when the expression came from a photo (animate.png shows it). */
  photo?: { image: RgbImage; face: FaceReconstruction };
  /** Take B's head rotation (needs `photo`); default A's. */
  pose?: boolean;
}

export interface AnimateOutputOptions extends ImageOutputOptions {
  /** head.glb plays a clip cycling a few expressions (see expressionClip). */
  clip?: boolean;
  /** head.glb's morph targets under ARKit's 52 names (see arkit52Sources). */
  arkit52?: boolean;
  /** With detail: face<k>/wrinkles/, the wrinkle maps an engine blends by morph weights (see wrinkleMaps). */
  wrinkleMaps?: boolean;
}

/**
 * Face k of A's reconstruction with the target's expression: overlay.png, animate.png, turntable.png
 * and face<k>/ with the files a reconstruction writes (meshes, textures and pictures of A; the meshes,
 * render.png and params.json's expression and pose the animated head's), params.json's `animate` block
 * saying where each part came from.
 */
export async function buildAnimateOutputs(
  model: MorphableModel, a: ImageReconstruction, k: number, target: AnimateTarget, encodePng: PngEncoder, options: AnimateOutputOptions = {},
): Promise<OutputFiles> {
  const face = a.faces[k];
  if (target.pose && !target.photo) throw new Error('taking the pose needs an expression from a photo');
  const wants = outputChooser(options.outputs);
  // The detail band follows the expression: the photo's folds go where the new expression does not compress the skin, new ones come where it does.
  const wrinkles = face.detail && expressionDetail(model, face.detail, padTo(face.identity, model.identityCount), face.expression);
  const animated = { ...animatedFace(model, face, target), ...(wrinkles ? { detail: wrinkles.at(target.expression) } : {}) };
  let completed: CompletedAlbedo | undefined;
  const albedo = face.photometric && face.skin ? () => (completed ??= completeFaceAlbedo(model, a.image, face)) : undefined;
  const t0 = performance.now();
  const glb = { arkit52: options.arkit52, clip: options.clip ? expressionClip(model.expressionNames, target.expression) : undefined };
  const built = await buildFaceOutputs(model, a.image, { ...face, detail: animated.detail }, encodePng, wants, wants('identity') ? options.embedder : undefined, options.encodeJpeg,
    { positions: animated.positions, expression: target.expression, albedo, glb });
  const files: OutputFiles = {};
  if (wants('overlay.png')) files['overlay.png'] = await encodePng(overlayImage(model, a.image, [face]));
  const look: HeadLook = albedo
    ? { texture: albedo().albedo, sh: face.photometric!.sh }
    : { texture: bakePhoto(photoView(model, a.image, face), faceTextureLayout(model)).filled, sh: shFromLight([0, 0, 1], [1, 1, 1], [0, 0, 0]) };
  if (animated.detail) look.detail = normalDetail(animated.detail, faceTriangleMask(model));
  files['animate.png'] = await encodePng(animatePicture(model, a.image, face, animated, target, look));
  files['turntable.png'] = await encodePng(turntablePicture(model, face, target.expression, look, wrinkles));
  const exportMs = performance.now() - t0;
  const params = paramsFor(model, animated, a.options, a.timings.perception, { export: exportMs, ...built.timings }, built, options.original);
  const withSource = {
    ...params,
    animate: {
      identityFrom: 'photo', expressionFrom: target.source, poseFrom: target.pose ? 'expression photo' : 'photo',
      ...(options.clip ? { clip: glb.clip!.name, clipExpressions: ['own', ...CLIP_EXPRESSIONS] } : {}), targetNames: options.arkit52 ? 'arkit52' : 'ict53',
      ...(wrinkles ? { wrinkles: wrinkleSummary(wrinkles) } : {}),
    },
  };
  files[`face${k}/params.json`] = `${JSON.stringify(withSource, null, 2)}\n`;
  for (const [name, data] of Object.entries(built.files)) files[`face${k}/${name}`] = data;
  if (options.wrinkleMaps && wrinkles && face.detail) {
    for (const [name, data] of Object.entries(await wrinkleMapFiles(wrinkleMaps(model, wrinkles, face.detail.options.mapSize), encodePng))) files[`face${k}/wrinkles/${name}`] = data;
  }
  return files;
}

/** The wrinkle maps as the files of a wrinkles/ folder, by the names wrinkles.json gives them. */
export async function wrinkleMapFiles(maps: WrinkleMaps, encodePng: PngEncoder): Promise<OutputFiles> {
  const files: OutputFiles = { [maps.mapping.base]: await encodePng(maps.base) };
  for (const [r, region] of WRINKLE_REGIONS.entries()) files[maps.mapping.regions[region].normalMap] = await encodePng(maps.regions[r]);
  for (const [i, mask] of maps.masks.entries()) files[`wrinkle-masks-${i}.png`] = await encodePng(mask);
  files['wrinkles.json'] = `${JSON.stringify(maps.mapping, null, 2)}\n`;
  return files;
}

/** Face A with the target's expression (and pose): positions with A's identity and mid band, the target's weights. */
export function animatedFace(model: MorphableModel, face: FaceReconstruction, target: Pick<AnimateTarget, 'expression' | 'photo' | 'pose'>): FaceReconstruction {
  const positions = instantiate(model, { identity: padTo(face.identity, model.identityCount), expression: target.expression });
  if (face.mid) {
    const offsets = face.mid.vertexOffsets, mm = model.unitsToMillimetres;
    for (let i = 0; i < positions.length; i++) positions[i] += offsets[i] / mm;
  }
  const pose: HeadPose = target.pose && target.photo ? { rotation: target.photo.face.pose.rotation, translation: face.pose.translation } : face.pose;
  return { ...face, positions, expression: target.expression, pose };
}

/** How the animated head is drawn: A's texture lit by A's light, and A's fine detail when it has one. */
interface HeadLook {
  texture: RgbImage;
  sh: ArrayLike<number>;
  detail?: NormalDetail;
}

/** Side of each panel of animate.png and turntable.png, pixels. */
const PANEL = 320;

/**
 * animate.png: A's photo | B's photo, or for a preset or weights the model's average head with that
 * expression (gray) | A with the new expression, textured and shaded, as A's camera sees it.
 */
function animatePicture(model: MorphableModel, photo: RgbImage, face: FaceReconstruction, animated: FaceReconstruction, target: AnimateTarget, look: HeadLook): RgbaImage {
  const window = faceWindow(face, PANEL);
  const a = opaque(resampleWindow(photo, window.x, window.y, window.scale, PANEL, PANEL));
  let b: RgbaImage;
  if (target.photo) {
    const w = faceWindow(target.photo.face, PANEL);
    b = opaque(resampleWindow(target.photo.image, w.x, w.y, w.scale, PANEL, PANEL));
  } else {
    const average = instantiate(model, { identity: new Float32Array(model.identityCount), expression: target.expression });
    b = renderPlain(model, [{ positions: average, pose: face.pose }], window.camera);
  }
  return sideBySide([a, b, renderHead(model, animated.positions, animated.pose, window.camera, look)]);
}

/** The head textured and lit over its gray-shaded geometry (eyes, mouth interior), on the renderer's background. */
function renderHead(model: MorphableModel, positions: Float32Array, pose: HeadPose, camera: Camera, look: HeadLook): RgbaImage {
  const geometry = renderPlain(model, [{ positions, pose, detail: look.detail }], camera);
  const mesh = { ...texturedMesh(model, positions), select: [model.triangleRegions.face] as const, detail: look.detail };
  const textured = renderTextured(mesh, pose, camera, { kind: 'texture', tiles: [look.texture] }, look.sh, { supersample: 2 });
  return over(textured.image, geometry);
}

/**
 * turntable.png: the animated head at its new expression and then each of the clip's expressions
 * (CLIP_EXPRESSIONS), turning from 35 degrees to one side to 35 to the other across the strip.
 */
function turntablePicture(model: MorphableModel, face: FaceReconstruction, expression: Float32Array, look: HeadLook, wrinkles?: ExpressionDetail): RgbaImage {
  const expressions = [expression, ...CLIP_EXPRESSIONS.map((name) => presetExpression(model.expressionNames, name)!)];
  const camera: Camera = { focal: 1000, cx: PANEL / 2, cy: PANEL / 2, width: PANEL, height: PANEL };
  return sideBySide(expressions.map((weights, i) => {
    const yaw = -35 + (70 * i) / (expressions.length - 1);
    const { positions } = animatedFace(model, face, { expression: weights });
    const detail = i > 0 && wrinkles ? normalDetail(wrinkles.at(weights), faceTriangleMask(model)) : look.detail;
    return renderHead(model, positions, { rotation: rotationFromAngles(yaw, 0, 0), translation: Float64Array.from([0, 0.5, 80]) }, camera, { ...look, detail });
  }));
}
