import type { Camera, HeadPose } from './camera.js';
import { axisAngleToMatrix, matMul3 } from './camera.js';
import type { ContourLines } from './contour.js';
import { selectContourPoints } from './contour.js';
import { initialPose } from './init-pose.js';
import { NormalEquations, solveSpd } from './linalg.js';
import { POSE_PARAMS, projectWithJacobian, type FitState } from './projection-jacobian.js';
import { evaluatePoints, type SurfacePoints } from './surface-points.js';

/** What the fit needs to know about a landmark scheme on a model (see src/correspondence). */
export interface LandmarkModel {
  surface: SurfacePoints;
  /** Base weight of each landmark (0 = unused). */
  weights: Float32Array;
  contour?: ContourLines;
  /** Pairs (upper, lower) of eyelid landmarks whose vertical gap must match: eye closure. */
  eyePairs: Uint32Array;
  identityCount: number;
  expressionCount: number;
}

export interface FitOptions {
  /** Expected landmark error as a fraction of face size; sets how strongly the priors pull. */
  sigma?: number;
  /** Weight of the eyelid-gap residuals relative to one landmark. */
  eyeWeight?: number;
  /** Prior weight on expression weights (squared, in units of one standard-normal identity mode). */
  expressionPrior?: number;
  /** Focal-length prior: initial focal length in pixels and the std of log(focal). */
  focal?: number;
  focalSigmaLog?: number;
  /** Cauchy robust scale as a fraction of face size. */
  robustScale?: number;
  rigidIterations?: number;
  iterations?: number;
  /** Optional starting rotation (row-major 3x3, model -> camera). */
  initialRotation?: Float64Array;
}

export interface FitResult {
  state: FitState;
  pose: HeadPose;
  camera: Camera;
  identity: Float32Array;
  expression: Float32Array;
  /** Mean distance between detected and fitted landmarks, pixels. */
  residualPx: number;
  /** residualPx divided by faceSize. */
  residualNormalized: number;
  /** sqrt(width * height) of the detected landmarks' bounding box, pixels. */
  faceSize: number;
  landmarkCount: number;
  iterations: number;
  /** Final robust weight of each landmark, in [0, 1]. */
  robustWeights: Float32Array;
  /** Model point (index into surface, or contour candidate) used for each landmark. */
  fittedLandmarks: Float64Array;
}

const DEFAULTS = {
  sigma: 0.015, eyeWeight: 4, expressionPrior: 0.05, focalSigmaLog: 0.25, robustScale: 0.03, rigidIterations: 5, iterations: 20,
};

/**
 * Fits pose, focal length, identity and expression to 2D landmarks (N x 2 pixels, NaN = missing)
 * with Levenberg-Marquardt on analytic Jacobians, Cauchy reweighting and contour sliding.
 */
export function fitLandmarks(
  lm: LandmarkModel, targets: Float32Array, image: { width: number; height: number }, options: FitOptions = {},
): FitResult {
  const o = { ...DEFAULTS, ...options };
  const N = lm.surface.count;
  const K = lm.identityCount;
  const C = lm.surface.columns;
  const nParams = POSE_PARAMS + C;
  const cx = image.width / 2, cy = image.height / 2;
  const focal0 = options.focal ?? Math.max(image.width, image.height);

  const valid: number[] = [];
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (let i = 0; i < N; i++) {
    const x = targets[2 * i], y = targets[2 * i + 1];
    if (!Number.isFinite(x) || !Number.isFinite(y) || lm.weights[i] === 0) continue;
    valid.push(i);
    minX = Math.min(minX, x); maxX = Math.max(maxX, x); minY = Math.min(minY, y); maxY = Math.max(maxY, y);
  }
  if (valid.length < 6) throw new Error('too few landmarks to fit');
  const faceSize = Math.sqrt((maxX - minX) * (maxY - minY));
  const scale = 1 / (o.sigma * faceSize);

  const coeffs = new Float64Array(C);
  const means = evaluatePoints(lm.surface, coeffs);
  const init = initialPose(means, targets, valid, focal0, cx, cy);
  // A given rotation replaces the affine fit's; the translation always comes from the affine fit.
  const state: FitState = {
    rotation: options.initialRotation ? Float64Array.from(options.initialRotation) : init.rotation,
    translation: init.translation,
    focal: focal0,
    coeffs,
  };

  const isContour = new Int32Array(N).fill(-1);
  if (lm.contour) lm.contour.landmark.forEach((j, i) => { isContour[j] = i; });
  const fixedIdx = valid.filter((i) => isContour[i] < 0);
  const contourLines = lm.contour ? valid.filter((i) => isContour[i] >= 0).map((i) => isContour[i]) : [];
  const robust = new Float64Array(N).fill(1);

  // Positions and Jacobian rows for every valid landmark, in the order of `valid`.
  const uv = new Float64Array(2 * N);
  const jac = new Float64Array(2 * N * nParams);
  let chosen: Uint32Array = new Uint32Array(0);
  const evaluate = (s: FitState, withJacobian: boolean) => {
    const uvFixed = new Float64Array(2 * fixedIdx.length);
    const jFixed = withJacobian ? new Float64Array(2 * fixedIdx.length * nParams) : undefined;
    projectWithJacobian(lm.surface, fixedIdx, s, cx, cy, uvFixed, jFixed);
    fixedIdx.forEach((i, k) => {
      uv[2 * i] = uvFixed[2 * k]; uv[2 * i + 1] = uvFixed[2 * k + 1];
      if (jFixed) jac.set(jFixed.subarray(2 * k * nParams, (2 * k + 2) * nParams), 2 * i * nParams);
    });
    if (lm.contour && contourLines.length) {
      const cand = contourLines.map((line) => chosen[line]);
      const uvC = new Float64Array(2 * cand.length);
      const jC = withJacobian ? new Float64Array(2 * cand.length * nParams) : undefined;
      projectWithJacobian(lm.contour.candidates, cand, s, cx, cy, uvC, jC);
      contourLines.forEach((line, k) => {
        const i = lm.contour!.landmark[line];
        uv[2 * i] = uvC[2 * k]; uv[2 * i + 1] = uvC[2 * k + 1];
        if (jC) jac.set(jC.subarray(2 * k * nParams, (2 * k + 2) * nParams), 2 * i * nParams);
      });
    }
  };

  const accumulate = (s: FitState, active: Uint8Array, withJacobian: boolean): NormalEquations => {
    evaluate(s, withJacobian);
    const ne = new NormalEquations(nParams);
    const row = new Float64Array(nParams);
    for (const i of valid) {
      const w = lm.weights[i] * robust[i];
      for (let r = 0; r < 2; r++) {
        const res = (uv[2 * i + r] - targets[2 * i + r]) * scale;
        if (!withJacobian) { ne.cost += w * res * res; continue; }
        for (let p = 0; p < nParams; p++) row[p] = active[p] ? jac[(2 * i + r) * nParams + p] * scale : 0;
        ne.addRow(row, res, w);
      }
    }
    for (let e = 0; e < lm.eyePairs.length; e += 2) {
      const a = lm.eyePairs[e], b = lm.eyePairs[e + 1];
      if (!Number.isFinite(targets[2 * a]) || !Number.isFinite(targets[2 * b])) continue;
      for (let r = 0; r < 2; r++) {
        const res = ((uv[2 * a + r] - uv[2 * b + r]) - (targets[2 * a + r] - targets[2 * b + r])) * scale;
        if (!withJacobian) { ne.cost += o.eyeWeight * res * res; continue; }
        for (let p = 0; p < nParams; p++) {
          row[p] = active[p] ? (jac[(2 * a + r) * nParams + p] - jac[(2 * b + r) * nParams + p]) * scale : 0;
        }
        ne.addRow(row, res, o.eyeWeight);
      }
    }
    if (active[6]) ne.addPrior(6, Math.log(s.focal / focal0), 1 / (o.focalSigmaLog * o.focalSigmaLog));
    for (let m = 0; m < C; m++) {
      if (!active[POSE_PARAMS + m]) continue;
      ne.addPrior(POSE_PARAMS + m, s.coeffs[m], m < K ? 1 : o.expressionPrior);
    }
    ne.symmetrize();
    return ne;
  };

  const updateRobust = () => {
    evaluate(state, false);
    const c2 = o.robustScale * faceSize * o.robustScale * faceSize;
    for (const i of valid) {
      const d2 = (uv[2 * i] - targets[2 * i]) ** 2 + (uv[2 * i + 1] - targets[2 * i + 1]) ** 2;
      robust[i] = 1 / (1 + d2 / c2);
    }
  };

  const stepState = (s: FitState, delta: Float64Array): FitState => {
    const dR = axisAngleToMatrix(delta[0], delta[1], delta[2]);
    const coeffsNew = new Float64Array(C);
    for (let m = 0; m < C; m++) {
      let v = s.coeffs[m] + delta[POSE_PARAMS + m];
      if (m >= K) v = Math.min(1, Math.max(0, v));
      coeffsNew[m] = v;
    }
    return {
      rotation: matMul3(s.rotation, dR),
      translation: Float64Array.from([s.translation[0] + delta[3], s.translation[1] + delta[4], s.translation[2] + delta[5]]),
      focal: s.focal * Math.exp(delta[6]),
      coeffs: coeffsNew,
    };
  };

  let iterations = 0;
  const runStage = (active: Uint8Array, maxIterations: number, reweight: boolean) => {
    let lambda = 1e-3;
    for (let it = 0; it < maxIterations; it++) {
      iterations++;
      if (lm.contour) chosen = selectContourPoints(lm.contour, state);
      if (reweight) updateRobust();
      const ne = accumulate(state, active, true);
      // Expression weights sitting on a bound and pushed outward are held for this step.
      const free = Uint8Array.from(active);
      for (let m = K; m < C; m++) {
        const p = POSE_PARAMS + m, v = state.coeffs[m], g = ne.Jtr[p];
        if ((v <= 0 && g > 0) || (v >= 1 && g < 0)) free[p] = 0;
      }
      const idx: number[] = [];
      for (let p = 0; p < nParams; p++) if (free[p]) idx.push(p);
      const n = idx.length;
      let improved = false;
      for (let attempt = 0; attempt < 8 && !improved; attempt++) {
        const A = new Float64Array(n * n);
        const b = new Float64Array(n);
        for (let a = 0; a < n; a++) {
          for (let c = 0; c < n; c++) A[a * n + c] = ne.JtJ[idx[a] * nParams + idx[c]];
          A[a * n + a] += lambda * (A[a * n + a] + 1e-9);
          b[a] = -ne.Jtr[idx[a]];
        }
        const x = solveSpd(A, b, n);
        if (!x) { lambda *= 10; continue; }
        const delta = new Float64Array(nParams);
        idx.forEach((p, a) => { delta[p] = x[a]; });
        const candidate = stepState(state, delta);
        const newCost = accumulate(candidate, active, false).cost;
        if (newCost < ne.cost) {
          Object.assign(state, candidate);
          lambda = Math.max(1e-7, lambda / 5);
          improved = true;
          if ((ne.cost - newCost) < 1e-6 * ne.cost) return;
        } else {
          lambda *= 10;
        }
      }
      if (!improved) return;
    }
  };

  const rigid = new Uint8Array(nParams);
  for (let p = 0; p < POSE_PARAMS; p++) rigid[p] = 1;
  runStage(rigid, o.rigidIterations, false);
  const all = new Uint8Array(nParams).fill(1);
  runStage(all, o.iterations, true);

  if (lm.contour) chosen = selectContourPoints(lm.contour, state);
  evaluate(state, false);
  let sum = 0;
  for (const i of valid) sum += Math.hypot(uv[2 * i] - targets[2 * i], uv[2 * i + 1] - targets[2 * i + 1]);
  const residualPx = sum / valid.length;
  return {
    state,
    pose: { rotation: state.rotation, translation: state.translation },
    camera: { focal: state.focal, cx, cy, width: image.width, height: image.height },
    identity: Float32Array.from(state.coeffs.subarray(0, K)),
    expression: Float32Array.from(state.coeffs.subarray(K)),
    residualPx,
    residualNormalized: residualPx / faceSize,
    faceSize,
    landmarkCount: valid.length,
    iterations,
    robustWeights: Float32Array.from(robust),
    fittedLandmarks: Float64Array.from(uv),
  };
}
