import { InputError, type InputErrorCode } from '../io/errors.js';
import type { DecodedImage } from '../io/read-image.js';
import { ensureModelCache } from '../model/node/load-ict.js';
import { createReconstructor } from '../node.js';
import type { ReconstructOptions } from '../pipeline/options.js';
import type { OutputName } from '../pipeline/outputs.js';
import { runFacePart, runPhotoJob, type FacePart, type FacePartResult, type PhotoJobResult } from './photo-job.js';
import type { PhotoTask, PhotoTaskResult, ReconstructWorkerData } from './reconstruct-worker.js';
import type { DetectedFaces } from '../pipeline/reconstruct.js';
import { overlayImage } from '../pipeline/outputs.js';
import { encodePng } from '../io/write-image.js';
import type { NodeReconstructor } from '../node.js';
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
  /**
   * With `threads` 0: worker threads that share a photo's faces with this thread, started when the
   * first photo with several faces comes (a one-face photo costs nothing more). Default 0.
   */
  faceThreads?: number;
  log: (line: string) => void;
}

export async function createPhotoRunner(options: PhotoRunnerOptions): Promise<PhotoRunner> {
  return options.threads > 0 ? inWorkerThreads(options) : inThisThread(options);
}

/**
 * Loads the model and networks here; jobs run one after another (this thread does one thing at a
 * time anyway), each photo's faces shared with `faceThreads` worker threads when it has several.
 */
async function inThisThread({ model, progress, log, stopOnFailure, faceThreads = 0 }: PhotoRunnerOptions): Promise<PhotoRunner> {
  const recon = await createReconstructor({ model, progress });
  const { how, modelMs, networksMs } = recon.loaded;
  log(`model: ${recon.model.name} (${how}, ${modelMs.toFixed(0)} ms)`);
  log(`networks ready (${(modelMs + networksMs).toFixed(0)} ms)`);
  let facePool: Promise<PhotoPool> | undefined;
  const helpers = async () => {
    facePool ??= ensureModelCache({ modelPath: model, progress: false }).then((cache) => {
      log(`${faceThreads} worker thread${faceThreads === 1 ? '' : 's'} to share the faces`);
      return photoPool(faceThreads, { model: cache.file });
    });
    return facePool;
  };
  let previous: Promise<unknown> = Promise.resolve();
  let closed = false;
  return {
    threads: 0,
    run(path, decoded, { reconstruct, outputs }) {
      const job = previous.then(async () => {
        if (closed) throw new Error('the run was stopped');
        if (faceThreads === 0) return runPhotoJob(recon, path, decoded, reconstruct, outputs);
        const detected = await recon.detect(decoded.image, reconstruct);
        if (detected.detections.length < 2) return runPhotoJob(recon, path, decoded, reconstruct, outputs, detected);
        return sharedFaces(recon, await helpers(), faceThreads + 1, decoded, reconstruct, detected, outputs);
      });
      previous = job.catch(() => { if (stopOnFailure) closed = true; });
      return job;
    },
    async close() {
      closed = true;
      await previous;
      recon.dispose();
      if (facePool) await (await facePool).close();
    },
  };
}

type PhotoPool = WorkerPool<PhotoTask, PhotoTaskResult>;

function photoPool(threads: number, data: ReconstructWorkerData): PhotoPool {
  return new WorkerPool<PhotoTask, PhotoTaskResult>(threads, () => moduleWorker(workerModule(), data), (error) =>
    error.name === 'InputError' && error.code ? new InputError(error.code as InputErrorCode, error.message) : new Error(error.message));
}

/**
 * One photo's faces (found here) shared between this thread and the pool's: of every `share`
 * faces this thread reconstructs the first, the pool the others, each with its files; overlay.png
 * is drawn here once all are done. The same files as runPhotoJob.
 */
async function sharedFaces(
  recon: NodeReconstructor, pool: PhotoPool, share: number, decoded: DecodedImage, options: ReconstructOptions,
  detected: DetectedFaces, outputs?: readonly OutputName[],
): Promise<PhotoJobResult> {
  const part = (k: number): FacePart => ({ detected: { detections: [detected.detections[k]], perception: detected.perception }, numbers: [k] });
  const mine = (k: number) => k % share === 0;
  // Face k's result, or (the pool's faces) its promise, awaited after this thread's own faces.
  const pending: (FacePartResult | Promise<FacePartResult>)[] = [];
  const faces = detected.detections.length;
  for (let k = 0; k < faces; k++) {
    if (mine(k)) continue;
    const job = pool.run({ kind: 'faces', decoded, options, part: part(k), outputs }) as Promise<FacePartResult>;
    job.catch(() => {});
    pending[k] = job;
  }
  for (let k = 0; k < faces; k++) if (mine(k)) pending[k] = await runFacePart(recon, decoded, options, part(k), outputs);
  const parts = await Promise.all(pending);
  const files: PhotoJobResult['files'] = {};
  const t0 = performance.now();
  if (!outputs || outputs.includes('overlay.png')) files['overlay.png'] = await encodePng(overlayImage(recon.model, decoded.image, parts.flatMap((p) => p.overlay)));
  const overlayMs = performance.now() - t0;
  for (const p of parts) Object.assign(files, p.files);
  // Each face's stages and outputs summed over the faces, as one thread reports them; the photo's perception once.
  const timingsMs: Record<string, number> = {};
  for (const p of parts) for (const [stage, ms] of Object.entries(p.timingsMs)) timingsMs[stage] = (timingsMs[stage] ?? 0) + ms;
  timingsMs.perception = detected.perception;
  timingsMs.outputs = (timingsMs.outputs ?? 0) + overlayMs;
  return { files, faces: parts.flatMap((p) => p.faces), timingsMs };
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
  const pool = photoPool(threads, { model: cache.file });
  return {
    threads,
    run: (path, decoded, { reconstruct, outputs }) =>
      pool.run({ kind: 'photo', path, decoded, options: reconstruct, outputs }, movableBuffers([decoded.image.data])) as Promise<PhotoJobResult>,
    close: () => pool.close(),
  };
}

/** The worker's module beside this one: .ts when run from the sources, .js from dist/. */
function workerModule(): URL {
  return new URL(`./reconstruct-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
}
