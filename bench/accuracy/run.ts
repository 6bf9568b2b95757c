/**
 * The accuracy benchmark: reads a synthetic set written by bench/make.ts, detects each face once,
 * runs every method on it, scores them against the true surface and writes the report.
 */
import { join } from 'node:path';
import { mediapipeLandmarkModel } from '../../src/correspondence/landmark-model.js';
import type { MorphableModel } from '../../src/model/types.js';
import type { FaceDetector } from '../../src/perception/index.js';
import type { IcpOptions } from '../metrics/scan-error.js';
import { readManifest, readPicture, type StoredPicture } from './dataset.js';
import { evaluatePicture, type PictureScore } from './evaluate.js';
import { facemeshTriangulation, METHODS, type AccuracyMethod, type BenchContext } from './methods.js';
import { aggregate, formatReport, pictureRecords, writeCharts, writeJson, writeMontage, type AccuracyReport } from './report.js';

export interface AccuracyBenchOptions {
  model: MorphableModel;
  detector: FaceDetector;
  /** Folder with manifest.json (bench/data/<seed>). */
  dataDir: string;
  /** Where accuracy.json, the charts and the montage go; nothing is written when absent. */
  outDir?: string;
  methods?: readonly AccuracyMethod[];
  /** Score only the first n pictures. */
  limit?: number;
  icp?: IcpOptions;
  /** Measure the model floor of each truth (a 3D fit of the model, about 2 s a picture). Default true. */
  floor?: boolean;
  /** Cases in the montage. Default 4. */
  montageCases?: number;
  progress?: (done: number, total: number, score: PictureScore) => void;
}

export interface AccuracyBenchResult {
  report: AccuracyReport;
  scores: PictureScore[];
  text: string;
  files: string[];
  peakRssMiB: number;
  wallMs: number;
}

export function benchContext(model: MorphableModel): BenchContext {
  const [f0, f1] = model.triangleRegions.face;
  return {
    model,
    landmarks: mediapipeLandmarkModel(model),
    faceTriangles: Uint32Array.from({ length: f1 - f0 }, (_, k) => f0 + k),
    facemeshTriangles: facemeshTriangulation(model),
  };
}

export async function runAccuracyBench(options: AccuracyBenchOptions): Promise<AccuracyBenchResult> {
  const start = performance.now();
  let peakRss = process.memoryUsage().rss;
  const methods = options.methods ?? METHODS;
  const ctx = benchContext(options.model);
  const manifest = await readManifest(options.dataDir);
  const names = manifest.pictures.slice(0, options.limit ?? manifest.pictures.length);
  const scores: PictureScore[] = [];
  const keep: { picture: StoredPicture; score: PictureScore }[] = [];
  for (const name of names) {
    const picture = await readPicture(options.dataDir, name);
    const score = await evaluatePicture(ctx, options.detector, methods, picture, options.icp, { floor: options.floor });
    scores.push(score);
    if (score.detected) keep.push({ picture, score });
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    options.progress?.(scores.length, names.length, score);
    // Meshes are only needed for the montage; drop the rest as we go.
    if (keep.length > 40) keep.splice(Math.floor(keep.length / 2), 1);
  }
  const report = aggregate(scores, methods);
  const files: string[] = [];
  if (options.outDir) {
    const file = join(options.outDir, 'accuracy.json');
    const wallMs = performance.now() - start;
    await writeJson(file, {
      date: new Date().toISOString(),
      dataset: { dir: options.dataDir, seed: manifest.seed, kind: manifest.kind ?? 'clean', count: manifest.count, scored: names.length },
      protocol: {
        now: 'similarity (scale allowed) from the 7 NoW landmarks (MediaPipe 33, 133, 362, 263, 1, 61, 291; on ICT meshes through the correspondence), then rigid point-to-plane ICP of the prediction to the ground truth over the measured region (scale kept), then point-to-triangle distance from every ground-truth narrow-face vertex within 95 mm of the nose tip to the predicted surface; pooled over faces',
        icp: { maxIterations: options.icp?.maxIterations ?? 30, tolerance: options.icp?.tolerance ?? 1e-4, region: 'the same ground-truth vertices that are scored' },
        realy: 'per region (nose, mouth, forehead, cheeks on the ICT topology), rigid ICP of that region alone starting from the NoW alignment, then distances',
        landmark2d: 'mean pixel distance over the 468 landmarks minus the face oval and the 24 unreliable ones, ground truth = correspondence points of the true mesh projected with the true camera, divided by sqrt(area) of their box',
        identityCosine: 'cosine similarity between fitted and true identity coefficients over the 50 fitted modes (no face-recognition network)',
        modelFloor: 'the model (50 identity modes, 53 expressions in [0, 1]) fitted in 3D to the true scored vertices by regularised least squares with the landmark fit\'s priors (identity 1, expression 3) and its data weight (468 landmarks at 2.5% of face size), scored by the same protocol; distances pooled over all pictures',
      },
      methods: methods.map((m) => ({ name: m.name, description: m.description })),
      report,
      peakRssMiB: peakRss / 2 ** 20,
      wallMs,
      pictures: pictureRecords(scores),
    });
    files.push(file, ...(await writeCharts(report, options.outDir)));
    const montage = pickMontageCases(keep, options.montageCases ?? 4);
    const montageFile = join(options.outDir, 'accuracy-montage.png');
    await writeMontage(ctx, montage, 'landmark-fit', montageFile);
    files.push(montageFile);
  }
  return { report, scores, text: formatReport(report), files, peakRssMiB: peakRss / 2 ** 20, wallMs: performance.now() - start };
}

/** Cases spread over |yaw|. */
function pickMontageCases<T extends { score: PictureScore }>(cases: T[], n: number): T[] {
  const sorted = [...cases].sort((a, b) => Math.abs(a.score.yaw) - Math.abs(b.score.yaw));
  if (sorted.length <= n) return sorted;
  return Array.from({ length: n }, (_, k) => sorted[Math.round((k * (sorted.length - 1)) / (n - 1))]);
}
