import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createStaging, MANIFEST_NAME } from '../../io/output-dir.js';
import { readImage } from '../../io/read-image.js';
import type { PhotoJobOptions, PhotoRunner } from '../photo-runner.js';
import type { BatchPhoto } from './photo-list.js';

/** One line of summary.jsonl: what became of one photo. */
export interface PhotoRecord {
  photo: string;
  /** Output folder, relative to the batch's --out. */
  folder: string;
  status: 'done' | 'error';
  faces?: number;
  error?: string;
  /** decode, the reconstruction's stages (perception, fit, photometric, outputs), write, total. */
  timingsMs?: Record<string, number>;
  /** Found finished in its folder (by an earlier run) rather than reconstructed now. */
  recovered?: true;
  /** host:pid of the queue worker that did it. */
  worker?: string;
  finishedAt: string;
}

/**
 * Reconstructs one photo into `<outRoot>/<photo.folder>`, written all or nothing (a temporary
 * sibling folder renamed into place, see io/output-dir.ts), and says what it did. Throws the
 * photo's error (unreadable, not an image, no face, ...). The same job for a local batch and a
 * queue worker.
 */
export async function reconstructIntoFolder(
  runner: PhotoRunner, photo: BatchPhoto, outRoot: string, options: PhotoJobOptions,
): Promise<PhotoRecord> {
  const t0 = performance.now();
  const decoded = await readImage(photo.path);
  const t1 = performance.now();
  const job = await runner.run(photo.path, decoded, options);
  const t2 = performance.now();
  const stage = await createStaging(join(outRoot, photo.folder));
  try {
    for (const [name, data] of Object.entries(job.files)) await stage.write(name, data);
    await stage.commit();
  } finally {
    await stage.abort(); // no-op after the commit
  }
  const t3 = performance.now();
  return {
    photo: photo.path, folder: photo.folder, status: 'done', faces: job.faces.length,
    timingsMs: roundTimings({ decode: t1 - t0, ...job.timingsMs, write: t3 - t2, total: t3 - t0 }),
    finishedAt: new Date().toISOString(),
  };
}

export function errorRecord(photo: BatchPhoto, error: unknown, startedAt?: number): PhotoRecord {
  return {
    photo: photo.path, folder: photo.folder, status: 'error', error: (error as Error)?.message ?? String(error),
    ...(startedAt === undefined ? {} : { timingsMs: { total: Math.round(performance.now() - startedAt) } }),
    finishedAt: new Date().toISOString(),
  };
}

/**
 * The record of a photo whose folder is finished (see isFinished), from the folder itself: for a
 * photo done by an earlier run that ended before it could write its summary line.
 */
export async function recoveredRecord(photo: BatchPhoto, outRoot: string): Promise<PhotoRecord> {
  const files = (await readManifest(join(outRoot, photo.folder))) ?? [];
  return {
    photo: photo.path, folder: photo.folder, status: 'done', faces: files.filter(isParams).length, recovered: true,
    finishedAt: new Date().toISOString(),
  };
}

/**
 * Whether `folder` holds a finished reconstruction: our manifest, at least one face's params.json,
 * every file the manifest lists present, and every params.json whole JSON. A photo interrupted
 * mid-way leaves no such folder (only a temporary sibling), so it is done again.
 */
export async function isFinished(folder: string): Promise<boolean> {
  const files = await readManifest(folder);
  if (!files || !files.some(isParams)) return false;
  for (const file of files) {
    try {
      if (isParams(file)) JSON.parse(await readFile(join(folder, file), 'utf8'));
      else await stat(join(folder, file));
    } catch {
      return false;
    }
  }
  return true;
}

function isParams(file: string): boolean {
  return /^face\d+\/params\.json$/.test(file);
}

async function readManifest(folder: string): Promise<string[] | undefined> {
  try {
    const manifest = JSON.parse(await readFile(join(folder, MANIFEST_NAME), 'utf8'));
    return manifest?.generator === 'facerecon' && Array.isArray(manifest.files) ? manifest.files.filter((f: unknown) => typeof f === 'string') : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Removes the temporary folders (`<name>.tmp-<pid>-<hex>`) that a killed run left in `dir`: those
 * whose process no longer runs on this machine.
 */
export async function removeStaleTemporaries(dir: string): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const m = /\.tmp-(\d+)-[0-9a-f]+$/.exec(name);
    if (m && !processRuns(Number(m[1]))) await rm(join(dir, name), { recursive: true, force: true });
  }
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function roundTimings(timings: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)]));
}
