/**
 * Live tracking of a reconstructed head in video frames: per frame, the head pose and the
 * expression weights with the identity held at the reconstruction's, a few Levenberg-Marquardt
 * iterations warm-started from the previous frame, then smoothed over time.
 */
import { poseAngles, rotationFromAngles } from '../base/camera.js';
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
  /** Camera focal length in pixels. Default: the frame's longer side (the landmark fit's prior centre). */
  focal?: number;
  /** Further landmark-fit settings (priors, robust scale). */
  fit?: FitOptions;
}

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
      run.state.translation.set(this.previous.translation);
      run.state.coeffs.set(this.previous.coeffs.subarray(K), K);
    } else {
      run.fitRigid();
    }
    run.refine(run.layout.mask('rotation', 'translation', 'expression'));
    const fit = run.result();
    this.previous = run.state;
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
