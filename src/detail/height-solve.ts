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

  // The domain's unknowns, and the normal equations' matrix over them as a 13-point stencil per row
  // (membrane: the 4 neighbours; central-difference evidence: the 4 neighbours' neighbours too).
  const index = new Int32Array(N).fill(-1);
  const texels: number[] = [];
  for (let p = 0; p < N; p++) if (domain[p] && area[p] > 0) { index[p] = texels.length; texels.push(p); }
  const M = texels.length;
  // Stencil slots by (dx, dy) in [-2, 2]^2.
  const stencil: [number, number][] = [[0, 0], [-1, 0], [1, 0], [0, -1], [0, 1], [-2, 0], [2, 0], [0, -2], [0, 2], [-1, -1], [1, -1], [-1, 1], [1, 1]];
  const offsets = stencil.map(([dx, dy]) => dx + dy * W);
  const slot = new Int8Array(25).fill(-1);
  stencil.forEach(([dx, dy], k) => { slot[(dy + 2) * 5 + dx + 2] = k; });
  const K = offsets.length;
  const coef = new Float64Array(K * M), rhs = new Float64Array(M);
  // Membrane pair (p, q = p + offset) of weight k: k (x_q - x_p)^2.
  const pair = (p: number, q: number, k: number, forward: number, backward: number) => {
    const i = index[p], j = index[q];
    if (i >= 0) { coef[K * i] += k; if (j >= 0) coef[K * i + forward] -= k; }
    if (j >= 0) { coef[K * j] += k; if (i >= 0) coef[K * j + backward] -= k; }
  };
  // Evidence at p: w (c . x[p + 1, p - 1, p + W, p - W] - t)^2 adds w c c^T to the matrix and w t c to the right-hand side.
  const points = [[1, 0], [-1, 0], [0, 1], [0, -1]] as const;
  const pairSlot = new Int8Array(16);
  for (let k = 0; k < 4; k++) for (let l = 0; l < 4; l++) pairSlot[4 * k + l] = slot[(points[l][1] - points[k][1] + 2) * 5 + points[l][0] - points[k][0] + 2];
  const at = new Int32Array(4), c = new Float64Array(4);
  const [R1, L1, D1, U1] = [2, 1, 4, 3];
  for (let p = 0; p < N; p++) {
    if (!(area[p] > 0)) continue;
    if (index[p] >= 0) coef[K * index[p]] += screen[p];
    if (hasX[p]) pair(p, p + 1, kx[p], R1, L1);
    if (hasY[p]) pair(p, p + W, ky[p], D1, U1);
    const w = dataW[p];
    if (!(w > 0)) continue;
    at[0] = index[p + 1]; at[1] = index[p - 1]; at[2] = index[p + W]; at[3] = index[p - W];
    if (at[0] < 0 && at[1] < 0 && at[2] < 0 && at[3] < 0) continue;
    c[0] = 0.5 * a[p]; c[1] = -c[0]; c[2] = 0.5 * b[p]; c[3] = -c[2];
    const t = target[p];
    for (let k = 0; k < 4; k++) {
      const i = at[k];
      if (i < 0) continue;
      rhs[i] += w * t * c[k];
      for (let l = 0; l < 4; l++) if (at[l] >= 0) coef[K * i + pairSlot[4 * k + l]] += w * c[k] * c[l];
    }
  }
  const neighbour = new Int32Array(K * M);
  for (let i = 0; i < M; i++) {
    for (let k = 0; k < K; k++) {
      const q = texels[i] + offsets[k];
      const j = q >= 0 && q < N ? index[q] : -1;
      neighbour[K * i + k] = j >= 0 ? j : M; // entry M of the direction stays 0
    }
  }

  // Jacobi-preconditioned conjugate gradients from h = 0.
  const x = new Float64Array(M), r = Float64Array.from(rhs), z = new Float64Array(M), d = new Float64Array(M + 1), q = new Float64Array(M);
  const inverseDiagonal = new Float64Array(M);
  for (let i = 0; i < M; i++) inverseDiagonal[i] = coef[K * i] > 0 ? 1 / coef[K * i] : 0;
  let rz = 0;
  for (let i = 0; i < M; i++) { z[i] = r[i] * inverseDiagonal[i]; d[i] = z[i]; rz += r[i] * z[i]; }
  const stop = rz * (problem.tolerance ?? 1e-4) ** 2;
  let it = 0;
  for (; it < problem.iterations && rz > stop && rz > 0; it++) {
    let dq = 0;
    for (let i = 0, o = 0; i < M; i++) {
      let s = 0;
      for (let k = 0; k < K; k++, o++) s += coef[o] * d[neighbour[o]];
      q[i] = s;
      dq += d[i] * s;
    }
    const alpha = rz / dq;
    let next = 0;
    for (let i = 0; i < M; i++) {
      x[i] += alpha * d[i]; r[i] -= alpha * q[i];
      z[i] = r[i] * inverseDiagonal[i];
      next += r[i] * z[i];
    }
    const beta = next / rz;
    rz = next;
    for (let i = 0; i < M; i++) d[i] = z[i] + beta * d[i];
  }
  const h = new Float32Array(N);
  for (let i = 0; i < M; i++) h[texels[i]] = x[i];
  return { height: h, iterations: it };
}
