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
  const s = [0, 0, 0, 0];
  for (let i = 0; i < n; i++) {
    const li = i * n;
    // Entries j0 .. j0 + 3 of row i at once: their sums over k < j0 are independent (four chains
    // instead of one), then each takes its remaining terms in order, so every entry sums its terms
    // in the same order as one at a time.
    for (let j0 = 0; j0 <= i; j0 += 4) {
      const jn = Math.min(4, i + 1 - j0);
      const l0 = j0 * n, l1 = (j0 + Math.min(1, jn - 1)) * n, l2 = (j0 + Math.min(2, jn - 1)) * n, l3 = (j0 + Math.min(3, jn - 1)) * n;
      let s0 = A[li + j0], s1 = A[li + j0 + Math.min(1, jn - 1)], s2 = A[li + j0 + Math.min(2, jn - 1)], s3 = A[li + j0 + Math.min(3, jn - 1)];
      for (let k = 0; k < j0; k++) {
        const x = L[li + k];
        s0 -= x * L[l0 + k]; s1 -= x * L[l1 + k]; s2 -= x * L[l2 + k]; s3 -= x * L[l3 + k];
      }
      s[0] = s0; s[1] = s1; s[2] = s2; s[3] = s3;
      for (let t = 0; t < jn; t++) {
        const j = j0 + t, lj = j * n;
        let v = s[t];
        for (let k = j0; k < j; k++) v -= L[li + k] * L[lj + k];
        if (j === i) {
          if (v <= 0) return false;
          L[li + i] = Math.sqrt(v);
        } else {
          L[li + j] = v / L[lj + j];
        }
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

/** out[4 i + j] = sum over k < m of Jw[i m + k] J[o_j + k], for i, j < 4: one block of addRows. */
function blockSums4x4(Jw: Float64Array, J: Float64Array, m: number, o0: number, o1: number, o2: number, o3: number, out: Float64Array): void {
  const m2 = 2 * m, m3 = 3 * m;
  let d00 = 0, d01 = 0, d02 = 0, d03 = 0, d10 = 0, d11 = 0, d12 = 0, d13 = 0;
  let d20 = 0, d21 = 0, d22 = 0, d23 = 0, d30 = 0, d31 = 0, d32 = 0, d33 = 0;
  for (let k = 0; k < m; k++) {
    const b0 = J[o0 + k], b1 = J[o1 + k], b2 = J[o2 + k], b3 = J[o3 + k];
    const a0 = Jw[k], a1 = Jw[m + k], a2 = Jw[m2 + k], a3 = Jw[m3 + k];
    d00 += a0 * b0; d01 += a0 * b1; d02 += a0 * b2; d03 += a0 * b3;
    d10 += a1 * b0; d11 += a1 * b1; d12 += a1 * b2; d13 += a1 * b3;
    d20 += a2 * b0; d21 += a2 * b1; d22 += a2 * b2; d23 += a2 * b3;
    d30 += a3 * b0; d31 += a3 * b1; d32 += a3 * b2; d33 += a3 * b3;
  }
  out[0] = d00; out[1] = d01; out[2] = d02; out[3] = d03; out[4] = d10; out[5] = d11; out[6] = d12; out[7] = d13;
  out[8] = d20; out[9] = d21; out[10] = d22; out[11] = d23; out[12] = d30; out[13] = d31; out[14] = d32; out[15] = d33;
}

/** Rows whose J^T W J entries a deferred NormalEquations adds when asked (see completeHessian). */
interface DeferredRows {
  J: Float64Array;
  w: Float64Array;
  m: number;
  /** Whether each parameter has a column in J. */
  has: Uint8Array;
}

/**
 * Accumulates J^T W J (upper triangle mirrored at the end) and J^T W r from residual rows.
 * Rows are dense over `n` parameters.
 */
export class NormalEquations {
  readonly JtJ: Float64Array;
  readonly Jtr: Float64Array;
  cost = 0;
  private readonly deferred: DeferredRows[] = [];
  /** Parameters whose J^T W J row and column (against every other such parameter) are complete. */
  private readonly complete: Uint8Array;
  /**
   * With `gradientOnly`, rows update the cost and J^T W r but not J^T W J (for steps that reuse an
   * earlier J^T W J). With `deferHessian`, rows are kept and their J^T W J entries are summed only
   * for the parameters completeHessian asks for (a least-squares step holds some parameters fixed),
   * and only the upper triangle is kept.
   */
  constructor(readonly n: number, readonly gradientOnly = false, readonly deferHessian = false) {
    this.JtJ = new Float64Array(n * n);
    this.Jtr = new Float64Array(n);
    this.complete = new Uint8Array(n);
  }
  /** Adds one residual row r with Jacobian row j (length n) and weight w (cost contribution w r^2). */
  addRow(j: Float64Array, r: number, w = 1): void {
    if (this.deferHessian) throw new Error('addRow: a deferred NormalEquations takes rows through addRows');
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
    const C = columns.length;
    if (this.rowsScratch.length < 4 * m) this.rowsScratch = new Float64Array(4 * m);
    const Jw = this.rowsScratch;
    for (let k = 0; k < m; k++) this.cost += w[k] * r[k] * r[k];
    const sumsNow = !this.gradientOnly && !this.deferHessian;
    for (let ia = 0; ia < C; ia += 4) {
      const na = Math.min(4, C - ia);
      for (let i = 0; i < na; i++) {
        const oa = columns[ia + i] * m, o = i * m;
        let g = 0;
        for (let k = 0; k < m; k++) { const v = J[oa + k] * w[k]; Jw[o + k] = v; g += v * r[k]; }
        this.Jtr[columns[ia + i]] += g;
      }
      if (sumsNow) this.addBlocks(J, Jw, m, columns, ia, columns, ia, true);
    }
    if (!this.deferHessian || this.gradientOnly) return;
    const has = new Uint8Array(this.n);
    for (let i = 0; i < C; i++) has[columns[i]] = 1;
    // The caller may reuse J for its next rows: keep a copy of the listed columns.
    const kept = new Float64Array(this.n * m);
    for (let i = 0; i < C; i++) { const o = columns[i] * m; kept.set(J.subarray(o, o + m), o); }
    this.deferred.push({ J: kept, w: Float64Array.from(w.subarray(0, m)), m, has });
  }
  /**
   * Of a deferred NormalEquations: sums the kept rows' J^T W J entries (upper triangle) between
   * `columns` and every parameter completed before, those not yet summed. Other entries stay as the
   * priors left them. A no-op for entries already summed and for a NormalEquations not deferred.
   */
  completeHessian(columns: ArrayLike<number>): void {
    if (!this.deferHessian) return;
    const fresh: number[] = [];
    for (let i = 0; i < columns.length; i++) if (!this.complete[columns[i]]) fresh.push(columns[i]);
    if (fresh.length === 0) return;
    fresh.sort((a, b) => a - b);
    const done: number[] = [];
    for (let p = 0; p < this.n; p++) if (this.complete[p]) done.push(p);
    for (const rows of this.deferred) {
      const m = rows.m, a = fresh.filter((p) => rows.has[p]), b = done.filter((p) => rows.has[p]);
      if (this.rowsScratch.length < 4 * m) this.rowsScratch = new Float64Array(4 * m);
      const Jw = this.rowsScratch;
      for (let ia = 0; ia < a.length; ia += 4) {
        const na = Math.min(4, a.length - ia);
        for (let i = 0; i < na; i++) {
          const oa = a[ia + i] * m, o = i * m;
          for (let k = 0; k < m; k++) Jw[o + k] = rows.J[oa + k] * rows.w[k];
        }
        this.addBlocks(rows.J, Jw, m, a, ia, a, ia, true);
        if (b.length) this.addBlocks(rows.J, Jw, m, a, ia, b, 0, false);
      }
    }
    for (const p of fresh) this.complete[p] = 1;
  }
  /**
   * Adds the J^T W J entries between columns colsA[ia .. ia + 4) (whose weighted rows are in Jw) and
   * colsB[ib ..], in blocks of 4 x 4 entries per pass over the rows: 8 loads for 16 products, 16
   * independent sums. Each entry still sums its rows in order, so the result does not depend on the
   * blocking. With `triangle` (colsA and colsB the same list), entries below the diagonal are skipped.
   */
  private addBlocks(J: Float64Array, Jw: Float64Array, m: number, colsA: ArrayLike<number>, ia: number, colsB: ArrayLike<number>, ib0: number, triangle: boolean): void {
    const n = this.n, JtJ = this.JtJ, d = this.blockSums;
    const na = Math.min(4, colsA.length - ia);
    for (let ib = ib0; ib < colsB.length; ib += 4) {
      const nb = Math.min(4, colsB.length - ib);
      // A last block of fewer than 4 columns repeats its last column (and reads leftover Jw rows): the extra sums are not used.
      const o = (j: number) => colsB[ib + Math.min(j, nb - 1)] * m;
      blockSums4x4(Jw, J, m, o(0), o(1), o(2), o(3), d);
      for (let i = 0; i < na; i++) {
        for (let j = 0; j < nb; j++) {
          if (triangle && ib + j < ia + i) continue; // the diagonal block's lower half: added as its mirror
          const a = colsA[ia + i], b = colsB[ib + j];
          JtJ[Math.min(a, b) * n + Math.max(a, b)] += d[4 * i + j];
        }
      }
    }
  }
  private rowsScratch = new Float64Array(0);
  private readonly blockSums = new Float64Array(16);
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
