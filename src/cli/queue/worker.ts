import { hostname } from 'node:os';
import { join } from 'node:path';
import { Queue, Worker, type Job } from 'bullmq';
import { removeOpenStagingsSync } from '../../io/output-dir.js';
import { parseFlags, RECONSTRUCT_FLAGS, reconstructFlags, text, usageFailure, UsageError } from '../args.js';
import { isFinished, reconstructIntoFolder, recoveredRecord, type PhotoRecord } from '../batch/photo-folder.js';
import { createPhotoRunner } from '../photo-runner.js';
import { connected, connectionFor, DEAD_LETTER_NAME, QUEUE_NAME, type DeadLetter, type PhotoJobData } from './photo-queue.js';

export const WORKER_USAGE = `Usage: facerecon worker --queue <redis://host:port> [options]

Takes photos from the queue that \`facerecon batch --queue\` fills and reconstructs them into the
batch's output folder (a folder every machine sees at the same path, as it sees the photos). Run
one per machine; each uses --jobs worker threads. A photo that fails is tried again (the batch's
--attempts, default 3) and then goes to the dead-letter list; a photo whose worker died is taken
up by another worker once its lock runs out. Ctrl-C (SIGINT) or SIGTERM: finish the photos in
hand, then exit; a second one exits at once.

Options:
      --queue <url>     the Redis server (redis://host:port, rediss:// for TLS)
  -j, --jobs <n>        photos at a time, each in a worker thread (default: the number of CPU cores)
  -m, --model <path>    ICT-FaceKit folder (or its FaceXModel folder)
      --lock-ms <ms>    how long a photo's job stays claimed without a sign of life from its worker
                        before another worker takes it up (default 30000)
  -h, --help            show this help
`;

interface WorkerOptions {
  queue: string;
  jobs: number;
  model?: string;
  lockMs: number;
}

/** `facerecon worker --queue redis://...`: runs until stopped by a signal. */
export async function workerCommand(argv: string[]): Promise<number> {
  let options: WorkerOptions;
  try {
    const v = parseFlags(argv, {
      queue: { type: 'string' }, jobs: RECONSTRUCT_FLAGS.jobs, model: RECONSTRUCT_FLAGS.model,
      'lock-ms': { type: 'string' }, help: { type: 'boolean', short: 'h', default: false },
    }).values;
    if (v.help) { process.stdout.write(WORKER_USAGE); return 0; }
    const queue = text(v, 'queue');
    if (!queue || !/^rediss?:\/\//.test(queue)) throw new UsageError(`--queue must be a redis:// URL (got ${queue === undefined ? 'none' : `"${queue}"`})`);
    const lockText = text(v, 'lock-ms');
    const lockMs = lockText === undefined ? 30000 : Number(lockText);
    if (!Number.isInteger(lockMs) || lockMs < 1000) throw new UsageError(`--lock-ms must be an integer >= 1000 (got "${lockText}")`);
    options = { queue, jobs: reconstructFlags({ jobs: v.jobs }).jobs, model: text(v, 'model'), lockMs };
  } catch (err) {
    return usageFailure(err, WORKER_USAGE);
  }
  return runWorker(options);
}

async function runWorker(options: WorkerOptions): Promise<number> {
  const me = `${hostname()}:${process.pid}`;
  const log = (line: string) => process.stderr.write(`worker ${me}: ${line}\n`);
  const connection = connectionFor(options.queue);
  const deadLetter = new Queue<DeadLetter>(DEAD_LETTER_NAME, { connection });
  await connected(deadLetter, options.queue);
  const runner = await createPhotoRunner({ model: options.model, threads: options.jobs, progress: true, log });

  const process_ = async (job: Job<PhotoJobData>): Promise<PhotoRecord> => {
    const { photo, outRoot } = job.data;
    const attempt = `attempt ${job.attemptsMade + 1}/${job.opts.attempts ?? 1}`;
    log(`${photo.folder}: started (${attempt})`);
    // Done by a worker that died before it could say so: the folder is whole, so it is not done again.
    if (await isFinished(join(outRoot, photo.folder))) {
      log(`${photo.folder}: already finished`);
      return { ...(await recoveredRecord(photo, outRoot)), worker: me };
    }
    const record = { ...(await reconstructIntoFolder(runner, photo, outRoot, job.data.job)), worker: me };
    log(`${photo.folder}: done (${record.faces} face${record.faces === 1 ? '' : 's'}, ${record.timingsMs?.total} ms)`);
    return record;
  };
  const worker = new Worker<PhotoJobData, PhotoRecord>(QUEUE_NAME, process_, {
    connection, concurrency: options.jobs, lockDuration: options.lockMs, stalledInterval: options.lockMs,
    // A photo whose worker died twice is tried once more before it is failed (it may be the photo that kills them).
    maxStalledCount: 2,
  });
  worker.on('failed', (job, error) => {
    if (!job) return;
    const final = job.finishedOn !== undefined;
    log(`${job.data.photo.folder}: failed (${job.attemptsMade}/${job.opts.attempts ?? 1}${final ? ', to the dead-letter list' : ', will retry'}): ${error.message}`);
    if (!final) return;
    const entry: DeadLetter = {
      photo: job.data.photo.path, folder: job.data.photo.folder, outRoot: job.data.outRoot, error: error.message,
      attempts: job.attemptsMade, failedAt: new Date().toISOString(),
    };
    deadLetter.add('dead-letter', entry, { jobId: job.id }).catch((e) => log(`dead-letter list: ${(e as Error).message}`));
  });
  worker.on('error', (error) => log(`queue: ${error.message}`));
  await worker.waitUntilReady();
  log(`taking photos from ${options.queue} (${options.jobs} at a time)`);

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        removeOpenStagingsSync();
        process.exit(signal === 'SIGINT' ? 130 : 143);
      }
      stopping = true;
      log(`${signal}: finishing the photos in hand (again to stop now)`);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await worker.close();
  await runner.close();
  await deadLetter.close();
  log('stopped');
  return 0;
}
