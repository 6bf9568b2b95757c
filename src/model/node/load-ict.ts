import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import type { MorphableModel } from '../types.js';
import { buildIctModel } from '../ict/build.js';
import { deserializeModel, readModelSourceTag, serializeModel } from '../binary.js';
import { downloadIctFaceKit, ICT_FACEKIT_URL } from './download.js';
import { progressBar } from './progress.js';

export interface LoadModelOptions {
  /** An ICT-FaceKit folder (the repository root or its FaceXModel folder), or a cached .frm file. */
  modelPath?: string;
  /** Where the compact model and any download are kept. Default: $FACERECON_CACHE, else $XDG_CACHE_HOME/facerecon, else ~/.cache/facerecon. */
  cacheDir?: string;
  /** Print progress bars on stderr (import and download). */
  progress?: boolean;
  /** Override of the download address (tests use a loopback server). */
  downloadUrl?: string;
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
 * ../shared/ict-facekit (next to the working directory or to this package), then a model
 * downloaded earlier into the cache, then a fresh download of the upstream release.
 * The imported model is cached in compact binary form keyed by its source files.
 */
export async function loadIctModel(options: LoadModelOptions = {}): Promise<LoadedModel> {
  const started = performance.now();
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const explicit = options.modelPath ?? process.env.FACERECON_MODEL;
  if (explicit && !existsSync(explicit)) throw new Error(`model path does not exist: ${explicit}`);
  if (explicit && explicit.endsWith('.frm')) {
    return { model: deserializeModel(await readFile(explicit)), source: resolve(explicit), how: 'cache', milliseconds: performance.now() - started };
  }
  let folder = explicit ? findFaceXModel(explicit) : undefined;
  if (explicit && !folder) throw new Error(`no ICT-FaceKit FaceXModel folder (with generic_neutral_mesh.obj[.gz]) found at ${explicit}`);
  folder ??= candidateFolders(cacheDir).map(findFaceXModel).find((f) => f !== undefined);
  let how: LoadedModel['how'] = 'imported';
  if (!folder) {
    const target = join(cacheDir, 'ict-facekit');
    process.stderr.write(`ICT-FaceKit model not found locally; downloading it into ${target}\n`);
    await mkdir(cacheDir, { recursive: true });
    await downloadIctFaceKit(target, options.downloadUrl ?? process.env.FACERECON_MODEL_URL ?? ICT_FACEKIT_URL,
      options.progress === false ? undefined : progressBar('downloading ICT-FaceKit'));
    folder = findFaceXModel(target)!;
    how = 'downloaded';
  }

  const tag = await sourceTag(folder);
  const cacheFile = join(cacheDir, `ict-${createHash('sha256').update(tag).digest('hex').slice(0, 16)}.frm`);
  if (existsSync(cacheFile)) {
    const bytes = await readFile(cacheFile);
    if (readModelSourceTag(bytes) === tag) {
      return { model: deserializeModel(bytes), source: folder, how: how === 'downloaded' ? how : 'cache', milliseconds: performance.now() - started };
    }
  }
  const model = await importIctFolder(folder, options.progress === false ? undefined : progressBar('importing ICT-FaceKit'));
  await mkdir(cacheDir, { recursive: true });
  const tmp = `${cacheFile}.tmp-${process.pid}`;
  await writeFile(tmp, serializeModel(model, tag));
  await rename(tmp, cacheFile);
  return { model, source: folder, how, milliseconds: performance.now() - started };
}

/** Imports the upstream files of a FaceXModel folder (each `.obj` or `.obj.gz`). */
export async function importIctFolder(folder: string, onProgress?: (done: number, total: number) => void): Promise<MorphableModel> {
  const index = JSON.parse(await readFile(join(folder, 'vertex_indices.json'), 'utf8'));
  const read = async (base: string) => {
    const plain = join(folder, `${base}.obj`);
    if (existsSync(plain)) return readFile(plain, 'utf8');
    const gz = `${plain}.gz`;
    if (existsSync(gz)) return gunzipSync(await readFile(gz)).toString('utf8');
    throw new Error(`ICT-FaceKit file missing: ${plain}[.gz]`);
  };
  return buildIctModel(read, { expressions: index.expressions }, onProgress);
}

function candidateFolders(cacheDir: string): string[] {
  const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  return [
    resolve('../shared/ict-facekit'),
    resolve(packageRoot, '../shared/ict-facekit'),
    join(cacheDir, 'ict-facekit'),
  ];
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
