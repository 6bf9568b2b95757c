/**
 * End-to-end benchmark of the photo -> 3D face pipeline on the sample photos (not a test).
 *
 *   npm run bench                      # 3 warm repetitions per image
 *   BENCH_REPS=5 npm run bench         # more repetitions
 *   BENCH_IMAGES=astronaut.png npm run bench
 *
 * The accuracy benchmark (bench/accuracy, synthetic faces with known 3D surface written by
 * `npm run bench:make`) runs after it when its data exist:
 *
 *   npm run bench -- --accuracy-only   # or BENCH_ONLY=accuracy; --photos-only / BENCH_ONLY=photos
 *   npm run bench -- --face-states-only   # or BENCH_ONLY=face-states: mouth/eye states of the annotated samples
 *   npm run bench -- --batch-only         # or BENCH_ONLY=batch: photos/s of `facerecon batch` on 1 and 2 workers (opt-in only; see bench/batch-throughput.ts)
 *   BENCH_SEED=1 BENCH_LIMIT=50 npm run bench   # which set (bench/data/<seed>), how many faces
 *   BENCH_KIND=realistic npm run bench -- --accuracy-only   # the realistic kind (bench/data/realistic-<seed>; realistic-bare: its truth without nuisances)
 *   BENCH_OUT=/tmp/acc npm run bench -- --accuracy-only     # where accuracy.json and the charts go (default bench/out)
 *   BENCH_METHODS=landmark-fit,photometric BENCH_FLOOR=0 npm run bench -- --accuracy-only   # some methods, no model floor (faster)
 *   (the methods photometric, + mid and + high also get the fine-detail scores on sets with true fine detail, see bench/metrics/fine-detail.ts)
 *   BENCH_PERSONS=100 npm run bench -- --multi-view-only   # several photos of one person (bench/multi-view.ts); BENCH_SEED, BENCH_KIND as above; BENCH_FIRST_PERSON splits a run
 *   npm run bench -- --wrinkle-photos-only   # the same from rendered photos through the whole pipeline (bench/wrinkle-photos.ts): BENCH_WRINKLE_PAIRS (default 20) pairs, B re-synthesised from photo A's recovered detail vs that detail carried over, in the same UV and registered through picture A, per fold region
 *   npm run bench -- --wrinkle-only       # expression wrinkles (bench/wrinkle.ts): BENCH_WRINKLE_PAIRS (default 100) synthetic pairs, re-synthesised detail of B from A's true detail vs A's carried over; BENCH_WRINKLE_SIZE (grid, default 256)
 *   npm run bench -- --sequence-only      # video tracking: a synthetic 120-frame sequence and a real clip (bench/sequence.ts); BENCH_SEED, BENCH_SEQUENCE_INDEX, BENCH_SEQUENCE_FRAMES, BENCH_SEQUENCE_REAL=0 (synthetic only)
 *
 * Opt-in: the HTTP service's throughput and latency under a bounded load on 127.0.0.1 (bench/service.ts):
 *
 *   npm run bench -- --service         # after the other sections; --service-only or BENCH_ONLY=service alone
 *   BENCH_SERVICE_JOBS=2 BENCH_SERVICE_CLIENTS=4 BENCH_SERVICE_REQUESTS=20 BENCH_SERVICE_IMAGES=astronaut.png,grace_hopper.jpg
 *   BENCH_SERVICE_QUERY=landmarks-only=1   # query string of every post
 *
 * Opt-in: the web app in headless Chromium against the command line on one photo, and live mode's frame rate (bench/web.ts):
 *
 *   npm run bench -- --web-only        # or --web after the others; BENCH_WEB_IMAGE (default astronaut.png)
 *   BENCH_WEB_WEBGPU=1                 # also one run with the page on WebGPU (?backend=webgpu; minutes on SwiftShader)
 *
 * Cold = first time in this process (model load, network set-up, first run of each image, which
 * also warms the TensorFlow.js kernels and the JIT). Warm = the median of BENCH_REPS further runs,
 * each metric's median taken separately. Prints a table and writes bench/out/results.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mediapipeLandmarkModel } from '../src/correspondence/landmark-model.js';
import { readImage } from '../src/io/read-image.js';
import { encodeJpeg, encodePng } from '../src/io/write-image.js';
import { loadIctModel } from '../src/model/node/load-ict.js';
import { createFaceDetector } from '../src/perception/index.js';
import { nodeDetectorSetup, nodeModelLoader } from '../src/perception/node-model-loader.js';
import { buildImageOutputs } from '../src/pipeline/outputs.js';
import { reconstructImage, type ReconstructContext } from '../src/pipeline/reconstruct.js';
import { existsSync } from 'node:fs';
import { datasetDir } from './accuracy/dataset.js';
import { METHODS } from './accuracy/methods.js';
import { runAccuracyBench } from './accuracy/run.js';
import { runFaceStatesBench } from './face-states.js';
import { runMultiViewBench } from './multi-view.js';
import { batchThroughputTable, faceSplitTable, runBatchThroughputBench, runFaceSplitBench } from './batch-throughput.js';
import { runServiceBench } from './service.js';
import { runWebBench } from './web.js';
import { runSequenceBench } from './sequence.js';
import { wrinklePairs, wrinkleTable } from './wrinkle.js';
import { wrinklePhotoPairs, wrinklePhotoTable } from './wrinkle-photos.js';
import { PICTURE_KINDS, type PictureKind } from './synthetic/face-picture.js';
import { faceQuality, type FaceQuality } from './photometric-quality.js';
import { createFaceEmbedder } from '../src/identity/index.js';
import type { RgbImage } from '../src/base/image.js';
import type { ImageReconstruction } from '../src/pipeline/reconstruct.js';

/** Per image: skin error of the fitted appearance and identity similarity, landmark fit -> photometric refinement. */
function qualityTable(qualities: { image: string; faces: FaceQuality[] }[]): string {
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const lines = ['photometric refinement (cold run; landmark fit -> refined; both textured and lit by the same appearance solve):',
    `${'image'.padEnd(18)} faces  skin error (8-bit)    identity similarity (faceres cosine)`];
  const all = qualities.flatMap((q) => q.faces);
  for (const q of [...qualities, { image: 'ALL FACES', faces: all }]) {
    const f = q.faces;
    if (!f.length) { lines.push(`${q.image.padEnd(18)} ${'0'.padStart(5)}`); continue; }
    lines.push(`${q.image.padEnd(18)} ${String(f.length).padStart(5)}  ${avg(f.map((x) => x.skinErrorLandmarkFit)).toFixed(2).padStart(6)} -> ${avg(f.map((x) => x.skinErrorRefined)).toFixed(2).padEnd(6)}      ${avg(f.map((x) => x.identityLandmarkFit)).toFixed(3)} -> ${avg(f.map((x) => x.identityRefined)).toFixed(3)}`);
  }
  return lines.join('\n');
}

const here = dirname(fileURLToPath(import.meta.url));
const imagesDir = resolve(process.env.BENCH_IMAGES_DIR ?? join(here, '..', '..', 'shared', 'images'));
const imageNames = (process.env.BENCH_IMAGES ?? 'astronaut.png,grace_hopper.jpg,group1.jpg,group2.jpg,group3.jpg,group4.jpg')
  .split(',').map((s) => s.trim()).filter(Boolean);
const reps = Math.max(1, Number(process.env.BENCH_REPS ?? 3));
const outFile = join(here, 'out', 'results.json');
const only = process.argv.includes('--accuracy-only') ? 'accuracy' : process.argv.includes('--photos-only') ? 'photos'
  : process.argv.includes('--face-states-only') ? 'face-states' : process.argv.includes('--multi-view-only') ? 'multi-view'
  : process.argv.includes('--batch-only') ? 'batch' : process.argv.includes('--service-only') ? 'service'
  : process.argv.includes('--web-only') ? 'web' : process.argv.includes('--sequence-only') ? 'sequence'
  : process.argv.includes('--wrinkle-only') ? 'wrinkle' : process.argv.includes('--wrinkle-photos-only') ? 'wrinkle-photos' : process.env.BENCH_ONLY;
const accuracySeed = Number(process.env.BENCH_SEED ?? 1);
const accuracyLimit = process.env.BENCH_LIMIT ? Number(process.env.BENCH_LIMIT) : undefined;
const accuracyKind = (process.env.BENCH_KIND ?? 'clean') as PictureKind;
if (!PICTURE_KINDS.includes(accuracyKind)) throw new Error(`BENCH_KIND must be one of ${PICTURE_KINDS.join(', ')}`);
const accuracyMethods = process.env.BENCH_METHODS?.split(',').map((s) => s.trim()).filter(Boolean).map((name) => {
  const m = METHODS.find((x) => x.name === name);
  if (!m) throw new Error(`BENCH_METHODS: unknown method ${name}; the methods are ${METHODS.map((x) => x.name).join(', ')}`);
  return m;
});
const accuracyFloor = process.env.BENCH_FLOOR !== '0';

/** The stages of one face, in pipeline order: [row label, how to read it from a warm run (ms per face)]. */
interface StageRun {
  faces: number;
  detectionMs: number;
  landmarksMs: number;
  fitMsPerFace: number[];
  skinMsPerFace: number[];
  photometricMsPerFace: number[];
  exportMs: number;
  outputStagesPerFace: Record<string, number>[];
}
const perFace = (total: number, r: StageRun) => total / Math.max(1, r.faces);
const meanOver = (xs: number[]) => xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
const outputStage = (key: string) => (r: StageRun) => meanOver(r.outputStagesPerFace.map((t) => t[key] ?? 0));
const STAGES: [string, (r: StageRun) => number][] = [
  ['detection', (r) => perFace(r.detectionMs, r)],
  ['landmarks', (r) => perFace(r.landmarksMs, r)],
  ['landmark fit', (r) => meanOver(r.fitMsPerFace)],
  ['det+lmk+fit', (r) => perFace(r.detectionMs + r.landmarksMs + r.fitMsPerFace.reduce((a, b) => a + b, 0), r)],
  ['skin mask', (r) => meanOver(r.skinMsPerFace)],
  ['photometric', (r) => meanOver(r.photometricMsPerFace)],
  ['outputs (all files)', (r) => perFace(r.exportMs, r)],
  ['  overlay.png', (r) => perFace(r.exportMs - r.outputStagesPerFace.reduce((a, t) => a + (t.export ?? 0), 0), r)],
  ['  albedo completion', outputStage('albedo')],
  ['  eye texture', outputStage('eyeTexture')],
  ['  face views', outputStage('views')],
  ['  compare picture', outputStage('compare')],
  ['  skin.png picture', outputStage('skinPicture')],
  ['  identity embedding', outputStage('identity')],
  ['  render.png', outputStage('render')],
  ['  GLB', outputStage('glb')],
  ['  OBJ + MTL', outputStage('obj')],
  ['  PLY', outputStage('ply')],
  ['  PNG encodes', outputStage('pngEncode')],
  ['  JPEG encode', outputStage('jpegEncode')],
];

/** Per-stage milliseconds per face: median over the warm runs, per image and averaged over the images with faces. */
function stageTable(images: { image: string; runs: StageRun[] }[], modelLoadMs: number): { text: string; perImage: Record<string, Record<string, number>> } {
  const median = (xs: number[]) => { const s = xs.filter(Number.isFinite).sort((a, b) => a - b); const m = s.length >> 1; return s.length ? (s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2) : NaN; };
  const withFaces = images.filter((i) => i.runs.some((r) => r.faces > 0));
  const perImage: Record<string, Record<string, number>> = {};
  for (const { image, runs } of withFaces) perImage[image] = Object.fromEntries(STAGES.map(([name, read]) => [name.trim(), median(runs.map(read))]));
  const columns = [...withFaces.map((i) => i.image.replace(/\.\w+$/, '')), 'MEAN'];
  const width = Math.max(8, ...columns.map((c) => c.length));
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '-').padStart(width);
  const lines = [
    `per-stage time per face (ms, median of the warm runs; image-level stages divided by the faces found; model cache load ${modelLoadMs.toFixed(0)} ms once per process):`,
    `${'stage'.padEnd(22)}${columns.map((c) => c.padStart(width + 2)).join('')}`,
  ];
  for (const [name] of STAGES) {
    const values = withFaces.map((i) => perImage[i.image][name.trim()]);
    lines.push(`${name.padEnd(22)}${[...values, meanOver(values.filter(Number.isFinite))].map((v) => `  ${f(v)}`).join('')}`);
  }
  return { text: lines.join('\n'), perImage };
}

async function runPhotoBench(): Promise<void> {
  // ---- memory sampling -------------------------------------------------------------------
  let peakRss = process.memoryUsage().rss;
  const sampleRss = () => { peakRss = Math.max(peakRss, process.memoryUsage().rss); };
  const rssTimer = setInterval(sampleRss, 20);
  rssTimer.unref();

  // ---- helpers -----------------------------------------------------------------------------
  function median(xs: number[]): number {
    if (xs.length === 0) return NaN;
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  }
  function mean(xs: number[]): number {
    return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
  }
  async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
    const t0 = performance.now();
    const value = await fn();
    const ms = performance.now() - t0;
    sampleRss();
    return [value, ms];
  }

  interface RunSample {
    decodeMs: number;
    faces: number;
    detectionMs: number;
    detectorRuns: number;
    landmarksMs: number;
    /** reconstructImage's own perception time (detect call wall clock). */
    perceptionMs: number;
    fitMsPerFace: number[];
    skinMsPerFace: number[];
    photometricMsPerFace: number[];
    exportMs: number;
    /** Per face: the output stages' milliseconds as params.json records them (timingsMs). */
    outputStagesPerFace: Record<string, number>[];
    residualPx: number[];
    residualPct: number[];
    faceSizes: number[];
  }

  interface ImageResult {
    image: string;
    width: number;
    height: number;
    cold: RunSample;
    warmRuns: RunSample[];
    warm: {
      faces: number;
      decodeMs: number;
      detectionMs: number;
      detectorRuns: number;
      landmarksMsTotal: number;
      landmarksMsPerFace: number;
      fitMsPerFaceMedian: number;
      fitMsTotal: number;
      skinMsPerFaceMedian: number;
      photometricMsPerFaceMedian: number;
      /** (detection + landmarks + all fits) / faces. */
      perceptionPlusFitMsPerFace: number;
      exportMs: number;
      exportMsPerFace: number;
      meanResidualPx: number;
      meanResidualPct: number;
      meanFaceSizePx: number;
    };
  }

  // ---- setup (cold) ------------------------------------------------------------------------
  const wallStart = performance.now();
  const [loaded, modelLoadWallMs] = await timed(() => loadIctModel({ progress: false }));
  const { model } = loaded;
  const [detector, networkSetupMs] = await timed(() => createFaceDetector(nodeDetectorSetup()));
  const landmarkModelStart = performance.now();
  const landmarks = mediapipeLandmarkModel(model);
  const landmarkModelMs = performance.now() - landmarkModelStart;
  const ctx: ReconstructContext = { model, landmarks, detector };

  async function runOnce(path: string): Promise<{ sample: RunSample; width: number; height: number; image: RgbImage; result: ImageReconstruction }> {
    const [decoded, decodeMs] = await timed(() => readImage(path));
    const { image } = decoded;
    const [result] = await timed(() => reconstructImage(ctx, image));
    const t = detector.lastTimings;
    if (!t) throw new Error('detector reported no timings');
    const [files, exportMs] = await timed(() => buildImageOutputs(model, image, result, encodePng, {}, { encodeJpeg, embedder }));
    const faces = result.faces;
    const outputStagesPerFace = faces.map((_, k) => JSON.parse(files[`face${k}/params.json`] as string).timingsMs as Record<string, number>);
    return {
      width: image.width,
      height: image.height,
      image,
      result,
      sample: {
        decodeMs,
        faces: faces.length,
        detectionMs: t.detectionMs,
        detectorRuns: t.detectorRuns,
        landmarksMs: t.landmarksMs,
        perceptionMs: result.timings.perception,
        fitMsPerFace: faces.map((f) => f.timings.fit),
        skinMsPerFace: faces.map((f) => f.timings.skin ?? NaN),
        photometricMsPerFace: faces.map((f) => f.timings.photometric ?? NaN),
        exportMs,
        outputStagesPerFace,
        residualPx: faces.map((f) => f.fit.residualPx),
        residualPct: faces.map((f) => 100 * f.fit.residualNormalised),
        faceSizes: faces.map((f) => f.fit.faceSize),
      },
    };
  }

  const results: ImageResult[] = [];
  const qualities: { image: string; faces: FaceQuality[] }[] = [];
  const embedder = await createFaceEmbedder(nodeModelLoader());
  for (const name of imageNames) {
    const path = join(imagesDir, name);
    process.stderr.write(`bench: ${name} (1 cold + ${reps} warm)...\n`);
    const first = await runOnce(path);
    const quality: FaceQuality[] = [];
    for (const face of first.result.faces) quality.push(await faceQuality(model, landmarks, first.image, face, embedder));
    qualities.push({ image: name, faces: quality });
    const warmRuns: RunSample[] = [];
    for (let r = 0; r < reps; r++) warmRuns.push((await runOnce(path)).sample);
    const facesCounts = new Set(warmRuns.map((s) => s.faces));
    if (facesCounts.size > 1) process.stderr.write(`bench: warning: ${name} face count varies across runs: ${[...facesCounts].join(', ')}\n`);
    const faces = median(warmRuns.map((s) => s.faces));
    const med = (f: (s: RunSample) => number) => median(warmRuns.map(f));
    const fitTotal = med((s) => s.fitMsPerFace.reduce((a, b) => a + b, 0));
    const detectionMs = med((s) => s.detectionMs);
    const landmarksMsTotal = med((s) => s.landmarksMs);
    const exportMs = med((s) => s.exportMs);
    // Accuracy is deterministic per run; take the last warm run's faces.
    const last = warmRuns[warmRuns.length - 1];
    results.push({
      image: name,
      width: first.width,
      height: first.height,
      cold: first.sample,
      warmRuns,
      warm: {
        faces,
        decodeMs: med((s) => s.decodeMs),
        detectionMs,
        detectorRuns: med((s) => s.detectorRuns),
        landmarksMsTotal,
        landmarksMsPerFace: faces ? med((s) => s.landmarksMs / Math.max(1, s.faces)) : NaN,
        fitMsPerFaceMedian: faces ? med((s) => median(s.fitMsPerFace)) : NaN,
        fitMsTotal: fitTotal,
        skinMsPerFaceMedian: faces ? med((s) => median(s.skinMsPerFace)) : NaN,
        photometricMsPerFaceMedian: faces ? med((s) => median(s.photometricMsPerFace)) : NaN,
        perceptionPlusFitMsPerFace: faces ? med((s) => (s.detectionMs + s.landmarksMs + s.fitMsPerFace.reduce((a, b) => a + b, 0)) / Math.max(1, s.faces)) : NaN,
        exportMs,
        exportMsPerFace: faces ? med((s) => s.exportMs / Math.max(1, s.faces)) : NaN,
        meanResidualPx: mean(last.residualPx),
        meanResidualPct: mean(last.residualPct),
        meanFaceSizePx: mean(last.faceSizes),
      },
    });
  }
  const totalWallMs = performance.now() - wallStart;
  sampleRss();
  detector.dispose();

  // ---- overall -----------------------------------------------------------------------------
  const allFaces = results.flatMap((r) => r.warm.faces > 0 ? [r] : []);
  const lastRuns = results.map((r) => r.warmRuns[r.warmRuns.length - 1]);
  const overall = {
    images: results.length,
    faces: results.reduce((a, r) => a + r.warm.faces, 0),
    meanOverImages: {
      decodeMs: mean(results.map((r) => r.warm.decodeMs)),
      detectionMs: mean(results.map((r) => r.warm.detectionMs)),
      landmarksMsTotal: mean(results.map((r) => r.warm.landmarksMsTotal)),
      exportMs: mean(results.map((r) => r.warm.exportMs)),
    },
    meanOverImagesWithFaces: {
      landmarksMsPerFace: mean(allFaces.map((r) => r.warm.landmarksMsPerFace)),
      fitMsPerFace: mean(allFaces.map((r) => r.warm.fitMsPerFaceMedian)),
      skinMsPerFace: mean(allFaces.map((r) => r.warm.skinMsPerFaceMedian)),
      photometricMsPerFace: mean(allFaces.map((r) => r.warm.photometricMsPerFaceMedian)),
      perceptionPlusFitMsPerFace: mean(allFaces.map((r) => r.warm.perceptionPlusFitMsPerFace)),
      exportMsPerFace: mean(allFaces.map((r) => r.warm.exportMsPerFace)),
      residualPx: mean(allFaces.map((r) => r.warm.meanResidualPx)),
      residualPct: mean(allFaces.map((r) => r.warm.meanResidualPct)),
    },
    meanOverAllFaces: {
      residualPx: mean(lastRuns.flatMap((s) => s.residualPx)),
      residualPct: mean(lastRuns.flatMap((s) => s.residualPct)),
      /** Warm median fit per face, pooled over every face of every image (last warm run). */
      fitMs: mean(lastRuns.flatMap((s) => s.fitMsPerFace)),
    },
  };

  const cpus = os.cpus();
  const machine = {
    cpuModel: cpus[0]?.model ?? 'unknown',
    logicalCpus: cpus.length,
    availableParallelism: os.availableParallelism?.() ?? cpus.length,
    totalMemGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    tfBackend: detector.backend,
  };

  // ---- table -------------------------------------------------------------------------------
  const f1 = (x: number) => Number.isFinite(x) ? x.toFixed(1) : '-';
  const f2 = (x: number) => Number.isFinite(x) ? x.toFixed(2) : '-';
  const header = ['image', 'size', 'faces', 'decode', 'detect', 'lmk/face', 'fit/face', 'det+lmk+fit/face', 'skin/face', 'photo/face', 'export', 'exp/face', 'err px', 'err %', 'cold det+lmk+fit'];
  const rows: string[][] = results.map((r) => [
    r.image,
    `${r.width}x${r.height}`,
    String(r.warm.faces),
    f1(r.warm.decodeMs),
    `${f1(r.warm.detectionMs)} (${r.warm.detectorRuns} runs)`,
    f1(r.warm.landmarksMsPerFace),
    f1(r.warm.fitMsPerFaceMedian),
    f1(r.warm.perceptionPlusFitMsPerFace),
    f1(r.warm.skinMsPerFaceMedian),
    f1(r.warm.photometricMsPerFaceMedian),
    f1(r.warm.exportMs),
    f1(r.warm.exportMsPerFace),
    f2(r.warm.meanResidualPx),
    f2(r.warm.meanResidualPct),
    f1(r.cold.detectionMs + r.cold.landmarksMs + r.cold.fitMsPerFace.reduce((a, b) => a + b, 0)),
  ]);
  const o = overall;
  rows.push([
    'MEAN', '', `${o.faces} tot`,
    f1(o.meanOverImages.decodeMs),
    f1(o.meanOverImages.detectionMs),
    f1(o.meanOverImagesWithFaces.landmarksMsPerFace),
    f1(o.meanOverImagesWithFaces.fitMsPerFace),
    f1(o.meanOverImagesWithFaces.perceptionPlusFitMsPerFace),
    f1(o.meanOverImagesWithFaces.skinMsPerFace),
    f1(o.meanOverImagesWithFaces.photometricMsPerFace),
    f1(o.meanOverImages.exportMs),
    f1(o.meanOverImagesWithFaces.exportMsPerFace),
    f2(o.meanOverImagesWithFaces.residualPx),
    f2(o.meanOverImagesWithFaces.residualPct),
    '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');

  console.log(`facerecon bench — ${new Date().toISOString()}`);
  console.log(`machine: ${machine.cpuModel}, ${machine.logicalCpus} logical CPUs, ${machine.totalMemGiB} GiB, ${machine.platform}, Node ${machine.node}, tfjs backend ${machine.tfBackend}`);
  console.log(`cold (once per process): model load ${f1(modelLoadWallMs)} ms (how: ${loaded.how}, loader's own ${f1(loaded.milliseconds)} ms); network set-up ${f1(networkSetupMs)} ms; landmark model ${f1(landmarkModelMs)} ms`);
  console.log(`warm: median of ${reps} runs after 1 cold run per image; times in ms. lmk/face = landmark stage / faces; fit/face = median over faces;`);
  console.log(`      det+lmk+fit/face = (detection + landmarks + all fits) / faces; export = buildImageOutputs (every file, in memory, and the identity embedding);`);
  console.log(`      err = mean landmark reprojection error per face (px, and % of face size); MEAN err/fit/lmk rows average images with faces.`);
  console.log('');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows.slice(0, -1)) console.log(line(r));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  console.log(line(rows[rows.length - 1]));
  console.log('');
  console.log(`pooled over all ${o.faces} faces: mean err ${f2(o.meanOverAllFaces.residualPx)} px = ${f2(o.meanOverAllFaces.residualPct)}% of face size; mean fit ${f1(o.meanOverAllFaces.fitMs)} ms/face`);
  console.log('');
  console.log(qualityTable(qualities));
  console.log('');
  const stages = stageTable(results.map((r) => ({ image: r.image, runs: r.warmRuns })), modelLoadWallMs);
  console.log(stages.text);
  console.log(`peak RSS: ${(peakRss / 2 ** 20).toFixed(0)} MiB (sampled every 20 ms and after each stage); total wall time ${(totalWallMs / 1000).toFixed(1)} s`);

  // ---- JSON --------------------------------------------------------------------------------
  await mkdir(dirname(outFile), { recursive: true });
  await writeFile(outFile, JSON.stringify({
    date: new Date().toISOString(),
    machine,
    settings: { reps, imagesDir, note: 'warm = median over reps after one cold run per image; cold = first run in process' },
    cold: {
      modelLoadMs: modelLoadWallMs,
      modelLoadHow: loaded.how,
      modelLoadReportedMs: loaded.milliseconds,
      modelSource: loaded.source,
      networkSetupMs,
      landmarkModelMs,
    },
    images: results,
    stagesPerFace: stages.perImage,
    photometricQuality: qualities,
    overall,
    peakRssBytes: peakRss,
    peakRssMiB: +(peakRss / 2 ** 20).toFixed(1),
    totalWallMs,
  }, null, 2) + '\n');
  console.log(`wrote ${outFile}`);
}

// ---- accuracy benchmark (synthetic faces with ground truth) ---------------------------------------
async function runAccuracy(): Promise<void> {
  const dataDir = datasetDir(join(here, 'data'), accuracySeed, accuracyKind);
  if (!existsSync(join(dataDir, 'manifest.json'))) {
    console.log(`accuracy benchmark: no data in ${dataDir}; run \`npm run bench:make -- --seed ${accuracySeed} --count 200 --kind ${accuracyKind}\` first`);
    return;
  }
  const { model } = await loadIctModel({ progress: false });
  // As the command line: the iris network's eyelids feed the fit. Faces down to 40 px, as the accuracy
  // bench has always detected (the detector's own default before DETECT_DEFAULTS; a reconstruction's is 32).
  const detector = await createFaceDetector({ ...nodeDetectorSetup(), minFaceSize: 40 });
  let last = performance.now();
  const result = await runAccuracyBench({
    model, detector, dataDir, outDir: process.env.BENCH_OUT ? resolve(process.env.BENCH_OUT) : join(here, 'out'), limit: accuracyLimit,
    methods: accuracyMethods, floor: accuracyFloor,
    progress: (done, total) => {
      if (performance.now() - last > 5000 || done === total) { process.stderr.write(`bench: accuracy ${done}/${total}\r`); last = performance.now(); }
    },
  });
  detector.dispose();
  process.stderr.write('\n');
  console.log(`facerecon accuracy bench — ${new Date().toISOString()} — ${dataDir}`);
  console.log(result.text);
  console.log(`peak RSS ${result.peakRssMiB.toFixed(0)} MiB; wall time ${(result.wallMs / 1000).toFixed(1)} s`);
  console.log(`wrote ${result.files.join(', ')}`);
}

// ---- face states (annotated mouth and eye states of the sample photos) ------------------------------
async function runFaceStates(): Promise<void> {
  const { model } = await loadIctModel({ progress: false });
  const detector = await createFaceDetector(nodeDetectorSetup());
  const start = performance.now();
  const result = await runFaceStatesBench({
    model, landmarks: mediapipeLandmarkModel(model), detector, imagesDir,
    progress: (image) => process.stderr.write(`bench: face states ${image}\n`),
  });
  detector.dispose();
  const file = join(here, 'out', 'face-states.json');
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify({
    date: new Date().toISOString(), imagesDir, thresholds: result.thresholds,
    highConfidence: result.highConfidence, all: result.all, faces: result.records,
  }, null, 2) + '\n');
  console.log(`facerecon face-states bench — ${new Date().toISOString()}`);
  console.log(result.text);
  console.log(`wall time ${((performance.now() - start) / 1000).toFixed(1)} s; wrote ${file}`);
}

// ---- several photos of one person (synthetic, made in memory) ---------------------------------------
async function runMultiView(): Promise<void> {
  const { model } = await loadIctModel({ progress: false });
  const detector = await createFaceDetector({ ...nodeDetectorSetup(), minFaceSize: 40 });
  const persons = Number(process.env.BENCH_PERSONS ?? 30);
  const result = await runMultiViewBench({
    model, detector, seed: accuracySeed, persons, firstPerson: Number(process.env.BENCH_FIRST_PERSON ?? 0), kind: accuracyKind, photometric: process.env.BENCH_MULTI_VIEW_PHOTOMETRIC?.split(',').map(Number).filter((n) => n > 0),
    texture: Boolean(process.env.BENCH_MULTI_VIEW_TEXTURE),
    outDir: process.env.BENCH_OUT ? resolve(process.env.BENCH_OUT) : join(here, 'out'),
    progress: (done, total) => process.stderr.write(`bench: multi-view ${done}/${total}\r`),
  });
  detector.dispose();
  process.stderr.write('\n');
  console.log(`facerecon multi-view bench — ${new Date().toISOString()}`);
  console.log(result.text);
  console.log(`wall time ${(result.wallMs / 1000).toFixed(1)} s`);
}

/**
 * An opt-in section's report: bench/out/<name>.json (the date, the machine and its load, then
 * `record`), and on the terminal a header with the load average, the section's text and the file.
 */
async function reportSection(name: string, title: string, record: object, lines: readonly string[]): Promise<void> {
  const file = join(here, 'out', `${name}.json`);
  const date = new Date().toISOString(), load = os.loadavg();
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify({ date, machine: { cpus: os.cpus().length, load }, ...record }, null, 2) + '\n');
  console.log(`facerecon ${title} — ${date} — load average ${load.map((x) => x.toFixed(1)).join(' ')}`);
  for (const line of lines) console.log(line);
  console.log(`wrote ${file}`);
}

// ---- batch throughput (photos/s of `facerecon batch` on 1 and 2 worker threads) ----------------------
async function runBatchThroughput(): Promise<void> {
  const cli = join(here, '..', 'src', 'cli', 'main.ts');
  const results = await runBatchThroughputBench({ imagesDir, cli });
  const faceSplit = await runFaceSplitBench({ imagesDir, cli });
  await reportSection('batch-throughput', 'batch throughput bench', { results, faceSplit }, [batchThroughputTable(results), faceSplitTable(faceSplit)]);
}

// ---- the HTTP service under load (opt-in) -----------------------------------------------------------
async function runService(): Promise<void> {
  const list = (text: string) => text.split(',').map((s) => s.trim()).filter(Boolean);
  const jobs = Number(process.env.BENCH_SERVICE_JOBS ?? os.availableParallelism());
  const result = await runServiceBench({
    photos: list(process.env.BENCH_SERVICE_IMAGES ?? 'astronaut.png,grace_hopper.jpg').map((name) => join(imagesDir, name)),
    requests: Number(process.env.BENCH_SERVICE_REQUESTS ?? 20),
    clients: Number(process.env.BENCH_SERVICE_CLIENTS ?? 2 * jobs),
    jobs,
    query: process.env.BENCH_SERVICE_QUERY,
  });
  const file = join(here, 'out', 'service.json');
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(result.record, null, 2) + '\n');
  console.log(result.text);
  console.log(`wrote ${file}`);
}

// ---- the web app in headless Chromium against the command line (opt-in) ----------------------------
async function runWeb(): Promise<void> {
  const { result, text } = await runWebBench({
    photo: join(imagesDir, process.env.BENCH_WEB_IMAGE ?? 'astronaut.png'), cli: join(here, '..', 'src', 'cli', 'main.ts'), reps: Math.max(1, Math.min(reps, 3)),
    webgpu: process.env.BENCH_WEB_WEBGPU === '1',
  });
  await reportSection('web', 'web bench', result, [text]);
}

// ---- video tracking: a synthetic sequence against its truth, and a real clip (opt-in) ----------------
async function runSequence(): Promise<void> {
  const { model } = await loadIctModel({ progress: false });
  const detector = await createFaceDetector(nodeDetectorSetup());
  const { record, text } = await runSequenceBench({
    model, detector, seed: accuracySeed, index: Number(process.env.BENCH_SEQUENCE_INDEX ?? 3), frames: Number(process.env.BENCH_SEQUENCE_FRAMES ?? 120), fps: 30,
    outDir: join(here, 'out'), cli: join(here, '..', 'src', 'cli', 'main.ts'), photo: join(imagesDir, process.env.BENCH_SEQUENCE_PHOTO ?? 'astronaut.png'), real: process.env.BENCH_SEQUENCE_REAL !== '0',
    progress: (line) => process.stderr.write(`bench: ${line}\n`),
  });
  detector.dispose();
  await reportSection('sequence', 'sequence bench', record, [text]);
}

// ---- expression wrinkles: re-synthesised detail against a synthetic truth (opt-in) --------------------
async function runWrinkle(): Promise<void> {
  const { model } = await loadIctModel({ progress: false });
  const pairs = Number(process.env.BENCH_WRINKLE_PAIRS ?? 100), size = Number(process.env.BENCH_WRINKLE_SIZE ?? 256);
  const t0 = performance.now();
  const scores = wrinklePairs(model, pairs, size, accuracySeed);
  const { text, summary } = wrinkleTable(scores);
  await reportSection('wrinkle', `wrinkle bench — ${pairs} pairs, ${size}² grid, ${((performance.now() - t0) / 1000).toFixed(0)} s`, { size, summary, scores }, [
    'mean normal angle to B\'s true detail: B re-synthesised from A\'s true displacement vs A\'s displacement carried over', text,
  ]);
}

// ---- expression wrinkles from rendered photos through the pipeline (opt-in) ---------------------------
async function runWrinklePhotos(): Promise<void> {
  const { model } = await loadIctModel({ progress: false });
  const detector = await createFaceDetector({ ...nodeDetectorSetup(), minFaceSize: 40 });
  const pairs = Number(process.env.BENCH_WRINKLE_PAIRS ?? 20);
  const t0 = performance.now();
  const { scores, missed } = await wrinklePhotoPairs(model, detector, pairs, accuracySeed, (done, miss) => process.stderr.write(`bench: wrinkle photos ${done}/${pairs} (${miss} missed)\r`));
  detector.dispose();
  process.stderr.write('\n');
  const { text, summary } = wrinkleTable(scores);
  const registered = wrinklePhotoTable(scores);
  await reportSection('wrinkle-photos', `wrinkle bench from photos — ${scores.length} pairs (${missed} pictures without a face or detail band), ${((performance.now() - t0) / 1000).toFixed(0)} s`, { summary: { ...summary, ...registered.summary }, missed, scores }, [
    'mean normal angle to B\'s true detail over the recovered texels with evidence: B re-synthesised from photo A\'s recovered detail vs that detail carried over', text,
    'the same, same UV and registered through picture A, per fold region (texels with evidence, mask > 0.5)', registered.text,
  ]);
}

/** Sections run by default, then the opt-in ones (--<name>); --<name>-only or BENCH_ONLY=<name> runs one alone. */
const sections: [string, () => Promise<void>, 'opt-in'?][] = [
  ['photos', runPhotoBench], ['face-states', runFaceStates], ['accuracy', runAccuracy],
  ['multi-view', runMultiView, 'opt-in'], ['batch', runBatchThroughput, 'opt-in'], ['service', runService, 'opt-in'],
  ['web', runWeb, 'opt-in'], ['sequence', runSequence, 'opt-in'], ['wrinkle', runWrinkle, 'opt-in'], ['wrinkle-photos', runWrinklePhotos, 'opt-in'],
];
let first = true;
for (const [name, run, optIn] of sections) {
  if (only ? only !== name : optIn && !process.argv.includes(`--${name}`)) continue;
  if (!first) console.log('');
  first = false;
  await run();
}
