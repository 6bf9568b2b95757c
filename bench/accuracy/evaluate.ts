/** Scores every method on one picture: shared detection, NoW/REALY errors, normals, 2D landmarks, identity, time. */
import { projectPoints, type Camera, type HeadPose } from '../../src/base/camera.js';
import { vertexNormals } from '../../src/base/normals.js';
import { MEDIAPIPE_ICT } from '../../src/correspondence/landmark-model.js';
import { MEDIAPIPE_FACE_OVAL } from '../../src/correspondence/mediapipe.js';
import { nowCropRegion, realyRegions, type RealyRegion } from '../metrics/face-regions.js';
import { modelFloor } from '../metrics/model-floor.js';
import { normalisedLandmarkError } from '../metrics/landmark-error.js';
import { PreparedPrediction, regionErrors, scanError, type IcpOptions, type ReferenceSurface } from '../metrics/scan-error.js';
import type { Summary } from '../metrics/stats.js';
import type { FaceDetector } from '../../src/perception/index.js';
import type { MorphableModel } from '../../src/model/types.js';
import type { DetectedFace } from '../../src/perception/types.js';
import type { StoredPicture } from './dataset.js';
import { angleSummary, fineScore, fineTruth, normalAngles, type FineScore } from '../metrics/fine-detail.js';
import { ALL_468, correspondencePoints, NOW_KEYPOINTS, type AccuracyMethod, type BenchContext, type MethodPrediction } from './methods.js';

export interface MethodScore {
  method: string;
  /** NoW-style, after landmark similarity + ICP (mm). */
  now: Summary & { icpIterations: number };
  /** The same distances after the landmark similarity alone. */
  landmarkAligned: Summary;
  /** REALY-style per-region errors (mm), each region re-aligned by ICP. */
  regions: Record<RealyRegion, Summary & { icpIterations: number }>;
  /** Angle between true and predicted surface normals over the NoW region (degrees). */
  normalAngle: Summary;
  /** Mean 2D landmark error in pixels and as a fraction of face size. */
  landmark2dPx: number;
  landmark2dNormalised: number;
  /** Cosine similarity of fitted and true identity coefficients over the modes the method fits; NaN if it has none. */
  identityCosine: number;
  ms: number;
  /** Per-texel normal angle to the true detailed surface and albedo contamination (pictures with true fine detail, ICT methods). */
  fine?: FineScore;
  /** Per-vertex distances over the NoW region (kept in memory for pooling; not written per picture). */
  distances: Float32Array;
  prediction: MethodPrediction;
}

export interface PictureScore {
  name: string;
  yaw: number;
  pitch: number;
  roll: number;
  presets: string[];
  /** Nuisances of a realistic picture (see bench/synthetic/nuisances.ts); empty for the clean kind. */
  tags: string[];
  /** Distances of the model floor (the model's regularised 3D fit to the truth) over the scored region, mm. */
  floor?: Float32Array;
  detected: boolean;
  detectionMs: number;
  region: Uint32Array;
  /** The true surface without its fine detail scored as fineScore scores a method (degrees): what the detail adds. */
  fineCoarseTruth?: { medianDeg: number; meanDeg: number };
  methods: MethodScore[];
}

export interface TruthGeometry {
  reference: ReferenceSurface;
  landmarks2d: Float32Array;
  pose: HeadPose;
  camera: Camera;
}

/** 468 landmarks used for the 2D error: the reliable, non-outline ones (outline points slide with the pose). */
export const LANDMARKS_2D = ALL_468.filter((i) => !MEDIAPIPE_ICT.excluded.includes(i) && !MEDIAPIPE_FACE_OVAL.includes(i));

/** The true surface as the NoW protocol scores against it: the crop around the nose tip, the 7 keypoints, normals. */
export function truthReference(model: MorphableModel, positionsMm: Float32Array): ReferenceSurface {
  const noseTip = correspondencePoints(positionsMm, [1]);
  return {
    positions: positionsMm, triangles: model.triangles, region: nowCropRegion(model, positionsMm, noseTip),
    landmarks: correspondencePoints(positionsMm, NOW_KEYPOINTS),
    normals: vertexNormals(positionsMm, model.triangles),
  };
}

export function truthGeometry(ctx: BenchContext, picture: StoredPicture): TruthGeometry {
  const { model } = ctx;
  const { truth, positionsMm } = picture;
  const reference = truthReference(model, positionsMm);
  const pose: HeadPose = { rotation: Float64Array.from(truth.pose.rotation), translation: Float64Array.from(truth.pose.translationMm, (t) => t / model.unitsToMillimetres) };
  const camera: Camera = { ...truth.camera, width: truth.width, height: truth.height };
  const units = Float32Array.from(correspondencePoints(positionsMm, ALL_468), (v) => v / model.unitsToMillimetres);
  const screen = projectPoints(units, pose, camera);
  const landmarks2d = new Float32Array(2 * 468);
  for (let i = 0; i < 468; i++) { landmarks2d[2 * i] = screen[3 * i]; landmarks2d[2 * i + 1] = screen[3 * i + 1]; }
  return { reference, landmarks2d, pose, camera };
}

/** The detection of the synthetic face: the detected face whose box holds the true nose tip. */
export function matchDetection(faces: DetectedFace[], truth: TruthGeometry): DetectedFace | undefined {
  const x = truth.landmarks2d[2 * 1], y = truth.landmarks2d[2 * 1 + 1];
  return faces.find((f) => x >= f.box.x && x <= f.box.x + f.box.width && y >= f.box.y && y <= f.box.y + f.box.height);
}

export async function evaluatePicture(
  ctx: BenchContext, detector: FaceDetector, methods: readonly AccuracyMethod[], picture: StoredPicture, icp: IcpOptions = {},
  options: { floor?: boolean } = {},
): Promise<PictureScore> {
  const truth = truthGeometry(ctx, picture);
  const t0 = performance.now();
  const faces = await detector.detect(picture.image);
  const detectionMs = performance.now() - t0;
  const detection = matchDetection(faces, truth);
  const { yaw, pitch, roll } = picture.truth.pose;
  const floor = options.floor === false ? undefined
    : modelFloor(ctx.model, truth.reference, (p) => correspondencePoints(p, NOW_KEYPOINTS), ctx.faceTriangles, {}, icp).distances;
  const base = {
    name: picture.name, yaw, pitch, roll, presets: picture.truth.presets, tags: picture.truth.tags ?? [], floor,
    detectionMs, region: Uint32Array.from(truth.reference.region),
  };
  if (!detection) return { ...base, detected: false, methods: [] };
  const regions = realyVertexSets(ctx);
  const fine = picture.displacement && fineTruth(ctx.model, {
    image: picture.image, positions: Float32Array.from(picture.positionsMm, (v) => v / ctx.model.unitsToMillimetres), pose: truth.pose, camera: truth.camera,
    sh: picture.truth.lighting.sh, noseTip: correspondencePoints(picture.positionsMm, [1]), displacement: picture.displacement,
  });
  const fineCoarseTruth = fine && angleSummary(normalAngles(fine.normals, fine.coarseNormals, IDENTITY, Int32Array.from(fine.visible, (v, p) => (v ? p : -1))));
  const scores: MethodScore[] = [];
  for (const method of methods) {
    const t1 = performance.now();
    const prediction = method.run(ctx, { image: picture.image, detection, trueLandmarks2d: truth.landmarks2d });
    const ms = performance.now() - t1;
    const prepared = new PreparedPrediction({ positions: prediction.positions, triangles: prediction.triangles, surfaceTriangles: prediction.surfaceTriangles, landmarks: prediction.keypoints });
    const now = scanError(prepared, truth.reference, icp);
    const perRegion = regionErrors(prepared, truth.reference, regions, now.transform, icp) as MethodScore['regions'];
    const lm2d = normalisedLandmarkError(prediction.landmarks2d, truth.landmarks2d, LANDMARKS_2D);
    scores.push({
      method: method.name,
      now: { count: now.count, median: now.median, mean: now.mean, std: now.std, icpIterations: now.icpIterations },
      landmarkAligned: now.landmarkAligned,
      regions: perRegion,
      normalAngle: now.normalAngle,
      landmark2dPx: lm2d.px,
      landmark2dNormalised: lm2d.normalised,
      identityCosine: prediction.identity ? cosine(prediction.identity, picture.truth.identity, ctx.landmarks.identityCount) : NaN,
      ms,
      fine: fine && prediction.placed && fineScore(ctx.model, fine, { ...prediction.placed, rotation: now.transform.rotation, ...prediction.fine }),
      distances: now.distances,
      prediction,
    });
  }
  return { ...base, detected: true, fineCoarseTruth, methods: scores };
}

const IDENTITY = [1, 0, 0, 0, 1, 0, 0, 0, 1];

const regionCache = new WeakMap<BenchContext, Record<RealyRegion, Uint32Array>>();
function realyVertexSets(ctx: BenchContext): Record<RealyRegion, Uint32Array> {
  let r = regionCache.get(ctx);
  if (!r) regionCache.set(ctx, (r = realyRegions(ctx.model)));
  return r;
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>, n: number): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < n; i++) { ab += a[i] * b[i]; aa += a[i] * a[i]; bb += b[i] * b[i]; }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : NaN;
}
