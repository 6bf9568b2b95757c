/**
 * Grey-level morphology and smoothing on row-major float planes with square windows, separable
 * and O(1) per pixel in the window size (van Herk / Gil-Werman running extrema). Pixels beyond
 * the border are ignored (the window is clipped).
 */

type Extremum = (a: number, b: number) => number;

function runExtremum(src: Float32Array, dst: Float32Array, n: number, stride: number, offset: number, radius: number, pick: Extremum, g: Float32Array, h: Float32Array): void {
  const size = 2 * radius + 1;
  // g: running extremum from the start of each block of `size`, h: from its end.
  for (let i = 0; i < n; i++) {
    const v = src[offset + i * stride]!;
    g[i] = i % size === 0 ? v : pick(g[i - 1]!, v);
  }
  for (let i = n - 1; i >= 0; i--) {
    const v = src[offset + i * stride]!;
    h[i] = i === n - 1 || (i + 1) % size === 0 ? v : pick(h[i + 1]!, v);
  }
  for (let i = 0; i < n; i++) {
    const lo = Math.max(0, i - radius), hi = Math.min(n - 1, i + radius);
    // A clipped window at a border may lie inside one block: then the prefix (from a block start) or suffix (to the end) alone is exact.
    const sameBlock = Math.floor(lo / size) === Math.floor(hi / size);
    dst[offset + i * stride] = sameBlock ? (lo % size === 0 ? g[hi]! : h[lo]!) : pick(h[lo]!, g[hi]!);
  }
}

function separable(plane: Float32Array, width: number, height: number, radius: number, pick: Extremum): Float32Array {
  if (radius < 1) return plane.slice();
  const tmp = new Float32Array(plane.length), out = new Float32Array(plane.length);
  const g = new Float32Array(Math.max(width, height)), h = new Float32Array(Math.max(width, height));
  for (let y = 0; y < height; y++) runExtremum(plane, tmp, width, 1, y * width, radius, pick, g, h);
  for (let x = 0; x < width; x++) runExtremum(tmp, out, height, width, x, radius, pick, g, h);
  return out;
}

export function erode(plane: Float32Array, width: number, height: number, radius: number): Float32Array {
  return separable(plane, width, height, radius, Math.min);
}

export function dilate(plane: Float32Array, width: number, height: number, radius: number): Float32Array {
  return separable(plane, width, height, radius, Math.max);
}

/** Closing minus the plane: large on dark structures narrower than the window (2 radius + 1). */
export function blackTopHat(plane: Float32Array, width: number, height: number, radius: number): Float32Array {
  const closed = erode(dilate(plane, width, height, radius), width, height, radius);
  for (let i = 0; i < closed.length; i++) closed[i] = closed[i]! - plane[i]!;
  return closed;
}

/** Mean over a (2 radius + 1)² window, clipped at the borders. */
export function boxBlur(plane: Float32Array, width: number, height: number, radius: number): Float32Array {
  if (radius < 1) return plane.slice();
  const tmp = new Float32Array(plane.length), out = new Float32Array(plane.length);
  const pass = (src: Float32Array, dst: Float32Array, n: number, stride: number, offset: number): void => {
    let sum = 0;
    for (let i = 0; i < Math.min(radius, n); i++) sum += src[offset + i * stride]!;
    for (let i = 0; i < n; i++) {
      if (i + radius < n) sum += src[offset + (i + radius) * stride]!;
      if (i - radius - 1 >= 0) sum -= src[offset + (i - radius - 1) * stride]!;
      dst[offset + i * stride] = sum / (Math.min(n - 1, i + radius) - Math.max(0, i - radius) + 1);
    }
  };
  for (let y = 0; y < height; y++) pass(plane, tmp, width, 1, y * width);
  // The vertical pass row by row (a running sum per column; walking down columns misses the cache),
  // each column's sum taking the same additions and subtractions in the same order.
  const sums = new Float64Array(width);
  for (let i = 0; i < Math.min(radius, height); i++) for (let x = 0; x < width; x++) sums[x] += tmp[i * width + x]!;
  for (let y = 0; y < height; y++) {
    const added = y + radius < height ? (y + radius) * width : -1, removed = y - radius - 1 >= 0 ? (y - radius - 1) * width : -1;
    const count = Math.min(height - 1, y + radius) - Math.max(0, y - radius) + 1, row = y * width;
    for (let x = 0; x < width; x++) {
      let sum = sums[x]!;
      if (added >= 0) sum += tmp[added + x]!;
      if (removed >= 0) sum -= tmp[removed + x]!;
      sums[x] = sum;
      out[row + x] = sum / count;
    }
  }
  return out;
}
