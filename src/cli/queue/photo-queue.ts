import { createHash } from 'node:crypto';
import type { ConnectionOptions } from 'bullmq';
import type { PhotoJobOptions } from '../photo-runner.js';
import type { BatchPhoto } from '../batch/photo-list.js';

/** The BullMQ queue `batch --queue` fills and `worker --queue` takes from. */
export const QUEUE_NAME = 'facerecon';
/** Where a photo goes that failed every attempt: a queue nobody takes from, one job per photo with its error. */
export const DEAD_LETTER_NAME = 'facerecon-dead-letter';

/** One photo's job: what to reconstruct, into which shared output folder, how. */
export interface PhotoJobData {
  photo: BatchPhoto;
  /** The batch's --out, absolute: the same path on every machine (a shared folder). */
  outRoot: string;
  job: PhotoJobOptions;
}

/** A dead-letter entry: the photo and the error of its last attempt. */
export interface DeadLetter {
  photo: string;
  folder: string;
  outRoot: string;
  error: string;
  attempts: number;
  failedAt: string;
}

/**
 * A photo's job id: the same for the same photo folder of the same batch, so enqueuing it again
 * (a resumed batch) finds the job instead of adding a second one.
 */
export function photoJobId(outRoot: string, folder: string): string {
  return `photo-${createHash('sha256').update(`${outRoot}\0${folder}`).digest('hex').slice(0, 32)}`;
}

/** BullMQ connection options for a redis:// URL. */
export function connectionFor(url: string): ConnectionOptions {
  // Workers block on Redis; BullMQ wants commands retried without limit rather than failed.
  return { url, maxRetriesPerRequest: null } as ConnectionOptions;
}
