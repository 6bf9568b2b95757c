import type { SurfacePoints } from './surface-points.js';
import type { ParameterLayout } from './parameter-layout.js';

/** Parameters of the landmark fit; their order in the parameter vector is a ParameterLayout. */
export interface FitState {
  rotation: Float64Array;
  translation: Float64Array;
  focal: number;
  /** identity (first identityCount) then expression. */
  coeffs: Float64Array;
}

/**
 * Projects the given points (indices into `points`) and writes their pixel positions and the
 * Jacobian rows d(u, v)/d(params) over `layout`: row 2k is u of the k-th point, row 2k+1 is v.
 * Rotation is perturbed on the right, R <- R exp([omega]x), so d(RP)/d(omega) = -R [P]x.
 */
export function projectWithJacobian(
  points: SurfacePoints, indices: ArrayLike<number>, state: FitState, layout: ParameterLayout, cx: number, cy: number,
  uv: Float64Array, jac: Float64Array | undefined,
): void {
  const C = points.columns;
  const n = layout.size, rot = layout.rotation.start, tr = layout.translation.start, lf = layout.logFocal.start;
  const coef = layout.coefficients.start;
  const R = state.rotation, t = state.translation, f = state.focal, c = state.coeffs;
  for (let k = 0; k < indices.length; k++) {
    const p = indices[k];
    const P = [0, 0, 0];
    for (let d = 0; d < 3; d++) {
      const row = (3 * p + d) * C;
      let s = points.mean[3 * p + d];
      for (let m = 0; m < C; m++) s += points.basis[row + m] * c[m];
      P[d] = s;
    }
    const X = R[0] * P[0] + R[1] * P[1] + R[2] * P[2] + t[0];
    const Y = R[3] * P[0] + R[4] * P[1] + R[5] * P[2] + t[1];
    const Z = R[6] * P[0] + R[7] * P[1] + R[8] * P[2] + t[2];
    const iz = 1 / Z;
    const u = f * X * iz, v = f * Y * iz;
    uv[2 * k] = u + cx;
    uv[2 * k + 1] = v + cy;
    if (!jac) continue;
    // Gradients of u and v with respect to the camera-frame point.
    const gu = [f * iz, 0, -u * iz];
    const gv = [0, f * iz, -v * iz];
    for (let r = 0; r < 2; r++) {
      const g = r === 0 ? gu : gv;
      const o = (2 * k + r) * n;
      // a = g R: gradient with respect to the model-frame point.
      const a0 = g[0] * R[0] + g[1] * R[3] + g[2] * R[6];
      const a1 = g[0] * R[1] + g[1] * R[4] + g[2] * R[7];
      const a2 = g[0] * R[2] + g[1] * R[5] + g[2] * R[8];
      // d/d(omega) = -a [P]x = P x a.
      jac[o + rot] = P[1] * a2 - P[2] * a1;
      jac[o + rot + 1] = P[2] * a0 - P[0] * a2;
      jac[o + rot + 2] = P[0] * a1 - P[1] * a0;
      jac[o + tr] = g[0];
      jac[o + tr + 1] = g[1];
      jac[o + tr + 2] = g[2];
      jac[o + lf] = r === 0 ? u : v;
      const r0 = (3 * p) * C, r1 = r0 + C, r2 = r1 + C;
      for (let m = 0; m < C; m++) {
        jac[o + coef + m] = a0 * points.basis[r0 + m] + a1 * points.basis[r1 + m] + a2 * points.basis[r2 + m];
      }
    }
  }
}
