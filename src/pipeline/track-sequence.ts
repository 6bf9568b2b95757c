import type { RgbImage } from '../base/image.js';
import type { Camera, HeadPose } from '../base/camera.js';
import { headRotation } from '../perception/head-pose.js';
import type { TemporalSmoothness } from '../fit/track.js';
import { trackFrames, type ClipFrame } from '../fit/track-frames.js';
import type { FaceEmbedder } from '../identity/index.js';
import { landmarkTargets, type FaceDetectorLike, type ReconstructContext } from './reconstruct.js';
import { PersonError, reconstructPerson, type PersonOptions, type PersonReconstruction } from './reconstruct-person.js';

/** One frame of a video or image sequence, with its time from the start. */
export interface SequenceFrame {
  image: RgbImage;
  timeMs: number;
}

/** A detector that can also follow a face from frame to frame (FaceDetector.track). */
export interface SequenceDetector extends FaceDetectorLike {
  track(image: RgbImage, previous: Float32Array): Promise<{ landmarks: Float32Array; score: number } | undefined>;
}

/**
 * Temporal smoothness for video, per 1/30 s (see TemporalSmoothness): expression weight, degrees,
 * millimetres. Chosen on the sequence bench (bench/sequence.ts): the frame-to-frame noise of a still
 * head is mostly in the pose, along directions the landmarks pin down weakly (depth, turn against
 * shift), so the pose is held hard there while a real pan or turn, which moves every landmark, still
 * wins; the expression's pull is weaker, or the weights lag the face.
 */
export const SEQUENCE_TEMPORAL_DEFAULTS = { expression: 0.05, rotationDeg: 0.25, translationMm: 0.5 } as const;

export interface SequenceOptions extends PersonOptions {
  /** Frames the identity is solved from (the largest, most frontal faces among those kept). Default 5. */
  identityFrames?: number;
  /** Frames kept in memory with their pictures, spread evenly over the clip: the identity's and the strip's candidates. Default 12. */
  keptFrames?: number;
  /** Frames in the overlay strip. Default 4. */
  stripFrames?: number;
  /** Levenberg-Marquardt iterations per frame. Default 4. */
  iterations?: number;
  /** Expected change per 1/30 s; false turns the temporal term off. Default SEQUENCE_TEMPORAL_DEFAULTS. */
  temporal?: false | { expression: number; rotationDeg: number; translationMm: number };
  /** Track backward in time too and average the two fits of each frame (see trackFrames). Default true. */
  bidirectional?: boolean;
}

export interface TrackedFrame {
  index: number;
  timeMs: number;
  /** The frame's face-mesh landmarks (468 x 3), absent when no face was found in it. */
  landmarks?: Float32Array;
  /** The fit, absent when no face was found: pose in the camera frame (model units), expression weights, landmark error. */
  pose?: HeadPose;
  expression?: Float32Array;
  residualPx?: number;
  /** Milliseconds of this frame's landmarks (tracking or detection) and of its pose and expression solve. */
  landmarksMs: number;
  fitMs: number;
}

export interface SequenceTracking {
  /** The person from the identity frames (their views are named frame<index>). */
  person: PersonReconstruction;
  frames: TrackedFrame[];
  /** The camera every frame is fitted with: the identity frames' median focal length. */
  camera: Camera;
  /** A few frames' pictures, spread over the clip (the overlay strip). */
  pictures: { index: number; image: RgbImage }[];
  timings: { landmarks: number; identity: number; tracking: number };
}

/** Told after each frame of a pass: 'landmarks' while the frames are read, 'tracking' while they are fitted. */
export type SequenceProgress = (pass: 'landmarks' | 'tracking', done: number) => void;

/**
 * Tracks one person through a video: the landmarks of every frame (the face mesh on the previous
 * frame's face, a detection when it is lost), one identity from the best few frames through the
 * multi-view reconstruction (reconstructPerson), then per frame the pose and expression with that
 * identity held, warm-started from the previous frame and pulled toward it by the temporal term.
 * Only a few frames' pictures are kept in memory. Throws a PersonError when no frame shows a face.
 */
export async function trackSequence(
  ctx: ReconstructContext & { detector: SequenceDetector; embedder?: FaceEmbedder }, frames: AsyncIterable<SequenceFrame>,
  options: SequenceOptions = {}, onProgress?: SequenceProgress,
): Promise<SequenceTracking> {
  const { identityFrames = 5, keptFrames = 12, stripFrames = 4, iterations = 4, temporal = SEQUENCE_TEMPORAL_DEFAULTS, bidirectional = true, ...personOptions } = options;
  const tracked: TrackedFrame[] = [];
  const kept = new EvenlySpaced<{ index: number; image: RgbImage; score: number }>(keptFrames);
  let size: { width: number; height: number } | undefined;
  let previous: Float32Array | undefined;
  let t0 = performance.now();
  for await (const { image, timeMs } of frames) {
    const index = tracked.length;
    if (!size) size = { width: image.width, height: image.height };
    else if (image.width !== size.width || image.height !== size.height) {
      throw new PersonError(`frame ${index} is ${image.width}x${image.height}, the first was ${size.width}x${size.height}`);
    }
    const t = performance.now();
    const followed = previous && await ctx.detector.track(image, previous);
    const landmarks = followed ? followed.landmarks : (await ctx.detector.detect(image, { ...personOptions.detection, maxFaces: 1 }))[0]?.landmarks;
    previous = landmarks;
    tracked.push({ index, timeMs, landmarks, landmarksMs: performance.now() - t, fitMs: 0 });
    if (landmarks) kept.offer(index, { index, image, score: frameQuality(landmarks) });
    onProgress?.('landmarks', index + 1);
  }
  const landmarksMs = performance.now() - t0;
  const candidates = kept.items();
  if (candidates.length === 0) throw new PersonError(`no face found in any of the ${tracked.length} frames`);

  t0 = performance.now();
  const best = [...candidates].sort((a, b) => b.score - a.score).slice(0, identityFrames).sort((a, b) => a.index - b.index);
  // The frames' detail bands are not used by a tracked sequence's outputs (yet).
  const person = await reconstructPerson(ctx, best.map((f) => ({ name: `frame${f.index}`, image: f.image })), { ...personOptions, detail: false });
  const identityMs = performance.now() - t0;
  const focals = person.views.map((v) => v.camera.focal).sort((a, b) => a - b);
  const focal = focals[Math.floor(focals.length / 2)];
  const camera: Camera = { focal, cx: size!.width / 2, cy: size!.height / 2, width: size!.width, height: size!.height };

  t0 = performance.now();
  const mm = ctx.model.unitsToMillimetres;
  const smoothness: TemporalSmoothness | undefined = temporal === false ? undefined
    : { expression: temporal.expression, rotationDeg: temporal.rotationDeg, translation: temporal.translationMm / mm };
  const fits = trackFrames(ctx.landmarks, person.identity, clipFrames(tracked),
    size!, { iterations, focal, temporal: smoothness, fit: { ...person.options.fit } }, bidirectional, (done) => onProgress?.('tracking', done));
  for (const [i, frame] of tracked.entries()) {
    const f = fits[i];
    if (!f) continue;
    frame.pose = f.fit.pose;
    frame.expression = f.fit.expression;
    frame.residualPx = f.fit.residualPx;
    frame.fitMs = f.ms;
  }
  const trackingMs = performance.now() - t0;
  const step = candidates.length / Math.min(stripFrames, candidates.length);
  const pictures = Array.from({ length: Math.min(stripFrames, candidates.length) }, (_, k) => candidates[Math.floor(k * step)])
    .map(({ index, image }) => ({ index, image }));
  return { person, frames: tracked, camera, pictures, timings: { landmarks: landmarksMs, identity: identityMs, tracking: trackingMs } };
}

/** The tracked frames as trackFrames takes them: each one's landmark targets (when a face was found) and time. */
export function clipFrames(frames: readonly TrackedFrame[]): ClipFrame[] {
  return frames.map((f) => ({ targets: f.landmarks && landmarkTargets({ landmarks: f.landmarks }), timeMs: f.timeMs }));
}

/** How well a frame shows the face for the identity: its size, less when turned (the landmarks' rough head rotation). */
function frameQuality(landmarks: Float32Array): number {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (let i = 0; i < landmarks.length; i += 3) {
    minX = Math.min(minX, landmarks[i]); maxX = Math.max(maxX, landmarks[i]);
    minY = Math.min(minY, landmarks[i + 1]); maxY = Math.max(maxY, landmarks[i + 1]);
  }
  const { yaw, pitch } = headRotation(landmarks);
  const r = Math.PI / 180;
  return Math.sqrt((maxX - minX) * (maxY - minY)) * Math.cos(yaw * r) * Math.cos(pitch * r);
}

/**
 * At most `capacity` items of a stream numbered 0, 1, 2, ..., spread evenly over it: those whose
 * number is a multiple of a stride that doubles whenever more would be kept.
 */
class EvenlySpaced<T> {
  private stride = 1;
  private kept: { n: number; item: T }[] = [];

  constructor(private readonly capacity: number) {}

  offer(n: number, item: T): void {
    if (n % this.stride !== 0) return;
    this.kept.push({ n, item });
    while (this.kept.length > this.capacity) {
      this.stride *= 2;
      this.kept = this.kept.filter((k) => k.n % this.stride === 0);
    }
  }

  items(): T[] {
    return this.kept.map((k) => k.item);
  }
}
