/**
 * The multi-view benchmark (several photos of one person): synthetic persons, each photographed
 * five times with its own pose, expression, light and background; the shared identity of the first
 * 1, 2, 3 and 5 photos (fitLandmarksMultiView on the detected landmarks) against the person's true
 * neutral head, NoW-style (landmark similarity + ICP, mm). Pictures are made in memory, not read from
 * bench/data. Also the spread of the single-photo identities, which one shared identity removes.
 *
 *   npm run bench -- --multi-view-only                 # or BENCH_ONLY=multi-view
 *   BENCH_PERSONS=100 BENCH_SEED=1 BENCH_KIND=realistic npm run bench -- --multi-view-only
 *   BENCH_MULTI_VIEW_PHOTOMETRIC=1,3 ... # also the photometric refinement with the identity shared by 1 and 3 photos
 *   BENCH_MULTI_VIEW_TEXTURE=1 ...       # also the albedo fused from 3 photos against each photo's own
 */
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { MorphableModel } from '../src/model/types.js';
import type { FaceDetector } from '../src/perception/index.js';
import { instantiate } from '../src/model/instance.js';
import { fitLandmarksMultiView, type LandmarkView } from '../src/fit/multi-view-fit.js';
import { refinePhotometricMultiView } from '../src/photometric/multi-view-refine.js';
import { sampleSkin, skinMask, type SkinMask } from '../src/skin/index.js';
import { personTextureErrors } from './person-texture.js';
import { landmarkTargets } from '../src/pipeline/reconstruct.js';
import { PreparedPrediction, scanError } from './metrics/scan-error.js';
import { summarise } from './metrics/stats.js';
import { truthReference } from './accuracy/evaluate.js';
import { benchContext } from './accuracy/run.js';
import { ALL_468, correspondencePoints, NOW_KEYPOINTS, type BenchContext } from './accuracy/methods.js';
import { projectPoints } from '../src/base/camera.js';
import { albedoLayout } from './synthetic/albedo.js';
import { makeFacePicture, personNeutralPositions, type FacePicture, type PictureKind } from './synthetic/face-picture.js';

/** Photos per person; the subsets scored are its first VIEW_COUNTS. */
const PHOTOS = 5;
export const VIEW_COUNTS = [1, 2, 3, 5];
/** Photos the fused texture is made from. */
const TEXTURE_PHOTOS = 3;

export interface MultiViewBenchOptions {
  model: MorphableModel;
  detector: FaceDetector;
  seed: number;
  persons: number;
  /** Index of the first person (to split a long run over processes; the persons' errors are in the JSON). Default 0. */
  firstPerson?: number;
  kind: PictureKind;
  outDir?: string;
  /** Also score, for these numbers of photos, the photometric refinement of the same views with one identity solved from all of them (refinePhotometricMultiView). */
  photometric?: number[];
  /** Also score the albedo fused from the first TEXTURE_PHOTOS photos against each photo's own (bench/person-texture.ts). */
  texture?: boolean;
  progress?: (done: number, total: number) => void;
}

export interface MultiViewRow {
  views: number;
  persons: number;
  nowMedianMm: number;
  nowMeanMm: number;
}

export interface MultiViewBenchResult {
  rows: MultiViewRow[];
  /** The same fit on the true projections of the landmarks: what the landmark network's error costs. */
  oracleRows: MultiViewRow[];
  /** With options.photometric: the shared-identity photometric refinement after the landmark fit, and its milliseconds per view. */
  photometricRows?: MultiViewRow[];
  photometricMsPerView?: number;
  /** With options.texture: per person, albedo error (8-bit sRGB) of the most frontal photo's own albedo, the best photo's (in hindsight), and the fused one. */
  texture?: { reference: number; best: number; fused: number }[];
  /** Per person: the NoW median of each single photo's own identity (the spread a shared identity removes). */
  singleSpreadMm: { mean: number; medianOfPersons: number };
  skipped: number;
  text: string;
  wallMs: number;
}

/** The true projections of the 468 landmarks in a picture (N x 2 pixels), as the accuracy bench's oracle takes them. */
function trueLandmarks(picture: FacePicture): Float32Array {
  const screen = projectPoints(correspondencePoints(picture.positions, ALL_468), { rotation: picture.rotation, translation: picture.translation }, picture.camera);
  const out = new Float32Array(2 * 468);
  for (let i = 0; i < 468; i++) { out[2 * i] = screen[3 * i]; out[2 * i + 1] = screen[3 * i + 1]; }
  return out;
}

/** NoW median/mean (mm) of identity weights as a neutral head against the reference. */
function nowError(ctx: BenchContext, identity: Float32Array, reference: ReturnType<typeof truthReference>): { median: number; mean: number } {
  const { model } = ctx;
  const full = new Float32Array(model.identityCount);
  full.set(identity.subarray(0, model.identityCount));
  const positions = Float32Array.from(instantiate(model, { identity: full }), (v) => v * model.unitsToMillimetres);
  const prepared = new PreparedPrediction({ positions, triangles: model.triangles, surfaceTriangles: ctx.faceTriangles, landmarks: correspondencePoints(positions, NOW_KEYPOINTS) });
  const e = scanError(prepared, reference);
  return { median: e.median, mean: e.mean };
}

export async function runMultiViewBench(o: MultiViewBenchOptions): Promise<MultiViewBenchResult> {
  const start = performance.now();
  const ctx = benchContext(o.model);
  const layout = albedoLayout(o.model);
  const perViews = new Map<number, { median: number; mean: number }[]>(VIEW_COUNTS.map((n) => [n, []]));
  const oracle = new Map<number, { median: number; mean: number }[]>(VIEW_COUNTS.map((n) => [n, []]));
  const photometric = new Map<number, { median: number; mean: number }[]>(VIEW_COUNTS.map((n) => [n, []]));
  let photometricMs = 0, photometricViews = 0;
  const texture: { reference: number; best: number; fused: number }[] = [];
  const spreads: number[] = [];
  let skipped = 0;
  const firstPerson = o.firstPerson ?? 0;
  /** The tables of the persons so far (written after every person, so a long run that is stopped still leaves its numbers). */
  const summary = async (done: number) => {
    const row = (n: number, errs: { median: number; mean: number }[]) => ({
      views: n, persons: errs.length, nowMedianMm: summarise(errs.map((e) => e.median)).median, nowMeanMm: summarise(errs.map((e) => e.mean)).mean,
    });
    const rows = VIEW_COUNTS.map((n) => row(n, perViews.get(n)!));
    const oracleRows = VIEW_COUNTS.map((n) => row(n, oracle.get(n)!));
    const photometricRows = o.photometric?.length ? VIEW_COUNTS.filter((n) => o.photometric!.includes(n)).map((n) => row(n, photometric.get(n)!)) : undefined;
    const spread = summarise(spreads);
    const one = rows[0].nowMedianMm;
    const text = [
      `multi-view (${o.kind}, seed ${o.seed}, ${rows[0].persons} persons x ${PHOTOS} photos, yaw up to 50 deg; shared identity of the first n photos vs the true neutral head, NoW mm):`,
      `${'photos'.padEnd(8)}${'median'.padStart(8)}${'mean'.padStart(8)}${'vs 1'.padStart(8)}   oracle (true 2D landmarks): median  mean  vs 1`,
      ...rows.map((r, k) => {
        const q = oracleRows[k];
        return `${String(r.views).padEnd(8)}${r.nowMedianMm.toFixed(3).padStart(8)}${r.nowMeanMm.toFixed(3).padStart(8)}${`${(100 * (r.nowMedianMm / one - 1)).toFixed(0)}%`.padStart(8)}`
          + `${' '.repeat(30)}${q.nowMedianMm.toFixed(3).padStart(6)}${q.nowMeanMm.toFixed(3).padStart(6)}${`${(100 * (q.nowMedianMm / oracleRows[0].nowMedianMm - 1)).toFixed(0)}%`.padStart(6)}`;
      }),
      ...(photometricRows ? [
        `photometric refinement with the identity shared by the photos (${(photometricMs / Math.max(1, photometricViews) / 1000).toFixed(2)} s per photo):`,
        ...photometricRows.map((r) => {
          const landmark = rows.find((q) => q.views === r.views)!;
          return `${String(r.views).padEnd(8)}${r.nowMedianMm.toFixed(3).padStart(8)}${r.nowMeanMm.toFixed(3).padStart(8)}`
            + `${`${(100 * (r.nowMedianMm / landmark.nowMedianMm - 1)).toFixed(0)}%`.padStart(8)} vs the landmark fit of the same photos`
          + `, ${(100 * (r.nowMedianMm / photometricRows[0].nowMedianMm - 1)).toFixed(0)}% vs ${photometricRows[0].views} photo${photometricRows[0].views > 1 ? 's' : ''}`;
        }),
      ] : []),
      `single-photo identities of one person: NoW medians spread ${spread.mean.toFixed(3)} mm (max - min, mean over persons); one shared identity has none`,
      ...(o.texture ? [
        `albedo error (8-bit sRGB over the face tile, median of ${texture.length} persons) from the first ${TEXTURE_PHOTOS} photos: most frontal photo's own `
        + `${summarise(texture.map((t) => t.reference)).median.toFixed(2)}, best photo's own (in hindsight) ${summarise(texture.map((t) => t.best)).median.toFixed(2)}, `
        + `fused ${summarise(texture.map((t) => t.fused)).median.toFixed(2)}; fused below the best photo's for ${texture.filter((t) => t.fused < t.best).length} of ${texture.length}`,
      ] : []),
      skipped ? `${skipped} persons skipped (a photo without a detected face)` : '',
    ].filter(Boolean).join('\n');
    const result = {
      rows, oracleRows, photometricRows, photometricMsPerView: photometricViews ? photometricMs / photometricViews : undefined,
      texture: o.texture ? texture : undefined, singleSpreadMm: { mean: spread.mean, medianOfPersons: spread.median }, skipped, text, wallMs: performance.now() - start };
    if (o.outDir) {
      await mkdir(o.outDir, { recursive: true });
      await writeFile(join(o.outDir, 'multi-view.json'), JSON.stringify({
        seed: o.seed, kind: o.kind, firstPerson, personsDone: done, personsAsked: o.persons, ...result,
        perPerson: { landmark: Object.fromEntries(perViews), oracle: Object.fromEntries(oracle), photometric: Object.fromEntries(photometric) },
      }, null, 2));
    }
    return result;
  };
  for (let p = 0; p < o.persons; p++) {
    const first = PHOTOS * (firstPerson + p);
    const views: LandmarkView[] = [], oracleViews: LandmarkView[] = [];
    const pictures: FacePicture[] = [];
    const seen: { image: FacePicture['image']; landmarks: Float32Array; skin?: SkinMask }[] = [];
    for (let v = 0; v < PHOTOS; v++) {
      const picture = makeFacePicture(o.model, layout, o.seed, first + v, { person: first, kind: o.kind, maxYaw: 50 });
      pictures.push(picture);
      const faces = await o.detector.detect(picture.image);
      const face = faces.sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height)[0];
      if (!face) continue;
      views.push({ targets: landmarkTargets(face), image: picture.image, options: { confidence: face.confidence?.value } });
      seen.push({ image: picture.image, landmarks: face.landmarks, skin: o.photometric?.length ? skinMask(picture.image, face.landmarks) : undefined });
      oracleViews.push({ targets: trueLandmarks(picture), image: picture.image });
    }
    if (o.texture) {
      const t = await personTextureErrors(o.model, ctx.landmarks, o.detector, layout, pictures.slice(0, TEXTURE_PHOTOS));
      texture.push({ reference: t.single[t.reference], best: Math.min(...t.single), fused: t.fused });
    }
    o.progress?.(p + 1, o.persons);
    if (views.length < PHOTOS) { skipped++; continue; }
    const neutral = personNeutralPositions(o.model, o.seed, first, o.kind);
    const reference = truthReference(o.model, Float32Array.from(neutral, (x) => x * o.model.unitsToMillimetres));
    for (const n of VIEW_COUNTS) {
      const fit = fitLandmarksMultiView(ctx.landmarks, views.slice(0, n));
      perViews.get(n)!.push(nowError(ctx, fit.identity, reference));
      if (o.photometric?.includes(n)) {
        const t0 = performance.now();
        const refined = refinePhotometricMultiView(o.model, ctx.landmarks, views.slice(0, n).map((v, k) => ({
          photo: seen[k].image, targets: v.targets, fit: fit.views[k],
          options: { confidence: v.options?.confidence, skin: (x: number, y: number) => sampleSkin(seen[k].skin!, x, y) },
        })));
        photometricMs += performance.now() - t0;
        photometricViews += n;
        photometric.get(n)!.push(nowError(ctx, refined.identity, reference));
      }
      oracle.get(n)!.push(nowError(ctx, fitLandmarksMultiView(ctx.landmarks, oracleViews.slice(0, n)).identity, reference));
      if (n === PHOTOS) {
        const singles = fit.single.map((f) => nowError(ctx, f.identity, reference).median);
        spreads.push(Math.max(...singles) - Math.min(...singles));
      }
    }
    if (o.outDir && p + 1 < o.persons) await summary(p + 1);
  }
  return summary(o.persons);
}
