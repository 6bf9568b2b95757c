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
 * When `<out>` does not exist it appears in one rename with the complete set. When it is
 * already a folder, each staged file replaces its namesake (one atomic rename per file);
 * other files already in `<out>` are left alone. Conflicts (a staged file where `<out>`
 * has a folder, or the other way round) are found before anything is moved; only an I/O
 * failure in the middle of that per-file merge could leave `<out>` partly updated.
 * A killed process can leave a `.tmp-` folder behind (it is never mistaken for output).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, posix, resolve } from 'node:path';
import { describeFsError, InputError } from './errors.js';

type State = 'open' | 'committed' | 'aborted';

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

  /** Creates the temporary folder next to `outDir` (creating missing parents). */
  static async create(outDir: string): Promise<OutputStaging> {
    const out = resolve(outDir);
    await assertDirectoryOrMissing(out, outDir);
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
    return new OutputStaging(out, tempDir, createdParent);
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
      if (!(await this.renameWholeFolder())) await this.mergeIntoExisting();
      this.state = 'committed';
    } catch (error) {
      await this.abort();
      throw error;
    }
    await rm(this.tempDir, { recursive: true, force: true });
  }

  /** Discards everything written. Safe to call more than once and after commit (no-op). */
  async abort(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    await rm(this.tempDir, { recursive: true, force: true });
    await this.removeCreatedParents();
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

  private async removeCreatedParents(): Promise<void> {
    if (this.createdParent === undefined) return;
    for (let dir = dirname(this.outDir); ; dir = dirname(dir)) {
      try {
        await rmdir(dir); // only succeeds while empty, so nothing but our own folders goes
      } catch {
        return;
      }
      if (dir === this.createdParent) return;
    }
  }

  private assertOpen(action: string): void {
    if (this.state !== 'open') {
      const after = this.state === 'committed' ? 'commit' : 'abort';
      throw new Error(`OutputStaging(${basename(this.outDir)}): cannot ${action} after ${after}`);
    }
  }
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

async function assertDirectoryOrMissing(path: string, shownAs: string): Promise<void> {
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
