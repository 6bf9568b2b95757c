import { appendFile, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PhotoRecord } from './photo-folder.js';

export const SUMMARY_NAME = 'summary.jsonl';

/**
 * A batch's summary.jsonl in its --out folder: one line per photo (see PhotoRecord), appended as
 * each photo ends, so an interrupted batch keeps the lines of the photos it finished.
 */
export class BatchSummary {
  private constructor(readonly path: string, private readonly records: Map<string, PhotoRecord>) {}

  /** The summary in `outRoot`, with the lines an earlier run wrote (a torn last line is dropped). */
  static async open(outRoot: string): Promise<BatchSummary> {
    const path = join(outRoot, SUMMARY_NAME);
    const records = new Map<string, PhotoRecord>();
    const text = await readFile(path, 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      try {
        const record = JSON.parse(line) as PhotoRecord;
        if (typeof record?.folder === 'string') records.set(record.folder, record);
      } catch {
        // blank, or cut short by a kill
      }
    }
    return new BatchSummary(path, records);
  }

  /** The photo's line, if it has one. */
  get(folder: string): PhotoRecord | undefined {
    return this.records.get(folder);
  }

  get size(): number {
    return this.records.size;
  }

  /**
   * Rewrites the file with one line per photo: those of `kept` (finished photos, and photos of
   * earlier runs that this one does not name) as they were, and `added`; the lines of photos about
   * to be done again (failed before, or interrupted) are dropped. Written whole, then renamed.
   */
  async rewrite(keep: (folder: string) => boolean, added: PhotoRecord[]): Promise<void> {
    for (const folder of [...this.records.keys()]) if (!keep(folder)) this.records.delete(folder);
    for (const record of added) this.records.set(record.folder, record);
    const tmp = `${this.path}.tmp-${process.pid}`;
    try {
      await writeFile(tmp, [...this.records.values()].map((r) => `${JSON.stringify(r)}\n`).join(''));
      await rename(tmp, this.path);
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /** Adds one photo's line (a photo already recorded is not written twice). */
  async append(record: PhotoRecord): Promise<boolean> {
    if (this.records.has(record.folder)) return false;
    this.records.set(record.folder, record);
    await appendFile(this.path, `${JSON.stringify(record)}\n`);
    return true;
  }
}
