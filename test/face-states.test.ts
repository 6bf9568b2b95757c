import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadIctModel } from '../src/model/node/load-ict.js';
import { mediapipeLandmarkModel } from '../src/correspondence/landmark-model.js';
import { createFaceDetector } from '../src/perception/index.js';
import { nodeDetectorSetup } from '../src/perception/node-model-loader.js';
import { reconstructImage } from '../src/pipeline/reconstruct.js';
import { chiSquare99, identityPlausibility } from '../src/fit/identity-prior.js';
import { albedoLayout } from '../bench/synthetic/albedo.js';
import { makeFacePicture } from '../bench/synthetic/face-picture.js';
import { faceStateGaps, faceStateThresholds } from '../bench/metrics/face-state-gaps.js';

const { model } = await loadIctModel({ progress: false });
const landmarks = mediapipeLandmarkModel(model);
const detector = await createFaceDetector(nodeDetectorSetup());
after(() => detector.dispose());
const layout = albedoLayout(model);
const thresholds = faceStateThresholds(model);

/** Reconstructs near-frontal synthetic pictures of one expression (landmark fit) and returns truth and fitted gaps. */
async function statesOf(expression: Record<string, number>, indices: number[]) {
  const out = [];
  for (const index of indices) {
    const picture = makeFacePicture(model, layout, 11, index, { maxYaw: 20, maxTilt: 10, faceWidthPx: [220, 260], expression });
    const result = await reconstructImage({ model, landmarks, detector }, picture.image, { photometric: false });
    assert.equal(result.faces.length, 1, `picture ${index}: one face`);
    out.push({ truth: faceStateGaps(model, picture.positions), fitted: faceStateGaps(model, result.faces[0].positions) });
  }
  return out;
}

test('a blink render closes the fitted eyes; the same faces with open eyes keep them open', async () => {
  for (const [k, { truth, fitted }] of (await statesOf({ eyeBlink_L: 1, eyeBlink_R: 1 }, [0, 1, 2])).entries()) {
    assert.ok(truth.eyeLeftMm < thresholds.eyeClosedMm && truth.eyeRightMm < thresholds.eyeClosedMm, `picture ${k}: the render blinks`);
    assert.ok(fitted.eyeLeftMm < thresholds.eyeClosedMm, `picture ${k}: left eyelid gap ${fitted.eyeLeftMm.toFixed(2)} mm`);
    assert.ok(fitted.eyeRightMm < thresholds.eyeClosedMm, `picture ${k}: right eyelid gap ${fitted.eyeRightMm.toFixed(2)} mm`);
  }
  for (const [k, { fitted }] of (await statesOf({}, [0, 1, 2])).entries()) {
    assert.ok(fitted.eyeLeftMm > thresholds.eyeClosedMm && fitted.eyeRightMm > thresholds.eyeClosedMm, `picture ${k}: open eyes stay open`);
  }
});

test('identity plausibility: chi-square 99th percentile, flags beyond it or beyond 3 sigma', () => {
  assert.ok(Math.abs(chiSquare99(50) - 76.154) < 0.1, `k = 50: ${chiSquare99(50)}`);
  assert.ok(Math.abs(chiSquare99(10) - 23.209) < 0.1, `k = 10: ${chiSquare99(10)}`);
  const plain = identityPlausibility(new Float32Array(50).fill(1));
  assert.equal(plain.flagged, false);
  assert.ok(Math.abs(plain.mahalanobisNorm - Math.sqrt(50)) < 1e-6);
  const caricature = new Float32Array(50); caricature[7] = -3.2;
  const c = identityPlausibility(caricature);
  assert.equal(c.flagged, true);
  assert.equal(c.largestMode, 7);
  assert.equal(identityPlausibility(new Float32Array(50).fill(1.3)).flagged, true, 'norm 9.2 beyond sqrt(76.15) = 8.73');
});
