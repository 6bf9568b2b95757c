/**
 * All-or-nothing output folders (Node only).
 *
 * Files are written into a temporary sibling `<out>.tmp-<pid>-<random>` (same parent, so
 * renames stay on one file system and are atomic) and only moved into `<out>` by commit().
 * If anything fails, abort() removes the temporary folder and no partial output is left.
 *
 *   const stage = await createStaging(outDir);
 *   try { await stage.write('face0/mesh.obj', obj); ...; await stage.commit(); }
 *   finally { await stage.abort(); } // no-op after a successful commit
 *
 * or simply `await withStaging(outDir, async (stage) => { ... })`.
 *
 * Every committed folder holds manifest.json, the list of the files we wrote there. An existing
 * `<out>` is used only when it is empty or holds our manifest (createStaging refuses any other,
 * before any work is done), so a user's folder is never written into.
 *
 * When `<out>` does not exist it appears in one rename with the complete set. When it is
 * already our folder, each staged file replaces its namesake (one atomic rename per file), and
 * the files of the previous run that this one did not write (its manifest lists them) are then
 * removed, with the folders they leave empty: a re-run replaces the previous results wholly.
 * Files that the user added to the folder are left alone. Conflicts (a staged file where `<out>`
 * has a folder, or the other way round) are found before anything is moved; only an I/O failure
 * in the middle of that per-file merge could leave `<out>` partly updated.
 *
 * A process that is stopped by a signal should call removeOpenStagingsSync() before it exits
 * (the CLI does, for SIGINT, SIGTERM and any exit), so no `.tmp-` folder is left behind.
 */
import { randomBytes } from 'node:crypto';
import { rmdirSync, rmSync } from 'node:fs';
import { access, constants, mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, posix, resolve } from 'node:path';
import { describeFsError, InputError } from './errors.js';

type State = 'open' | 'committed' | 'aborted';

/** The list of our files that every output folder holds. */
export const MANIFEST_NAME = 'manifest.json';
const GENERATOR = 'facerecon';

interface Manifest {
  generator: typeof GENERATOR;
  /** Relative paths (with `/`) of the files we wrote, manifest.json itself included. */
  files: string[];
}

/** Stagings not yet committed or aborted, so a signal handler can remove their temporary folders. */
const openStagings = new Set<OutputStaging>();

export class OutputStaging {
  private state: State = 'open';
  private readonly files = new Set<string>();

  private constructor(
    /** Absolute path of the final output folder. */
    readonly outDir: string,
    /** Absolute path of the temporary folder the files are written to before commit. */
    readonly tempDir: string,
    /** Topmost parent folder createStaging had to create, removed again on abort if empty. */
    private readonly createdParent: string | undefined,
  ) {}

  /**
   * Checks that `outDir` can take our results (missing, or an empty or earlier output folder of
   * ours, writable) and creates the temporary folder next to it (creating missing parents), which
   * also proves that the parent is writable.
   */
  static async create(outDir: string): Promise<OutputStaging> {
    const out = resolve(outDir);
    await assertUsableOutput(out, outDir);
    let createdParent: string | undefined;
    try {
      createdParent = await mkdir(dirname(out), { recursive: true });
    } catch (error) {
      throw new InputError('unwritable', `${outDir}: cannot create output folder (${describeFsError(error)})`, {
        cause: error,
      });
    }
    const tempDir = `${out}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
    try {
      await mkdir(tempDir);
    } catch (error) {
      throw new InputError('unwritable', `${outDir}: cannot create output folder (${describeFsError(error)})`, {
        cause: error,
      });
    }
    const stage = new OutputStaging(out, tempDir, createdParent);
    openStagings.add(stage);
    return stage;
  }

  /** Relative paths (with `/`) of the files written so far, sorted. */
  get paths(): string[] {
    return [...this.files].sort();
  }

  /**
   * Writes one file, `relativePath` inside the output folder (e.g. 'face0/mesh.obj'),
   * creating its folders. Strings are written as UTF-8. Writing a path again replaces it.
   */
  async write(relativePath: string, data: Uint8Array | string): Promise<void> {
    this.assertOpen('write');
    const rel = normaliseRelative(relativePath);
    const target = join(this.tempDir, rel);
    try {
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, data);
    } catch (error) {
      throw new InputError(
        'unwritable',
        `${join(this.outDir, rel)}: cannot write file (${describeFsError(error)})`,
        { cause: error },
      );
    }
    this.files.add(rel);
  }

  /**
   * Moves every written file into the output folder and removes the temporary folder.
   * On failure the temporary folder is removed and the error rethrown.
   */
  async commit(): Promise<void> {
    this.assertOpen('commit');
    try {
      await this.write(MANIFEST_NAME, manifestJson([...this.paths, MANIFEST_NAME].sort()));
      if (!(await this.renameWholeFolder())) await this.mergeIntoExisting();
      this.state = 'committed';
      openStagings.delete(this);
    } catch (error) {
      await this.abort();
      throw error;
    }
    await rm(this.tempDir, { recursive: true, force: true });
  }

  /** Discards everything written. Safe to call more than once and after commit (no-op). */
  async abort(): Promise<void> {
    this.abortSync();
  }

  /** abort(), synchronous: for signal and exit handlers, which cannot wait. */
  abortSync(): void {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    openStagings.delete(this);
    rmSync(this.tempDir, { recursive: true, force: true });
    if (this.createdParent === undefined) return;
    for (let dir = dirname(this.outDir); ; dir = dirname(dir)) {
      try {
        rmdirSync(dir);
      } catch {
        return;
      }
      if (dir === this.createdParent) return;
    }
  }

  /** Fast path: `<out>` does not exist, so the whole folder appears in one rename. */
  private async renameWholeFolder(): Promise<boolean> {
    if ((await statOrUndefined(this.outDir)) !== undefined) return false;
    try {
      await rename(this.tempDir, this.outDir);
      return true;
    } catch (error) {
      // Someone created <out> meanwhile: fall back to merging into it.
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' || code === 'ENOTEMPTY') return false;
      throw new InputError('unwritable', `${this.outDir}: cannot create output folder (${describeFsError(error)})`, {
        cause: error,
      });
    }
  }

  private async mergeIntoExisting(): Promise<void> {
    await assertDirectoryOrMissing(this.outDir, this.outDir);
    const previous = await readManifest(this.outDir);
    const paths = this.paths;
    await this.findConflicts(paths);
    for (const rel of paths) {
      const target = join(this.outDir, rel);
      try {
        await mkdir(dirname(target), { recursive: true });
        await rename(join(this.tempDir, rel), target);
      } catch (error) {
        throw new InputError('unwritable', `${target}: cannot write file (${describeFsError(error)})`, {
          cause: error,
        });
      }
    }
    if (previous) await this.removeStale(previous.files.filter((rel) => !this.files.has(rel)));
  }

  /** Removes files of the previous run that this run did not write, then the folders they leave empty. */
  private async removeStale(stale: string[]): Promise<void> {
    const folders = new Set<string>();
    for (const rel of stale) {
      let safe: string;
      try {
        safe = normaliseRelative(rel);
      } catch {
        continue; // a manifest edited to point outside the folder is ignored
      }
      await rm(join(this.outDir, safe), { force: true });
      for (let dir = posix.dirname(safe); dir !== '.'; dir = posix.dirname(dir)) folders.add(dir);
    }
    // Deepest first; rmdir only removes empty folders, so anything the user put there stays.
    for (const dir of [...folders].sort((a, b) => b.split('/').length - a.split('/').length)) {
      await rmdir(join(this.outDir, dir)).catch(() => undefined);
    }
  }

  /** Every folder on the way to a staged file must be a folder, and the file must not be one. */
  private async findConflicts(paths: string[]): Promise<void> {
    const checked = new Set<string>();
    for (const rel of paths) {
      const parts = rel.split('/');
      for (let i = 1; i <= parts.length; i++) {
        const prefix = parts.slice(0, i).join('/');
        if (checked.has(prefix)) continue;
        checked.add(prefix);
        const existing = await statOrUndefined(join(this.outDir, prefix));
        if (existing === undefined) break; // nothing deeper can exist either
        const isFile = i === parts.length;
        if (isFile && existing.isDirectory()) {
          throw new InputError(
            'output-not-directory',
            `${join(this.outDir, prefix)}: is a folder, cannot replace it with a file`,
          );
        }
        if (!isFile && !existing.isDirectory()) {
          throw new InputError('output-not-directory', `${join(this.outDir, prefix)}: exists and is not a folder`);
        }
      }
    }
  }

  private assertOpen(action: string): void {
    if (this.state !== 'open') {
      const after = this.state === 'committed' ? 'commit' : 'abort';
      throw new Error(`OutputStaging(${basename(this.outDir)}): cannot ${action} after ${after}`);
    }
  }
}

/** Removes the temporary folders of every staging still open (for signal and exit handlers). */
export function removeOpenStagingsSync(): void {
  for (const stage of [...openStagings]) stage.abortSync();
}

/** Starts staging files for `outDir`. See OutputStaging. */
export function createStaging(outDir: string): Promise<OutputStaging> {
  return OutputStaging.create(outDir);
}

/** Runs `fill` with a fresh staging area, commits if it resolves, aborts if anything throws. */
export async function withStaging<T>(outDir: string, fill: (stage: OutputStaging) => Promise<T>): Promise<T> {
  const stage = await createStaging(outDir);
  try {
    const result = await fill(stage);
    await stage.commit();
    return result;
  } finally {
    await stage.abort();
  }
}

/**
 * `out` must be missing, or a writable folder that is empty or holds our manifest: a folder of
 * someone else's files is refused rather than mixed with ours.
 */
async function assertUsableOutput(out: string, shownAs: string): Promise<void> {
  if (!(await assertDirectoryOrMissing(out, shownAs))) return;
  let entries: string[];
  try {
    await access(out, constants.W_OK | constants.X_OK);
    entries = await readdir(out);
  } catch (error) {
    throw new InputError('unwritable', `${shownAs}: cannot use as output folder (${describeFsError(error)})`, { cause: error });
  }
  if (entries.length > 0 && !(await readManifest(out))) {
    throw new InputError(
      'output-not-ours',
      `${shownAs}: folder is not empty and holds no facerecon results (no ${MANIFEST_NAME}); choose another --out or empty it`,
    );
  }
}

function manifestJson(files: string[]): string {
  const manifest: Manifest = { generator: GENERATOR, files };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** The manifest of an earlier run in `dir`, or undefined when there is none (or it is not ours). */
async function readManifest(dir: string): Promise<Manifest | undefined> {
  try {
    const manifest = JSON.parse(await readFile(join(dir, MANIFEST_NAME), 'utf8'));
    const ours = manifest?.generator === GENERATOR && Array.isArray(manifest.files) && manifest.files.every((f: unknown) => typeof f === 'string');
    return ours ? manifest : undefined;
  } catch {
    return undefined;
  }
}

/** Throws unless `path` is a folder or missing; true when it is a folder. */
async function assertDirectoryOrMissing(path: string, shownAs: string): Promise<boolean> {
  let stats;
  try {
    stats = await statOrUndefined(path);
  } catch (error) {
    throw new InputError('unwritable', `${shownAs}: cannot use as output folder (${describeFsError(error)})`, {
      cause: error,
    });
  }
  if (stats !== undefined && !stats.isDirectory()) {
    throw new InputError('output-not-directory', `${shownAs}: exists and is not a folder`);
  }
  return stats !== undefined;
}

/** stat(), or undefined when nothing is there. Other errors (permissions, ...) are thrown. */
async function statOrUndefined(path: string) {
  try {
    return await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw error;
  }
}

/** 'a/b.txt' style path that stays inside the folder; rejects absolute paths and '..'. */
function normaliseRelative(relativePath: string): string {
  const rel = posix.normalize(relativePath.replaceAll('\\', '/'));
  if (
    relativePath.length === 0 ||
    relativePath.includes('\0') ||
    rel.startsWith('/') ||
    /^[A-Za-z]:/.test(rel) ||
    rel === '.' ||
    rel === '..' ||
    rel.startsWith('../') ||
    rel.endsWith('/')
  ) {
    throw new RangeError(`OutputStaging: '${relativePath}' is not a relative file path inside the output folder`);
  }
  return rel;
}
