import type { RgbImage, RgbaImage } from '../base/image.js';
import { poseAngles } from '../base/camera.js';
import { resampleWindow } from '../base/resample.js';
import type { MorphableModel } from '../model/types.js';
import { instantiate } from '../model/instance.js';
import { animationPose, arkitName, EXPORT_UNITS, type ExpressionClip } from '../export/index.js';
import { overlayFaces } from '../render/overlay.js';
import { DEFAULT_OUTPUTS, type OutputFiles, type OutputName, type PngEncoder } from './outputs.js';
import { buildPersonOutputs, type PersonOutputOptions } from './person-outputs.js';
import type { SequenceTracking, TrackedFrame } from './track-sequence.js';

/** The overlay strip's height, pixels (frames taller are scaled down to it). */
const STRIP_HEIGHT = 360;

/** Column names of tracking.csv before the expression weights (which follow by ARKit name). */
export const TRACKING_CSV_COLUMNS = ['frame', 'time_s', 'tracked', 'yaw_deg', 'pitch_deg', 'roll_deg', 'tx_mm', 'ty_mm', 'tz_mm', 'landmark_error_px'] as const;

/**
 * The folder of a tracked sequence: the person's files from the identity frames (buildPersonOutputs:
 * head.glb, which here replays the performance, albedo.png, meshes, params.json; no per-view
 * overlays), tracking.json and tracking.csv (per frame: time, head rotation and translation, the 53
 * expression weights by ARKit name), and overlay-strip.png (a few frames with the fitted head drawn over them).
 */
export async function buildSequenceOutputs(
  model: MorphableModel, tracking: SequenceTracking, encodePng: PngEncoder, options: Omit<PersonOutputOptions, 'clip'> = {},
): Promise<OutputFiles> {
  const chosen = new Set<OutputName>(options.outputs ?? DEFAULT_OUTPUTS);
  const files = await buildPersonOutputs(model, tracking.person, encodePng, {
    ...options, outputs: [...chosen].filter((n) => n !== 'overlay.png'), clip: performance(tracking, model.unitsToMillimetres),
  });
  const mm = model.unitsToMillimetres;
  const names = model.expressionNames.map(arkitName);
  const rows = tracking.frames.map((f) => frameRecord(f, mm));
  files['tracking.json'] = `${JSON.stringify({
    frames: tracking.frames.length,
    trackedFrames: rows.filter((r) => r.tracked).length,
    image: { width: tracking.camera.width, height: tracking.camera.height },
    camera: { focalPx: round(tracking.camera.focal, 2), cx: tracking.camera.cx, cy: tracking.camera.cy },
    units: EXPORT_UNITS,
    frame: 'camera frame: x right, y down, z forward; p_camera = rotation * p_head + translationMm (p_head in mm, head frame as in params.json)',
    identityFrames: tracking.person.views.map((v) => v.name),
    expressionNames: names,
    modelExpressionNames: model.expressionNames,
    timingsMs: Object.fromEntries(Object.entries(tracking.timings).map(([k, v]) => [k, Math.round(v)])),
    perFrame: rows.map((r) => (r.tracked ? { ...r, expression: Object.fromEntries(names.map((n, k) => [n, r.expression![k]])) } : r)),
  }, null, 2)}\n`;
  const header = [...TRACKING_CSV_COLUMNS, ...names].join(',');
  const lines = rows.map((r) => [
    r.frame, r.timeS, r.tracked ? 1 : 0,
    ...(r.tracked ? [r.yawDeg, r.pitchDeg, r.rollDeg, ...r.translationMm!, r.landmarkErrorPx, ...r.expression!] : Array(7 + names.length).fill('')),
  ].join(','));
  files['tracking.csv'] = `${header}\n${lines.join('\n')}\n`;
  if (chosen.has('overlay.png')) files['overlay-strip.png'] = await encodePng(overlayStrip(model, tracking));
  return files;
}

interface FrameRecord {
  frame: number;
  timeS: number;
  tracked: boolean;
  yawDeg?: number;
  pitchDeg?: number;
  rollDeg?: number;
  rotation?: number[];
  translationMm?: number[];
  landmarkErrorPx?: number;
  expression?: number[];
}

function frameRecord(f: TrackedFrame, mm: number): FrameRecord {
  const record: FrameRecord = { frame: f.index, timeS: round(f.timeMs / 1000, 4), tracked: Boolean(f.pose) };
  if (!f.pose || !f.expression) return record;
  const a = poseAngles(f.pose.rotation);
  return {
    ...record, yawDeg: round(a.yaw, 2), pitchDeg: round(a.pitch, 2), rollDeg: round(a.roll, 2),
    rotation: Array.from(f.pose.rotation, (v) => round(v, 6)), translationMm: Array.from(f.pose.translation, (v) => round(v * mm, 2)),
    landmarkErrorPx: round(f.residualPx!, 2), expression: Array.from(f.expression, (v) => round(v, 4)),
  };
}

/** The tracked frames as head.glb's clip: morph weights and the head's pose in the camera's view, a keyframe per tracked frame. */
function performance(tracking: SequenceTracking, mm: number): ExpressionClip | undefined {
  const done = tracking.frames.filter((f) => f.pose && f.expression);
  if (done.length === 0) return undefined;
  const poses = done.map((f) => animationPose(f.pose!.rotation, Array.from(f.pose!.translation, (v) => v * mm)));
  const { camera } = tracking;
  return {
    name: 'performance',
    times: done.map((f) => (f.timeMs - done[0].timeMs) / 1000),
    weights: done.map((f) => f.expression!),
    pose: { rotations: poses.map((p) => p.rotation), translationsMm: poses.map((p) => p.translation) },
    camera: { yfov: 2 * Math.atan(camera.height / 2 / camera.focal), aspectRatio: camera.width / camera.height },
  };
}

/** The strip's frames side by side, each with its fitted head over it, scaled to STRIP_HEIGHT at most. */
function overlayStrip(model: MorphableModel, tracking: SequenceTracking): RgbImage {
  const identity = new Float32Array(model.identityCount);
  identity.set(tracking.person.identity.subarray(0, identity.length));
  const tiles = tracking.pictures.map(({ index, image }) => {
    const f = tracking.frames[index];
    const drawn = f.pose && f.expression
      ? overlayFaces(image, model, [{ positions: instantiate(model, { identity, expression: f.expression }), pose: f.pose }], tracking.camera)
      : image;
    const scale = Math.min(1, STRIP_HEIGHT / image.height);
    return resampleWindow(rgb(drawn), 0, 0, scale, Math.round(image.width * scale), Math.round(image.height * scale));
  });
  const gap = 4;
  const width = tiles.reduce((s, t) => s + t.width, 0) + gap * (tiles.length - 1);
  const height = Math.max(...tiles.map((t) => t.height));
  const data = new Uint8Array(3 * width * height).fill(255);
  let x0 = 0;
  for (const t of tiles) {
    for (let y = 0; y < t.height; y++) data.set(t.data.subarray(3 * y * t.width, 3 * (y + 1) * t.width), 3 * (y * width + x0));
    x0 += t.width + gap;
  }
  return { width, height, data };
}

function rgb(image: RgbImage | RgbaImage): RgbImage {
  if (image.data.length === 3 * image.width * image.height) return image as RgbImage;
  const n = image.width * image.height, data = new Uint8Array(3 * n);
  for (let p = 0; p < n; p++) for (let c = 0; c < 3; c++) data[3 * p + c] = image.data[4 * p + c];
  return { width: image.width, height: image.height, data };
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;
