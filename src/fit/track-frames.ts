/**
 * Pose and expression of every frame of a recorded clip with the identity held: the tracker run
 * forward and, since the whole clip is at hand, also backward in time, the two fits of a frame
 * averaged. Each pass lags behind the motion by its temporal pull and smooths the landmarks' noise
 * from one side only; their mean has neither pass's lag to first order and smooths from both sides.
 */
import * as mat3 from '../base/mat3.js';
import { LandmarkFit, type FitResult, type LandmarkModel } from './landmark-fit.js';
import { PoseExpressionTracker, type TrackOptions } from './track.js';

/** One frame: its landmark targets (N x 2 pixels, the fit's scheme; absent when no face was found) and time. */
export interface ClipFrame {
  targets?: Float32Array;
  timeMs: number;
}

export interface FrameFit {
  /** The frame's pose and expression; residualPx is the landmark error of this (averaged) state. */
  fit: FitResult;
  /** Milliseconds of this frame's solves (both passes and the average). */
  ms: number;
}

/**
 * Tracks the frames (see the file comment); `bidirectional: false` gives the forward pass alone,
 * as a live camera must. A frame without targets restarts the passes. `onFrame` is told the frames
 * done, 1 to frames.length, over both passes (half a frame per frame of a pass).
 */
export function trackFrames(
  lm: LandmarkModel, identity: Float32Array, frames: readonly ClipFrame[], size: { width: number; height: number },
  options: TrackOptions, bidirectional = true, onFrame?: (done: number) => void,
): (FrameFit | undefined)[] {
  let steps = 0, reported = 0;
  const step = () => {
    steps++;
    const done = bidirectional ? Math.floor(steps / 2) : steps;
    if (done > reported) onFrame?.((reported = done));
  };
  const forward = onePass(lm, identity, frames, size, options, false, step);
  if (!bidirectional) return forward;
  return onePass(lm, identity, frames, size, options, true, step, (i, b) => {
    const f = forward[i];
    if (!f) return undefined;
    const t = performance.now();
    const fit = averagedFit(lm, frames[i].targets!, size, options, f.fit, b.fit);
    return { fit, ms: f.ms + b.ms + performance.now() - t };
  });
}

/** One pass over the frames, forward or backward in time; `combine` turns each frame's fit into the result. */
function onePass(
  lm: LandmarkModel, identity: Float32Array, frames: readonly ClipFrame[], size: { width: number; height: number },
  options: TrackOptions, reversed: boolean, step: () => void,
  combine: (i: number, own: FrameFit) => FrameFit | undefined = (_, own) => own,
): (FrameFit | undefined)[] {
  const tracker = new PoseExpressionTracker(lm, identity, { ...options, smoothingMs: 0 });
  const out: (FrameFit | undefined)[] = new Array(frames.length).fill(undefined);
  const last = frames.length === 0 ? 0 : frames[frames.length - 1].timeMs;
  for (let k = 0; k < frames.length; k++) {
    const i = reversed ? frames.length - 1 - k : k;
    const frame = frames[i];
    if (frame.targets) {
      const t = performance.now();
      // Backward, the clock runs from the clip's end, so the time between frames stays positive.
      const { fit } = tracker.update(frame.targets, size, reversed ? last - frame.timeMs : frame.timeMs);
      out[i] = combine(i, { fit, ms: performance.now() - t });
    } else {
      tracker.reset();
    }
    step();
  }
  return out;
}

/** The mean of two fits of one frame (rotation halfway along the arc between them), its landmark error measured. */
function averagedFit(
  lm: LandmarkModel, targets: Float32Array, size: { width: number; height: number }, options: TrackOptions, a: FitResult, b: FitResult,
): FitResult {
  const run = new LandmarkFit(lm, targets, size, { ...options.fit, focal: a.state.focal });
  const s = run.state;
  const relative = mat3.multiplyTransposed(mat3.create(), b.state.rotation, a.state.rotation);
  const [x, y, z] = mat3.toAxisAngle(relative);
  mat3.multiply(s.rotation, mat3.fromAxisAngle(mat3.create(), x / 2, y / 2, z / 2), a.state.rotation);
  for (let k = 0; k < 3; k++) s.translation[k] = (a.state.translation[k] + b.state.translation[k]) / 2;
  s.focal = a.state.focal;
  for (let k = 0; k < s.coeffs.length; k++) s.coeffs[k] = (a.state.coeffs[k] + b.state.coeffs[k]) / 2;
  return { ...run.result(), iterations: a.iterations + b.iterations };
}
