import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isInputError, type InputErrorCode } from '../../io/errors.js';
import { createStaging, MANIFEST_NAME } from '../../io/output-dir.js';
import type { DecodedImage } from '../../io/read-image.js';
import type { FaceSummary } from '../photo-job.js';
import type { PhotoJobOptions, PhotoRunner } from '../photo-runner.js';

export type JobStatus = 'queued' | 'running' | 'done' | 'failed';

/** Why a job failed: an InputError's code (the photo's fault, e.g. 'no-face') or 'internal'. */
export interface JobError {
  code: InputErrorCode | 'internal';
  message: string;
}

/** What GET /jobs/:id answers: the job's state and, once done, what the command line's --json summary says of a photo. */
export interface JobRecord {
  id: string;
  status: JobStatus;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** The photo's own size and the scale it was reconstructed at (below 1 when over 4096 px), as in the --json summary. */
  width: number;
  height: number;
  scale: number;
  processedWidth: number;
  processedHeight: number;
  /** Done: the result files (paths relative to the job, as in the CLI's output folder), the faces and the timings. */
  files?: string[];
  faces?: ({ folder: string } & FaceSummary)[];
  timingsMs?: Record<string, number>;
  error?: JobError;
}

interface Job {
  record: JobRecord;
  /** The photo and what to make of it, until a worker takes it. */
  task?: { decoded: DecodedImage; options: PhotoJobOptions };
  /** Resolves when the job is done or failed. */
  settled: Promise<void>;
  settle: () => void;
}

export interface JobQueueLimits {
  /** Jobs reconstructed at once (the worker threads). */
  running: number;
  /** Jobs waiting for a worker beyond those; more are refused (the HTTP layer answers 429). */
  queued: number;
  /** Finished jobs whose records and files are kept; the oldest beyond this are deleted. */
  keep: number;
}

/** Thrown by reserve() when no more jobs are taken. */
export class QueueRefusal extends Error {
  constructor(readonly reason: 'busy' | 'shutting-down', message: string) {
    super(message);
  }
}

/**
 * The service's jobs: at most `limits.running` photos reconstructed at once by the runner (the
 * command line's photo job, in worker threads), at most `limits.queued` more waiting, each job's files
 * written to `<outDir>/<id>/` as the command line writes an output folder. Records are in memory.
 */
export class JobQueue {
  private readonly jobs = new Map<string, Job>();
  private readonly waiting: Job[] = [];
  private readonly finished: string[] = [];
  private running = 0;
  /** Slots taken by uploads still being decoded, so that two uploads cannot take the same last slot. */
  private reserved = 0;
  private closing = false;
  private readonly durationsMs: number[] = [];

  constructor(
    private readonly runner: PhotoRunner,
    readonly outDir: string,
    readonly limits: JobQueueLimits,
  ) {}

  get stats(): { running: number; queued: number; finished: number; closing: boolean } {
    return { running: this.running, queued: this.waiting.length, finished: this.finished.length, closing: this.closing };
  }

  /** Seconds until a slot probably frees: the mean recent job time over the workers, at least 1. */
  get retryAfterSeconds(): number {
    const mean = this.durationsMs.reduce((a, b) => a + b, 0) / Math.max(1, this.durationsMs.length);
    return Math.max(1, Math.ceil(mean / 1000 / this.limits.running));
  }

  /** Takes a slot for an upload about to be decoded, or throws a QueueRefusal; give it back with release() or submit(). */
  reserve(): void {
    if (this.closing) throw new QueueRefusal('shutting-down', 'the service is shutting down; no new jobs are taken');
    const active = this.running + this.waiting.length + this.reserved;
    const capacity = this.limits.running + this.limits.queued;
    if (active >= capacity) {
      throw new QueueRefusal('busy', `too many jobs: ${this.running} running and ${this.waiting.length + this.reserved} queued ` +
        `(at most ${this.limits.running} and ${this.limits.queued}); retry later`);
    }
    this.reserved++;
  }

  release(): void {
    this.reserved--;
  }

  /** Queues a decoded photo in the slot reserve() took; returns its record (status 'queued' or already 'running'). */
  submit(decoded: DecodedImage, options: PhotoJobOptions): JobRecord {
    this.reserved--;
    const id = randomUUID();
    const { image, info } = decoded;
    const record: JobRecord = {
      id, status: 'queued', createdAt: new Date().toISOString(),
      width: info.originalWidth, height: info.originalHeight, scale: info.scale, processedWidth: image.width, processedHeight: image.height,
    };
    let settle!: () => void;
    const settled = new Promise<void>((resolve) => { settle = resolve; });
    const job: Job = { record, task: { decoded, options }, settled, settle };
    this.jobs.set(id, job);
    this.waiting.push(job);
    this.dispatch();
    return record;
  }

  record(id: string): JobRecord | undefined {
    return this.jobs.get(id)?.record;
  }

  /** The job's record once it is finished, or after `ms` milliseconds, whichever is first. */
  async waitFor(id: string, ms: number): Promise<JobRecord | undefined> {
    const job = this.jobs.get(id);
    if (!job || ms <= 0) return job?.record;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([job.settled, new Promise((resolve) => { timer = setTimeout(resolve, ms); })]);
    clearTimeout(timer);
    return job.record;
  }

  /** The folder of a done job's files. */
  folder(id: string): string {
    return join(this.outDir, id);
  }

  /** Takes no more jobs and resolves when every job taken so far (running and queued) is finished. */
  async drain(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.jobs.values()].map((j) => j.settled));
  }

  private dispatch(): void {
    while (this.running < this.limits.running && this.waiting.length > 0) {
      const job = this.waiting.shift()!;
      this.running++;
      void this.run(job).finally(() => {
        this.running--;
        this.dispatch();
      });
    }
  }

  private async run(job: Job): Promise<void> {
    const { record } = job;
    const task = job.task!;
    job.task = undefined; // the pixels move to the worker; the record is all that stays
    record.status = 'running';
    record.startedAt = new Date().toISOString();
    const t0 = performance.now();
    try {
      const result = await this.runner.run('upload', task.decoded, task.options);
      const stage = await createStaging(this.folder(record.id));
      try {
        for (const [name, data] of Object.entries(result.files)) await stage.write(name, data);
        await stage.commit();
      } finally {
        await stage.abort(); // no-op after the commit
      }
      record.files = [...Object.keys(result.files), MANIFEST_NAME].sort();
      record.faces = result.faces.map((f, k) => ({ folder: `face${k}`, ...f }));
      record.timingsMs = result.timingsMs;
      record.status = 'done';
    } catch (err) {
      record.error = isInputError(err)
        ? { code: err.code, message: err.message }
        : { code: 'internal', message: (err as Error)?.message ?? String(err) };
      record.status = 'failed';
    }
    record.finishedAt = new Date().toISOString();
    this.durationsMs.push(performance.now() - t0);
    if (this.durationsMs.length > 20) this.durationsMs.shift();
    job.settle();
    this.finished.push(record.id);
    await this.forgetOldest();
  }

  /** Deletes the oldest finished jobs (records and files) beyond `limits.keep`. */
  private async forgetOldest(): Promise<void> {
    while (this.finished.length > this.limits.keep) {
      const id = this.finished.shift()!;
      this.jobs.delete(id);
      await rm(this.folder(id), { recursive: true, force: true });
    }
  }
}
