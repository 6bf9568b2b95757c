import { shBasis, shBasisGradient, SH_COUNT } from '../lighting/sh.js';
import type { NormalEquations } from '../base/linalg.js';
import type { AccumulateMode } from '../fit/lm-solver.js';
import { projectWithJacobian, type FitState } from '../fit/projection-jacobian.js';
import type { ParameterLayout } from '../fit/parameter-layout.js';
import type { SurfacePoints } from '../fit/surface-points.js';
import { LUMA, luminance } from '../base/colour.js';
import { cameraToView } from '../base/camera.js';
import { sampleField, type PhotoField } from './photo-field.js';
import { sampleNormal, type SampleNormals } from './sample-normals.js';

/** What the photometric residuals hold fixed while the geometry moves (updated between LM runs). */
export interface PhotometricFrame {
  field: PhotoField;
  /** Surface points of the samples (their positions as a function of the coefficients). */
  points: SurfacePoints;
  /** Layout of the parameter vector (as the landmark term's). */
  layout: ParameterLayout;
  normals: SampleNormals;
  /** Linear RGB albedo per sample. */
  albedo: Float64Array;
  /** SH lighting, view frame, sh[3k + c]. */
  sh: Float64Array;
  /** Weight per sample (skin x visibility x frontality); 0 = unused. */
  weight: Float64Array;
  cx: number;
  cy: number;
  /** Expected luminance error (linear units): residuals are divided by it. */
  sigma: number;
}

/**
 * Luminance difference between the model (albedo x SH shading of the sample's normal) and the
 * photo at the sample's projection, per weighted sample. Its Jacobian has two parts: the photo's
 * luminance gradient times the projection's Jacobian (alignment) and the shading's change with
 * the normal, which turns with the head and bends with the coefficients (shape from shading).
 */
export class PhotometricTerm {
  private readonly active: Uint32Array;
  private readonly uv: Float64Array;
  private readonly jac: Float64Array;
  private readonly nParams: number;

  constructor(readonly frame: PhotometricFrame) {
    const idx: number[] = [];
    frame.weight.forEach((w, i) => { if (w > 0) idx.push(i); });
    this.active = Uint32Array.from(idx);
    this.nParams = frame.layout.size;
    this.uv = new Float64Array(2 * idx.length);
    this.jac = new Float64Array(2 * idx.length * this.nParams);
  }

  get sampleCount(): number { return this.active.length; }

  add(ne: NormalEquations, state: FitState, activeParams: Uint8Array, mode: AccumulateMode, weight = 1): void {
    const f = this.frame, n = this.nParams, C = f.points.columns, A = this.active.length;
    const { rotation, coefficients } = f.layout;
    const withJacobian = mode !== 'cost';
    projectWithJacobian(f.points, this.active, state, f.layout, f.cx, f.cy, this.uv, withJacobian ? this.jac : undefined);
    const R = state.rotation;
    const r = new Float64Array(A), w = new Float64Array(A);
    const columns: number[] = [];
    for (let p = 0; p < n; p++) if (activeParams[p]) columns.push(p);
    const J = withJacobian ? new Float64Array(n * A) : undefined;
    const photo = new Float64Array(5), nm = new Float64Array(3), B = new Float64Array(SH_COUNT), dB = new Float64Array(3 * SH_COUNT);
    const ga = new Float64Array(3), vn = new Float64Array(3), gc = new Float64Array(3);
    for (let q = 0; q < A; q++) {
      const i = this.active[q];
      if (!sampleField(f.field, this.uv[2 * q], this.uv[2 * q + 1], photo)) continue;
      const len = sampleNormal(f.normals, i, state.coeffs, nm);
      // Camera-frame normal, then the view frame of the SH lighting.
      const cxn = R[0] * nm[0] + R[1] * nm[1] + R[2] * nm[2];
      const cyn = R[3] * nm[0] + R[4] * nm[1] + R[5] * nm[2];
      const czn = R[6] * nm[0] + R[7] * nm[1] + R[8] * nm[2];
      cameraToView(vn, cxn, cyn, czn);
      shBasis(vn[0], vn[1], vn[2], B);
      let model = 0;
      for (let c = 0; c < 3; c++) {
        ga[c] = LUMA[c] * f.albedo[3 * i + c];
        let s = 0;
        for (let k = 0; k < SH_COUNT; k++) s += f.sh[3 * k + c] * B[k];
        model += ga[c] * s;
      }
      const observed = luminance(photo);
      r[q] = (model - observed) / f.sigma;
      w[q] = weight * f.weight[i];
      if (!J) continue;
      // dModel/dn in the view frame, then camera frame, then model frame.
      shBasisGradient(vn[0], vn[1], vn[2], dB);
      let gvx = 0, gvy = 0, gvz = 0;
      for (let k = 0; k < SH_COUNT; k++) {
        const e = ga[0] * f.sh[3 * k] + ga[1] * f.sh[3 * k + 1] + ga[2] * f.sh[3 * k + 2];
        gvx += e * dB[3 * k]; gvy += e * dB[3 * k + 1]; gvz += e * dB[3 * k + 2];
      }
      cameraToView(gc, gvx, gvy, gvz);
      const gcx = gc[0], gcy = gc[1], gcz = gc[2];
      const gmx = R[0] * gcx + R[3] * gcy + R[6] * gcz;
      const gmy = R[1] * gcx + R[4] * gcy + R[7] * gcz;
      const gmz = R[2] * gcx + R[5] * gcy + R[8] * gcz;
      const dot = gmx * nm[0] + gmy * nm[1] + gmz * nm[2];
      const hx = (gmx - nm[0] * dot) / len, hy = (gmy - nm[1] * dot) / len, hz = (gmz - nm[2] * dot) / len;
      const o = 2 * q * n, s = 1 / f.sigma, gx = photo[3], gy = photo[4];
      const shading = [nm[1] * gmz - nm[2] * gmy, nm[2] * gmx - nm[0] * gmz, nm[0] * gmy - nm[1] * gmx];
      const Do = 3 * i * C;
      for (const p of columns) {
        let d = -(gx * this.jac[o + p] + gy * this.jac[o + n + p]);
        if (p < rotation.end) d += shading[p - rotation.start];
        else if (p >= coefficients.start) {
          const m = p - coefficients.start;
          d += hx * f.normals.D[Do + m] + hy * f.normals.D[Do + C + m] + hz * f.normals.D[Do + 2 * C + m];
        }
        J[p * A + q] = d * s;
      }
    }
    if (!J) {
      for (let q = 0; q < A; q++) ne.cost += w[q] * r[q] * r[q];
      return;
    }
    ne.addRows(J, r, w, A, columns);
  }
}
