import type { MorphableModel } from '../model/types.js';
import { buildFaceParams, type FaceParams, type ExpressionClip } from '../export/index.js';
import { poseAngles } from '../base/camera.js';
import { identityPlausibility } from '../fit/identity-prior.js';
import { optionsRecord } from './options.js';
import type { FaceEmbedder } from '../identity/index.js';
import {
  buildFaceOutputs, completeFaceAlbedo, outputChooser, overlayImage, paramsFor, type ImageOutputOptions, type JpegEncoder, type OutputFiles, type OutputName, type PngEncoder,
} from './outputs.js';
import type { PersonReconstruction, PersonView } from './reconstruct-person.js';
import { wrinkleSummary } from '../detail/expression-detail.js';

export interface PersonOutputOptions {
  embedder?: FaceEmbedder;
  /** Per view name: the photo as given, when the view is a downscaled copy (see ImageOutputOptions.original). */
  originals?: Record<string, ImageOutputOptions['original']>;
  outputs?: readonly OutputName[];
  encodeJpeg?: JpegEncoder;
  /** A clip head.glb plays: a tracked video's performance (see ExpressionClip). */
  clip?: ExpressionClip;
}

/** The overlay file of a view (its name is a file stem, unique among the views). */
export const personOverlayName = (view: string) => `overlay-${view}.png`;

/**
 * One folder for a person: the head with the shared identity and no expression (head.glb, mesh.obj,
 * mesh.ply, render.png), albedo.png fused from every view (the most frontal one sets its exposure and
 * white balance), eyes.png, shading.png, skin.png and compare.png of the most frontal view, overlay-<view>.png per view, and params.json with the
 * shared identity, a block per view (pose, camera, expression, lighting) and the photos left out.
 */
export async function buildPersonOutputs(
  model: MorphableModel, person: PersonReconstruction, encodePng: PngEncoder, options: PersonOutputOptions = {},
): Promise<OutputFiles> {
  const wants = outputChooser(options.outputs);
  const files: OutputFiles = {};
  const texture = textureView(person.views);
  const t0 = performance.now();
  const others = person.views.filter((v) => v !== texture).map((v) => ({ photo: v.image, face: v }));
  const head = {
    positions: person.positions, expression: new Float32Array(model.expressionNames.length),
    albedo: () => completeFaceAlbedo(model, texture.image, texture, others), glb: { clip: options.clip },
  };
  // The head has no expression: its detail is the person's static part (the views' folds taken out).
  const face = person.wrinkles && texture.detail ? { ...texture, detail: { ...texture.detail, height: person.wrinkles.at(head.expression).height } } : texture;
  const built = await buildFaceOutputs(model, texture.image, face, encodePng, wants, wants('identity') ? options.embedder : undefined, options.encodeJpeg, head);
  Object.assign(files, built.files);
  const exportMs = performance.now() - t0;
  if (wants('overlay.png')) {
    for (const view of person.views) files[personOverlayName(view.name)] = await encodePng(overlayImage(model, view.image, [view]));
  }
  const views = person.views.map((view) => {
    const { model: _m, units: _u, frame: _f, identity: _i, identityPrior: _p, options: _o, ...own } = paramsFor(
      model, view, person.options, undefined, {}, view === texture ? built : {}, options.originals?.[view.name],
    ) as FaceParams;
    return {
      name: view.name, face: view.faceIndex, facesFound: view.faceCount,
      ...(view.similarity === undefined ? {} : { similarityToReference: round(view.similarity) }),
      ...(wants('overlay.png') ? { overlay: personOverlayName(view.name) } : {}),
      ...own,
    };
  });
  const plausibility = identityPlausibility(person.identity);
  const shared = buildFaceParams({
    model, identity: person.identity, expression: head.expression, angles: poseAngles(texture.pose.rotation), rotation: texture.pose.rotation,
    translationMm: [0, 0, 0], camera: texture.camera, fit: { residualPx: 0, residualNormalised: 0, landmarkCount: 0, iterations: 0 }, timingsMs: {},
    identityPrior: {
      modes: plausibility.modes, mahalanobisNorm: plausibility.mahalanobisNorm, normLimit99: plausibility.normLimit,
      largestSigma: plausibility.largestSigma, largestMode: plausibility.largestMode, flagged: plausibility.flagged,
    },
  });
  const params = {
    model: shared.model, units: shared.units, frame: shared.frame,
    person: {
      views: person.views.length, rejected: person.rejected.length, reference: person.reference, minSimilarity: person.minSimilarity,
      textureView: texture.name,
    },
    identity: shared.identity, identityPrior: shared.identityPrior,
    ...(person.wrinkles ? { wrinkles: wrinkleSummary(person.wrinkles) } : {}),
    views,
    rejected: person.rejected.map((r) => ({ name: r.name, reason: r.reason, ...(r.similarity === undefined ? {} : { similarity: round(r.similarity) }) })),
    timingsMs: Object.fromEntries(Object.entries({ ...person.timings, export: exportMs, ...built.timings }).map(([k, v]) => [k, Math.round(v * 10) / 10])),
    options: optionsRecord(person.options),
  };
  files['params.json'] = `${JSON.stringify(params, null, 2)}\n`;
  return files;
}

/** The view whose face the camera sees most frontally: the textures come from it. */
function textureView(views: readonly PersonView[]): PersonView {
  const turn = (v: PersonView) => { const a = poseAngles(v.pose.rotation); return Math.hypot(a.yaw, a.pitch); };
  return views.reduce((best, v) => (turn(v) < turn(best) ? v : best));
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;
