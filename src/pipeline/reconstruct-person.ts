import type { RgbImage } from '../base/image.js';
import type { DetectedFace } from '../perception/types.js';
import { instantiate } from '../model/instance.js';
import { fitLandmarksMultiView, type LandmarkView } from '../fit/multi-view-fit.js';
import { refinePhotometricMultiView } from '../photometric/multi-view-refine.js';
import { sampleSkin, skinMask, type SkinMask } from '../skin/index.js';
import { cosineSimilarity, type FaceEmbedder } from '../identity/index.js';
import { sharedExpressionDetail, type ExpressionDetail } from '../detail/expression-detail.js';
import type { DetailResult } from '../detail/reconstruct-detail.js';
import { expandReconstructOptions, type ExpandedReconstructOptions, type ReconstructOptions } from './options.js';
import { landmarkTargets, withBands, type FaceReconstruction, type ReconstructContext, type StageListener } from './reconstruct.js';

/**
 * Below this face-recognition similarity (faceres cosine) to the reference view a photo is taken
 * for another person. Measured on the sample photos (scripts/identity-eval.ts): the same face under
 * flips, +-10 degree turns, 0.8x rescaling, blur + JPEG and a wider crop scores 0.861-1.000 (90
 * copies), two different people 0.233-0.642 (105 pairs); 0.7 is above every different pair with a
 * margin. Renders of the morphable model do not separate (scripts/person-threshold.ts, 12 synthetic
 * persons x 3 photos, yaw up to 50 degrees: same person 0.37-0.76, median 0.58; different 0.26-0.72,
 * median 0.48): the network knows real faces, not the model's; the rule is for photos.
 */
export const PERSON_MIN_SIMILARITY = 0.7;
/** A view whose own landmark fit leaves a mean residual above this fraction of the face size has failed (a wrong face, a broken detection). */
export const PERSON_MAX_RESIDUAL = 0.06;

/** One photo of the person; `name` says which in reasons and outputs. */
export interface PersonPhoto {
  name: string;
  image: RgbImage;
}

export interface PersonOptions extends ReconstructOptions {
  /** Which face of each photo (0 = the largest; one number for every photo, or one per photo). Default 0. */
  face?: number | readonly number[];
  /** See PERSON_MIN_SIMILARITY. */
  minSimilarity?: number;
}

/** A photo that was used: its face's reconstruction with the shared identity, and how it matched the person. */
export interface PersonView extends FaceReconstruction {
  name: string;
  image: RgbImage;
  /** Which face of the photo (0 = largest) and how many were found. */
  faceIndex: number;
  faceCount: number;
  /** Face-recognition similarity to the reference view (1 for the reference; absent without an embedder). */
  similarity?: number;
}

export interface RejectedView {
  name: string;
  /** One line: why the photo was left out. */
  reason: string;
  similarity?: number;
}

export interface PersonReconstruction {
  identity: Float32Array;
  views: PersonView[];
  rejected: RejectedView[];
  /** The photo the others were compared with: the face that agrees with the most others (the first of a tie). */
  reference?: string;
  minSimilarity: number;
  /** The head with the shared identity and no expression, model units, head frame. */
  positions: Float32Array;
  /**
   * With the detail option: the person's detail, one static part and one wrinkle response fitted from
   * every view's detail band together (DECA's detail consistency); each view's `detail` is re-synthesised
   * from them at its own expression.
   */
  wrinkles?: ExpressionDetail<DetailResult>;
  timings: { perception: number; fit: number; skin?: number; photometric?: number; detail?: number };
  options: ExpandedReconstructOptions;
}

interface Candidate { photo: PersonPhoto; detection: DetectedFace; faceIndex: number; faceCount: number; targets: Float32Array }

/**
 * Several photos of one person: one identity (fitLandmarksMultiView, then refinePhotometricMultiView,
 * which solves it again from every photo's skin and landmarks), each photo its own pose, focal
 * length, expression and lighting. A photo without
 * the asked-for face, whose face is another person's (face recognition, PERSON_MIN_SIMILARITY), or
 * whose fit fails is left out with a reason, never averaged in. Throws when no photo is left.
 * `onStage` is told as each stage begins (face -1: the stages run over every photo at once).
 */
export async function reconstructPerson(
  ctx: ReconstructContext & { embedder?: FaceEmbedder }, photos: readonly PersonPhoto[], options: PersonOptions = {}, onStage?: StageListener,
): Promise<PersonReconstruction> {
  const { face = 0, minSimilarity = PERSON_MIN_SIMILARITY, ...reconstructOptions } = options;
  const o = expandReconstructOptions(reconstructOptions);
  const rejected: RejectedView[] = [];
  onStage?.('detection', -1);
  let t = performance.now();
  const candidates: Candidate[] = [];
  for (const [i, photo] of photos.entries()) {
    const k = typeof face === 'number' ? face : face[i] ?? 0;
    const found = await ctx.detector.detect(photo.image, { ...o.detection, maxFaces: o.detection.maxFaces === undefined ? undefined : Math.max(o.detection.maxFaces, k + 1) });
    const faces = found.sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
    if (faces.length <= k) {
      rejected.push({ name: photo.name, reason: faces.length === 0 ? 'no face found' : `face ${k} asked for, ${faces.length} found` });
      continue;
    }
    candidates.push({ photo, detection: faces[k], faceIndex: k, faceCount: faces.length, targets: landmarkTargets(faces[k]) });
  }
  const perception = performance.now() - t;

  const { kept, similarities, reference } = await sameFaces(ctx.embedder, candidates, minSimilarity, rejected);
  onStage?.('fit', -1);
  t = performance.now();
  const fitted = fitKept(ctx, kept, o, rejected);
  const fitMs = performance.now() - t;
  if (!fitted) throw new PersonError(`no photo of the person is left: ${rejected.map((r) => `${r.name}: ${r.reason}`).join('; ')}`);
  const { views: used, fit } = fitted;

  const timings: PersonReconstruction['timings'] = { perception, fit: fitMs };
  let skins: SkinMask[] | undefined;
  let photometric: ReturnType<typeof refinePhotometricMultiView> | undefined;
  if (o.photometric) {
    onStage?.('skin', -1);
    t = performance.now();
    skins = used.map((c) => skinMask(c.photo.image, c.detection.landmarks));
    timings.skin = performance.now() - t;
    onStage?.('photometric', -1);
    t = performance.now();
    const p = o.photometric;
    photometric = refinePhotometricMultiView(ctx.model, ctx.landmarks, used.map((c, v) => ({
      photo: c.photo.image, targets: c.targets, fit: fit.views[v],
      options: { confidence: p.confidence ?? c.detection.confidence?.value, skin: (x: number, y: number) => sampleSkin(skins![v], x, y) },
    })), p);
    timings.photometric = performance.now() - t;
  }
  const identity = photometric?.identity ?? fit.identity;
  const full = new Float32Array(ctx.model.identityCount);
  full.set(identity.subarray(0, full.length));
  const views = used.map((c, v): PersonView => {
    const final = photometric?.views[v] ?? fit.views[v];
    return {
      name: c.photo.name, image: c.photo.image, faceIndex: c.faceIndex, faceCount: c.faceCount,
      similarity: similarities.get(c),
      detection: c.detection, fit: fit.views[v], skin: skins?.[v], photometric: photometric?.views[v],
      pose: final.pose, camera: final.camera, identity, expression: final.expression,
      positions: instantiate(ctx.model, { identity: full, expression: final.expression }),
      timings: { fit: fitMs / used.length },
    };
  });
  let wrinkles: ExpressionDetail<DetailResult> | undefined;
  if (o.detail && photometric) {
    onStage?.('detail', -1);
    t = performance.now();
    ({ wrinkles } = personDetail(ctx, views, full, o));
    timings.detail = performance.now() - t;
  }
  return {
    identity, views, rejected, reference: reference?.photo.name, minSimilarity,
    positions: instantiate(ctx.model, { identity: full }), wrinkles, timings, options: o,
  };
}

/**
 * Each view's detail band (the mid band left out: the person's head is one shape) and the person's
 * wrinkles from all of them: one static part, one response (each view's band trusted by its shading
 * evidence). Each view's `detail` becomes the re-synthesis at its own expression.
 */
function personDetail(
  ctx: Pick<ReconstructContext, 'model' | 'landmarks'>, views: PersonView[], identity: Float32Array, o: ExpandedReconstructOptions,
): { wrinkles: ExpressionDetail<DetailResult> } {
  for (const [v, view] of views.entries()) views[v] = { ...view, ...withBands(ctx, view.image, view, { ...o, mid: false }) };
  const bands = views.map((view) => ({ detail: view.detail!, expression: view.expression, weight: view.detail!.evidence }));
  const wrinkles = sharedExpressionDetail(ctx.model, bands, identity);
  for (const view of views) view.detail = { ...view.detail!, height: wrinkles.at(view.expression).height };
  return { wrinkles };
}

/** The reason reconstructPerson gives up: every photo was left out. */
export class PersonError extends Error {
  override readonly name = 'PersonError';
}

/**
 * The candidates showing one person: the reference is the face most others agree with (similarity
 * at least `min`; the earliest of a tie), and every face as similar to it is kept. Without an
 * embedder every candidate is kept.
 */
async function sameFaces(
  embedder: FaceEmbedder | undefined, candidates: Candidate[], min: number, rejected: RejectedView[],
): Promise<{ kept: Candidate[]; similarities: Map<Candidate, number>; reference?: Candidate }> {
  const similarities = new Map<Candidate, number>();
  if (!embedder || candidates.length < 2) return { kept: candidates, similarities, reference: candidates[0] };
  const embeddings = await embedder.embedMany(candidates.map((c) => ({ image: c.photo.image, landmarks: c.detection.landmarks })));
  const sim = embeddings.map((a) => embeddings.map((b) => cosineSimilarity(a, b)));
  const agree = sim.map((row) => row.filter((s) => s >= min).length);
  const r = agree.indexOf(Math.max(...agree));
  const reference = candidates[r];
  const kept: Candidate[] = [];
  candidates.forEach((c, i) => {
    const s = sim[r][i];
    similarities.set(c, i === r ? 1 : s);
    if (i === r || s >= min) kept.push(c);
    else rejected.push({ name: c.photo.name, similarity: s, reason: `another person: face similarity ${s.toFixed(2)} to ${reference.photo.name} is below ${min}` });
  });
  return { kept, similarities, reference };
}

/**
 * The multi-view landmark fit of the kept candidates; a view whose own fit fails (throws, or a
 * residual over PERSON_MAX_RESIDUAL of the face size) is left out and the rest fitted again.
 */
function fitKept(
  ctx: Pick<ReconstructContext, 'landmarks'>, kept: Candidate[], o: ExpandedReconstructOptions, rejected: RejectedView[],
): { views: Candidate[]; fit: ReturnType<typeof fitLandmarksMultiView> } | undefined {
  let views = kept;
  while (views.length > 0) {
    const input = views.map((c): LandmarkView => ({
      targets: c.targets, image: c.photo.image, options: { confidence: o.fit.confidence ?? c.detection.confidence?.value },
    }));
    let fit: ReturnType<typeof fitLandmarksMultiView>;
    try {
      fit = fitLandmarksMultiView(ctx.landmarks, input, o.fit);
    } catch (err) {
      if (views.length === 1) { rejected.push({ name: views[0].photo.name, reason: `fit failed: ${(err as Error).message}` }); return undefined; }
      throw err;
    }
    const failed = views.filter((_, v) => !(fit.single[v].residualNormalised <= PERSON_MAX_RESIDUAL));
    if (failed.length === 0) return { views, fit };
    for (const c of failed) {
      const r = fit.single[views.indexOf(c)].residualNormalised;
      rejected.push({ name: c.photo.name, reason: `fit failed: landmark residual ${(100 * r).toFixed(1)}% of the face size (over ${100 * PERSON_MAX_RESIDUAL}%)` });
    }
    views = views.filter((c) => !failed.includes(c));
  }
  return undefined;
}
