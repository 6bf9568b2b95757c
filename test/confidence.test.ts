import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { loadIctModel } from '../src/model/node/load-ict.js';
import { mediapipeLandmarkModel } from '../src/correspondence/landmark-model.js';
import { createFaceDetector } from '../src/perception/index.js';
import { nodeDetectorSetup } from '../src/perception/node-model-loader.js';
import { faceConfidence, MIN_CONFIDENCE } from '../src/perception/confidence.js';
import { reconstructFace } from '../src/pipeline/reconstruct.js';
import { identityPlausibility, IDENTITY_SIGMA_LIMIT } from '../src/fit/identity-prior.js';
import { sampleImage } from './helpers/shared-data.js';

test('confidence: 1 on clear evidence, lower for each weak cause, never below its floor', () => {
  const clear = faceConfidence({ sharpness: 1.1, faceSizePx: 200, disagreement: 0.012 });
  assert.ok(clear.value > 0.99 && clear.sharpness === 1 && clear.agreement === 1, `clear: ${clear.value}`);
  const blurred = faceConfidence({ sharpness: 0.3, faceSizePx: 200, disagreement: 0.012 });
  assert.ok(Math.abs(blurred.sharpness - 0.4) < 1e-9, `blur: ${blurred.sharpness}`);
  const tiny = faceConfidence({ sharpness: 1.1, faceSizePx: 10, disagreement: 0.012 });
  assert.ok(tiny.size < 0.75, `10 px face: ${tiny.size}`);
  assert.ok(faceConfidence({ sharpness: 1.1, faceSizePx: 40, disagreement: 0.012 }).size > 0.95, 'a 40 px face loses little');
  const unstable = faceConfidence({ sharpness: 1.1, faceSizePx: 200, disagreement: 0.08 });
  assert.ok(unstable.agreement < 0.7, `8% disagreement: ${unstable.agreement}`);
  assert.equal(faceConfidence({ sharpness: 1.1, faceSizePx: 200, disagreement: 0.03 }).agreement, 1, 'as much as clear faces show costs nothing');
  for (const c of [blurred, tiny, unstable]) assert.ok(Math.abs(c.value - c.sharpness * c.size * c.agreement) < 1e-12, 'the product of the components');
  assert.equal(faceConfidence({ sharpness: 0.01, faceSizePx: 5, disagreement: 0.5 }).value, MIN_CONFIDENCE);
});

const { model } = await loadIctModel({ progress: false });
const landmarks = mediapipeLandmarkModel(model);
const detector = await createFaceDetector(nodeDetectorSetup());
after(() => detector.dispose());

async function photo(blurSigma: number) {
  const img = sharp(sampleImage('grace_hopper.jpg')).removeAlpha();
  const { data, info } = await (blurSigma > 0 ? img.blur(blurSigma) : img).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

test('a strongly blurred photo: lower confidence, and a head no less plain than the sharp one (no weight beyond 3 sigma)', async () => {
  const faces = [];
  // Sigma 8 px is 4% of this face (about 200 px): the landmark network still finds it, but guesses.
  for (const blur of [0, 8]) {
    const image = await photo(blur);
    const found = await detector.detect(image);
    assert.equal(found.length, 1, `blur ${blur}: one face`);
    const face = reconstructFace({ model, landmarks }, image, found[0]!);
    faces.push({ confidence: found[0]!.confidence!.value, identity: identityPlausibility(face.identity), priors: face.photometric!.priors });
  }
  const [clear, blurred] = faces as [typeof faces[0], typeof faces[0]];
  assert.ok(clear.confidence > 0.9, `sharp photo: confidence ${clear.confidence.toFixed(2)}`);
  assert.ok(blurred.confidence < clear.confidence - 0.3, `blurred photo: confidence ${blurred.confidence.toFixed(2)} against ${clear.confidence.toFixed(2)}`);
  assert.ok(blurred.priors.identity > 2 * clear.priors.identity, 'the weak evidence weighs the priors more');
  const norms = `identity norm ${blurred.identity.mahalanobisNorm.toFixed(2)} blurred, ${clear.identity.mahalanobisNorm.toFixed(2)} sharp`;
  // Unscaled priors give the blurred photo a broader head than the sharp one (norm 7.0 against 5.8).
  assert.ok(blurred.identity.mahalanobisNorm < clear.identity.mahalanobisNorm + 0.5, norms);
  assert.ok(blurred.identity.largestSigma < IDENTITY_SIGMA_LIMIT, `largest weight ${blurred.identity.largestSigma.toFixed(2)} sigma`);
  assert.equal(blurred.identity.flagged, false);
});
