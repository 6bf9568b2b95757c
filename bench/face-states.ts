/**
 * Face-states bench: reconstructs every face of the annotated sample photos
 * (../shared/images/face-states.json), measures the fitted mesh's inner-lip and eyelid gaps and
 * scores mouth-open and eye-closed against the annotations, separately for the high-confidence
 * fields (not null, not listed in the face's `confidence`). Run by `npm run bench`, alone by
 * `npm run bench -- --face-states-only`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readImage } from '../src/io/read-image.js';
import type { MorphableModel } from '../src/model/types.js';
import type { LandmarkModel } from '../src/fit/landmark-fit.js';
import { reconstructImage, type FaceDetectorLike, type FaceReconstruction } from '../src/pipeline/reconstruct.js';
import { faceStateGaps, faceStateThresholds, type FaceStateGaps } from './metrics/face-state-gaps.js';
import { identityPlausibility } from '../src/fit/identity-prior.js';

type StateField = 'mouthOpen' | 'eyeClosedLeft' | 'eyeClosedRight';
const FIELDS: readonly StateField[] = ['mouthOpen', 'eyeClosedLeft', 'eyeClosedRight'];

interface AnnotatedFace {
  box: [number, number, number, number];
  mouthOpen: boolean | null;
  eyeClosedLeft: boolean | null;
  eyeClosedRight: boolean | null;
  confidence: Record<string, string>;
  notes: string;
}
interface AnnotationFile { images: { file: string; faces: AnnotatedFace[] }[] }

/** MediaPipe landmark pairs (upper, lower) for the same gaps, to show what the landmark network saw. */
const MEDIAPIPE_GAP_PAIRS = {
  lip: [[82, 87], [13, 14], [312, 317]],
  eyeRight: [[160, 144], [159, 145], [158, 153]],
  eyeLeft: [[385, 380], [386, 374], [387, 373]],
} as const;

export interface FaceStateRecord {
  image: string;
  annotated: number;
  detection: number | null;
  iou: number;
  truth: Record<StateField, boolean | null>;
  lowConfidence: StateField[];
  /** Gaps of the fitted mesh (mm). */
  mesh: FaceStateGaps | null;
  /** The same gaps from the detected 2D landmarks, pixels scaled to mm at the fitted head's depth. */
  landmarks: FaceStateGaps | null;
  predicted: Record<StateField, boolean | null>;
  /** Expression weights over 0.3, by name. */
  expression: Record<string, number>;
  /** The face's confidence in its landmarks (src/perception/confidence.ts) and its components. */
  confidence: { value: number; sharpness: number; size: number; agreement: number } | null;
  /** Mahalanobis norm of the fitted identity and its largest weight in sigma. */
  identityNorm: number | null;
  identityLargestSigma: number | null;
}

export interface FaceStatesResult {
  text: string;
  records: FaceStateRecord[];
  thresholds: ReturnType<typeof faceStateThresholds>;
  highConfidence: { agree: number; total: number };
  all: { agree: number; total: number };
}

function iou(a: readonly number[], b: { x: number; y: number; width: number; height: number }): number {
  const x0 = Math.max(a[0], b.x), y0 = Math.max(a[1], b.y);
  const x1 = Math.min(a[0] + a[2], b.x + b.width), y1 = Math.min(a[1] + a[3], b.y + b.height);
  const inter = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  return inter / (a[2] * a[3] + b.width * b.height - inter);
}

/** Box of the detected landmarks, which, like the annotations, spans brow to chin better than the detector box. */
function landmarkBox(face: FaceReconstruction): { x: number; y: number; width: number; height: number } {
  const p = face.detection.landmarks;
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (let i = 0; i < p.length; i += 3) {
    x0 = Math.min(x0, p[i]); x1 = Math.max(x1, p[i]); y0 = Math.min(y0, p[i + 1]); y1 = Math.max(y1, p[i + 1]);
  }
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** Greedy one-to-one matching, highest IoU first; pairs under `minIou` stay unmatched. */
function matchBoxes(boxes: readonly (readonly number[])[], faces: readonly FaceReconstruction[], minIou = 0.2): { detection: number | null; iou: number }[] {
  const pairs: { a: number; d: number; v: number }[] = [];
  boxes.forEach((box, a) => faces.forEach((face, d) => pairs.push({ a, d, v: iou(box, landmarkBox(face)) })));
  pairs.sort((p, q) => q.v - p.v);
  const out = boxes.map(() => ({ detection: null as number | null, iou: 0 }));
  const taken = new Set<number>();
  for (const { a, d, v } of pairs) {
    if (v < minIou || out[a].detection !== null || taken.has(d)) continue;
    out[a] = { detection: d, iou: v };
    taken.add(d);
  }
  return out;
}

function landmarkGaps(face: FaceReconstruction, model: MorphableModel): FaceStateGaps {
  const p = face.detection.landmarks;
  const mmPerPx = (face.pose.translation[2] * model.unitsToMillimetres) / face.camera.focal;
  const gap = (pairs: readonly (readonly [number, number])[]) =>
    mmPerPx * pairs.reduce((s, [a, b]) => s + Math.hypot(p[3 * a] - p[3 * b], p[3 * a + 1] - p[3 * b + 1]), 0) / pairs.length;
  return { lipMm: gap(MEDIAPIPE_GAP_PAIRS.lip), eyeRightMm: gap(MEDIAPIPE_GAP_PAIRS.eyeRight), eyeLeftMm: gap(MEDIAPIPE_GAP_PAIRS.eyeLeft) };
}

export interface FaceStatesBenchOptions {
  model: MorphableModel;
  landmarks: LandmarkModel;
  detector: FaceDetectorLike;
  imagesDir: string;
  progress?: (image: string) => void;
}

export async function runFaceStatesBench(options: FaceStatesBenchOptions): Promise<FaceStatesResult> {
  const { model } = options;
  const file = JSON.parse(await readFile(join(options.imagesDir, 'face-states.json'), 'utf8')) as AnnotationFile;
  const thresholds = faceStateThresholds(model);
  const predict = (g: FaceStateGaps): Record<StateField, boolean> => ({
    mouthOpen: g.lipMm > thresholds.mouthOpenMm,
    eyeClosedLeft: g.eyeLeftMm < thresholds.eyeClosedMm,
    eyeClosedRight: g.eyeRightMm < thresholds.eyeClosedMm,
  });
  const records: FaceStateRecord[] = [];
  for (const entry of file.images) {
    options.progress?.(entry.file);
    const { image } = await readImage(join(options.imagesDir, entry.file));
    const result = await reconstructImage({ model, landmarks: options.landmarks, detector: options.detector }, image);
    const matches = matchBoxes(entry.faces.map((f) => f.box), result.faces);
    entry.faces.forEach((annotation, k) => {
      const { detection, iou: overlap } = matches[k];
      const face = detection === null ? undefined : result.faces[detection];
      const mesh = face ? faceStateGaps(model, face.positions) : null;
      const expression: Record<string, number> = {};
      face?.expression.forEach((w, m) => { if (w > 0.3) expression[model.expressionNames[m]] = +w.toFixed(2); });
      const truth = Object.fromEntries(FIELDS.map((f) => [f, annotation[f]])) as Record<StateField, boolean | null>;
      const fromMesh = mesh ? predict(mesh) : null;
      const plausibility = face && identityPlausibility(face.identity);
      records.push({
        image: entry.file, annotated: k, detection, iou: overlap, truth,
        lowConfidence: FIELDS.filter((f) => f in annotation.confidence),
        mesh, landmarks: face ? landmarkGaps(face, model) : null,
        predicted: Object.fromEntries(FIELDS.map((f) => [f, fromMesh ? fromMesh[f] : null])) as Record<StateField, boolean | null>,
        expression,
        confidence: face?.detection.confidence
          ? { value: face.detection.confidence.value, sharpness: face.detection.confidence.sharpness, size: face.detection.confidence.size, agreement: face.detection.confidence.agreement }
          : null,
        identityNorm: plausibility?.mahalanobisNorm ?? null,
        identityLargestSigma: plausibility?.largestSigma ?? null,
      });
    });
  }
  const tally = (high: boolean) => {
    let agree = 0, total = 0;
    for (const r of records) for (const f of FIELDS) {
      if (r.truth[f] === null || (high && r.lowConfidence.includes(f))) continue;
      total++;
      if (r.predicted[f] === r.truth[f]) agree++;
    }
    return { agree, total };
  };
  const highConfidence = tally(true), all = tally(false);
  return { text: formatTable(records, thresholds, highConfidence, all), records, thresholds, highConfidence, all };
}

function formatTable(records: FaceStateRecord[], thresholds: FaceStatesResult['thresholds'], high: { agree: number; total: number }, all: { agree: number; total: number }): string {
  const f1 = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(1));
  const state = (r: FaceStateRecord, f: StateField, word: [string, string]) => {
    const t = r.truth[f];
    if (t === null) return '  n/a  ';
    const p = r.predicted[f];
    const mark = p === null ? '?' : p === t ? 'ok' : 'XX';
    return `${t ? word[0] : word[1]}${r.lowConfidence.includes(f) ? '~' : ' '}${mark}`.padEnd(7);
  };
  const lines = [
    `face states (../shared/images/face-states.json): ${thresholds.why}.`,
    'gaps in mm: fitted mesh (68-landmark vertices) / detected landmarks scaled at the fitted depth; state = annotation (~ = low confidence), ok/XX = mesh agrees/disagrees',
    'conf = the face\'s landmark confidence (sharpness x size x crop agreement); id norm = identity Mahalanobis norm / largest weight in sigma',
    `${'image'.padEnd(17)} ann det  iou   conf (sh  sz   ag)     id norm    mouth   lip mesh/lmk  eye L   gap L        eye R   gap R        expressions > 0.3`,
  ];
  for (const r of records) {
    const m = r.mesh, l = r.landmarks;
    const gaps = (a?: number, b?: number) => `${f1(a).padStart(5)}/${f1(b).padEnd(6)}`;
    lines.push([
      r.image.padEnd(17), String(r.annotated).padStart(3), String(r.detection ?? '-').padStart(3), r.iou.toFixed(2).padStart(5), ' ',
      r.confidence ? `${r.confidence.value.toFixed(2)} (${[r.confidence.sharpness, r.confidence.size, r.confidence.agreement].map((x) => x.toFixed(2)).join(' ')})` : '-'.padEnd(21),
      r.identityNorm === null ? '-'.padEnd(10) : `${r.identityNorm.toFixed(2)}/${r.identityLargestSigma!.toFixed(1)}σ`.padEnd(10), ' ',
      state(r, 'mouthOpen', ['open', 'shut']), gaps(m?.lipMm, l?.lipMm), ' ',
      state(r, 'eyeClosedLeft', ['shut', 'open']), gaps(m?.eyeLeftMm, l?.eyeLeftMm), ' ',
      state(r, 'eyeClosedRight', ['shut', 'open']), gaps(m?.eyeRightMm, l?.eyeRightMm), ' ',
      Object.entries(r.expression).map(([n, w]) => `${n} ${w.toFixed(2)}`).join(', '),
    ].join(' '));
  }
  const pct = (t: { agree: number; total: number }) => `${t.agree}/${t.total} = ${(100 * t.agree / Math.max(1, t.total)).toFixed(0)}%`;
  lines.push(`agreement: high-confidence states ${pct(high)}; all annotated states ${pct(all)}`);
  return lines.join('\n');
}
