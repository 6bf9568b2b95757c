/** Where a progress bar writes: process.stderr by default, or any writer (tests capture the text). */
export interface ProgressOutput {
  write(text: string): unknown;
  /** A terminal gets one line redrawn in place; anything else gets a line per 10% (per 10 MB when the total is unknown). */
  isTTY?: boolean;
}

export type ProgressUnit = 'items' | 'bytes';

/**
 * A one-line progress bar, called as (done, total). A total of 0 means unknown (a download
 * without Content-Length); done >= total > 0 means finished, after which further calls are ignored.
 */
export function progressBar(
  label: string,
  output: ProgressOutput = process.stderr,
  unit: ProgressUnit = 'items',
): (done: number, total: number) => void {
  let lastText = '';
  let lastStep = '';
  let finished = false;
  const mb = (n: number) => (n / 1e6).toFixed(1);
  return (done, total) => {
    if (finished) return;
    const known = total > 0;
    finished = known && done >= total;
    const amount = unit === 'bytes'
      ? (known ? `${mb(done)}/${mb(total)} MB` : `${mb(done)} MB`)
      : (known ? `${done}/${total}` : `${done}`);
    const percent = known ? Math.floor(100 * Math.min(1, done / total)) : 0;
    if (output.isTTY) {
      const width = 30;
      const filled = Math.round((percent / 100) * width);
      const text = known
        ? `${label} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${String(percent).padStart(3)}% ${amount}`
        : `${label} ${amount}`;
      // Redraw only when the text changes: a download reports every few kilobytes.
      if (text !== lastText) output.write(`\r${text.padEnd(lastText.length)}`);
      lastText = text;
      if (finished) output.write('\n');
    } else {
      const step = known ? `p${Math.floor(percent / 10)}` : `n${Math.floor(done / (unit === 'bytes' ? 1e7 : 10))}`;
      if (step !== lastStep) output.write(known ? `${label} ${percent}% ${amount}\n` : `${label} ${amount}\n`);
      lastStep = step;
    }
  };
}
