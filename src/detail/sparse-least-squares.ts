/**
 * Weighted linear least squares over a sparse Jacobian, solved by Jacobi-preconditioned conjugate
 * gradients on the normal equations, matrix-free: the system is never formed. Rows are written
 * over an intermediate space (for the mid band: the xyz offsets of the mesh's vertices) that a
 * sparse linear map `P` (each intermediate entry a short combination of unknowns) ties to the unknowns,
 * so a row touching a handful of vertices stays a handful of entries long.
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
}

/**
 * The step x minimising sum_r w_r (J_r P x + residual_r)^2 + damping |x|^2 (Gauss-Newton's step
 * for residuals linearised around the current unknowns), by preconditioned CG from x = 0.
 */
export function solveSparseLeastSquares(
  rowSets: readonly FrozenRows[], map: SparseMap, unknowns: number, damping: number, iterations: number,
): { step: Float64Array; iterations: number } {
  const y = new Float64Array(map.size), g = new Float64Array(map.size);
  /** A x = P^T J^T W J P x + damping x */
  const apply = (x: Float64Array, out: Float64Array) => {
    mapForward(map, x, y);
    g.fill(0);
    for (const rows of rowSets) {
      const { start, columns, values, weight } = rows;
      for (let r = 0, end = start.length - 1; r < end; r++) {
        const k0 = start[r], k1 = start[r + 1];
        let s = 0;
        for (let k = k0; k < k1; k++) s += values[k] * y[columns[k]];
        s *= weight[r];
        for (let k = k0; k < k1; k++) g[columns[k]] += values[k] * s;
      }
    }
    mapTranspose(map, g, out, unknowns);
    for (let j = 0; j < unknowns; j++) out[j] += damping * x[j];
  };
  // b = -P^T J^T W residual; the Jacobi preconditioner from the squared entries (cross terms left out).
  g.fill(0);
  const gSquare = new Float64Array(map.size);
  for (const rows of rowSets) {
    for (let r = 0; r + 1 < rows.start.length; r++) {
      const wr = rows.weight[r] * rows.residual[r];
      for (let k = rows.start[r]; k < rows.start[r + 1]; k++) {
        g[rows.columns[k]] -= rows.values[k] * wr;
        gSquare[rows.columns[k]] += rows.weight[r] * rows.values[k] ** 2;
      }
    }
  }
  const b = new Float64Array(unknowns);
  mapTranspose(map, g, b, unknowns);
  const diagonal = new Float64Array(unknowns).fill(damping);
  for (let i = 0; i < map.size; i++) {
    for (let k = map.start[i]; k < map.start[i + 1]; k++) diagonal[map.columns[k]] += gSquare[i] * map.values[k] ** 2;
  }
  return conjugateGradients(apply, b, diagonal, iterations);
}

function mapForward(map: SparseMap, x: Float64Array, out: Float64Array): void {
  const { start, columns, values } = map;
  for (let i = 0; i < map.size; i++) {
    let s = 0;
    for (let k = start[i], end = start[i + 1]; k < end; k++) s += values[k] * x[columns[k]];
    out[i] = s;
  }
}

function mapTranspose(map: SparseMap, y: Float64Array, out: Float64Array, unknowns: number): void {
  const { start, columns, values } = map;
  out.fill(0, 0, unknowns);
  for (let i = 0; i < map.size; i++) {
    const v = y[i];
    if (v === 0) continue;
    for (let k = start[i], end = start[i + 1]; k < end; k++) out[columns[k]] += values[k] * v;
  }
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
