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

/** What `connected` needs of a BullMQ queue or worker. */
interface Connectable {
  waitUntilReady(): Promise<unknown>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * Waits for a queue's (or worker's) connection. When Redis does not answer within `timeoutMs`
 * (the client itself would retry for ever, so the command exits on the error rather than closing
 * it), fails with one clear line naming the last connection error. Connection errors are kept
 * from the console meanwhile.
 */
export async function connected(client: Connectable, url: string, timeoutMs = 10_000): Promise<void> {
  let lastError = '';
  client.on('error', (error) => { lastError = error.message; });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), timeoutMs); });
  const outcome = await Promise.race([client.waitUntilReady(), timeout]).finally(() => clearTimeout(timer));
  if (outcome !== 'timeout') return;
  throw new Error(`${url}: no answer from Redis within ${timeoutMs / 1000} s${lastError ? ` (${lastError})` : ''}`);
}

/** BullMQ connection options for a redis:// URL. */
export function connectionFor(url: string): ConnectionOptions {
  // Workers block on Redis; BullMQ wants commands retried without limit rather than failed.
  return { url, maxRetriesPerRequest: null } as ConnectionOptions;
}
