import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import type { MorphableModel } from '../types.js';
import { buildIctModel } from '../ict/build.js';
import { deserialiseModel, readModelSourceTag, serialiseModel } from '../binary.js';
import { downloadIctFaceKit, ICT_FACEKIT_URL, LOCAL_COPY_HINT } from './download.js';
import { progressBar, type ProgressOutput } from './progress.js';

export interface LoadModelOptions {
  /** An ICT-FaceKit folder (the repository root or its FaceXModel folder), or a cached .frm file. */
  modelPath?: string;
  /** Where the compact model and any download are kept. Default: $FACERECON_CACHE, else $XDG_CACHE_HOME/facerecon, else ~/.cache/facerecon. */
  cacheDir?: string;
  /** Show progress bars for the import and the download (default true). */
  progress?: boolean;
  /** Where progress bars and the download notice go. Default: process.stderr. */
  progressOutput?: ProgressOutput;
  /** Override of the download address (tests use a loopback server). */
  downloadUrl?: string;
  /** Look for ../shared/ict-facekit next to the working directory and the package (default true). */
  searchShared?: boolean;
}

export interface LoadedModel {
  model: MorphableModel;
  /** Where the model came from: the folder or file used. */
  source: string;
  how: 'cache' | 'imported' | 'downloaded';
  milliseconds: number;
}

export function defaultCacheDir(): string {
  if (process.env.FACERECON_CACHE) return resolve(process.env.FACERECON_CACHE);
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'facerecon');
}

/**
 * Finds and loads the ICT-FaceKit model: explicit option, then $FACERECON_MODEL, then
 * ../shared/ict-facekit (next to the working directory or to this package; `searchShared: false`
 * skips it), then a model downloaded earlier into the cache, then a fresh download of the upstream
 * archive ($FACERECON_MODEL_URL or `downloadUrl` replaces its address).
 * The imported model is cached in compact binary form keyed by its source files.
 */
export async function loadIctModel(options: LoadModelOptions = {}): Promise<LoadedModel> {
  const started = performance.now();
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const output = options.progressOutput ?? process.stderr;
  const explicit = options.modelPath ?? process.env.FACERECON_MODEL;
  if (explicit) {
    const named = options.modelPath === undefined ? `FACERECON_MODEL is set to ${explicit}, which` : `the model path ${explicit}`;
    if (!existsSync(explicit)) throw new Error(`${named} does not exist`);
    if (explicit.endsWith('.frm')) {
      return { model: deserialiseModel(await readFile(explicit)), source: resolve(explicit), how: 'cache', milliseconds: performance.now() - started };
    }
  }
  let folder = explicit ? findFaceXModel(explicit) : undefined;
  if (explicit && !folder) {
    throw new Error(`no ICT-FaceKit model at ${explicit}${options.modelPath === undefined ? ' (from FACERECON_MODEL)' : ''}: expected the ` +
      'repository folder or its FaceXModel folder, holding vertex_indices.json and generic_neutral_mesh.obj (or .obj.gz)');
  }
  folder ??= candidateFolders(cacheDir, options.searchShared ?? true).map(findFaceXModel).find((f) => f !== undefined);
  let how: LoadedModel['how'] = 'imported';
  const url = options.downloadUrl ?? process.env.FACERECON_MODEL_URL ?? ICT_FACEKIT_URL;
  if (!folder) {
    const target = join(cacheDir, 'ict-facekit');
    output.write(`ICT-FaceKit model not found locally; downloading ${url} into ${target}\n`);
    await mkdir(cacheDir, { recursive: true });
    await downloadIctFaceKit(target, url, options.progress === false ? undefined : progressBar('downloading ICT-FaceKit', output, 'bytes'));
    folder = findFaceXModel(target)!;
    how = 'downloaded';
  }

  const tag = await sourceTag(folder);
  const cacheFile = join(cacheDir, `ict-${createHash('sha256').update(tag).digest('hex').slice(0, 16)}.frm`);
  if (existsSync(cacheFile)) {
    const bytes = await readFile(cacheFile);
    if (readModelSourceTag(bytes) === tag) {
      return { model: deserialiseModel(bytes), source: folder, how: how === 'downloaded' ? how : 'cache', milliseconds: performance.now() - started };
    }
  }
  let model: MorphableModel;
  try {
    model = await importIctFolder(folder, options.progress === false ? undefined : progressBar('importing ICT-FaceKit', output));
  } catch (err) {
    if (how !== 'downloaded') throw err;
    // Left in place, a download that cannot be imported would be found, and fail, on every later run.
    await rm(dirname(folder), { recursive: true, force: true });
    throw new Error(`the ICT-FaceKit model downloaded from ${url} could not be imported (${(err as Error).message}); ` +
      `the download was removed from ${cacheDir}.\n${LOCAL_COPY_HINT}`);
  }
  await mkdir(cacheDir, { recursive: true });
  const tmp = `${cacheFile}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, serialiseModel(model, tag));
    await rename(tmp, cacheFile);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return { model, source: folder, how, milliseconds: performance.now() - started };
}

/** Imports the upstream files of a FaceXModel folder (each `.obj` or `.obj.gz`). */
export async function importIctFolder(folder: string, onProgress?: (done: number, total: number) => void): Promise<MorphableModel> {
  const index = JSON.parse(await readFile(join(folder, 'vertex_indices.json'), 'utf8'));
  const read = async (base: string) => {
    const plain = join(folder, `${base}.obj`);
    if (existsSync(plain)) return readFile(plain, 'utf8');
    const gz = `${plain}.gz`;
    if (existsSync(gz)) {
      const bytes = await readFile(gz);
      try {
        return gunzipSync(bytes).toString('utf8');
      } catch (err) {
        throw new Error(`${gz}: ${(err as Error).message}`);
      }
    }
    throw new Error(`ICT-FaceKit file missing: ${plain}[.gz]`);
  };
  return buildIctModel(read, { expressions: index.expressions }, onProgress);
}

function candidateFolders(cacheDir: string, searchShared: boolean): string[] {
  const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  const shared = searchShared ? [resolve('../shared/ict-facekit'), resolve(packageRoot, '../shared/ict-facekit')] : [];
  return [...shared, join(cacheDir, 'ict-facekit')];
}

/** Accepts the repository root or the FaceXModel folder itself. */
function findFaceXModel(path: string): string | undefined {
  for (const dir of [join(path, 'FaceXModel'), path]) {
    if (existsSync(join(dir, 'vertex_indices.json')) &&
      (existsSync(join(dir, 'generic_neutral_mesh.obj')) || existsSync(join(dir, 'generic_neutral_mesh.obj.gz')))) {
      return resolve(dir);
    }
  }
  return undefined;
}

async function sourceTag(folder: string): Promise<string> {
  const names = (await readdir(folder)).filter((n) => /\.(obj|obj\.gz|json)$/.test(n)).sort();
  const parts: string[] = [];
  for (const n of names) {
    const s = await stat(join(folder, n));
    parts.push(`${n}:${s.size}:${Math.round(s.mtimeMs)}`);
  }
  return `ict-import-v1|${folder}|${parts.join(',')}`;
}
