/**
 * A worker thread of `facerecon --jobs n`: loads the model (from the cache the main thread made
 * sure of) and the networks once (the detector's on its first whole photo), then does the tasks it is sent: whole photos, or some of the
 * faces of a photo whose faces the main thread found and shares out. It returns output files in
 * memory; the main thread writes them.
 */
import { workerData } from 'node:worker_threads';
import { createReconstructor } from '../node.js';
import type { DecodedImage } from '../io/read-image.js';
import type { ReconstructOptions } from '../pipeline/options.js';
import type { OutputName } from '../pipeline/outputs.js';
import { runFacePart, runPhotoJob, type FacePart, type FacePartResult, type PhotoJobResult } from './photo-job.js';
import { movableBuffers, serveTasks } from './worker-pool.js';

export interface ReconstructWorkerData {
  /** The model's cache file (.frm), made sure of by the main thread. */
  model: string;
}

export type PhotoTask =
  | { kind: 'photo'; path: string; decoded: DecodedImage; options: ReconstructOptions; outputs?: readonly OutputName[] }
  | { kind: 'faces'; decoded: DecodedImage; options: ReconstructOptions; part: FacePart; outputs?: readonly OutputName[] };

export type PhotoTaskResult = PhotoJobResult | FacePartResult;

const { model } = workerData as ReconstructWorkerData;
// The detector's networks only when a whole photo comes: a thread given faces found elsewhere never needs them.
const ready = createReconstructor({ model, progress: false, detectorWhenNeeded: true });
// An unhandled rejection would kill the thread; each task reports the failure instead.
ready.catch(() => {});

serveTasks<PhotoTask, PhotoTaskResult>(async (task) => {
  const recon = await ready;
  switch (task.kind) {
    case 'photo': {
      const result = await runPhotoJob(recon, task.path, task.decoded, task.options, task.outputs);
      return { result, transfer: movableBuffers(Object.values(result.files)) };
    }
    case 'faces': {
      const result = await runFacePart(recon, task.decoded, task.options, task.part, task.outputs);
      return { result, transfer: movableBuffers(Object.values(result.files)) };
    }
  }
});
