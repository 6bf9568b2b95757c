/**
 * Tracking of a reconstructed head in video frames: per frame, the head pose and the expression
 * weights with the identity held at the reconstruction's, a few Levenberg-Marquardt iterations
 * warm-started from the previous frame, optionally pulled toward it by a temporal prior in the same
 * solve (video files), optionally averaged over time afterwards (the live mode).
 */
import { poseAngles, rotationFromAngles } from '../base/camera.js';
import * as mat3 from '../base/mat3.js';
import type { NormalEquations } from '../base/linalg.js';
import type { ParameterLayout } from './parameter-layout.js';
import { LandmarkFit, type FitResult, type LandmarkModel } from './landmark-fit.js';
import type { FitOptions } from './options.js';
import type { FitState } from './projection-jacobian.js';

export interface TrackOptions {
  /** Levenberg-Marquardt iterations per frame. Default 4. */
  iterations?: number;
  /**
   * Time constant of the running average of pose and expression, milliseconds (0 = no smoothing).
   * A frame dt after the last one weighs 1 - exp(-dt / smoothingMs): at 30 frames per second and
   * the default 50 ms, half; a slow device's frames, further apart, are averaged less, so the head
   * still follows the motion rather than lagging a second behind it.
   */
  smoothingMs?: number;
  /**
   * Temporal smoothness term: the change of each parameter expected between frames 1/30 s apart
   * (proportionally more for frames further apart); the solve is pulled toward the previous frame's
   * fit with weight 1 / change^2 per parameter, in the landmark term's units (one landmark one sigma
   * off costs 1). Expression in weight units, rotation in degrees, translation in model units.
   * Default: none.
   */
  temporal?: TemporalSmoothness;
  /** Camera focal length in pixels. Default: the frame's longer side (the landmark fit's prior centre). */
  focal?: number;
  /** Further landmark-fit settings (priors, robust scale). */
  fit?: FitOptions;
}

export interface TemporalSmoothness {
  expression: number;
  rotationDeg: number;
  translation: number;
}

/** The frame spacing TemporalSmoothness is stated for, milliseconds. */
const TEMPORAL_FRAME_MS = 1000 / 30;

export interface TrackedPose {
  /** Smoothed expression weights, the model's order. */
  expression: Float32Array;
  /** Smoothed head angles in degrees (poseAngles' convention) and the rotation they make. */
  yaw: number;
  pitch: number;
  roll: number;
  rotation: Float64Array;
  translation: Float64Array;
  /** This frame's own fit (unsmoothed): its landmark residual, iterations. */
  fit: FitResult;
}

export class PoseExpressionTracker {
  private previous: FitState | undefined;
  private previousMs = 0;
  private previousTargets: Float32Array | undefined;
  private smoothed: { expression: Float32Array; angles: number[]; translation: Float64Array; timeMs: number } | undefined;
  private readonly iterations: number;
  private readonly smoothingMs: number;

  /** `identity`: the reconstruction's identity weights (FitResult.identity), held fixed. */
  constructor(private readonly lm: LandmarkModel, private readonly identity: Float32Array, private readonly options: TrackOptions = {}) {
    this.iterations = options.iterations ?? 4;
    this.smoothingMs = options.smoothingMs ?? 50;
    if (!(this.smoothingMs >= 0)) throw new Error(`smoothingMs must be >= 0 (got ${this.smoothingMs})`);
  }

  /** Forgets the previous frame (the face was lost): the next frame starts from the rigid fit again. */
  reset(): void {
    this.previous = undefined;
    this.smoothed = undefined;
  }

  /** Fits one frame's landmarks (N x 2 pixels, the fit's landmark scheme), taken at `timeMs` (a clock in milliseconds). */
  update(targets: Float32Array, frame: { width: number; height: number }, timeMs: number): TrackedPose {
    const focal = this.options.focal ?? this.previous?.focal ?? Math.max(frame.width, frame.height);
    const run = new LandmarkFit(this.lm, targets, frame, {
      ...this.options.fit, focal, iterations: this.iterations, initialRotation: this.previous?.rotation,
    });
    const K = run.layout.identityCount;
    run.state.coeffs.set(this.identity.subarray(0, K));
    if (this.previous) {
      run.state.translation.set(predictTranslation(this.previous, this.previousTargets!, targets, frame, true));
      run.state.coeffs.set(this.previous.coeffs.subarray(K), K);
      const t = this.options.temporal;
      if (t) {
        // The pull is toward the previous translation shifted with the landmarks' centroid: their spread is too noisy a depth.
        const shifted = predictTranslation(this.previous, this.previousTargets!, targets, frame, false);
        run.extraPriors = temporalPrior(run.layout, this.previous, shifted, t, Math.max(1, timeMs - this.previousMs) / TEMPORAL_FRAME_MS);
      }
    } else {
      // A focal length given is the camera's: held from the first frame on.
      run.fitRigid(this.options.focal === undefined);
    }
    run.refine(run.layout.mask('rotation', 'translation', 'expression'));
    const fit = run.result();
    this.previous = run.state;
    this.previousMs = timeMs;
    this.previousTargets = targets;
    return this.smooth(fit, timeMs);
  }

  private smooth(fit: FitResult, timeMs: number): TrackedPose {
    const a = poseAngles(fit.pose.rotation);
    const angles = [a.yaw, a.pitch, a.roll];
    const s = this.smoothed;
    if (!s) {
      this.smoothed = { expression: Float32Array.from(fit.expression), angles, translation: Float64Array.from(fit.pose.translation), timeMs };
    } else {
      const dt = Math.max(0, timeMs - s.timeMs);
      const w = this.smoothingMs > 0 ? 1 - Math.exp(-dt / this.smoothingMs) : 1;
      s.timeMs = timeMs;
      for (let k = 0; k < s.expression.length; k++) s.expression[k] += w * (fit.expression[k]! - s.expression[k]!);
      for (let k = 0; k < 3; k++) {
        s.angles[k] += w * (angles[k]! - s.angles[k]!);
        s.translation[k] += w * (fit.pose.translation[k]! - s.translation[k]!);
      }
    }
    const [yaw, pitch, roll] = this.smoothed!.angles as [number, number, number];
    return {
      expression: Float32Array.from(this.smoothed!.expression), yaw, pitch, roll,
      rotation: rotationFromAngles(yaw, pitch, roll), translation: Float64Array.from(this.smoothed!.translation), fit,
    };
  }
}

/**
 * The previous frame's translation moved with the landmarks: the head's image point shifted with
 * their centroid and (when `scaled`) its depth divided by their spread's growth. The warm start then starts near
 * this frame's face, where the robust weights (set from the first iteration's residuals) are not all
 * small from a camera pan or zoom alone.
 */
function predictTranslation(previous: FitState, before: Float32Array, now: Float32Array, frame: { width: number; height: number }, scaled: boolean): Float64Array {
  const moments = (t: Float32Array) => {
    let n = 0, x = 0, y = 0;
    for (let i = 0; i < t.length; i += 2) if (Number.isFinite(t[i] + t[i + 1] + before[i] + now[i] + before[i + 1] + now[i + 1])) { n++; x += t[i]; y += t[i + 1]; }
    x /= n; y /= n;
    let spread = 0;
    for (let i = 0; i < t.length; i += 2) if (Number.isFinite(t[i] + t[i + 1] + before[i] + now[i] + before[i + 1] + now[i + 1])) spread += (t[i] - x) ** 2 + (t[i + 1] - y) ** 2;
    return { n, x, y, spread: Math.sqrt(spread / n) };
  };
  const a = moments(before), b = moments(now);
  const [tx, ty, tz] = previous.translation;
  if (a.n < 6 || !(a.spread > 0) || !(b.spread > 0)) return Float64Array.from(previous.translation);
  const growth = scaled ? b.spread / a.spread : 1, f = previous.focal, cx = frame.width / 2, cy = frame.height / 2;
  const z = tz / growth;
  const u = b.x + (f * (tx / tz) + cx - a.x) * growth, v = b.y + (f * (ty / tz) + cy - a.y) * growth;
  return Float64Array.of(((u - cx) * z) / f, ((v - cy) * z) / f, z);
}

/**
 * Priors on the change from the previous frame's state: expression weights, the rotation's
 * axis-angle from the previous one (the LM rotation step is applied on the left, so at the current
 * state the residual's Jacobian is the identity to first order), and the translation from `translation`,
 * the previous one moved with the landmarks (predictTranslation: a pan or zoom is not held back, the
 * depth and sideways drift the landmarks pin down weakly are). `spacing`: the frames' time apart in
 * TEMPORAL_FRAME_MS units; the expected change grows in proportion.
 */
function temporalPrior(layout: ParameterLayout, previous: FitState, translation: Float64Array, t: TemporalSmoothness, spacing: number) {
  const weight = (change: number) => 1 / (change * spacing) ** 2;
  const we = weight(t.expression), wr = weight((t.rotationDeg * Math.PI) / 180), wt = weight(t.translation);
  const K = layout.identityCount, e = layout.expression, tr = layout.translation.start, rot = layout.rotation.start;
  const relative = mat3.create();
  return (ne: NormalEquations, s: FitState, active: Uint8Array) => {
    for (let k = 0; k < e.count; k++) if (active[e.start + k]) ne.addPrior(e.start + k, s.coeffs[K + k] - previous.coeffs[K + k], we);
    const w = mat3.toAxisAngle(mat3.multiplyTransposed(relative, s.rotation, previous.rotation));
    for (let a = 0; a < 3; a++) {
      if (active[tr + a]) ne.addPrior(tr + a, s.translation[a] - translation[a], wt);
      if (active[rot + a]) ne.addPrior(rot + a, w[a], wr);
    }
  };
}
