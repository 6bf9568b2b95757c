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
import { inWrinkleRegions, meanNormalAngle, pairDraws, type WrinklePairScore } from './wrinkle.js';

/** Texels with at least this shading evidence in the recovered band are scored. */
const MIN_EVIDENCE = 0.5;

export async function wrinklePhotoPairs(
  model: MorphableModel, detector: FaceDetector, pairs: number, seed = 1, progress?: (done: number, missed: number) => void,
): Promise<{ scores: WrinklePairScore[]; missed: number }> {
  const ctx = { model, landmarks: mediapipeLandmarkModel(model) };
  const layout = albedoLayout(model);
  const draw = pairDraws(model, seed);
  const masks = new Map<number, RegionMasks>();
  const scores: WrinklePairScore[] = [];
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
    scores.push({
      expressionA: nameA, expressionB: nameB,
      regions: { resynthesised: meanNormalAngle(grid, resynthesised, truthB, inRegion), carried: meanNormalAngle(grid, detail.height, truthB, inRegion) },
      face: { resynthesised: meanNormalAngle(grid, resynthesised, truthB, seen), carried: meanNormalAngle(grid, detail.height, truthB, seen) },
    });
    progress?.(scores.length, missed);
  }
  return { scores, missed };
}
