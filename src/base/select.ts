/**
 * The value `values.sort()[k]` would give (k-th smallest, 0-based, NaN sorting last), found in
 * linear time by quickselect; reorders `values` in place.
 */
export function nthSmallest(values: Float32Array | Float64Array, k: number): number {
  const n = values.length;
  let nan = 0;
  for (let i = 0; i < n; i++) if (values[i] !== values[i]) nan++;
  if (nan > 0 || k < 0 || k >= n) return values.sort()[k];
  let lo = 0, hi = n - 1;
  while (hi > lo) {
    // Median of three as the pivot, then Hoare's partition.
    const mid = (lo + hi) >> 1;
    const a = values[lo], b = values[mid], c = values[hi];
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
    let i = lo, j = hi;
    while (i <= j) {
      while (values[i] < pivot) i++;
      while (values[j] > pivot) j--;
      if (i <= j) {
        const t = values[i]; values[i] = values[j]; values[j] = t;
        i++; j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return values[k];
}
