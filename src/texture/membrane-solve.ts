import { choleskyFactor, choleskySolve } from '../base/linalg.js';

/**
 * A screened membrane on a W x H grid: (A x)_q = mass_q x_q + sum over the 4-neighbour edges of
 * e (x_q - x_neighbour), with edge weights `ex` (q to q + 1) and `ey` (q to q + W), 0 where there is
 * no edge. Symmetric positive definite when every connected part has some mass.
 */
interface MembraneLevel {
  W: number;
  H: number;
  mass: Float64Array;
  ex: Float64Array;
  ey: Float64Array;
  /** 1 / the diagonal of A (0 where it is 0). */
  inverseDiagonal: Float64Array;
  /** The coarsest level's dense Cholesky factor (undefined: not the coarsest, or not positive definite). */
  factor?: Float64Array;
}

/** Levels are coarsened down to this many cells, then solved exactly. */
const DIRECT_CELLS = 64;
/** Gauss-Seidel sweeps before and after each coarse correction. */
const SMOOTHING_SWEEPS = 2;

/**
 * A solver of the screened membrane (mass + unit-weight 4-neighbour Laplacian) on a W x H grid:
 * `solve` takes a right-hand side and a start `x` (updated in place) and runs conjugate gradients preconditioned with a
 * multigrid V-cycle: Gauss-Seidel smoothing, 2 x 2 aggregation with the Galerkin coarse operator
 * (exact for piecewise-constant prolongation: masses and crossing edge weights add up), forward
 * sweeps before and backward sweeps after the correction so the preconditioner stays symmetric.
 * Stops when the residual norm is `tolerance` times the right-hand side's. Returns the iterations.
 * With `channels` c > 1, rhs and x hold c interleaved fields (x[c q + k]), solved side by side:
 * each field's arithmetic and stopping are those of solving it alone (the same bits), and the
 * passes over the grid are shared; returns the most iterations any field took.
 */
export function membraneSolver(mass: Float64Array, W: number, H: number): MembraneSolver {
  const levels = membraneHierarchy(mass, W, H);
  return { solve: (rhs, x, options, channels = 1) => solveWithLevels(levels, rhs, x, options, channels) };
}

export interface MembraneSolver {
  solve(rhs: Float64Array, x: Float64Array, options: { tolerance: number; iterations: number }, channels?: number): number;
}

function solveWithLevels(levels: MembraneLevel[], rhs: Float64Array, x: Float64Array, options: { tolerance: number; iterations: number }, C: number): number {
  const fine = levels[0], n = fine.W * fine.H * C;
  const r = new Float64Array(n), z = new Float64Array(n), d = new Float64Array(n), q = new Float64Array(n);
  const work = vCycleWork(levels, C);
  applyMembrane(fine, x, q, C);
  const bb = new Float64Array(C), rr = new Float64Array(C), stop = new Float64Array(C);
  for (let i = 0; i < n; i += C) {
    for (let c = 0; c < C; c++) { const k = i + c; r[k] = rhs[k] - q[k]; bb[c] += rhs[k] * rhs[k]; rr[c] += r[k] * r[k]; }
  }
  // Each field runs until its own residual is small enough; `active` lists those still running.
  let active: number[] = [];
  for (let c = 0; c < C; c++) { stop[c] = bb[c] * options.tolerance ** 2; if (rr[c] > stop[c]) active.push(c); }
  if (active.length === 0) return 0;
  vCycle(levels, 0, r, z, C, work);
  d.set(z);
  const rz = dots(r, z, C), alpha = new Float64Array(C), beta = new Float64Array(C);
  let it = 0;
  while (it < options.iterations) {
    it++;
    applyMembrane(fine, d, q, C);
    const dq = dots(d, q, C);
    for (const c of active) { alpha[c] = rz[c] / dq[c]; rr[c] = 0; }
    for (const c of active) {
      const a = alpha[c];
      let sum = 0;
      for (let k = c; k < n; k += C) { x[k] += a * d[k]; r[k] -= a * q[k]; sum += r[k] * r[k]; }
      rr[c] = sum;
    }
    active = active.filter((c) => rr[c] > stop[c]);
    if (active.length === 0) break;
    vCycle(levels, 0, r, z, C, work);
    const next = dots(r, z, C);
    for (const c of active) { beta[c] = next[c] / rz[c]; rz[c] = next[c]; }
    for (const c of active) {
      const b = beta[c];
      for (let k = c; k < n; k += C) d[k] = z[k] + b * d[k];
    }
  }
  return it;
}

function membraneHierarchy(mass: Float64Array, W: number, H: number): MembraneLevel[] {
  const ex = new Float64Array(W * H), ey = new Float64Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) { if (x + 1 < W) ex[y * W + x] = 1; if (y + 1 < H) ey[y * W + x] = 1; }
  const levels: MembraneLevel[] = [withDiagonal(W, H, mass, ex, ey)];
  for (let level = levels[0]; level.W * level.H > DIRECT_CELLS; level = levels[levels.length - 1]) levels.push(coarsen(level));
  const coarsest = levels[levels.length - 1];
  coarsest.factor = denseFactor(coarsest);
  return levels;
}

/** The Galerkin coarse level of 2 x 2 aggregation: a coarse cell's mass is its children's, an edge's weight the fine edges crossing it. */
function coarsen(fine: MembraneLevel): MembraneLevel {
  const W = Math.ceil(fine.W / 2), H = Math.ceil(fine.H / 2);
  const mass = new Float64Array(W * H), ex = new Float64Array(W * H), ey = new Float64Array(W * H);
  for (let y = 0; y < fine.H; y++) {
    for (let x = 0; x < fine.W; x++) {
      const p = y * fine.W + x, c = (y >> 1) * W + (x >> 1);
      mass[c] += fine.mass[p];
      if (x & 1 && x + 1 < fine.W) ex[c] += fine.ex[p];
      if (y & 1 && y + 1 < fine.H) ey[c] += fine.ey[p];
    }
  }
  return withDiagonal(W, H, mass, ex, ey);
}

function withDiagonal(W: number, H: number, mass: Float64Array, ex: Float64Array, ey: Float64Array): MembraneLevel {
  const inverseDiagonal = new Float64Array(W * H);
  for (let q = 0; q < W * H; q++) {
    const d = mass[q] + ex[q] + ey[q] + (q % W > 0 ? ex[q - 1] : 0) + (q >= W ? ey[q - W] : 0);
    inverseDiagonal[q] = d > 0 ? 1 / d : 0;
  }
  return { W, H, mass, ex, ey, inverseDiagonal };
}

/** out = A x, for C interleaved fields. */
function applyMembrane(L: MembraneLevel, x: Float64Array, out: Float64Array, C = 1): void {
  const { W, mass, ex, ey } = L, M = W * L.H, WC = W * C;
  for (let q = 0; q < M; q++) for (let c = 0, k = q * C; c < C; c++, k++) out[k] = mass[q] * x[k];
  for (let q = 0; q < M; q++) {
    const a = ex[q], b = ey[q], o = q * C;
    if (a) for (let k = o; k < o + C; k++) { const f = a * (x[k] - x[k + C]); out[k] += f; out[k + C] -= f; }
    if (b) for (let k = o; k < o + C; k++) { const f = b * (x[k] - x[k + WC]); out[k] += f; out[k + WC] -= f; }
  }
}

/** One Gauss-Seidel sweep for A x = b (C interleaved fields), forward or backward. */
function sweep(L: MembraneLevel, b: Float64Array, x: Float64Array, forward: boolean, C: number): void {
  const { W, H } = L;
  for (let yy = 0; yy < H; yy++) {
    const y = forward ? yy : H - 1 - yy;
    if (y === 0 || y === H - 1 || W < 3) {
      for (let xx = 0; xx < W; xx++) relaxEdge(L, b, x, y, forward ? xx : W - 1 - xx, C);
      continue;
    }
    // Inside the grid every neighbour exists: the same sums without the tests.
    relaxEdge(L, b, x, y, forward ? 0 : W - 1, C);
    relaxRow(L, b, x, y, forward, C);
    relaxEdge(L, b, x, y, forward ? W - 1 : 0, C);
  }
}

/** Gauss-Seidel update of cell (col, y), any cell. */
function relaxEdge(L: MembraneLevel, b: Float64Array, x: Float64Array, y: number, col: number, C: number): void {
  const { W, H, ex, ey, inverseDiagonal } = L, WC = W * C, q = y * W + col, o = q * C;
  const up = y > 0, down = y + 1 < H;
  const left = col > 0 ? ex[q - 1] : 0, right = col + 1 < W ? ex[q] : 0, above = up ? ey[q - W] : 0, below = down ? ey[q] : 0;
  const inverse = inverseDiagonal[q];
  for (let k = o; k < o + C; k++) {
    let s = b[k];
    if (col > 0) s += left * x[k - C];
    if (col + 1 < W) s += right * x[k + C];
    if (up) s += above * x[k - WC];
    if (down) s += below * x[k + WC];
    x[k] = s * inverse;
  }
}

/** Gauss-Seidel updates of row y's inner cells (columns 1 to W - 2) of an inner row, in order or reversed. */
function relaxRow(L: MembraneLevel, b: Float64Array, x: Float64Array, y: number, forward: boolean, C: number): void {
  const { W, ex, ey, inverseDiagonal } = L, WC = W * C, row = y * W;
  for (let i = 1; i < W - 1; i++) {
    const q = row + (forward ? i : W - 1 - i), o = q * C;
    const left = ex[q - 1], right = ex[q], above = ey[q - W], below = ey[q], inverse = inverseDiagonal[q];
    for (let k = o; k < o + C; k++) x[k] = (b[k] + left * x[k - C] + right * x[k + C] + above * x[k - WC] + below * x[k + WC]) * inverse;
  }
}

/** The V-cycle's work arrays for C fields: per level its residual, and its right-hand side and correction as the coarser one; one field's right-hand side and solution for the coarsest level's dense solve. */
interface VCycleWork {
  residual: Float64Array[];
  rhs: Float64Array[];
  correction: Float64Array[];
  denseRhs: Float64Array;
  denseSolution: Float64Array;
}

function vCycleWork(levels: MembraneLevel[], C: number): VCycleWork {
  const size = (L: MembraneLevel) => L.W * L.H * C, last = levels[levels.length - 1];
  return {
    residual: levels.map((L) => new Float64Array(size(L))),
    rhs: levels.map((L) => new Float64Array(size(L))),
    correction: levels.map((L) => new Float64Array(size(L))),
    denseRhs: new Float64Array(last.W * last.H),
    denseSolution: new Float64Array(last.W * last.H),
  };
}

/** z = (one V-cycle from 0) applied to r: an approximate A^-1 r, symmetric in r (each of C interleaved fields). */
function vCycle(levels: MembraneLevel[], l: number, r: Float64Array, z: Float64Array, C: number, work: VCycleWork): void {
  const L = levels[l], M = L.W * L.H;
  z.fill(0);
  if (l === levels.length - 1) {
    if (!L.factor) return;
    const { denseRhs, denseSolution } = work;
    for (let c = 0; c < C; c++) {
      for (let q = 0; q < M; q++) denseRhs[q] = r[q * C + c];
      choleskySolve(denseSolution, L.factor, denseRhs, M);
      for (let q = 0; q < M; q++) z[q * C + c] = denseSolution[q];
    }
    return;
  }
  for (let s = 0; s < SMOOTHING_SWEEPS; s++) sweep(L, r, z, true, C);
  const residual = work.residual[l];
  applyMembrane(L, z, residual, C);
  for (let k = 0; k < M * C; k++) residual[k] = r[k] - residual[k];
  const CL = levels[l + 1], coarseR = work.rhs[l + 1], coarseZ = work.correction[l + 1];
  coarseR.fill(0);
  for (let y = 0; y < L.H; y++) {
    for (let x = 0; x < L.W; x++) {
      const o = (y * L.W + x) * C, co = ((y >> 1) * CL.W + (x >> 1)) * C;
      for (let c = 0; c < C; c++) coarseR[co + c] += residual[o + c];
    }
  }
  vCycle(levels, l + 1, coarseR, coarseZ, C, work);
  for (let y = 0; y < L.H; y++) {
    for (let x = 0; x < L.W; x++) {
      const o = (y * L.W + x) * C, co = ((y >> 1) * CL.W + (x >> 1)) * C;
      for (let c = 0; c < C; c++) z[o + c] += coarseZ[co + c];
    }
  }
  for (let s = 0; s < SMOOTHING_SWEEPS; s++) sweep(L, r, z, false, C);
}

/** The dense matrix of a (small) level, factored once: the V-cycle's exact solve at the bottom. */
function denseFactor(L: MembraneLevel): Float64Array | undefined {
  const M = L.W * L.H, A = new Float64Array(M * M), e = new Float64Array(M), col = new Float64Array(M);
  for (let j = 0; j < M; j++) {
    e.fill(0); e[j] = 1;
    applyMembrane(L, e, col);
    for (let i = 0; i < M; i++) A[i * M + j] = col[i];
  }
  const factor = new Float64Array(M * M);
  return choleskyFactor(factor, A, M) ? factor : undefined;
}

/** Per field, the dot product of C interleaved fields of a and b (each summed in index order). */
function dots(a: Float64Array, b: Float64Array, C: number): Float64Array {
  const out = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (let k = c; k < a.length; k += C) s += a[k] * b[k];
    out[c] = s;
  }
  return out;
}
