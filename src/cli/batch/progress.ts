import type { PhotoRecord } from './photo-folder.js';

/** Where the progress goes: stderr as a rewritten line on a terminal, a line every `intervalMs` elsewhere (logs). */
export interface ProgressOutput {
  write(text: string): void;
  isTTY?: boolean;
}

/**
 * The progress of a batch on stderr: photos done of the total, photos per second, faces found,
 * errors, time left; error lines in between. The rate counts from the first photo started, so
 * loading the model and networks does not lower it.
 */
export class BatchProgress {
  private done = 0;
  private faces = 0;
  private errors = 0;
  private started?: number;
  private lastLine = 0;
  private shown = false;
  private lastShown = '';

  constructor(private readonly total: number, private readonly out: ProgressOutput, private readonly intervalMs = 5000) {}

  /** The first photo starts now. */
  start(): void {
    this.started ??= performance.now();
    this.show(true);
  }

  /** One photo ended; an error is printed on its own line. */
  record(record: PhotoRecord): void {
    this.done++;
    if (record.status === 'error') {
      this.errors++;
      this.clear();
      this.out.write(`error: ${record.error}\n`);
    } else this.faces += record.faces ?? 0;
    this.show(false);
  }

  /** The closing line (the terminal's bar is left standing). */
  finish(): string {
    if (this.out.isTTY || this.lastShown !== this.line()) this.show(true);
    if (this.out.isTTY && this.shown) this.out.write('\n');
    this.shown = false;
    return this.line();
  }

  get counts() {
    return { done: this.done, faces: this.faces, errors: this.errors, seconds: this.seconds() };
  }

  line(): string {
    const seconds = this.seconds();
    const rate = seconds > 0 ? this.done / seconds : 0;
    const left = rate > 0 ? (this.total - this.done) / rate : undefined;
    const width = 20;
    const filled = this.total ? Math.round((width * this.done) / this.total) : width;
    return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${this.done}/${this.total} photos, ${rate.toFixed(2)} photos/s, ` +
      `${this.faces} face${this.faces === 1 ? '' : 's'}, ${this.errors} error${this.errors === 1 ? '' : 's'}` +
      `${this.done < this.total ? `, ${left === undefined ? '?' : duration(left)} left` : `, ${duration(seconds)}`}`;
  }

  private seconds(): number {
    return this.started === undefined ? 0 : (performance.now() - this.started) / 1000;
  }

  private show(force: boolean): void {
    const now = performance.now();
    if (this.out.isTTY) {
      if (!force && now - this.lastLine < 100) return;
      this.out.write(`\r\x1b[K${this.line()}`);
      this.shown = true;
    } else {
      if (!force && now - this.lastLine < this.intervalMs) return;
      this.lastShown = this.line();
      this.out.write(`${this.lastShown}\n`);
    }
    this.lastLine = now;
  }

  private clear(): void {
    if (this.out.isTTY && this.shown) this.out.write('\r\x1b[K');
  }
}

/** 75 -> "1m15s", 4000 -> "1h06m". */
export function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
