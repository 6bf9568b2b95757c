/** Solves A x = b for a symmetric positive-definite n x n matrix (row-major) by Cholesky; A and b are not modified. */
export function solveSpd(A: Float64Array, b: Float64Array, n: number): Float64Array | undefined {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      if (i === j) {
        if (s <= 0) return undefined;
        L[i * n + i] = Math.sqrt(s);
      } else {
        L[i * n + j] = s / L[j * n + j];
      }
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] * y[k];
    y[i] = s / L[i * n + i];
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * x[k];
    x[i] = s / L[i * n + i];
  }
  return x;
}

/**
 * Accumulates J^T W J (upper triangle mirrored at the end) and J^T W r from residual rows.
 * Rows are dense over `n` parameters.
 */
export class NormalEquations {
  readonly JtJ: Float64Array;
  readonly Jtr: Float64Array;
  cost = 0;
  constructor(readonly n: number) {
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
      const row = a * n;
      for (let b = a; b < n; b++) JtJ[row + b] += ja * j[b];
    }
  }
  /** Adds a diagonal quadratic prior w (x_a - target)^2 evaluated at the current value x_a. */
  addPrior(a: number, residual: number, w: number): void {
    this.cost += w * residual * residual;
    this.Jtr[a] += w * residual;
    this.JtJ[a * this.n + a] += w;
  }
  symmetrize(): void {
    const n = this.n;
    for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) this.JtJ[b * n + a] = this.JtJ[a * n + b];
  }
}
