import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadIctModel } from '../src/model/node/load-ict.js';
import { rotationFromAngles, type Camera } from '../src/base/camera.js';
import { linearToSrgb } from '../src/base/colour.js';
import { shFromLight } from '../src/lighting/sh.js';
import { correspondencePoints } from '../src/correspondence/landmark-model.js';
import { seededRandom } from '../bench/synthetic/landmark-scene.js';
import { fineScore, fineTruth, FINE_GRID } from '../bench/metrics/fine-detail.js';

// The fine-detail scores of the accuracy bench (bench/metrics/fine-detail.ts) on answers known by construction.
const { model } = await loadIctModel({ progress: false });
const S = 1024;
const positions = model.neutral;
const pose = { rotation: rotationFromAngles(15, 0, 0), translation: Float64Array.from([0, -2, 46]) };
const camera: Camera = { focal: 900, cx: 192, cy: 192, width: 384, height: 384 };
// Diagonal ridges 0.3 mm high about 6 mm apart (the face chart spans about 250 mm of UV).
const height = new Float32Array(S * S);
for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) height[y * S + x] = 0.3 * Math.sin((2 * Math.PI * (x + y)) / 24);
const truth = fineTruth(model, {
  image: { width: camera.width, height: camera.height, data: new Uint8Array(3 * camera.width * camera.height) },
  positions, pose, camera, sh: shFromLight([0.7, 0.2, 0.7], [0.2, 0.2, 0.2], [0.8, 0.8, 0.8]),
  noseTip: correspondencePoints(Float32Array.from(positions, (v) => v * model.unitsToMillimetres), [1]), displacement: { size: S, height },
});
const IDENTITY = [1, 0, 0, 0, 1, 0, 0, 0, 1];

test('the true detailed surface scores about 0 degrees against itself (registered through the picture), and the bare mesh the angle its detail adds', () => {
  const visible = truth.visible.reduce((a, v) => a + v, 0);
  assert.ok(visible > 20000, `${visible} texels scored`);
  const self = fineScore(model, truth, { positions, pose, camera, rotation: IDENTITY, detail: { size: S, height } });
  assert.ok(self.texels > 0.95 * visible, `${self.texels} of ${visible} texels registered through the picture`);
  assert.ok(self.normalMeanDeg < 0.5 && self.normalMedianDeg < 0.2, `${self.normalMeanDeg} deg`);
  // Ridges of slope 2 pi 0.3 / (wavelength in mm): tens of degrees at their flanks, so the bare mesh scores far above 0.
  const bare = fineScore(model, truth, { positions, pose, camera, rotation: IDENTITY });
  assert.ok(bare.normalMedianDeg > 5, `bare mesh: ${bare.normalMedianDeg} deg`);
});

test('a head turned by 6 degrees about the vertical scores each texel by how far its normal turns, and 0 once its alignment turns it back', () => {
  const a = (6 * Math.PI) / 180, R = [Math.cos(a), 0, Math.sin(a), 0, 1, 0, -Math.sin(a), 0, Math.cos(a)], turned = new Float32Array(positions.length);
  for (let i = 0; i < positions.length; i += 3) for (let r = 0; r < 3; r++) turned[i + r] = R[3 * r] * positions[i] + R[3 * r + 1] * positions[i + 1] + R[3 * r + 2] * positions[i + 2];
  // The picture is unchanged: the pose turns the head back (its rotation times R transposed).
  const P = pose.rotation, Rt = [R[0], R[3], R[6], R[1], R[4], R[7], R[2], R[5], R[8]];
  const turnedPose = { rotation: Float64Array.from({ length: 9 }, (_, k) => P[3 * Math.floor(k / 3)] * Rt[k % 3] + P[3 * Math.floor(k / 3) + 1] * Rt[3 + (k % 3)] + P[3 * Math.floor(k / 3) + 2] * Rt[6 + (k % 3)]), translation: pose.translation };
  const detail = { size: S, height };
  const tilted = fineScore(model, truth, { positions: turned, pose: turnedPose, camera, rotation: IDENTITY, detail });
  // A normal n turned by a about y moves by 2 asin(sin(a / 2) |n x y|): 6 degrees where it is level, less where it looks up or down.
  let expected = 0, n = 0;
  for (let p = 0; p < truth.visible.length; p++) {
    if (!truth.visible[p]) continue;
    expected += (2 * Math.asin(Math.sin(a / 2) * Math.sqrt(1 - truth.normals[3 * p + 1] ** 2)) * 180) / Math.PI; n++;
  }
  expected /= n;
  assert.ok(expected > 5 && Math.abs(tilted.normalMeanDeg - expected) < 0.5, `${tilted.normalMeanDeg} deg, expected ${expected}`);
  const aligned = fineScore(model, truth, { positions: turned, pose: turnedPose, camera, rotation: Rt, detail });
  assert.ok(aligned.normalMeanDeg < 0.5, `${aligned.normalMeanDeg} deg`);
});

test('an albedo carrying the detail\'s shading is contaminated (correlation near 1); one with unrelated pigment is not', () => {
  const G = FINE_GRID, rnd = seededRandom(3);
  const paint = (logLum: (p: number) => number) => {
    const data = new Uint8Array(3 * G * G);
    for (let p = 0; p < G * G; p++) data.fill(Math.round(255 * linearToSrgb(0.25 * Math.exp(logLum(p)))), 3 * p, 3 * p + 3);
    return { width: G, height: G, data };
  };
  const painted = fineScore(model, truth, { positions, pose, camera, rotation: IDENTITY, albedo: paint((p) => truth.detailShading[p]) });
  assert.ok(painted.albedoContamination > 0.9, `painted-in shading: ${painted.albedoContamination}`);
  const freckled = fineScore(model, truth, { positions, pose, camera, rotation: IDENTITY, albedo: paint(() => 0.2 * rnd.normal()) });
  assert.ok(Math.abs(freckled.albedoContamination) < 0.1, `unrelated pigment: ${freckled.albedoContamination}`);
});
