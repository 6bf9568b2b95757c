/**
 * A worker thread of `facerecon --jobs n`: loads the model (from the cache the main thread made
 * sure of) and the networks once, then reconstructs the photos it is sent and returns their
 * output files in memory; the main thread writes them.
 */
import { workerData } from 'node:worker_threads';
import { createReconstructor } from '../node.js';
import type { DecodedImage } from '../io/read-image.js';
import type { ReconstructOptions } from '../pipeline/options.js';
import type { OutputName } from '../pipeline/outputs.js';
import { runPhotoJob, type PhotoJobResult } from './photo-job.js';
import { movableBuffers, serveTasks } from './worker-pool.js';

export interface ReconstructWorkerData {
  /** The model's cache file (.frm), made sure of by the main thread. */
  model: string;
}

export interface PhotoTask {
  path: string;
  decoded: DecodedImage;
  options: ReconstructOptions;
  outputs?: readonly OutputName[];
}

const { model } = workerData as ReconstructWorkerData;
const ready = createReconstructor({ model, progress: false });
// An unhandled rejection would kill the thread; each task reports the failure instead.
ready.catch(() => {});

serveTasks<PhotoTask, PhotoJobResult>(async ({ path, decoded, options, outputs }) => {
  const result = await runPhotoJob(await ready, path, decoded, options, outputs);
  return { result, transfer: movableBuffers(Object.values(result.files)) };
});
