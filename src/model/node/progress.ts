/** A one-line progress bar on stderr (redrawn in place on a terminal, a line per 10% otherwise). */
export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr): (done: number, total: number) => void {
  let lastDecile = -1;
  return (done, total) => {
    const fraction = total > 0 ? Math.min(1, done / total) : 0;
    const text = total > 0 && total > 1e5
      ? `${(done / 1e6).toFixed(1)}/${(total / 1e6).toFixed(1)} MB`
      : `${done}/${total}`;
    if (stream.isTTY) {
      const width = 30;
      const filled = Math.round(fraction * width);
      stream.write(`\r${label} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${text}`);
      if (done >= total) stream.write('\n');
    } else {
      const decile = Math.floor(fraction * 10);
      if (decile !== lastDecile) {
        lastDecile = decile;
        stream.write(`${label} ${(fraction * 100).toFixed(0)}% ${text}\n`);
      }
    }
  };
}
