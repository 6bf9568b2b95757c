import { mkdir, readdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { describeFsError, InputError } from '../../io/errors.js';
import { createPhotoRunner } from '../photo-runner.js';
import type { BatchOptions } from './args.js';
import { errorRecord, isFinished, reconstructIntoFolder, recoveredRecord, removeStaleTemporaries, type PhotoRecord } from './photo-folder.js';
import { listPhotos, type BatchPhoto } from './photo-list.js';
import { BatchProgress } from './progress.js';
import { BatchSummary, SUMMARY_NAME } from './summary.js';

/** A batch ready to run: its photos, those still to do, and its summary with the finished photos' lines. */
export interface PreparedBatch {
  outRoot: string;
  photos: BatchPhoto[];
  todo: BatchPhoto[];
  summary: BatchSummary;
}

/**
 * Claims --out (missing, empty, or an earlier batch's: it holds summary.jsonl), lists the photos,
 * and sets aside the finished ones (see isFinished): their summary lines are kept (written from the
 * folder when a kill came between the folder and its line), those of the photos to do again dropped.
 * `local`: also remove the temporary folders that killed runs on this machine left.
 */
export async function prepareBatch(options: BatchOptions, log: (line: string) => void, local: boolean): Promise<PreparedBatch> {
  const outRoot = resolve(options.out);
  await claimBatchFolder(outRoot, options.out);
  const photos = await listPhotos(options.inputs, outRoot);
  if (photos.length === 0) throw new InputError('unreadable', `${options.inputs.join(' ')}: no photos found`);
  if (local) for (const dir of new Set(photos.map((p) => dirname(join(outRoot, p.folder))))) await removeStaleTemporaries(dir);
  const summary = await BatchSummary.open(outRoot);
  const finished = new Set<string>();
  const recovered: PhotoRecord[] = [];
  for (const photo of photos) {
    if (!(await isFinished(join(outRoot, photo.folder)))) continue;
    finished.add(photo.folder);
    if (summary.get(photo.folder)?.status !== 'done') recovered.push(await recoveredRecord(photo, outRoot));
  }
  const named = new Set(photos.map((p) => p.folder));
  await summary.rewrite((folder) => !named.has(folder) || finished.has(folder), recovered);
  const todo = photos.filter((p) => !finished.has(p.folder));
  log(`${photos.length} photo${photos.length === 1 ? '' : 's'}: ${finished.size} already finished, ${todo.length} to do -> ${options.out}`);
  return { outRoot, photos, todo, summary };
}

/** `facerecon batch` on this machine: the photos through a pool of --jobs worker threads. */
export async function runLocalBatch(options: BatchOptions, log: (line: string) => void): Promise<number> {
  const { outRoot, todo, summary } = await prepareBatch(options, log, true);
  if (todo.length === 0) return 0;
  const threads = Math.min(options.jobs, todo.length);
  const runner = await createPhotoRunner({ model: options.model, threads: threads > 1 ? threads : 0, progress: true, log });
  const progress = new BatchProgress(todo.length, process.stderr);
  progress.start();
  let next = 0;
  // With threads, one photo more than there are threads, so the next one is decoded while the others are reconstructed.
  const lanes = runner.threads === 0 ? 1 : runner.threads + 1;
  try {
    await Promise.all(Array.from({ length: lanes }, async () => {
      while (next < todo.length) {
        const photo = todo[next++];
        const t0 = performance.now();
        let record: PhotoRecord;
        try {
          record = await reconstructIntoFolder(runner, photo, outRoot, options.job);
        } catch (error) {
          record = errorRecord(photo, error, t0);
        }
        await summary.append(record);
        progress.record(record);
      }
    }));
  } finally {
    await runner.close();
  }
  progress.finish();
  const { done, faces, errors, seconds } = progress.counts;
  log(`${done} photo${done === 1 ? '' : 's'} in ${seconds.toFixed(1)} s (${(done / Math.max(seconds, 1e-9)).toFixed(2)} photos/s): ` +
    `${faces} face${faces === 1 ? '' : 's'}, ${errors} error${errors === 1 ? '' : 's'}; summary: ${join(options.out, SUMMARY_NAME)}`);
  return errors > 0 ? 1 : 0;
}

/** --out must be missing, empty, or an earlier batch's folder (it holds summary.jsonl); it is created. */
async function claimBatchFolder(outRoot: string, shownAs: string): Promise<void> {
  const stats = await stat(outRoot).catch((error) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InputError('unwritable', `${shownAs}: cannot use as output folder (${describeFsError(error)})`, { cause: error });
  });
  if (stats && !stats.isDirectory()) throw new InputError('output-not-directory', `${shownAs}: exists and is not a folder`);
  if (stats) {
    const entries = await readdir(outRoot);
    if (entries.length > 0 && !entries.includes(SUMMARY_NAME)) {
      throw new InputError('output-not-ours', `${shownAs}: folder is not empty and holds no facerecon batch (no ${SUMMARY_NAME}); choose another --out or empty it`);
    }
    return;
  }
  try {
    await mkdir(outRoot, { recursive: true });
  } catch (error) {
    throw new InputError('unwritable', `${shownAs}: cannot create output folder (${describeFsError(error)})`, { cause: error });
  }
}
