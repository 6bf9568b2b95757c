import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mediapipeLandmarkModel } from '../src/correspondence/landmark-model.js';
import { instantiate } from '../src/model/instance.js';
import { fitLandmarksMultiView, viewIndependence } from '../src/fit/multi-view-fit.js';
import { rotationFromAngles } from '../src/base/camera.js';
import { alignedVertexError } from '../bench/metrics/rigid-align.js';
import { randomLandmarkScene, seededRandom } from '../bench/synthetic/landmark-scene.js';
import { loadSmallModel } from './helpers/small-model.js';

const small = await loadSmallModel();
const { model } = small;
const lm = mediapipeLandmarkModel(model, 50, small.correspondence);
const mm = model.unitsToMillimetres;
const K = lm.identityCount;

/**
 * Neutral-face error (mm, mean over the face after a similarity alignment, as NoW aligns) of fitted
 * identity weights against the truth's. Without the scale, the head's size, which no number of photos
 * without a known distance fixes, would swamp the shape.
 */
function neutralErrorMm(identity: Float32Array, truth: Float32Array): number {
  const full = (w: Float32Array) => { const out = new Float32Array(model.identityCount); out.set(w.subarray(0, model.identityCount)); return out; };
  return alignedVertexError(instantiate(model, { identity: full(identity) }), instantiate(model, { identity: full(truth) }), model.regions.narrowFace, true).mean * mm;
}

/** Views of one person (identity from `person`): their own poses, cameras and expressions, landmarks with noise of `noise` x face size. */
function personViews(person: number, viewSeeds: number[], noise: number) {
  const rnd = seededRandom(1000 + person);
  const identity = Float32Array.from({ length: model.identityCount }, (_, m) => (m < K ? rnd.normal() : 0));
  const views = viewSeeds.map((seed) => {
    const scene = randomLandmarkScene(model, lm.surface, seed, { contour: lm.contour, identity, maxYaw: 40 });
    const targets = Float32Array.from(scene.targets);
    const faceSize = 0.6 * scene.camera.focal * 14 / scene.pose.translation[2];
    for (let i = 0; i < targets.length; i++) targets[i] += noise * faceSize * rnd.normal();
    return { targets, image: scene.camera, options: { focal: scene.camera.focal } };
  });
  return { identity, views };
}

test('shared identity from three views of one person beats the best single view, on exact and on noisy landmarks', () => {
  for (const noise of [0, 0.015]) {
    let sharedSum = 0, bestSingleSum = 0;
    for (const person of [1, 2, 3]) {
      const { identity, views } = personViews(person, [10 * person + 1, 10 * person + 2, 10 * person + 3], noise);
      const fit = fitLandmarksMultiView(lm, views, { sigma: 0.015, expressionPrior: 0.05, asymmetryPrior: 0 });
      assert.equal(fit.views.length, 3);
      const shared = neutralErrorMm(fit.identity, identity);
      const singles = fit.single.map((f) => neutralErrorMm(f.identity, identity));
      const at = `noise ${noise}, person ${person}: shared ${shared.toFixed(2)} mm, single views ${singles.map((e) => e.toFixed(2)).join(' ')}`;
      assert.ok(shared < singles.reduce((a, b) => a + b) / singles.length, at);
      // Each view keeps its own pose and expression with the shared identity: its landmarks still fit.
      for (const v of fit.views) assert.ok(v.residualNormalised < (noise ? 0.04 : 0.01), `${at}: view residual ${v.residualNormalised}`);
      sharedSum += shared;
      bestSingleSum += Math.min(...singles);
    }
    assert.ok(sharedSum < 0.92 * bestSingleSum, `noise ${noise}: shared ${sharedSum / 3} mm vs best single ${bestSingleSum / 3} mm on average`);
  }
});

test('one view gives the single-view fit unchanged; no view is refused', () => {
  const { views } = personViews(4, [41], 0.01);
  const fit = fitLandmarksMultiView(lm, views);
  assert.deepEqual(Array.from(fit.identity), Array.from(fit.single[0].identity));
  assert.throws(() => fitLandmarksMultiView(lm, []), /no views/);
});

test('copies of one photo count as one view: the same or the mirrored pose shares its weight, distinct poses keep theirs', () => {
  const at = (yaw: number, pitch: number, roll: number) => rotationFromAngles(yaw, pitch, roll);
  const [a, mirrored, other] = viewIndependence([at(25, 5, 8), at(-25, 5, -8), at(-5, -10, 0)]);
  assert.ok(Math.abs(a - 0.5) < 0.01 && Math.abs(mirrored - 0.5) < 0.01, `copy pair ${a} ${mirrored}`);
  assert.ok(other > 0.99, `distinct view ${other}`);
  // 6 degrees apart: mostly independent, not yet a copy.
  const [p, q] = viewIndependence([at(20, 0, 0), at(26, 0, 0)]);
  assert.ok(p > 0.8 && p < 0.95 && Math.abs(p - q) < 1e-9, `6 degrees apart: ${p}`);
});

test('near-duplicate views do not inflate the shared identity: three copies of one photo fit as that photo alone', () => {
  const { identity, views } = personViews(5, [51], 0.015);
  const copies = [views[0], { ...views[0], targets: Float32Array.from(views[0].targets, (v) => v + 0.2) }, views[0]];
  const options = { sigma: 0.015, expressionPrior: 0.05, asymmetryPrior: 0 };
  const single = fitLandmarksMultiView(lm, views, options);
  const fit = fitLandmarksMultiView(lm, copies, options);
  const norm = (w: Float32Array) => Math.hypot(...w);
  // Counted as three independent photos, the copies' shared noise would weigh three times against one prior.
  const at = `copies: norm ${norm(fit.identity).toFixed(3)}, ${neutralErrorMm(fit.identity, identity).toFixed(3)} mm; single ${norm(single.identity).toFixed(3)}, ${neutralErrorMm(single.identity, identity).toFixed(3)} mm`;
  assert.ok(Math.abs(norm(fit.identity) / norm(single.identity) - 1) < 0.03, at);
  assert.ok(Math.abs(neutralErrorMm(fit.identity, identity) - neutralErrorMm(single.identity, identity)) < 0.05, at);
});
