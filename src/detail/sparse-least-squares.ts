/**
 * Weighted linear least squares over a sparse Jacobian, solved by Jacobi-preconditioned conjugate
 * gradients on the normal equations, formed as a sparse matrix over the unknowns (never dense).
 * Rows are written over an intermediate space (for the mid band: the xyz offsets of the mesh's
 * vertices) that a sparse linear map `P` (each intermediate entry a short combination of unknowns)
 * ties to the unknowns, so a row touching a handful of vertices stays a handful of entries long.
 */

/** A sparse linear map from the unknowns to the intermediate space: entry i = sum_k values[k] x[columns[k]] over k in [start[i], start[i+1]). */
export interface SparseMap {
  size: number;
  start: Int32Array;
  columns: Int32Array;
  values: Float64Array;
}

/** Rows (Jacobian entries over the intermediate space, residual, weight) appended one at a time. */
export class SparseRows {
  private columns = new Int32Array(1024);
  private values = new Float64Array(1024);
  private starts = new Int32Array(256);
  private residuals = new Float64Array(256);
  private weights = new Float64Array(256);
  private entries = 0;
  private rows = 0;

  get count(): number { return this.rows; }

  /** One row: J_row . y = -residual is what the step aims at (y the intermediate change), with weight w. */
  add(columns: ArrayLike<number>, values: ArrayLike<number>, residual: number, weight: number): void {
    if (!(weight > 0)) return;
    if (this.entries + columns.length > this.columns.length) {
      this.columns = grown(this.columns, this.entries + columns.length);
      this.values = grown(this.values, this.entries + columns.length);
    }
    if (this.rows + 2 > this.starts.length) {
      this.starts = grown(this.starts, this.rows + 2);
      this.residuals = grown(this.residuals, this.rows + 1);
      this.weights = grown(this.weights, this.rows + 1);
    }
    for (let k = 0; k < columns.length; k++) {
      if (values[k] === 0) continue;
      this.columns[this.entries] = columns[k];
      this.values[this.entries++] = values[k];
    }
    this.residuals[this.rows] = residual;
    this.weights[this.rows++] = weight;
    this.starts[this.rows] = this.entries;
  }

  freeze(): FrozenRows {
    return {
      start: this.starts.slice(0, this.rows + 1), columns: this.columns.slice(0, this.entries), values: this.values.slice(0, this.entries),
      residual: this.residuals.slice(0, this.rows), weight: this.weights.slice(0, this.rows),
    };
  }
}

/** A typed array at least `size` long (doubling), holding `array`'s values. */
function grown<T extends Int32Array | Float64Array>(array: T, size: number): T {
  const out = new (array.constructor as new (n: number) => T)(Math.max(size, 2 * array.length));
  out.set(array);
  return out;
}

export interface FrozenRows {
  start: Int32Array;
  columns: Int32Array;
  values: Float64Array;
  residual: Float64Array;
  weight: Float64Array;
  /** The rows' normal matrix over the unknowns, formed once where their Jacobian stays while their residuals change. */
  normal?: SparseMap;
}

/**
 * The step x minimising sum_r w_r (J_r P x + residual_r)^2 + damping |x|^2 (Gauss-Newton's step
 * for residuals linearised around the current unknowns), by preconditioned CG from x = 0 on the
 * normal equations, formed over the unknowns (see normalMatrix; row sets that carry their `normal`
 * bring it formed) and summed into one matrix: each CG product is then one pass over it rather
 * than over every row and the map twice.
 */
export function solveSparseLeastSquares(
  rowSets: readonly FrozenRows[], map: SparseMap, unknowns: number, damping: number, iterations: number,
): { step: Float64Array; iterations: number } {
  const varying = rowSets.filter((rows) => !rows.normal);
  // One matrix, so that each product passes once over the entries the terms share.
  let A = varying.length ? normalMatrix(varying, map, unknowns) : undefined;
  for (const rows of rowSets) if (rows.normal) A = A ? sumMatrices(A, rows.normal) : rows.normal;
  const { start, columns, values } = A ?? { start: new Int32Array(unknowns + 1), columns: new Int32Array(0), values: new Float64Array(0) };
  // b = -P^T J^T W residual; the Jacobi preconditioner from A's diagonal.
  const g = new Float64Array(map.size);
  for (const rows of rowSets) {
    for (let r = 0; r + 1 < rows.start.length; r++) {
      const wr = rows.weight[r] * rows.residual[r];
      for (let k = rows.start[r]; k < rows.start[r + 1]; k++) g[rows.columns[k]] -= rows.values[k] * wr;
    }
  }
  const b = new Float64Array(unknowns);
  for (let i = 0; i < map.size; i++) {
    for (let k = map.start[i]; k < map.start[i + 1]; k++) b[map.columns[k]] += map.values[k] * g[i];
  }
  const diagonal = new Float64Array(unknowns).fill(damping);
  for (let i = 0; i < unknowns; i++) for (let k = start[i]; k < start[i + 1]; k++) if (columns[k] === i) diagonal[i] += values[k];
  const apply = (x: Float64Array, out: Float64Array) => {
    for (let i = 0; i < unknowns; i++) {
      let s = damping * x[i];
      for (let k = start[i], end = start[i + 1]; k < end; k++) s += values[k] * x[columns[k]];
      out[i] = s;
    }
  };
  return conjugateGradients(apply, b, diagonal, iterations);
}

/** Rows `a` then rows `b`; their normal matrices summed where both carry one. */
export function concatRows(a: FrozenRows, b: FrozenRows): FrozenRows {
  const entries = a.columns.length, start = new Int32Array(a.start.length + b.start.length - 1);
  start.set(a.start);
  for (let r = 1; r < b.start.length; r++) start[a.start.length - 1 + r] = entries + b.start[r];
  const joined = <T extends Int32Array | Float64Array>(x: T, y: T): T => {
    const out = new (x.constructor as new (n: number) => T)(x.length + y.length);
    out.set(x); out.set(y, x.length);
    return out;
  };
  return {
    start, columns: joined(a.columns, b.columns), values: joined(a.values, b.values), residual: joined(a.residual, b.residual), weight: joined(a.weight, b.weight),
    normal: a.normal && b.normal ? sumMatrices(a.normal, b.normal) : undefined,
  };
}

/** The matrix over 3 unknowns per point whose entry (3u + c, 3v + c) is entry (u, v) of matrices[c], and 0 between axes. */
export function perAxis(matrices: readonly [SparseMap, SparseMap, SparseMap]): SparseMap {
  const U = matrices[0].size, start = new Int32Array(3 * U + 1);
  const columns = new Int32Array(matrices.reduce((n, m) => n + m.columns.length, 0)), values = new Float64Array(columns.length);
  let nnz = 0;
  for (let u = 0; u < U; u++) {
    for (let c = 0; c < 3; c++) {
      const m = matrices[c];
      for (let k = m.start[u]; k < m.start[u + 1]; k++) { columns[nnz] = 3 * m.columns[k] + c; values[nnz++] = m.values[k]; }
      start[3 * u + c + 1] = nnz;
    }
  }
  return { size: 3 * U, start, columns, values };
}

/** a + b for two square sparse matrices of one size (columns unsorted). */
export function sumMatrices(a: SparseMap, b: SparseMap): SparseMap {
  const n = a.size, start = new Int32Array(n + 1), columns = new Int32Array(a.columns.length + b.columns.length), values = new Float64Array(columns.length);
  const slot = new Int32Array(n).fill(-1);
  let nnz = 0;
  for (let i = 0; i < n; i++) {
    const first = nnz;
    for (const m of [a, b]) {
      for (let k = m.start[i]; k < m.start[i + 1]; k++) {
        const j = m.columns[k];
        if (slot[j] < 0) { slot[j] = nnz; columns[nnz] = j; values[nnz++] = 0; }
        values[slot[j]] += m.values[k];
      }
    }
    for (let k = first; k < nnz; k++) slot[columns[k]] = -1;
    start[i + 1] = nnz;
  }
  return { size: n, start, columns: columns.subarray(0, nnz), values: values.subarray(0, nnz) };
}

/**
 * A = (JP)^T W (JP) as a sparse symmetric matrix over the unknowns (rows `start`, `columns`,
 * `values`; columns unsorted). Each row is first carried through the
 * map onto the unknowns (its entries over one unknown merged), then A is accumulated column by
 * column over the rows that hold it (Gustavson's product), so its cost is the sum of the rows'
 * squared lengths, with no dense matrix.
 */
export function normalMatrix(rowSets: readonly FrozenRows[], map: SparseMap, unknowns: number): SparseMap {
  // The rows over the unknowns: B = JP, with each row's weight and residual.
  let total = 0, count = 0;
  for (const rows of rowSets) {
    count += rows.weight.length;
    for (let k = 0; k < rows.columns.length; k++) total += map.start[rows.columns[k] + 1] - map.start[rows.columns[k]];
  }
  const bStart = new Int32Array(count + 1), bColumns = new Int32Array(total), bValues = new Float64Array(total);
  const weight = new Float64Array(count);
  const accumulator = new Float64Array(unknowns), slot = new Int32Array(unknowns).fill(-1);
  let row = 0, entries = 0;
  for (const rows of rowSets) {
    const { start, columns, values } = rows;
    for (let r = 0, end = start.length - 1; r < end; r++) {
      const first = entries;
      for (let k = start[r]; k < start[r + 1]; k++) {
        const i = columns[k], v = values[k];
        for (let m = map.start[i], mEnd = map.start[i + 1]; m < mEnd; m++) {
          const j = map.columns[m];
          if (slot[j] < 0) { slot[j] = entries; bColumns[entries++] = j; accumulator[j] = 0; }
          accumulator[j] += v * map.values[m];
        }
      }
      for (let k = first; k < entries; k++) { const j = bColumns[k]; bValues[k] = accumulator[j]; slot[j] = -1; }
      weight[row] = rows.weight[r];
      bStart[++row] = entries;
    }
  }
  // B's transpose: per unknown, the rows holding it and their entries.
  const tStart = new Int32Array(unknowns + 1);
  for (let k = 0; k < entries; k++) tStart[bColumns[k] + 1]++;
  for (let j = 0; j < unknowns; j++) tStart[j + 1] += tStart[j];
  const tRows = new Int32Array(entries), tValues = new Float64Array(entries), fill = tStart.slice(0, unknowns);
  for (let r = 0; r < count; r++) {
    for (let k = bStart[r]; k < bStart[r + 1]; k++) { const q = fill[bColumns[k]]++; tRows[q] = r; tValues[q] = bValues[k]; }
  }
  const aStart = new Int32Array(unknowns + 1);
  let aColumns = new Int32Array(Math.max(1024, 32 * unknowns)), aValues = new Float64Array(aColumns.length);
  let nnz = 0;
  for (let i = 0; i < unknowns; i++) {
    const first = nnz;
    for (let q = tStart[i]; q < tStart[i + 1]; q++) {
      const r = tRows[q], s = weight[r] * tValues[q];
      for (let k = bStart[r], end = bStart[r + 1]; k < end; k++) {
        const j = bColumns[k];
        if (slot[j] < 0) {
          if (nnz === aColumns.length) { aColumns = grown(aColumns, nnz + 1); aValues = grown(aValues, nnz + 1); }
          slot[j] = nnz; aColumns[nnz++] = j; accumulator[j] = 0;
        }
        accumulator[j] += s * bValues[k];
      }
    }
    for (let k = first; k < nnz; k++) { const j = aColumns[k]; aValues[k] = accumulator[j]; slot[j] = -1; }
    aStart[i + 1] = nnz;
  }
  return { size: unknowns, start: aStart, columns: aColumns.subarray(0, nnz), values: aValues.subarray(0, nnz) };
}

/** Jacobi-preconditioned CG for A x = b (A symmetric positive definite, given by its product). */
function conjugateGradients(
  apply: (x: Float64Array, out: Float64Array) => void, b: Float64Array, diagonal: Float64Array, iterations: number,
): { step: Float64Array; iterations: number } {
  const n = b.length;
  const x = new Float64Array(n), r = Float64Array.from(b), z = new Float64Array(n), p = new Float64Array(n), q = new Float64Array(n);
  for (let i = 0; i < n; i++) z[i] = diagonal[i] > 0 ? r[i] / diagonal[i] : 0;
  p.set(z);
  let rz = dot(r, z);
  // Gauss-Newton needs no exact step: stop when the preconditioned residual has fallen by 1e-6.
  const stop = 1e-6 * Math.max(1e-300, rz);
  let it = 0;
  for (; it < iterations && rz > stop; it++) {
    apply(p, q);
    const pq = dot(p, q);
    if (!(pq > 0)) break;
    const alpha = rz / pq;
    for (let i = 0; i < n; i++) { x[i] += alpha * p[i]; r[i] -= alpha * q[i]; }
    for (let i = 0; i < n; i++) z[i] = diagonal[i] > 0 ? r[i] / diagonal[i] : 0;
    const rzNext = dot(r, z);
    const beta = rzNext / rz;
    rz = rzNext;
    for (let i = 0; i < n; i++) p[i] = z[i] + beta * p[i];
  }
  return { step: x, iterations: it };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
