import { Job, Queue, QueueEvents } from 'bullmq';
import type { BatchOptions } from '../batch/args.js';
import { errorRecord, type PhotoRecord } from '../batch/photo-folder.js';
import type { BatchPhoto } from '../batch/photo-list.js';
import { BatchProgress } from '../batch/progress.js';
import { prepareBatch } from '../batch/run-batch.js';
import { SUMMARY_NAME } from '../batch/summary.js';
import { connected, connectionFor, DEAD_LETTER_NAME, photoJobId, QUEUE_NAME, type PhotoJobData } from './photo-queue.js';

/** Backoff before a failed photo's next attempt: 1 s, then 2 s, 4 s, ... */
const RETRY_BACKOFF = { type: 'exponential', delay: 1000 } as const;

/**
 * `facerecon batch --queue redis://...`: enqueues the photos not finished yet (one job per photo,
 * its id fixed by the photo's folder, so a re-run finds the jobs it added before), then follows
 * them until each is done or dead-lettered, writing its summary.jsonl line as it ends. The
 * reconstruction is done by `facerecon worker` processes. Ctrl-C stops following; the jobs stay
 * queued, and running the same command again resumes.
 */
export async function runQueueBatch(options: BatchOptions & { queue: string }, log: (line: string) => void): Promise<number> {
  const { outRoot, todo, summary } = await prepareBatch(options, log, false);
  if (todo.length === 0) return 0;
  const connection = connectionFor(options.queue);
  const queue = new Queue<PhotoJobData>(QUEUE_NAME, { connection });
  await connected(queue, options.queue);
  const deadLetter = new Queue(DEAD_LETTER_NAME, { connection });
  let events: QueueEvents | undefined;
  try {
    // Events are read from a mark made now, so no job can end unseen between enqueuing and listening.
    const client = await queue.backend.client;
    const mark = await client.xadd(queue.keys.events, '*', { event: 'facerecon-batch-follows' });
    events = new QueueEvents(QUEUE_NAME, { connection, lastEventId: mark });

    const pending = new Map<string, BatchPhoto>(todo.map((photo) => [photoJobId(outRoot, photo.folder), photo]));
    const progress = new BatchProgress(todo.length, process.stderr);
    let settle!: () => void;
    const allEnded = new Promise<void>((resolve) => { settle = resolve; });
    let writing = Promise.resolve();
    const end = (jobId: string, record: (photo: BatchPhoto) => PhotoRecord) => {
      const photo = pending.get(jobId);
      if (!photo) return; // another batch's job, or one already recorded
      pending.delete(jobId);
      const line = record(photo);
      // Lines are appended one at a time, in the order the jobs ended.
      writing = writing.then(async () => {
        await summary.append(line);
        progress.record(line);
        if (pending.size === 0) settle();
      });
    };
    events.on('completed', ({ jobId, returnvalue }) => end(jobId, () => returnvalue as unknown as PhotoRecord));
    // 'failed' comes once, after the last attempt (earlier attempts end in 'retries' and 'delayed').
    events.on('failed', ({ jobId, failedReason }) => end(jobId, (photo) => errorRecord(photo, new Error(failedReason))));
    await events.waitUntilReady();

    const added = await enqueue(queue, deadLetter, outRoot, todo, options);
    log(`queued ${added} photo${added === 1 ? '' : 's'} on ${options.queue} (${todo.length - added} already queued); ` +
      `waiting for \`facerecon worker --queue ${options.queue}\` processes`);
    progress.start();
    await allEnded;
    progress.finish();
    const { done, faces, errors, seconds } = progress.counts;
    log(`${done} photo${done === 1 ? '' : 's'} in ${seconds.toFixed(1)} s (${(done / Math.max(seconds, 1e-9)).toFixed(2)} photos/s): ` +
      `${faces} face${faces === 1 ? '' : 's'}, ${errors} error${errors === 1 ? '' : 's'}` +
      `${errors ? ` (in the dead-letter list ${DEAD_LETTER_NAME})` : ''}; summary: ${options.out}/${SUMMARY_NAME}`);
    return errors > 0 ? 1 : 0;
  } finally {
    await events?.close();
    await deadLetter.close();
    await queue.close();
  }
}

/**
 * Adds a job per photo. A photo's job that is still waiting, delayed or running is left as it is;
 * one that ended before (its folder has since gone, or it failed) is replaced by a new job with
 * fresh attempts, and its dead-letter entry removed. Returns the number of jobs added.
 */
async function enqueue(queue: Queue<PhotoJobData>, deadLetter: Queue, outRoot: string, photos: BatchPhoto[], options: BatchOptions): Promise<number> {
  const fresh: BatchPhoto[] = [];
  for (const photo of photos) {
    const id = photoJobId(outRoot, photo.folder);
    const existing = await Job.fromId(queue, id);
    if (existing) {
      const state = await existing.getState();
      if (state !== 'completed' && state !== 'failed' && state !== 'unknown') continue;
      await existing.remove();
    }
    await deadLetter.remove(id);
    fresh.push(photo);
  }
  for (let i = 0; i < fresh.length; i += 500) {
    await queue.addBulk(fresh.slice(i, i + 500).map((photo) => ({
      name: photo.folder,
      data: { photo, outRoot, job: options.job },
      opts: {
        jobId: photoJobId(outRoot, photo.folder), attempts: options.attempts, backoff: RETRY_BACKOFF,
        // Ended jobs are kept a day, so a re-run can tell them from new ones; the summary has their results.
        removeOnComplete: { age: 24 * 3600 }, removeOnFail: { age: 24 * 3600 },
      },
    })));
  }
  return fresh.length;
}
