import { existsSync } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import type { MorphableModel } from '../types.js';
import { buildIctModel } from '../ict/build.js';
import { deserialiseModel, MODEL_PREFIX_BYTES, modelHeaderLength, readModelHeader, serialiseModel, type ModelHeader } from '../binary.js';
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
  const cached = await ensureModelCache(options, true);
  const model = cached.imported ?? deserialiseModel(cached.bytes ?? await readFile(cached.file));
  return { model, source: cached.source, how: cached.how, milliseconds: performance.now() - started };
}

/** Where the model's compact binary cache is, once ensureModelCache has made sure of it. */
export interface ModelCache {
  /** The .frm file: pass it as the model path to load the model without looking for its sources. */
  file: string;
  /** The model's name (from the file's header). */
  name: string;
  /** The folder or file the model came from. */
  source: string;
  how: LoadedModel['how'];
  milliseconds: number;
  /** The model, when it was imported just now. */
  imported?: MorphableModel;
  /** The file's bytes, when they were read whole to check the cache. */
  bytes?: Uint8Array;
}

/**
 * Finds the model like loadIctModel and makes sure its cache file exists (importing, or downloading
 * and importing, when it does not), without reading more of the cache than its header. `--jobs`
 * calls it in the main thread and hands the file to the workers, which each load it.
 */
export async function ensureModelCache(options: LoadModelOptions = {}, readWhole = false): Promise<ModelCache> {
  const started = performance.now();
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const output = options.progressOutput ?? process.stderr;
  const explicit = options.modelPath ?? process.env.FACERECON_MODEL;
  if (explicit) {
    const named = options.modelPath === undefined ? `FACERECON_MODEL is set to ${explicit}, which` : `the model path ${explicit}`;
    if (!existsSync(explicit)) throw new Error(`${named} does not exist`);
    if (explicit.endsWith('.frm')) {
      const bytes = readWhole ? await readFile(explicit) : undefined;
      const header = bytes ? readModelHeader(bytes) : await readCacheHeader(explicit);
      if (!header) throw new Error(`${named} is not a facerecon model file (or an older format)`);
      return { file: resolve(explicit), name: header.name, source: resolve(explicit), how: 'cache', milliseconds: performance.now() - started, bytes };
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
    const bytes = readWhole ? await readFile(cacheFile) : undefined;
    const header = bytes ? readModelHeader(bytes) : await readCacheHeader(cacheFile);
    if (header?.sourceTag === tag) {
      return { file: cacheFile, name: header.name, source: folder, how: how === 'downloaded' ? how : 'cache', milliseconds: performance.now() - started, bytes };
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
    await writeFile(tmp, serialiseModel(model, tag, { quantiseModes: false }));
    await rename(tmp, cacheFile);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await removeSuperseded(cacheDir, cacheFile, folder);
  return { file: cacheFile, name: model.name, source: folder, how, milliseconds: performance.now() - started, imported: model };
}

/** The header of a cache file, read without the rest of it (undefined when it is not a current model file). */
/**
 * Removes the cache files (ict-*.frm, about 50 MB each) imported from `folder` before its files or
 * the import format changed: they would never be read again. Caches of other folders stay.
 */
async function removeSuperseded(cacheDir: string, keep: string, folder: string): Promise<void> {
  for (const name of await readdir(cacheDir)) {
    const file = join(cacheDir, name);
    if (!/^ict-[0-9a-f]{16}\.frm$/.test(name) || file === keep) continue;
    const header = await readCacheHeader(file).catch(() => undefined);
    if (header?.sourceTag.split('|')[1] === folder) await rm(file, { force: true });
  }
}

async function readCacheHeader(file: string): Promise<ModelHeader | undefined> {
  const handle = await open(file, 'r');
  try {
    const prefix = new Uint8Array(MODEL_PREFIX_BYTES);
    await handle.read(prefix, 0, prefix.length, 0);
    const length = modelHeaderLength(prefix);
    if (length === undefined) return undefined;
    const bytes = new Uint8Array(MODEL_PREFIX_BYTES + length);
    await handle.read(bytes, 0, bytes.length, 0);
    return readModelHeader(bytes);
  } finally {
    await handle.close();
  }
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
  const stats = await Promise.all(names.map((n) => stat(join(folder, n))));
  const parts = names.map((n, i) => `${n}:${stats[i].size}:${Math.round(stats[i].mtimeMs)}`);
  // v2: float32 mode bases (v1's int16 took most of the load time to convert).
  return `ict-import-v2|${folder}|${parts.join(',')}`;
}
