export interface Summary {
  count: number;
  median: number;
  mean: number;
  /** Population standard deviation. */
  std: number;
}

/** Median, mean and standard deviation of the finite values (NaN for an empty set). */
export function summarise(values: ArrayLike<number>): Summary {
  const xs: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) xs.push(values[i]);
  const n = xs.length;
  if (n === 0) return { count: 0, median: NaN, mean: NaN, std: NaN };
  xs.sort((a, b) => a - b);
  const median = n % 2 ? xs[n >> 1] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
  let sum = 0;
  for (const x of xs) sum += x;
  const mean = sum / n;
  let sq = 0;
  for (const x of xs) sq += (x - mean) * (x - mean);
  return { count: n, median, mean, std: Math.sqrt(sq / n) };
}
