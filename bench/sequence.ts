/**
 * The sequence benchmark (video tracking, issue 12):
 *
 * 1. Synthetic: one person rendered FRAMES times (bench/synthetic/face-picture.ts, the same seed and
 *    picture index, so the same identity, pose, camera, light and background), head still, the
 *    expression changing along a known script; tracked with trackSequence as the command line does.
 *    Scored per frame against the truth: vertex jitter (the fitted face's frame-to-frame motion minus
 *    the true motion, mean over the face's vertices, mm per frame), the expression weights' mean
 *    absolute error, and tracking frames per second per core after the first frame (process CPU over
 *    the landmarks and the pose and expression solve of frames 1 to N-1). The same landmarks and
 *    identity are fitted again without the temporal term, to show what it does.
 * 2. Real: a clip made from a sample photo with a small camera motion (pan, zoom, rotation), encoded by
 *    ffmpeg, through the command line; its overlay-strip.png is left in bench/out to be looked at, and
 *    the landmark error per frame is reported.
 *
 *   npm run bench -- --sequence-only          # or BENCH_ONLY=sequence
 *   BENCH_SEED=1 BENCH_SEQUENCE_INDEX=3 BENCH_SEQUENCE_FRAMES=120 npm run bench -- --sequence-only
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { MorphableModel } from '../src/model/types.js';
import type { RgbImage } from '../src/base/image.js';
import type { HeadPose } from '../src/base/camera.js';
import type { FaceDetector } from '../src/perception/index.js';
import { instantiate } from '../src/model/instance.js';
import { reconstructorFrom } from '../src/pipeline/reconstructor.js';
import { trackFrames } from '../src/fit/track-frames.js';
import { mediapipeLandmarkModel } from '../src/correspondence/landmark-model.js';
import { clipFrames, SEQUENCE_TEMPORAL_DEFAULTS, type SequenceFrame, type SequenceOptions, type SequenceTracking } from '../src/pipeline/track-sequence.js';
import { albedoLayout } from './synthetic/albedo.js';
import { faceSequenceRenderer } from './synthetic/face-picture.js';

export interface SequenceBenchOptions {
  model: MorphableModel;
  detector: FaceDetector;
  seed: number;
  /** The picture of the set whose person, pose and scene the sequence shows. */
  index: number;
  frames: number;
  fps: number;
  /** Where the real clip's folder goes. */
  outDir: string;
  /** The command line (src/cli/main.ts) for the real clip; the sample photo it is made from. */
  cli: string;
  photo: string;
  /** Run the real clip (default true). */
  real?: boolean;
  progress?: (line: string) => void;
}

/** A smooth 0 -> 1 -> 0 over [a, b] seconds (sin^2), 0 outside. */
const bump = (t: number, a: number, b: number) => (t <= a || t >= b ? 0 : Math.sin((Math.PI * (t - a)) / (b - a)) ** 2);

/** The expression script: weights by ICT name at time t (seconds) of a 4 s performance, repeated beyond. */
export function scriptedExpression(t: number): Record<string, number> {
  const s = t % 4;
  const smile = 0.6 * bump(s, 1.1, 2.6), brows = 0.5 * bump(s, 2.1, 3.4), blink = bump(s, 3.0, 3.3);
  return {
    jawOpen: 0.35 * bump(s, 0.2, 1.5), mouthSmile_L: smile, mouthSmile_R: smile, browInnerUp_L: brows, browInnerUp_R: brows,
    eyeBlink_L: blink, eyeBlink_R: blink, mouthFunnel: 0.4 * bump(s, 3.2, 4),
  };
}

interface SequenceScores {
  jitterMm: number;
  fittedMotionMm: number;
  trueMotionMm: number;
  expressionMae: number;
  scriptedMae: number;
  tracked: number;
}

/**
 * Scores fitted frames against the truth: per frame t >= 1 the fitted face vertices' motion from
 * frame t-1 minus the true motion (camera frame, mm; mean length over the narrow face), and the
 * expression weights' mean absolute error (all 53, and the scripted ones alone).
 */
function score(
  model: MorphableModel, identity: Float32Array, fitted: ({ pose: HeadPose; expression: Float32Array } | undefined)[],
  truth: { positions: Float32Array; pose: HeadPose; expression: Float32Array }[],
): SequenceScores {
  const mm = model.unitsToMillimetres, face = model.regions.narrowFace;
  const full = new Float32Array(model.identityCount);
  full.set(identity.subarray(0, full.length));
  const place = (positions: Float32Array, pose: HeadPose) => {
    const out = new Float64Array(3 * face.length);
    const R = pose.rotation, t = pose.translation;
    face.forEach((v, j) => {
      const x = positions[3 * v], y = positions[3 * v + 1], z = positions[3 * v + 2];
      for (let r = 0; r < 3; r++) out[3 * j + r] = mm * (R[3 * r] * x + R[3 * r + 1] * y + R[3 * r + 2] * z + t[r]);
    });
    return out;
  };
  const scripted = new Set(Object.keys(scriptedExpression(0)).map((n) => model.expressionNames.indexOf(n)));
  let jitter = 0, fittedMotion = 0, trueMotion = 0, steps = 0, err = 0, errScripted = 0, tracked = 0;
  let before: { fit: Float64Array; truth: Float64Array } | undefined;
  fitted.forEach((f, i) => {
    if (!f) { before = undefined; return; }
    tracked++;
    const K = f.expression.length;
    for (let k = 0; k < K; k++) {
      const e = Math.abs(f.expression[k] - truth[i].expression[k]);
      err += e / K;
      if (scripted.has(k)) errScripted += e / scripted.size;
    }
    const now = { fit: place(instantiate(model, { identity: full, expression: f.expression }), f.pose), truth: place(truth[i].positions, truth[i].pose) };
    if (before) {
      let d = 0, a = 0, b = 0;
      for (let j = 0; j < face.length; j++) {
        const fx = now.fit[3 * j] - before.fit[3 * j], fy = now.fit[3 * j + 1] - before.fit[3 * j + 1], fz = now.fit[3 * j + 2] - before.fit[3 * j + 2];
        const tx = now.truth[3 * j] - before.truth[3 * j], ty = now.truth[3 * j + 1] - before.truth[3 * j + 1], tz = now.truth[3 * j + 2] - before.truth[3 * j + 2];
        d += Math.hypot(fx - tx, fy - ty, fz - tz); a += Math.hypot(fx, fy, fz); b += Math.hypot(tx, ty, tz);
      }
      jitter += d / face.length; fittedMotion += a / face.length; trueMotion += b / face.length; steps++;
    }
    before = now;
  });
  return {
    jitterMm: jitter / steps, fittedMotionMm: fittedMotion / steps, trueMotionMm: trueMotion / steps,
    expressionMae: err / tracked, scriptedMae: errScripted / tracked, tracked,
  };
}

/**
 * The tracked frames fitted again from their landmarks with the same identity and camera, the
 * temporal term's expected changes scaled (smaller: a stronger pull): the expression's by
 * `scale.expression`, the rotation's and translation's by `scale.pose`; no scale: no term.
 */
function refit(model: MorphableModel, tracking: SequenceTracking, scale?: { expression: number; pose: number }, bidirectional = true) {
  const d = SEQUENCE_TEMPORAL_DEFAULTS;
  const temporal = scale && {
    expression: d.expression * scale.expression, rotationDeg: d.rotationDeg * scale.pose, translation: (d.translationMm * scale.pose) / model.unitsToMillimetres,
  };
  return trackFrames(mediapipeLandmarkModel(model), tracking.person.identity, clipFrames(tracking.frames), tracking.camera,
    { focal: tracking.camera.focal, fit: { ...tracking.person.options.fit }, temporal }, bidirectional)
    .map((f) => f && { pose: f.fit.pose, expression: f.fit.expression });
}

export async function runSequenceBench(o: SequenceBenchOptions): Promise<{ record: Record<string, unknown>; text: string }> {
  const log = o.progress ?? (() => {});
  const { model } = o;
  const layout = albedoLayout(model, 512);
  const pictures: { image: RgbImage; truth: { positions: Float32Array; pose: HeadPose; expression: Float32Array } }[] = [];
  const tRender = performance.now();
  const render = faceSequenceRenderer(model, layout, o.seed, o.index, { width: 480, height: 480, maxYaw: 15, maxTilt: 8, faceWidthPx: [200, 240] });
  // The rendered frames are kept in bench/out and reused by the next run of the same sequence.
  const cache = join(o.outDir, `sequence-frames-${o.seed}-${o.index}-${o.frames}.rgb`);
  const cached = await readFile(cache).catch(() => undefined);
  const size = 3 * 480 * 480;
  for (let i = 0; i < o.frames; i++) {
    const script = scriptedExpression(i / o.fps);
    const pic = render(script, !cached);
    const image = cached ? { width: 480, height: 480, data: new Uint8Array(cached.subarray(i * size, (i + 1) * size)) } : pic.image;
    const expression = new Float32Array(model.expressionNames.length);
    for (const [name, w] of Object.entries(script)) expression[model.expressionNames.indexOf(name)] = w;
    pictures.push({ image, truth: { positions: pic.positions, pose: { rotation: pic.rotation, translation: pic.translation }, expression } });
    if (i % 20 === 0) log(`sequence: ${cached ? 'truth of' : 'rendered'} ${i + 1}/${o.frames}`);
  }
  await mkdir(o.outDir, { recursive: true });
  if (!cached) await writeFile(cache, Buffer.concat(pictures.map((p) => p.image.data)));
  const renderMs = performance.now() - tRender;
  await sharp(Buffer.from(pictures[Math.floor(o.frames / 3)].image.data), { raw: { width: 480, height: 480, channels: 3 } }).png().toFile(join(o.outDir, 'sequence-synthetic-frame.png'));

  const recon = reconstructorFrom({ model, detector: o.detector });
  async function* frames(): AsyncGenerator<SequenceFrame> {
    for (const [i, p] of pictures.entries()) yield { image: p.image, timeMs: (1000 * i) / o.fps };
  }
  // Process CPU of frames 1 .. N-1 in each pass (the first frame's detection and warm-up excluded).
  const cpu: Record<string, number[]> = { landmarks: [], tracking: [] };
  const options: SequenceOptions = {};
  const tracking = await recon.trackSequence(frames(), options, (pass, done) => {
    if (done === 1 || done === o.frames) cpu[pass].push(cpuMs());
  });
  const steady = o.frames - 1;
  const cpuLandmarks = cpu.landmarks[1] - cpu.landmarks[0], cpuFit = cpu.tracking[1] - cpu.tracking[0];
  const wallLandmarks = tracking.frames.slice(1).reduce((s, f) => s + f.landmarksMs, 0), wallFit = tracking.frames.slice(1).reduce((s, f) => s + f.fitMs, 0);
  const truth = pictures.map((p) => p.truth);
  const withTerm = score(model, tracking.person.identity, tracking.frames.map((f) => (f.pose && f.expression ? { pose: f.pose, expression: f.expression } : undefined)), truth);
  const withoutTerm = score(model, tracking.person.identity, refit(model, tracking), truth);
  const forwardOnly = score(model, tracking.person.identity, refit(model, tracking, { expression: 1, pose: 1 }, false), truth);
  const scales = (process.env.BENCH_SEQUENCE_SWEEP ?? '0.5:1,2:2').split(',').map((t) => { const [e, p] = t.split(':').map(Number); return { expression: e, pose: p }; });
  const sweep = scales.map((scale) => ({ scale, scores: score(model, tracking.person.identity, refit(model, tracking, scale), truth) }));
  const perCore = (1000 * steady) / (cpuLandmarks + cpuFit);

  // The real clip: a sample photo under a small camera motion, through the command line.
  const real = o.real === false ? undefined : await realClip(o, log);

  const f2 = (x: number) => x.toFixed(2), f3 = (x: number) => x.toFixed(3);
  const text = [
    `synthetic sequence: seed ${o.seed} picture ${o.index}, ${o.frames} frames at ${o.fps} fps, head still, expression scripted (jaw, smile, brows, blink, funnel); `
      + `${withTerm.tracked} tracked; identity from ${tracking.person.views.length} frames (${(tracking.timings.identity / 1000).toFixed(1)} s)`,
    '| tracking | vertex jitter (mm/frame) | fitted motion | true motion | expression MAE (53) | scripted MAE (8) |',
    '|---|---|---|---|---|---|',
    `| temporal term (default) | ${f3(withTerm.jitterMm)} | ${f3(withTerm.fittedMotionMm)} | ${f3(withTerm.trueMotionMm)} | ${f3(withTerm.expressionMae)} | ${f3(withTerm.scriptedMae)} |`,
    `| the forward pass alone (no backward pass) | ${f3(forwardOnly.jitterMm)} | ${f3(forwardOnly.fittedMotionMm)} | ${f3(forwardOnly.trueMotionMm)} | ${f3(forwardOnly.expressionMae)} | ${f3(forwardOnly.scriptedMae)} |`,
    ...sweep.map(({ scale, scores: r }) => `| expected changes: expression x${scale.expression}, pose x${scale.pose} | ${f3(r.jitterMm)} | ${f3(r.fittedMotionMm)} | ${f3(r.trueMotionMm)} | ${f3(r.expressionMae)} | ${f3(r.scriptedMae)} |`),
    `| without it | ${f3(withoutTerm.jitterMm)} | ${f3(withoutTerm.fittedMotionMm)} | ${f3(withoutTerm.trueMotionMm)} | ${f3(withoutTerm.expressionMae)} | ${f3(withoutTerm.scriptedMae)} |`,
    `speed after the first frame: ${f2(perCore)} frames/s per core (process CPU: landmarks ${f2(cpuLandmarks / steady)} ms + solve ${f2(cpuFit / steady)} ms a frame; `
      + `wall ${f2(wallLandmarks / steady)} + ${f2(wallFit / steady)} ms, ${f2((1000 * steady) / (wallLandmarks + wallFit))} frames/s); rendering took ${(renderMs / 1000).toFixed(0)} s`,
    !real ? 'real clip: not run' : `real clip: ${real.frames} frames of ${real.photo} (pan ±${real.motion.panPx} px, zoom ${real.motion.zoom.join(' -> ')}, rotation ±${real.motion.rotationDeg}°), `
      + `${real.tracked} tracked; landmark error median ${f2(real.medianErrorPx)} px, max ${f2(real.maxErrorPx)} px (face about ${real.facePx} px); CLI ${real.seconds.toFixed(0)} s; `
      + `look at ${real.strip}`,
  ].join('\n');
  return {
    record: {
      synthetic: { seed: o.seed, index: o.index, frames: o.frames, fps: o.fps, withTemporalTerm: withTerm, withoutTemporalTerm: withoutTerm, forwardOnly, sweep,
        framesPerSecondPerCore: perCore, cpuMsPerFrame: { landmarks: cpuLandmarks / steady, solve: cpuFit / steady },
        wallMsPerFrame: { landmarks: wallLandmarks / steady, solve: wallFit / steady }, identityFrames: tracking.person.views.map((v) => v.name) },
      real,
    },
    text,
  };
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** A clip of the sample photo under a small camera motion, encoded by ffmpeg and tracked by the command line. */
async function realClip(o: SequenceBenchOptions, log: (line: string) => void) {
  const frames = 36, size = 320, fps = 12;
  const motion = { panPx: 24, zoom: [1, 1.2], rotationDeg: 6 };
  const dir = join(o.outDir, 'sequence-real');
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'frames'), { recursive: true });
  const meta = await sharp(o.photo).metadata();
  for (let i = 0; i < frames; i++) {
    const phase = (2 * Math.PI * i) / frames;
    const zoom = motion.zoom[0] + ((motion.zoom[1] - motion.zoom[0]) * i) / (frames - 1);
    const angle = motion.rotationDeg * Math.sin(phase);
    // Rotate about the picture's centre, scale, and cut a window around a point above it (the face in the sample portraits), panned sideways.
    const rotated = await sharp(o.photo).rotate(angle, { background: '#808080' }).toBuffer({ resolveWithObject: true });
    const w = Math.round(rotated.info.width * zoom * 0.8), h = Math.round(rotated.info.height * zoom * 0.8);
    const cx = w / 2 + motion.panPx * Math.sin(phase), cy = h / 2 - 0.18 * meta.height! * zoom * 0.8;
    await sharp(rotated.data).resize(w, h).extract({
      left: Math.max(0, Math.min(w - size, Math.round(cx - size / 2))), top: Math.max(0, Math.min(h - size, Math.round(cy - size / 2))), width: size, height: size,
    }).png().toFile(join(dir, 'frames', `f${i}.png`));
  }
  const clip = join(dir, 'clip.mp4');
  await exec('ffmpeg', ['-v', 'error', '-y', '-framerate', String(fps), '-i', join(dir, 'frames', 'f%d.png'), '-pix_fmt', 'yuv420p', '-c:v', 'libx264', clip]);
  log(`sequence: real clip ${clip} through the command line`);
  const out = join(dir, 'out');
  const t0 = performance.now();
  await exec(process.execPath, ['--import', 'tsx', o.cli, clip, '--out', out]);
  const seconds = (performance.now() - t0) / 1000;
  const rows = (await readFile(join(out, 'tracking.csv'), 'utf8')).trim().split('\n').slice(1).map((l) => l.split(','));
  const errors = rows.filter((r) => r[2] === '1').map((r) => Number(r[9])).sort((a, b) => a - b);
  const json = JSON.parse(await readFile(join(out, 'params.json'), 'utf8'));
  await writeFile(join(dir, 'README.txt'), 'frames/: the clip as PNGs; clip.mp4; out/: the command line\'s folder (overlay-strip.png)\n');
  return {
    photo: o.photo.split('/').pop(), frames, fps, motion, tracked: errors.length, seconds,
    medianErrorPx: errors[Math.floor(errors.length / 2)], maxErrorPx: errors[errors.length - 1],
    facePx: Math.round(json.views[0].fit.residualPx / json.views[0].fit.residualNormalised), strip: join(out, 'overlay-strip.png'),
  };
}

function exec(binary: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { maxBuffer: 1 << 26 }, (err, _stdout, stderr) => (err ? reject(new Error(`${binary} failed: ${stderr.trim().split('\n').pop()}`)) : resolve()));
  });
}
