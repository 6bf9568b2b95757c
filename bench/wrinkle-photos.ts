/**
 * Expression wrinkles from photos (issue 13's benchmark through the whole pipeline): for each pair, a
 * synthetic picture of a person in expression A with its true fine detail (bench/synthetic/fine-detail.ts)
 * goes through detection, the landmark fit, the photometric stage and both detail bands
 * (`reconstructFace` with `detail: true`); the wrinkle response is fitted from the recovered height and
 * the fitted expression (`expressionDetail`) and re-synthesised for B's expression weights. Scored
 * against B's true detail (the same person, static + B's folds) by the mean per-texel normal angle on
 * the recovered grid (the fitted head's texel frames), over the texels with shading evidence: the
 * re-synthesised displacement against A's RECOVERED displacement carried over unchanged. Both are
 * compared in the fitted head's UV, which sits a few mm off the truth's, alike for both.
 */
import { mediapipeLandmarkModel } from '../src/correspondence/landmark-model.js';
import { expressionDetail } from '../src/detail/expression-detail.js';
import { wrinkleRegionMasks, type RegionMasks } from '../src/detail/wrinkle-regions.js';
import type { MorphableModel } from '../src/model/types.js';
import type { FaceDetector } from '../src/perception/index.js';
import { padTo, reconstructFace } from '../src/pipeline/reconstruct.js';
import { albedoLayout } from './synthetic/albedo.js';
import { makeFacePicture } from './synthetic/face-picture.js';
import { trueDisplacement } from './synthetic/fine-detail.js';
import { correspondencePoints } from '../src/correspondence/landmark-model.js';
import { FOLD_REGIONS } from '../src/detail/wrinkle-regions.js';
import { fineTruth, registerThroughPicture } from './metrics/fine-detail.js';
import { inWrinkleRegions, meanNormalAngle, pairDraws, type WrinklePairScore } from './wrinkle.js';

/** One pair's scores from photo A: the shared ones, registered through the picture, and per fold region. */
export interface WrinklePhotoScore extends WrinklePairScore {
  registered: { regions: { resynthesised: number; carried: number }; face: { resynthesised: number; carried: number } };
  perRegion: { region: string; texels: number; resynthesised: number; carried: number; registeredResynthesised: number; registeredCarried: number }[];
}

/** Texels with at least this shading evidence in the recovered band are scored. */
const MIN_EVIDENCE = 0.5;

export async function wrinklePhotoPairs(
  model: MorphableModel, detector: FaceDetector, pairs: number, seed = 1, progress?: (done: number, missed: number) => void,
): Promise<{ scores: WrinklePhotoScore[]; missed: number }> {
  const ctx = { model, landmarks: mediapipeLandmarkModel(model) };
  const layout = albedoLayout(model);
  const draw = pairDraws(model, seed);
  const masks = new Map<number, RegionMasks>();
  const scores: WrinklePhotoScore[] = [];
  let missed = 0;
  for (let index = 0; scores.length < pairs; index++) {
    const { nameA, nameB, wA, wB } = draw();
    const expression = Object.fromEntries(model.expressionNames.flatMap((n, k) => (wA[k] > 0 ? [[n, wA[k]]] : [])));
    const picture = makeFacePicture(model, layout, seed, index, { expression, maxYaw: 30, maxTilt: 10, faceWidthPx: [260, 340] });
    const faces = await detector.detect(picture.image);
    const detection = faces.sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height)[0];
    const face = detection && reconstructFace(ctx, picture.image, detection, { detail: true });
    const detail = face?.detail;
    if (!face || !detail) { missed++; progress?.(scores.length, missed); continue; }
    const S = detail.size;
    if (!masks.has(S)) masks.set(S, wrinkleRegionMasks(model, S));
    const m = masks.get(S)!;
    const truth = picture.truth.detail!;
    const person = { identity: Float32Array.from(picture.truth.identity), zones: truth.zones, seed: truth.seed };
    const truthB = trueDisplacement(model, person, wB, S).height;
    const resynthesised = expressionDetail(model, detail, padTo(face.identity, model.identityCount), face.expression).at(wB).height;
    const grid = { size: S, mmX: detail.frames.mmX, mmY: detail.frames.mmY };
    const seen = (p: number) => detail.evidence[p] >= MIN_EVIDENCE;
    const named = inWrinkleRegions(m), inRegion = (p: number) => seen(p) && named(p);
    const mm = model.unitsToMillimetres;
    const fine = fineTruth(model, {
      image: picture.image, positions: picture.positions, pose: { rotation: picture.rotation, translation: picture.translation }, camera: picture.camera,
      sh: picture.truth.lighting.sh, noseTip: correspondencePoints(picture.positions.map((v) => v * mm), [1]), displacement: picture.displacement!,
    }, S);
    const match = registerThroughPicture(model, fine, { positions: face.positions, pose: face.pose, camera: face.camera, rotation: [1, 0, 0, 0, 1, 0, 0, 0, 1] });
    const both = (select: (p: number) => boolean, registered?: Int32Array) => ({
      resynthesised: meanNormalAngle(grid, resynthesised, truthB, select, registered), carried: meanNormalAngle(grid, detail.height, truthB, select, registered),
    });
    const perRegion = FOLD_REGIONS.flatMap((region, r) => {
      const inside = (p: number) => seen(p) && m[r][p] > 0.5;
      let texels = 0;
      for (let p = 0; p < S * S; p++) if (inside(p) && match[p] >= 0) texels++;
      if (texels === 0) return [];
      const same = both(inside), registered = both(inside, match);
      return [{ region, texels, ...same, registeredResynthesised: registered.resynthesised, registeredCarried: registered.carried }];
    });
    scores.push({
      expressionA: nameA, expressionB: nameB, regions: both(inRegion), face: both(seen),
      registered: { regions: both(inRegion, match), face: both(seen, match) }, perRegion,
    });
    progress?.(scores.length, missed);
  }
  return { scores, missed };
}

/** The registered scores and the per-region rows over all pairs (a region's mean over the pairs that see it). */
export function wrinklePhotoTable(scores: WrinklePhotoScore[]): { text: string; summary: Record<string, number> } {
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
  const row = (label: string, n: number, r: number, c: number, rr: number, rc: number) =>
    `${label.padEnd(14)} ${String(n).padStart(3)}   ${r.toFixed(2).padStart(6)}° ${c.toFixed(2).padStart(6)}° ${(100 * (1 - r / c)).toFixed(1).padStart(5)}%   ${rr.toFixed(2).padStart(6)}° ${rc.toFixed(2).padStart(6)}° ${(100 * (1 - rr / rc)).toFixed(1).padStart(5)}%`;
  const lines = ['group            n   same UV: resynth carried lower   registered: resynth carried lower'];
  const summary: Record<string, number> = {};
  for (const key of ['regions', 'face'] as const) {
    const r = mean(scores.map((s) => s[key].resynthesised)), c = mean(scores.map((s) => s[key].carried));
    const rr = mean(scores.map((s) => s.registered[key].resynthesised)), rc = mean(scores.map((s) => s.registered[key].carried));
    lines.push(row(key === 'regions' ? 'named regions' : 'whole face', scores.length, r, c, rr, rc));
    Object.assign(summary, { [`${key}RegisteredResynthesisedDeg`]: rr, [`${key}RegisteredCarriedDeg`]: rc, [`${key}RegisteredLower`]: 1 - rr / rc });
  }
  for (const region of FOLD_REGIONS) {
    const rows = scores.flatMap((s) => s.perRegion.filter((x) => x.region === region));
    if (rows.length === 0) continue;
    lines.push(row(region, rows.length, mean(rows.map((x) => x.resynthesised)), mean(rows.map((x) => x.carried)), mean(rows.map((x) => x.registeredResynthesised)), mean(rows.map((x) => x.registeredCarried))));
  }
  return { text: lines.join('\n'), summary };
}
