import { InputError, type InputErrorCode } from '../io/errors.js';
import type { DecodedImage } from '../io/read-image.js';
import { ensureModelCache } from '../model/node/load-ict.js';
import { createReconstructor } from '../node.js';
import type { ReconstructOptions } from '../pipeline/options.js';
import type { OutputName } from '../pipeline/outputs.js';
import { runPhotoJob, type PhotoJobResult } from './photo-job.js';
import type { PhotoTask, ReconstructWorkerData } from './reconstruct-worker.js';
import { moduleWorker, movableBuffers, WorkerPool } from './worker-pool.js';

/** What to make of one photo: the reconstruction options and the files to build (default all). */
export interface PhotoJobOptions {
  reconstruct: ReconstructOptions;
  outputs?: readonly OutputName[];
}

/**
 * Runs photo jobs (photo-job.ts) with the model and networks loaded once: in this thread, or in a
 * pool of worker threads. The command line, `batch` and `worker` all reconstruct through one.
 */
export interface PhotoRunner {
  /** Worker threads (0: this thread). */
  readonly threads: number;
  /** One decoded photo's output files in memory; rejects with the job's error (an InputError for a photo without a face). */
  run(path: string, decoded: DecodedImage, options: PhotoJobOptions): Promise<PhotoJobResult>;
  /** Frees the threads or the networks; jobs still waiting fail. */
  close(): Promise<void>;
}

export interface PhotoRunnerOptions {
  /** ICT-FaceKit folder or cached model (see createReconstructor). */
  model?: string;
  /** Worker threads; 0 runs the jobs in this thread (one at a time). */
  threads: number;
  /** Show the model import's progress bar (first run only). */
  progress: boolean;
  /** After a job fails, fail the jobs waiting behind it without running them (this thread only; a pool stops at close). */
  stopOnFailure?: boolean;
  log: (line: string) => void;
}

export async function createPhotoRunner(options: PhotoRunnerOptions): Promise<PhotoRunner> {
  return options.threads > 0 ? inWorkerThreads(options) : inThisThread(options);
}

/** Loads the model and networks here; jobs run one after another (this thread does one thing at a time anyway). */
async function inThisThread({ model, progress, log, stopOnFailure }: PhotoRunnerOptions): Promise<PhotoRunner> {
  const recon = await createReconstructor({ model, progress });
  const { how, modelMs, networksMs } = recon.loaded;
  log(`model: ${recon.model.name} (${how}, ${modelMs.toFixed(0)} ms)`);
  log(`networks ready (${(modelMs + networksMs).toFixed(0)} ms)`);
  let previous: Promise<unknown> = Promise.resolve();
  let closed = false;
  return {
    threads: 0,
    run(path, decoded, { reconstruct, outputs }) {
      const job = previous.then(() => {
        if (closed) throw new Error('the run was stopped');
        return runPhotoJob(recon, path, decoded, reconstruct, outputs);
      });
      previous = job.catch(() => { if (stopOnFailure) closed = true; });
      return job;
    },
    async close() {
      closed = true;
      await previous;
      recon.dispose();
    },
  };
}

/**
 * Makes sure the model is imported and cached (with its progress bar, once; of a cache only its
 * header is read here), then starts `threads` worker threads, each loading the model from that
 * cache file, and the networks.
 */
async function inWorkerThreads({ model, threads, progress, log }: PhotoRunnerOptions): Promise<PhotoRunner> {
  const cache = await ensureModelCache({ modelPath: model, progress });
  log(`model: ${cache.name} (${cache.how}, ${cache.milliseconds.toFixed(0)} ms)`);
  log(`${threads} worker thread${threads === 1 ? '' : 's'}`);
  const data: ReconstructWorkerData = { model: cache.file };
  const pool = new WorkerPool<PhotoTask, PhotoJobResult>(threads, () => moduleWorker(workerModule(), data), (error) =>
    error.name === 'InputError' && error.code ? new InputError(error.code as InputErrorCode, error.message) : new Error(error.message));
  return {
    threads,
    run: (path, decoded, { reconstruct, outputs }) =>
      pool.run({ path, decoded, options: reconstruct, outputs }, movableBuffers([decoded.image.data])),
    close: () => pool.close(),
  };
}

/** The worker's module beside this one: .ts when run from the sources, .js from dist/. */
function workerModule(): URL {
  return new URL(`./reconstruct-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
}
