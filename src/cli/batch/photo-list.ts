import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { InputError, describeFsError } from '../../io/errors.js';

/** One photo of a batch: where it is, and its output folder's name inside --out ('/'-separated). */
export interface BatchPhoto {
  /** Absolute path. */
  path: string;
  /** Output folder relative to the batch's --out, e.g. 'casting/anna' for casting/anna.jpg. */
  folder: string;
}

/** File types a folder walk takes as photos (a glob or a manifest names its files itself). */
const PHOTO_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.tif', '.tiff', '.avif', '.gif', '.heic', '.heif']);
const GLOB_CHARS = /[*?[{]/;

/**
 * The photos of a batch, sorted by path, each once: every input is a folder (walked recursively
 * for photo files; hidden entries and `skip`, the output folder, left out), a manifest (.txt, one
 * path per line, relative to the manifest's folder; blank lines and # comments ignored), a glob
 * pattern (quoted, so the shell leaves it: 'shots/**\/*.jpg'), or a photo file. A photo's output
 * folder is its path relative to its input (the folder, the manifest's folder, the glob's fixed
 * part) without the extension; names that would clash keep their extension (a_jpg, a_png), then
 * get a number.
 */
export async function listPhotos(inputs: string[], skip?: string): Promise<BatchPhoto[]> {
  const found = new Map<string, string>(); // path -> name relative to its input
  const skipDir = skip && resolve(skip);
  for (const input of inputs) {
    for (const [path, name] of await expandInput(input, skipDir)) if (!found.has(path)) found.set(path, name);
  }
  const paths = [...found.keys()].sort();
  return uniqueFolders(paths.map((path) => ({ path, name: found.get(path)! })));
}

async function expandInput(input: string, skipDir: string | undefined): Promise<[string, string][]> {
  const path = resolve(input);
  const stats = await stat(path).catch(() => undefined);
  if (stats?.isDirectory()) return (await walk(path, skipDir)).filter(isPhotoFile).map((p) => [p, relative(path, p)]);
  if (stats?.isFile()) {
    if (extname(path).toLowerCase() === '.txt') return readManifest(path);
    return [[path, basename(path)]];
  }
  if (GLOB_CHARS.test(input)) return expandGlob(input, skipDir);
  throw new InputError('unreadable', `${input}: no such file, folder or pattern`);
}

async function readManifest(manifest: string): Promise<[string, string][]> {
  let text: string;
  try {
    text = await readFile(manifest, 'utf8');
  } catch (error) {
    throw new InputError('unreadable', `${manifest}: cannot read manifest (${describeFsError(error)})`, { cause: error });
  }
  const root = dirname(manifest);
  return text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line && !line.startsWith('#')).map((line) => {
    const path = resolve(root, line);
    const rel = relative(root, path);
    return [path, rel.startsWith('..') || isAbsolute(rel) ? basename(path) : rel];
  });
}

/** Files matching a glob (`*`, `?`, `**`, `[...]`, `{a,b}`), named relative to the pattern's fixed leading folders. */
async function expandGlob(pattern: string, skipDir: string | undefined): Promise<[string, string][]> {
  const parts = resolve(pattern).split(sep);
  const fixed = parts.findIndex((p) => GLOB_CHARS.test(p));
  const root = parts.slice(0, fixed).join(sep) || sep;
  const matcher = globRegExp(parts.slice(fixed).join('/'));
  const files = await walk(root, skipDir).catch(() => []);
  return files.map((p): [string, string] => [p, relative(root, p)]).filter(([, rel]) => matcher.test(rel.split(sep).join('/')));
}

/** A glob over '/'-separated relative paths as a regular expression. */
export function globRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/';
      re += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else { re += `[${glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`; i = end; }
    } else if (c === '{') {
      const end = glob.indexOf('}', i);
      if (end < 0) re += '\\{';
      else { re += `(?:${glob.slice(i + 1, end).split(',').map(escapeRegExp).join('|')})`; i = end; }
    } else re += escapeRegExp(c);
  }
  return new RegExp(`^${re}$`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Every file under `dir`, recursively, without hidden entries, temporary output folders or `skipDir`. */
async function walk(dir: string, skipDir: string | undefined): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new InputError('unreadable', `${dir}: cannot read folder (${describeFsError(error)})`, { cause: error });
  }
  for (const e of entries) {
    if (e.name.startsWith('.') || e.name.includes('.tmp-')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) { if (p !== skipDir) out.push(...(await walk(p, skipDir))); } else if (e.isFile()) out.push(p);
  }
  return out;
}

function isPhotoFile(path: string): boolean {
  return PHOTO_EXTENSIONS.has(extname(path).toLowerCase());
}

/** Output folders: the name without its extension; clashing names keep it (a_jpg), then get a number. */
function uniqueFolders(photos: { path: string; name: string }[]): BatchPhoto[] {
  const slashed = (name: string) => name.split(sep).join('/');
  const stem = (name: string) => slashed(name.slice(0, name.length - extname(name).length) || name);
  const count = new Map<string, number>();
  for (const p of photos) count.set(stem(p.name), (count.get(stem(p.name)) ?? 0) + 1);
  const taken = new Set<string>();
  return photos.map(({ path, name }) => {
    const base = count.get(stem(name))! > 1 ? slashed(name).replace(/\.([^./]*)$/, '_$1') : stem(name);
    let folder = base;
    for (let n = 2; taken.has(folder); n++) folder = `${base}-${n}`;
    taken.add(folder);
    return { path, folder };
  });
}
