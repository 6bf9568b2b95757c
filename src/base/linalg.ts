/**
 * Solves A x = b for a symmetric positive-definite n x n matrix (row-major, stride n) by Cholesky,
 * writing x into `out` (length >= n) and returning it, or undefined when A is not positive definite.
 * A and b are not modified; `factor` (length >= n * n) holds the Cholesky factor, so hot loops pass
 * a buffer they reuse instead of allocating one per solve.
 */
export function solveSpd(out: Float64Array, A: Float64Array, b: Float64Array, n: number, factor = new Float64Array(n * n)): Float64Array | undefined {
  return choleskyFactor(factor, A, n) ? choleskySolve(out, factor, b, n) : undefined;
}

/** The lower Cholesky factor L of a symmetric positive-definite n x n matrix A (A = L L^T) into `L`; false when A is not positive definite. */
export function choleskyFactor(L: Float64Array, A: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      if (i === j) {
        if (s <= 0) return false;
        L[i * n + i] = Math.sqrt(s);
      } else {
        L[i * n + j] = s / L[j * n + j];
      }
    }
  }
  return true;
}

/** Solves L L^T x = b for a factor from choleskyFactor, writing x into `out` and returning it. */
export function choleskySolve(out: Float64Array, L: Float64Array, b: Float64Array, n: number): Float64Array {
  // Forward substitution leaves y in out; back substitution then overwrites it from the last entry
  // up, each x_i needing only the x_k (k > i) already written and its own y_i.
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] * out[k];
    out[i] = s / L[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = out[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * out[k];
    out[i] = s / L[i * n + i];
  }
  return out;
}

/**
 * Accumulates J^T W J (upper triangle mirrored at the end) and J^T W r from residual rows.
 * Rows are dense over `n` parameters.
 */
export class NormalEquations {
  readonly JtJ: Float64Array;
  readonly Jtr: Float64Array;
  cost = 0;
  /** With `gradientOnly`, rows update the cost and J^T W r but not J^T W J (for steps that reuse an earlier J^T W J). */
  constructor(readonly n: number, readonly gradientOnly = false) {
    this.JtJ = new Float64Array(n * n);
    this.Jtr = new Float64Array(n);
  }
  /** Adds one residual row r with Jacobian row j (length n) and weight w (cost contribution w r^2). */
  addRow(j: Float64Array, r: number, w = 1): void {
    const n = this.n, JtJ = this.JtJ;
    this.cost += w * r * r;
    for (let a = 0; a < n; a++) {
      const ja = j[a] * w;
      if (ja === 0) continue;
      this.Jtr[a] += ja * r;
      if (this.gradientOnly) continue;
      const row = a * n;
      for (let b = a; b < n; b++) JtJ[row + b] += ja * j[b];
    }
  }
  /**
   * Adds m residual rows at once from a column-major Jacobian (J[p * m + k] = d r_k / d x_p) over
   * the listed columns (the others are zero); much faster than row by row for many rows.
   */
  addRows(J: Float64Array, r: Float64Array, w: Float64Array, m: number, columns: ArrayLike<number>): void {
    const n = this.n, JtJ = this.JtJ;
    const Jw = new Float64Array(m);
    for (let k = 0; k < m; k++) this.cost += w[k] * r[k] * r[k];
    for (let ia = 0; ia < columns.length; ia++) {
      const a = columns[ia], oa = a * m;
      let g = 0;
      for (let k = 0; k < m; k++) { const v = J[oa + k] * w[k]; Jw[k] = v; g += v * r[k]; }
      this.Jtr[a] += g;
      if (this.gradientOnly) continue;
      // Four columns per pass over Jw: fewer loads of Jw, and independent sums.
      let ib = ia;
      for (; ib + 3 < columns.length; ib += 4) {
        const o0 = columns[ib] * m, o1 = columns[ib + 1] * m, o2 = columns[ib + 2] * m, o3 = columns[ib + 3] * m;
        let d0 = 0, d1 = 0, d2 = 0, d3 = 0;
        for (let k = 0; k < m; k++) {
          const v = Jw[k];
          d0 += v * J[o0 + k]; d1 += v * J[o1 + k]; d2 += v * J[o2 + k]; d3 += v * J[o3 + k];
        }
        const d = [d0, d1, d2, d3];
        for (let q = 0; q < 4; q++) { const b = columns[ib + q]; JtJ[Math.min(a, b) * n + Math.max(a, b)] += d[q]; }
      }
      for (; ib < columns.length; ib++) {
        const b = columns[ib], ob = b * m;
        let d = 0;
        for (let k = 0; k < m; k++) d += Jw[k] * J[ob + k];
        JtJ[Math.min(a, b) * n + Math.max(a, b)] += d;
      }
    }
  }
  /** Adds a diagonal quadratic prior w (x_a - target)^2 evaluated at the current value x_a. */
  addPrior(a: number, residual: number, w: number): void {
    this.cost += w * residual * residual;
    this.Jtr[a] += w * residual;
    this.JtJ[a * this.n + a] += w;
  }
  /** Adds w (x_a - x_b)^2 (residual = x_a - x_b at the current values): a prior on a difference. */
  addDifferencePrior(a: number, b: number, residual: number, w: number): void {
    const n = this.n;
    this.cost += w * residual * residual;
    this.Jtr[a] += w * residual;
    this.Jtr[b] -= w * residual;
    this.JtJ[a * n + a] += w;
    this.JtJ[b * n + b] += w;
    this.JtJ[Math.min(a, b) * n + Math.max(a, b)] -= w;
  }
  symmetrise(): void {
    const n = this.n;
    for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) this.JtJ[b * n + a] = this.JtJ[a * n + b];
  }
}
