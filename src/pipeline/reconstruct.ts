import type { RgbImage } from '../geometry/image.js';
import type { MorphableModel } from '../model/types.js';
import { instantiate } from '../model/instance.js';
import type { DetectedFace } from '../perception/types.js';
import { fitLandmarks, type FitOptions, type FitResult, type LandmarkModel } from '../fit/landmark-fit.js';

export interface FaceDetectorLike {
  detect(image: RgbImage, options?: { maxFaces?: number; minFaceSize?: number }): Promise<DetectedFace[]>;
}

export interface ReconstructContext {
  model: MorphableModel;
  landmarks: LandmarkModel;
  detector: FaceDetectorLike;
}

export interface ReconstructOptions {
  maxFaces?: number;
  /** Faces whose landmark box is smaller than this many pixels (sqrt of area) are skipped. */
  minFaceSize?: number;
  fit?: FitOptions;
}

export interface FaceReconstruction {
  detection: DetectedFace;
  fit: FitResult;
  /** Fitted mesh in model units, head frame (see src/fit/camera.ts). */
  positions: Float32Array;
  timings: { fit: number };
}

export interface ImageReconstruction {
  width: number;
  height: number;
  faces: FaceReconstruction[];
  /** Milliseconds: detection+landmarks for the whole image, fit summed over faces. */
  timings: { perception: number; fit: number };
}

export const DEFAULT_MIN_FACE_SIZE = 32;

/** Detects every face in decoded pixels and fits the model to each one. Touches no disk. */
export async function reconstructImage(
  ctx: ReconstructContext, image: RgbImage, options: ReconstructOptions = {},
): Promise<ImageReconstruction> {
  const t0 = performance.now();
  const minFaceSize = options.minFaceSize ?? DEFAULT_MIN_FACE_SIZE;
  const detections = await ctx.detector.detect(image, { maxFaces: options.maxFaces, minFaceSize });
  const perception = performance.now() - t0;
  const faces: FaceReconstruction[] = [];
  let fitTotal = 0;
  for (const detection of detections) {
    const t1 = performance.now();
    const fit = fitLandmarks(ctx.landmarks, landmarkTargets(detection), image, options.fit);
    const positions = instantiate(ctx.model, {
      identity: padTo(fit.identity, ctx.model.identityCount),
      expression: fit.expression,
    });
    const ms = performance.now() - t1;
    fitTotal += ms;
    faces.push({ detection, fit, positions, timings: { fit: ms } });
  }
  return { width: image.width, height: image.height, faces, timings: { perception, fit: fitTotal } };
}

function landmarkTargets(face: DetectedFace): Float32Array {
  const n = face.landmarks.length / 3;
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    out[2 * i] = face.landmarks[3 * i];
    out[2 * i + 1] = face.landmarks[3 * i + 1];
  }
  return out;
}

function padTo(a: Float32Array, n: number): Float32Array {
  if (a.length === n) return a;
  const out = new Float32Array(n);
  out.set(a.subarray(0, n));
  return out;
}
