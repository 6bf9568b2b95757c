/**
 * The height field of the detail band: a least-squares integration of shading evidence in UV space
 * with the mesh's metric, solved by preconditioned conjugate gradients over the texels (matrix-free,
 * no dense system).
 */

export interface HeightProblem {
  width: number;
  height: number;
  /** Millimetres per texel step along x and y (the mesh metric); 0 outside the charts. */
  mmX: Float32Array;
  mmY: Float32Array;
  /**
   * Per texel, the evidence a * (h[p+1] - h[p-1]) / 2 + b * (h[p+W] - h[p-W]) / 2 = target (central
   * differences, so the evidence sits on its texel), weighted by `weight`
   * (0 = none): for shading, a and b are the light's log-shading gradient along the texel axes
   * (per mm) and the target is minus the log-luminance residual.
   */
  a: Float32Array;
  b: Float32Array;
  target: Float32Array;
  weight: Float32Array;
  /** Weight of the membrane term |grad h|^2 (slopes, dimensionless) against the evidence. */
  smoothness: number;
  /** Distance (mm) over which the field decays to 0 away from evidence: the screening of the membrane. */
  decay: number;
  /** Texels where the field is solved; elsewhere it is 0. */
  domain: Uint8Array;
  iterations: number;
  /** Stop when the preconditioned residual has fallen by this factor. Default 1e-4. */
  tolerance?: number;
}

/**
 * Minimises, over texels p of the domain (texel area A = mmX mmY),
 *   sum w A (a Cx h + b Cy h - target)^2 + smoothness A ((Dx h / mmX)^2 + (Dy h / mmY)^2 + h^2 / decay^2),
 * with central differences C in the evidence (where all four neighbours are in a chart) and forward
 * differences D in the membrane (none across a chart's edge; they also hold the checkerboard that
 * central differences cannot see). Returns h
 * (mm, or the units of target / a) and the iterations run.
 */
export function solveHeight(problem: HeightProblem): { height: Float32Array; iterations: number } {
  const { width: W, height: H, mmX, mmY, a, b, target, weight, smoothness, decay, domain } = problem;
  const N = W * H;
  const area = new Float32Array(N), kx = new Float32Array(N), ky = new Float32Array(N), screen = new Float32Array(N);
  const dataW = new Float32Array(N);
  const hasX = new Uint8Array(N), hasY = new Uint8Array(N);
  for (let p = 0; p < N; p++) {
    if (!(mmX[p] > 0)) continue;
    const A = mmX[p] * mmY[p];
    area[p] = A;
    const x = p % W;
    hasX[p] = x + 1 < W && mmX[p + 1] > 0 ? 1 : 0;
    hasY[p] = p + W < N && mmX[p + W] > 0 ? 1 : 0;
    kx[p] = hasX[p] ? (smoothness * A) / (mmX[p] * mmX[p]) : 0;
    ky[p] = hasY[p] ? (smoothness * A) / (mmY[p] * mmY[p]) : 0;
    screen[p] = (smoothness * A) / (decay * decay);
    const inside = hasX[p] && hasY[p] && x > 0 && mmX[p - 1] > 0 && p >= W && mmX[p - W] > 0;
    dataW[p] = inside && weight[p] > 0 ? weight[p] * A : 0;
  }

  // Texels that carry a term touching the domain, and the domain as a list.
  const cells: number[] = [], active: number[] = [];
  for (let p = 0; p < N; p++) {
    if (!(area[p] > 0)) continue;
    if (domain[p]) active.push(p);
    if (domain[p] || (hasX[p] && domain[p + 1]) || (hasY[p] && domain[p + W]) || (dataW[p] > 0 && (domain[p - 1] || domain[p - W]))) cells.push(p);
  }
  const cellList = Int32Array.from(cells), activeList = Int32Array.from(active);

  // y = M x for the normal equations' matrix M, with x = 0 off the domain.
  const apply = (x: Float32Array, y: Float32Array) => {
    // Only the domain's entries are read; terms also write beside it.
    for (const p of activeList) y[p] = 0;
    for (const p of cellList) {
      const xp = x[p];
      y[p] += screen[p] * xp;
      if (hasX[p]) { const s = kx[p] * (x[p + 1] - xp); y[p] -= s; y[p + 1] += s; }
      if (hasY[p]) { const s = ky[p] * (x[p + W] - xp); y[p] -= s; y[p + W] += s; }
      if (dataW[p] > 0) {
        const ha = 0.5 * a[p], hb = 0.5 * b[p];
        const s = dataW[p] * (ha * (x[p + 1] - x[p - 1]) + hb * (x[p + W] - x[p - W]));
        y[p + 1] += s * ha; y[p - 1] -= s * ha; y[p + W] += s * hb; y[p - W] -= s * hb;
      }
    }
  };
  const rhs = new Float32Array(N);
  const diagonal = new Float32Array(N);
  for (const p of cellList) {
    diagonal[p] += screen[p];
    if (hasX[p]) { diagonal[p] += kx[p]; diagonal[p + 1] += kx[p]; }
    if (hasY[p]) { diagonal[p] += ky[p]; diagonal[p + W] += ky[p]; }
    if (dataW[p] > 0) {
      const ha = 0.5 * a[p], hb = 0.5 * b[p], s = dataW[p] * target[p];
      rhs[p + 1] += s * ha; rhs[p - 1] -= s * ha; rhs[p + W] += s * hb; rhs[p - W] -= s * hb;
      diagonal[p + 1] += dataW[p] * ha * ha; diagonal[p - 1] += dataW[p] * ha * ha;
      diagonal[p + W] += dataW[p] * hb * hb; diagonal[p - W] += dataW[p] * hb * hb;
    }
  }

  // Jacobi-preconditioned conjugate gradients from h = 0, over the domain's texels (x = 0 elsewhere).
  const h = new Float32Array(N), r = new Float32Array(N), z = new Float32Array(N), d = new Float32Array(N), q = new Float32Array(N);
  const inverseDiagonal = new Float32Array(N);
  for (const p of activeList) { r[p] = rhs[p]; inverseDiagonal[p] = diagonal[p] > 0 ? 1 / diagonal[p] : 0; z[p] = r[p] * inverseDiagonal[p]; d[p] = z[p]; }
  const dot = (u: Float32Array, v: Float32Array) => { let s = 0; for (const p of activeList) s += u[p] * v[p]; return s; };
  let rz = dot(r, z);
  const stop = rz * (problem.tolerance ?? 1e-4) ** 2;
  let it = 0;
  for (; it < problem.iterations && rz > stop && rz > 0; it++) {
    apply(d, q);
    const alpha = rz / dot(d, q);
    let next = 0;
    for (const p of activeList) {
      h[p] += alpha * d[p]; r[p] -= alpha * q[p];
      z[p] = r[p] * inverseDiagonal[p];
      next += r[p] * z[p];
    }
    const beta = next / rz;
    rz = next;
    for (const p of activeList) d[p] = z[p] + beta * d[p];
  }
  return { height: h, iterations: it };
}

