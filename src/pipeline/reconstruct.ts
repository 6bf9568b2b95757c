import type { RgbImage } from '../base/image.js';
import type { MorphableModel } from '../model/types.js';
import { instantiate } from '../model/instance.js';
import type { DetectedFace } from '../perception/types.js';
import { IRIS_EYELID_MESH_INDICES } from '../perception/iris.js';
import type { DetectOptions } from '../perception/options.js';
import { fitLandmarks, type FaceGeometry, type FitResult, type LandmarkModel } from '../fit/landmark-fit.js';
import { refinePhotometric, type PhotometricResult } from '../photometric/refine.js';
import { detailSkinMask, sampleSkin, skinMask, type SkinMask } from '../skin/index.js';
import { reconstructDetail, type DetailResult } from '../detail/reconstruct-detail.js';
import { reconstructMidBand, type MidBandResult } from '../detail/mid-band.js';
import { texturedMesh } from '../base/mesh.js';
import { displayMesh } from '../render/display-mesh.js';
import { expandReconstructOptions, optionsRecord, type ExpandedReconstructOptions, type ReconstructOptions } from './options.js';

export type { ReconstructOptions, ExpandedReconstructOptions } from './options.js';

export interface FaceDetectorLike {
  detect(image: RgbImage, options?: DetectOptions): Promise<DetectedFace[]>;
}

/** The stages of a reconstruction, in the order they run (detail only with the detail option). */
export type ReconstructStage = 'detection' | 'fit' | 'skin' | 'photometric' | 'detail';

/**
 * Told as each stage begins (face: the face's index, -1 for the whole image's detection); a page
 * shows its progress from it. A face's stages run synchronously, so the listener must not wait.
 */
export type StageListener = (stage: ReconstructStage, face: number) => void;

export interface ReconstructContext {
  model: MorphableModel;
  landmarks: LandmarkModel;
  detector: FaceDetectorLike;
}

/** One face: the stages' results, and the geometry (pose, camera, coefficients) of the last stage that ran. */
export interface FaceReconstruction extends FaceGeometry {
  detection: DetectedFace;
  /** The landmark fit (the starting point of the photometric refinement). */
  fit: FitResult;
  /** Skin mask and photometric refinement, absent for a landmark-only reconstruction. */
  skin?: SkinMask;
  photometric?: PhotometricResult;
  /** The high-frequency detail band (displacement along the normal over the face's UV square), when it ran. */
  detail?: DetailResult;
  /** The mid-frequency band (xyz offsets over the face's UV square, included in `positions`), when it ran. */
  mid?: MidBandResult;
  /** Fitted mesh in model units, head frame (see src/base/camera.ts); with the mid band when it ran. */
  positions: Float32Array;
  /** Milliseconds per stage for this face. */
  timings: { fit: number; skin?: number; photometric?: number; mid?: number; detail?: number };
}

export interface ImageReconstruction {
  /** The photo the faces were found in. */
  image: RgbImage;
  width: number;
  height: number;
  faces: FaceReconstruction[];
  /** Milliseconds: detection+landmarks for the whole image; fit, skin and photometric summed over faces. */
  timings: { perception: number; fit: number; skin?: number; photometric?: number; mid?: number; detail?: number };
  /** The options used, defaults filled in. */
  options: ExpandedReconstructOptions;
}

/** The faces found in an image, and how long finding them took (milliseconds, detection and landmarks). */
export interface DetectedFaces {
  detections: DetectedFace[];
  perception: number;
}

/** Finds every face in decoded pixels (detection, landmarks, iris): the first stage of reconstructImage. */
export async function detectFaces(ctx: Pick<ReconstructContext, 'detector'>, image: RgbImage, options: ReconstructOptions = {}): Promise<DetectedFaces> {
  const o = expandReconstructOptions(options);
  const t0 = performance.now();
  const detections = await ctx.detector.detect(image, o.detection);
  return { detections, perception: performance.now() - t0 };
}

/**
 * Detects every face in decoded pixels and reconstructs each one. Touches no disk. `detected`: faces
 * found earlier by detectFaces (in this image), reconstructed without detecting again; a subset of
 * an image's faces may be given, so that its faces can be shared between threads.
 */
export async function reconstructImage(
  ctx: ReconstructContext, image: RgbImage, options: ReconstructOptions = {}, onStage?: StageListener, detected?: DetectedFaces,
): Promise<ImageReconstruction> {
  const o = expandReconstructOptions(options);
  if (!detected) onStage?.('detection', -1);
  const { detections, perception } = detected ?? await detectFaces(ctx, image, options);
  const faces: FaceReconstruction[] = [];
  for (const detection of detections) {
    await nextTurn();
    const k = faces.length;
    faces.push(reconstructFace(ctx, image, detection, o, onStage && ((stage) => onStage(stage, k))));
  }
  return { image, width: image.width, height: image.height, faces, timings: imageTimings(faces, perception, o), options: o };
}

/** An image's timings: its perception, and each stage summed over its faces. */
function imageTimings(faces: readonly FaceReconstruction[], perception: number, o: ExpandedReconstructOptions): ImageReconstruction['timings'] {
  const sum = (key: 'fit' | 'skin' | 'photometric' | 'mid' | 'detail') => faces.reduce((s, f) => s + (f.timings[key] ?? 0), 0);
  const timings: ImageReconstruction['timings'] = { perception, fit: sum('fit') };
  if (o.photometric) { timings.skin = sum('skin'); timings.photometric = sum('photometric'); }
  if (o.mid) timings.mid = sum('mid');
  if (o.detail) timings.detail = sum('detail');
  return timings;
}

/** Landmark fit, then (unless disabled) skin mask and photometric refinement of one detected face. */
export function reconstructFace(
  ctx: Pick<ReconstructContext, 'model' | 'landmarks'>, image: RgbImage, detection: DetectedFace, options: ReconstructOptions = {},
  onStage?: (stage: ReconstructStage) => void,
): FaceReconstruction {
  const o = expandReconstructOptions(options);
  const targets = landmarkTargets(detection);
  // Weak evidence (perception's confidence) pulls identity and expression toward the prior.
  const confidence = detection.confidence?.value;
  onStage?.('fit');
  let t = performance.now();
  const fit = fitLandmarks(ctx.landmarks, targets, image, { ...o.fit, confidence: o.fit.confidence ?? confidence });
  const timings: FaceReconstruction['timings'] = { fit: performance.now() - t };
  let final: FaceGeometry = fit;
  let skin: SkinMask | undefined, photometric: PhotometricResult | undefined;
  if (o.photometric) {
    onStage?.('skin');
    t = performance.now();
    skin = skinMask(image, detection.landmarks);
    timings.skin = performance.now() - t;
    onStage?.('photometric');
    t = performance.now();
    const mask = skin;
    photometric = refinePhotometric(ctx.model, ctx.landmarks, image, targets, fit, {
      ...o.photometric, confidence: o.photometric.confidence ?? confidence, skin: (x, y) => sampleSkin(mask, x, y),
    });
    timings.photometric = performance.now() - t;
    final = photometric;
  }
  const coarse: FaceReconstruction = {
    detection, fit, skin, photometric,
    pose: final.pose, camera: final.camera, identity: final.identity, expression: final.expression,
    positions: instantiate(ctx.model, { identity: padTo(final.identity, ctx.model.identityCount), expression: final.expression }),
    timings,
  };
  return withBands(ctx, image, coarse, o, onStage);
}

/**
 * The mid and detail bands (those `o` asks for) on a face reconstructed without them; a face
 * without the photometric stage is returned as it is. The mid band's offsets go into `positions`.
 */
export function withBands(
  ctx: Pick<ReconstructContext, 'model' | 'landmarks'>, image: RgbImage, face: FaceReconstruction, o: ExpandedReconstructOptions,
  onStage?: (stage: ReconstructStage) => void,
): FaceReconstruction {
  const { photometric, skin, detection } = face;
  if (!photometric || !skin) return face;
  const timings = { ...face.timings };
  let positions = face.positions;
  let mid: MidBandResult | undefined;
  let t: number;
  if (o.mid) {
    t = performance.now();
    mid = reconstructMidBand({
      model: ctx.model, positions, pose: face.pose, camera: face.camera, photo: image, sh: photometric.sh,
      albedo: { samples: photometric.samples, sampleAlbedo: photometric.sampleAlbedo }, skin: (x, y) => sampleSkin(skin, x, y),
      landmarks: ctx.landmarks, targets: landmarkTargets(detection),
    }, o.mid);
    positions = mid.positions;
    timings.mid = performance.now() - t;
  }
  let detail: DetailResult | undefined;
  if (o.detail) {
    onStage?.('detail');
    t = performance.now();
    const mask = detailSkinMask(image, detection.landmarks);
    detail = reconstructDetail({
      view: { ...texturedMesh(ctx.model, positions), photo: image, camera: face.camera, pose: face.pose },
      sh: photometric.sh, skin: (x, y) => sampleSkin(mask, x, y),
      symmetric: texturedMesh(ctx.model, ctx.model.neutral),
      select: [ctx.model.triangleRegions.face], occluderSelect: displayMesh(ctx.model).select,
      millimetres: ctx.model.unitsToMillimetres,
    }, o.detail);
    timings.detail = performance.now() - t;
  }
  return { ...face, mid, detail, positions, timings };
}

/**
 * The detail band (and the mid band, unless `options.mid` is false) added to a reconstruction made
 * without them, e.g. on demand in a page: the same faces as a reconstruction with `detail` would
 * give, without running detection and fits again. Landmark-only faces are left as they are.
 */
export function addDetail(
  ctx: Pick<ReconstructContext, 'model' | 'landmarks'>, result: ImageReconstruction,
  options: Pick<ReconstructOptions, 'detail' | 'mid'> = {}, onStage?: StageListener,
): ImageReconstruction {
  if (result.options.mid || result.options.detail) throw new Error('addDetail takes a reconstruction made without the mid and detail bands');
  const { detection, fit, photometric } = optionsRecord(result.options) as ReconstructOptions;
  const o = expandReconstructOptions({ detection, fit, photometric, detail: options.detail ?? true, mid: options.mid });
  const faces = result.faces.map((face, k) => withBands(ctx, result.image, face, o, onStage && ((stage) => onStage(stage, k))));
  return { ...result, faces, timings: imageTimings(faces, result.timings.perception, o), options: o };
}

/**
 * Waits for the event loop's next turn. A face takes seconds of synchronous work; between faces the
 * host runs what is waiting, such as a CLI's Ctrl-C handler, which otherwise waits for the whole image.
 */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * The face mesh's landmarks as fit targets (x, y per landmark), with the eyelid margins taken from
 * the iris model where it ran: on the annotated sample faces its lids separate closed from open eyes
 * (eyelid gap over eye width 0.07-0.18 closed, 0.29-0.45 open, near-profile eyes aside), where the
 * face mesh's overlap (0.20-0.29 closed, 0.26-0.44 open).
 */
export function landmarkTargets(face: Pick<DetectedFace, 'landmarks' | 'eyelids'>): Float32Array {
  const n = face.landmarks.length / 3;
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    out[2 * i] = face.landmarks[3 * i];
    out[2 * i + 1] = face.landmarks[3 * i + 1];
  }
  if (face.eyelids) {
    IRIS_EYELID_MESH_INDICES.forEach((i, k) => {
      out[2 * i] = face.eyelids![3 * k];
      out[2 * i + 1] = face.eyelids![3 * k + 1];
    });
  }
  return out;
}

export function padTo(a: Float32Array, n: number): Float32Array {
  if (a.length === n) return a;
  const out = new Float32Array(n);
  out.set(a.subarray(0, n));
  return out;
}
