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
  /** The V-cycle's work arrays: this level's residual, and its right-hand side and correction when it is the coarser one. */
  residual: Float64Array;
  rhs: Float64Array;
  correction: Float64Array;
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
 */
export function membraneSolver(mass: Float64Array, W: number, H: number): MembraneSolver {
  const levels = membraneHierarchy(mass, W, H);
  return { solve: (rhs, x, options) => solveWithLevels(levels, rhs, x, options) };
}

export interface MembraneSolver {
  solve(rhs: Float64Array, x: Float64Array, options: { tolerance: number; iterations: number }): number;
}

function solveWithLevels(levels: MembraneLevel[], rhs: Float64Array, x: Float64Array, options: { tolerance: number; iterations: number }): number {
  const fine = levels[0], M = fine.W * fine.H;
  const r = new Float64Array(M), z = new Float64Array(M), d = new Float64Array(M), q = new Float64Array(M);
  applyMembrane(fine, x, q);
  let bb = 0, rr = 0;
  for (let i = 0; i < M; i++) { r[i] = rhs[i] - q[i]; bb += rhs[i] * rhs[i]; rr += r[i] * r[i]; }
  const stop = bb * options.tolerance ** 2;
  if (!(rr > stop)) return 0;
  vCycle(levels, 0, r, z);
  d.set(z);
  let rz = dot(r, z), it = 0;
  while (it < options.iterations) {
    it++;
    applyMembrane(fine, d, q);
    const alpha = rz / dot(d, q);
    rr = 0;
    for (let i = 0; i < M; i++) { x[i] += alpha * d[i]; r[i] -= alpha * q[i]; rr += r[i] * r[i]; }
    if (!(rr > stop)) break;
    vCycle(levels, 0, r, z);
    const next = dot(r, z), beta = next / rz;
    rz = next;
    for (let i = 0; i < M; i++) d[i] = z[i] + beta * d[i];
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
  const M = W * H;
  return { W, H, mass, ex, ey, inverseDiagonal, residual: new Float64Array(M), rhs: new Float64Array(M), correction: new Float64Array(M) };
}

/** out = A x. */
function applyMembrane(L: MembraneLevel, x: Float64Array, out: Float64Array): void {
  const { W, mass, ex, ey } = L, M = W * L.H;
  for (let q = 0; q < M; q++) out[q] = mass[q] * x[q];
  for (let q = 0; q < M; q++) {
    const a = ex[q], b = ey[q];
    if (a) { const f = a * (x[q] - x[q + 1]); out[q] += f; out[q + 1] -= f; }
    if (b) { const f = b * (x[q] - x[q + W]); out[q] += f; out[q + W] -= f; }
  }
}

/** One Gauss-Seidel sweep for A x = b, forward or backward. */
function sweep(L: MembraneLevel, b: Float64Array, x: Float64Array, forward: boolean): void {
  const { W, H, ex, ey, inverseDiagonal } = L;
  for (let yy = 0; yy < H; yy++) {
    const y = forward ? yy : H - 1 - yy, row = y * W, up = y > 0, down = y + 1 < H;
    for (let xx = 0; xx < W; xx++) {
      const col = forward ? xx : W - 1 - xx, q = row + col;
      let s = b[q];
      if (col > 0) s += ex[q - 1] * x[q - 1];
      if (col + 1 < W) s += ex[q] * x[q + 1];
      if (up) s += ey[q - W] * x[q - W];
      if (down) s += ey[q] * x[q + W];
      x[q] = s * inverseDiagonal[q];
    }
  }
}

/** z = (one V-cycle from 0) applied to r: an approximate A^-1 r, symmetric in r. */
function vCycle(levels: MembraneLevel[], l: number, r: Float64Array, z: Float64Array): void {
  const L = levels[l], M = L.W * L.H;
  z.fill(0);
  if (l === levels.length - 1) { if (L.factor) choleskySolve(z, L.factor, r, M); return; }
  for (let s = 0; s < SMOOTHING_SWEEPS; s++) sweep(L, r, z, true);
  const residual = L.residual;
  applyMembrane(L, z, residual);
  for (let q = 0; q < M; q++) residual[q] = r[q] - residual[q];
  const C = levels[l + 1], coarseR = C.rhs, coarseZ = C.correction;
  coarseR.fill(0);
  for (let y = 0; y < L.H; y++) for (let x = 0; x < L.W; x++) coarseR[(y >> 1) * C.W + (x >> 1)] += residual[y * L.W + x];
  vCycle(levels, l + 1, coarseR, coarseZ);
  for (let y = 0; y < L.H; y++) for (let x = 0; x < L.W; x++) z[y * L.W + x] += coarseZ[(y >> 1) * C.W + (x >> 1)];
  for (let s = 0; s < SMOOTHING_SWEEPS; s++) sweep(L, r, z, false);
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

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
