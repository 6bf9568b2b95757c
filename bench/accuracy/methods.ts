/**
 * The methods the accuracy benchmark scores, side by side on the same pictures and the same
 * detection. Adding a method = one more entry in METHODS: take the picture and the shared
 * detection, return a mesh (any frame and scale) with its NoW keypoints.
 */
import type { Camera, HeadPose } from '../../src/base/camera.js';
import { projectPoints } from '../../src/base/camera.js';
import { fitLandmarks, type FitResult, type LandmarkModel } from '../../src/fit/landmark-fit.js';
import { ALL_468, correspondencePoints } from '../../src/correspondence/landmark-model.js';

export { ALL_468, correspondencePoints };
import { MEDIAPIPE_FACE_OVAL } from '../../src/correspondence/mediapipe.js';
import type { RgbImage } from '../../src/base/image.js';
import { instantiate } from '../../src/model/instance.js';
import type { MorphableModel } from '../../src/model/types.js';
import type { DetectedFace } from '../../src/perception/types.js';
import { addDetail, landmarkTargets, reconstructFace, type FaceReconstruction } from '../../src/pipeline/reconstruct.js';
import { expandReconstructOptions } from '../../src/pipeline/options.js';
import { reconstructMidBand } from '../../src/detail/mid-band.js';
import type { MidBandOptions } from '../../src/detail/mid-options.js';
import { sampleSkin } from '../../src/skin/index.js';
import { completeFaceAlbedo } from '../../src/pipeline/outputs.js';
import { delaunay2d } from './delaunay.js';

/** NoW's seven landmarks as MediaPipe indices: outer/inner eye corners, nose tip, mouth corners. */
export const NOW_KEYPOINTS = [33, 133, 362, 263, 1, 61, 291];

export interface BenchContext {
  model: MorphableModel;
  landmarks: LandmarkModel;
  /** Triangles of ICT predictions that form the measured surface (the face skin). */
  faceTriangles: Uint32Array;
  /** Our triangulation of the 468 face-mesh points. */
  facemeshTriangles: Uint32Array;
}

export interface MethodInput {
  image: RgbImage;
  detection: DetectedFace;
  /** The true 468 landmarks in the picture (N x 2 pixels): for the oracle only. */
  trueLandmarks2d: Float32Array;
}

export interface MethodPrediction {
  /** Predicted surface: vertices in any frame and scale, triangles, and which triangles to measure against. */
  positions: Float32Array;
  triangles: Uint32Array;
  surfaceTriangles?: ArrayLike<number>;
  /** NOW_KEYPOINTS on the prediction, K x 3, same frame as positions. */
  keypoints: Float32Array;
  /** The 468 landmarks as the prediction places them in the picture (pixels, N x 2). */
  landmarks2d: Float32Array;
  /** Identity coefficients, for the identity similarity (ICT methods). */
  identity?: Float32Array;
  /** For drawing: model-frame positions (model units) with pose and camera (ICT methods). */
  placed?: { positions: Float32Array; pose: HeadPose; camera: Camera };
  /** What the fine-detail scores read besides `placed`: the displacement along the normal (mm, face UV square) and the recovered albedo. */
  fine?: { detail?: { size: number; height: Float32Array }; albedo?: RgbImage };
}

export interface AccuracyMethod {
  name: string;
  description: string;
  run(ctx: BenchContext, input: MethodInput): MethodPrediction;
}


/** An ICT-topology prediction from a landmark fit; `zeroShape` keeps the model's mean face. */
function ictPrediction(
  ctx: BenchContext, fit: Pick<FitResult, 'identity' | 'expression' | 'pose' | 'camera'>, zeroShape: boolean, shape?: Float32Array,
): MethodPrediction {
  const { model } = ctx;
  const identity = new Float32Array(model.identityCount);
  if (!zeroShape) identity.set(fit.identity.subarray(0, model.identityCount));
  const modelPositions = shape ?? (zeroShape ? Float32Array.from(model.neutral) : instantiate(model, { identity, expression: fit.expression }));
  const positions = Float32Array.from(modelPositions, (v) => v * model.unitsToMillimetres);
  const screen = projectPoints(correspondencePoints(modelPositions, ALL_468), fit.pose, fit.camera);
  const landmarks2d = new Float32Array(2 * 468);
  for (let i = 0; i < 468; i++) { landmarks2d[2 * i] = screen[3 * i]; landmarks2d[2 * i + 1] = screen[3 * i + 1]; }
  return {
    positions, triangles: model.triangles, surfaceTriangles: ctx.faceTriangles,
    keypoints: correspondencePoints(positions, NOW_KEYPOINTS),
    landmarks2d,
    identity: zeroShape ? undefined : identity,
    placed: { positions: modelPositions, pose: fit.pose, camera: fit.camera },
  };
}

export const meanFace: AccuracyMethod = {
  name: 'mean-face',
  description: "the model's neutral mean face; pose and focal length from fitLandmarks with identity and expression held at zero (rigid stage only)",
  run(ctx, { image, detection }) {
    const fit = fitLandmarks(ctx.landmarks, landmarkTargets(detection), image, { iterations: 0, rigidIterations: 25 });
    return ictPrediction(ctx, fit, true);
  },
};

export const landmarkFit: AccuracyMethod = {
  name: 'landmark-fit',
  description: "fitLandmarks with the pipeline defaults (pose, focal, 50 identity modes, 53 expressions, priors scaled by the face's confidence) on the 468 landmarks",
  run(ctx, { image, detection }) {
    const fit = fitLandmarks(ctx.landmarks, landmarkTargets(detection), image, { confidence: detection.confidence?.value });
    return ictPrediction(ctx, fit, false);
  },
};

/** Not a facerecon method: the same fit on perfect landmarks, so its gap to landmark-fit is the landmark network's share of the error. */
export const oracleTrue2d: AccuracyMethod = {
  name: 'oracle-true-2d',
  description: 'oracle, not available to a user: fitLandmarks with the pipeline defaults on the true projections of the 468 landmarks instead of the detected ones',
  run(ctx, { image, trueLandmarks2d }) {
    const fit = fitLandmarks(ctx.landmarks, trueLandmarks2d, image);
    return ictPrediction(ctx, fit, false);
  },
};

/** The photometric reconstruction of the last detection, which the mid band's method builds on instead of repeating it. */
const photometricFaces = new WeakMap<DetectedFace, FaceReconstruction>();

function photometricFace(ctx: BenchContext, image: RgbImage, detection: DetectedFace): FaceReconstruction {
  let face = photometricFaces.get(detection);
  if (!face) photometricFaces.set(detection, (face = reconstructFace(ctx, image, detection)));
  return face;
}

/** The pipeline's reconstruction with both detail bands (`detail: true`: the mid band, then the high band on it) of the last detection, added to its photometric face. */
const detailedFaces = new WeakMap<DetectedFace, FaceReconstruction>();

function detailedFace(ctx: BenchContext, image: RgbImage, detection: DetectedFace): FaceReconstruction {
  let face = detailedFaces.get(detection);
  if (!face) {
    const coarse = photometricFace(ctx, image, detection);
    const result = { image, width: image.width, height: image.height, faces: [coarse], timings: { perception: 0, fit: 0 }, options: expandReconstructOptions({}) };
    detailedFaces.set(detection, (face = addDetail(ctx, result, { detail: true }).faces[0]));
  }
  return face;
}

export const photometric: AccuracyMethod = {
  name: 'photometric',
  description: 'the default pipeline: landmark fit, skin mask, then photometric refinement (SH lighting, albedo, shape from shading)',
  run(ctx, { image, detection }) {
    const face = photometricFace(ctx, image, detection);
    return { ...ictPrediction(ctx, face.photometric!, false), fine: { albedo: completeFaceAlbedo(ctx.model, image, face).albedo } };
  },
};

export const photometricMid: AccuracyMethod = {
  name: '+ mid',
  description: 'the photometric head with the mid-frequency band (deformation map from shading, landmarks and the face outline; src/detail/mid-band.ts)',
  run(ctx, { image, detection }) {
    const face = photometricFace(ctx, image, detection);
    const targets = landmarkTargets(detection);
    const p = face.photometric!;
    // Without BENCH_MID, the pipeline's own mid band (the one "+ high" builds on).
    const mid = !process.env.BENCH_MID ? detailedFace(ctx, image, detection) : reconstructMidBand({
      model: ctx.model, positions: face.positions, pose: p.pose, camera: p.camera, photo: image, sh: p.sh,
      albedo: { samples: p.samples, sampleAlbedo: p.sampleAlbedo }, skin: (x, y) => sampleSkin(face.skin!, x, y),
      landmarks: ctx.landmarks, targets,
    }, midOptions());
    // The albedo of the pipeline's mid-band head without the high band's de-retouching (the "+ high" method's head, its detail shading left in).
    const albedo = completeFaceAlbedo(ctx.model, image, { ...detailedFace(ctx, image, detection), detail: undefined }).albedo;
    return { ...ictPrediction(ctx, p, false, mid.positions), fine: { albedo } };
  },
};

export const photometricHigh: AccuracyMethod = {
  name: '+ high',
  description: 'the pipeline with both detail bands (`detail: true`): the mid band, then the high band (displacement along the normal from the shading, src/detail/reconstruct-detail.ts) and its de-retouched albedo',
  run(ctx, { image, detection }) {
    const face = detailedFace(ctx, image, detection);
    const detail = face.detail!;
    return {
      ...ictPrediction(ctx, face.photometric!, false, face.positions),
      fine: { detail: { size: detail.size, height: detail.height }, albedo: completeFaceAlbedo(ctx.model, image, face).albedo },
    };
  },
};

/** BENCH_MID (JSON) overrides the mid band's options, for tuning. */
function midOptions(): MidBandOptions {
  return process.env.BENCH_MID ? JSON.parse(process.env.BENCH_MID) as MidBandOptions : {};
}

export const facemesh468: AccuracyMethod = {
  name: 'facemesh-468',
  description: "the landmark network's own 468 points (x, y pixels, z in the same scale), triangulated by us",
  run(ctx, { detection }) {
    const positions = Float32Array.from(detection.landmarks.subarray(0, 468 * 3));
    const landmarks2d = new Float32Array(2 * 468);
    for (let i = 0; i < 468; i++) { landmarks2d[2 * i] = positions[3 * i]; landmarks2d[2 * i + 1] = positions[3 * i + 1]; }
    const keypoints = Float32Array.from(NOW_KEYPOINTS.flatMap((i) => [positions[3 * i], positions[3 * i + 1], positions[3 * i + 2]]));
    return { positions, triangles: ctx.facemeshTriangles, keypoints, landmarks2d };
  },
};

export const METHODS: AccuracyMethod[] = [meanFace, landmarkFit, photometric, photometricMid, photometricHigh, facemesh468, oracleTrue2d];

/** MediaPipe eye and inner-lip contours: triangles spanning them are holes in the network's mesh. */
const RIGHT_EYE = [33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246];
const LEFT_EYE = [263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466];
const INNER_LIPS = [78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95];

/**
 * A triangulation of the 468 face-mesh points: 2D Delaunay of where they sit on the frontal
 * neutral ICT face (through the correspondence), minus triangles outside the face oval and those
 * closing the eyes and the mouth. Oriented so normals point out of the face (+z of the model frame;
 * the network's frame x right, y down, z away from the camera is a rotation of it).
 */
export function facemeshTriangulation(model: MorphableModel): Uint32Array {
  const pts = correspondencePoints(model.neutral, ALL_468);
  const xy = new Float64Array(2 * 468);
  for (let i = 0; i < 468; i++) { xy[2 * i] = pts[3 * i]; xy[2 * i + 1] = pts[3 * i + 1]; }
  const tris = delaunay2d(xy);
  const oval = MEDIAPIPE_FACE_OVAL.map((i) => [xy[2 * i], xy[2 * i + 1]]);
  const holes = [RIGHT_EYE, LEFT_EYE, INNER_LIPS].map((s) => new Set(s));
  const out: number[] = [];
  for (let t = 0; t < tris.length; t += 3) {
    const [a, b, c] = [tris[t], tris[t + 1], tris[t + 2]];
    if (holes.some((h) => h.has(a) && h.has(b) && h.has(c))) continue;
    const gx = (xy[2 * a] + xy[2 * b] + xy[2 * c]) / 3, gy = (xy[2 * a + 1] + xy[2 * b + 1] + xy[2 * c + 1]) / 3;
    if (!insidePolygon(gx, gy, oval)) continue;
    out.push(a, b, c); // counter-clockwise seen from +z (model frame, y up)
  }
  return Uint32Array.from(out);
}

function insidePolygon(x: number, y: number, poly: number[][]): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    if ((poly[i][1] > y) !== (poly[j][1] > y) && x < ((poly[j][0] - poly[i][0]) * (y - poly[i][1])) / (poly[j][1] - poly[i][1]) + poly[i][0]) inside = !inside;
  }
  return inside;
}
