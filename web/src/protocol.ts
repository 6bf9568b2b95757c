/** Messages between the page (main.ts) and the reconstruction worker (worker.ts). */

/** The stages the page shows, in order; the reconstruction's own (detection ... photometric) and the page's. */
export const STAGES = [
  { id: 'model', label: 'Load the head model' },
  { id: 'networks', label: 'Load the networks' },
  { id: 'decode', label: 'Read the photo' },
  { id: 'embedder', label: 'Load the face recognition network' },
  { id: 'detection', label: 'Detect faces and landmarks' },
  { id: 'fit', label: 'Fit to the landmarks' },
  { id: 'skin', label: 'Skin mask' },
  { id: 'photometric', label: 'Photometric refinement' },
  { id: 'detail', label: 'Detail band' },
  { id: 'outputs', label: 'Texture, GLB, OBJ' },
] as const;
export type StageId = (typeof STAGES)[number]['id'];

export type ToWorker =
  | { type: 'init'; base: string; backends: string[] }
  | { type: 'reconstruct'; file: Blob; name: string }
  /** Several photos of one person: one head (the command line's --person). */
  | { type: 'person'; photos: { file: Blob; name: string }[] }
  /** The last reconstruction with the mid and detail bands, computed on demand (its files come back as a result with detail true). */
  | { type: 'detail' }
  /** Live mode: frames of the camera drive the last reconstruction's head (identity fixed). */
  | { type: 'live-start' }
  /** A camera frame's RGBA pixels (read on the page from a 2D canvas: reading an ImageBitmap in the worker waited on the GPU process). */
  | { type: 'frame'; width: number; height: number; rgba: Uint8ClampedArray };

export type FromWorker =
  | { type: 'stage'; stage: StageId; face: number; state: 'start' | 'done'; ms?: number }
  | { type: 'ready'; backend: string }
  | {
    type: 'result'; files: Record<string, Uint8Array | string>; faces: number; width: number; height: number; scale: number;
    timings: Record<string, number>; detail: boolean;
    /** The head's files: face0/... for a photo, the folder's own for a person (several photos). */
    head: 'face0/' | '';
    /** Several photos of one person: how many were used and those left out, with why. */
    person?: { used: string[]; rejected: { name: string; reason: string }[] };
  }
  /**
   * A camera frame's pose and expression (found: a face was tracked; detected: it had to be found
   * afresh), and the milliseconds it took: in all, the landmarks, the pose and expression solve.
   */
  | {
    type: 'pose'; found: boolean; detected: boolean; expression?: Float32Array; yaw?: number; pitch?: number; roll?: number;
    ms: number; landmarksMs: number; solveMs: number;
  }
  /** kind 'input': the photo cannot be used (not an image, no face); 'failure': the page could not load or run. */
  | { type: 'error'; kind: 'input' | 'failure'; message: string };
