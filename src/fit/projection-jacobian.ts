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
 * With `modelGradients`, the gradients of u and v with respect to the model-frame point are also
 * written (6 per point: u's then v's); the coefficient columns are those times the point's basis
 * rows, so with `poseOnly` only the pose columns of `jac` are written and a caller that only needs
 * J^T r can form it from these at half the cost. `modelPoints`: the points' model-frame positions
 * at state.coeffs (evaluatePoints of all of `points`), when the caller has them.
 */
export function projectWithJacobian(
  points: SurfacePoints, indices: ArrayLike<number>, state: FitState, layout: ParameterLayout, cx: number, cy: number,
  uv: Float64Array, jac: Float64Array | undefined,
  options: { modelGradients?: Float64Array; poseOnly?: boolean; modelPoints?: Float64Array } = {},
): void {
  const { modelGradients, poseOnly = false, modelPoints } = options;
  const C = points.columns, basis = points.basis, mean = points.mean;
  const n = layout.size, rot = layout.rotation.start, tr = layout.translation.start, lf = layout.logFocal.start;
  const coef = layout.coefficients.start;
  const R = state.rotation, t = state.translation, f = state.focal, c = state.coeffs;
  for (let k = 0; k < indices.length; k++) {
    const p = indices[k];
    const r0 = (3 * p) * C, r1 = r0 + C, r2 = r1 + C;
    let P0, P1, P2;
    if (modelPoints) {
      P0 = modelPoints[3 * p]; P1 = modelPoints[3 * p + 1]; P2 = modelPoints[3 * p + 2];
    } else {
      P0 = mean[3 * p]; P1 = mean[3 * p + 1]; P2 = mean[3 * p + 2];
      for (let m = 0; m < C; m++) P0 += basis[r0 + m] * c[m];
      for (let m = 0; m < C; m++) P1 += basis[r1 + m] * c[m];
      for (let m = 0; m < C; m++) P2 += basis[r2 + m] * c[m];
    }
    const X = R[0] * P0 + R[1] * P1 + R[2] * P2 + t[0];
    const Y = R[3] * P0 + R[4] * P1 + R[5] * P2 + t[1];
    const Z = R[6] * P0 + R[7] * P1 + R[8] * P2 + t[2];
    const iz = 1 / Z;
    const u = f * X * iz, v = f * Y * iz;
    uv[2 * k] = u + cx;
    uv[2 * k + 1] = v + cy;
    if (!jac && !modelGradients) continue;
    // Gradients of u and v with respect to the camera-frame point: gu = (f/Z, 0, -u/Z), gv = (0, f/Z, -v/Z);
    // a = g R, the gradient with respect to the model-frame point.
    const fz = f * iz, uz = -u * iz, vz = -v * iz;
    const a0 = fz * R[0] + 0 * R[3] + uz * R[6], a1 = fz * R[1] + 0 * R[4] + uz * R[7], a2 = fz * R[2] + 0 * R[5] + uz * R[8];
    const b0 = 0 * R[0] + fz * R[3] + vz * R[6], b1 = 0 * R[1] + fz * R[4] + vz * R[7], b2 = 0 * R[2] + fz * R[5] + vz * R[8];
    if (modelGradients) {
      const g = 6 * k;
      modelGradients[g] = a0; modelGradients[g + 1] = a1; modelGradients[g + 2] = a2;
      modelGradients[g + 3] = b0; modelGradients[g + 4] = b1; modelGradients[g + 5] = b2;
    }
    if (!jac) continue;
    const ou = 2 * k * n, ov = ou + n;
    // d/d(omega) = -a [P]x = P x a.
    jac[ou + rot] = P1 * a2 - P2 * a1; jac[ou + rot + 1] = P2 * a0 - P0 * a2; jac[ou + rot + 2] = P0 * a1 - P1 * a0;
    jac[ov + rot] = P1 * b2 - P2 * b1; jac[ov + rot + 1] = P2 * b0 - P0 * b2; jac[ov + rot + 2] = P0 * b1 - P1 * b0;
    jac[ou + tr] = fz; jac[ou + tr + 1] = 0; jac[ou + tr + 2] = uz;
    jac[ov + tr] = 0; jac[ov + tr + 1] = fz; jac[ov + tr + 2] = vz;
    jac[ou + lf] = u; jac[ov + lf] = v;
    if (poseOnly) continue;
    const cu = ou + coef, cv = ov + coef;
    for (let m = 0; m < C; m++) {
      const e0 = basis[r0 + m], e1 = basis[r1 + m], e2 = basis[r2 + m];
      jac[cu + m] = a0 * e0 + a1 * e1 + a2 * e2;
      jac[cv + m] = b0 * e0 + b1 * e1 + b2 * e2;
    }
  }
}
