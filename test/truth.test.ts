import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadIctModel } from '../src/model/node/load-ict.js';
import { instantiate } from '../src/model/instance.js';
import { FRONTAL } from '../src/base/camera.js';
import { shFromLight } from '../src/lighting/sh.js';
import { renderTextured } from '../src/render/textured.js';
import { albedoLayout } from '../bench/synthetic/albedo.js';
import { makeFacePicture } from '../bench/synthetic/face-picture.js';
import { createFaceDetector } from '../src/perception/index.js';
import { nodeDetectorSetup } from '../src/perception/node-model-loader.js';
import { writeDataset } from '../bench/accuracy/dataset.js';
import { runAccuracyBench } from '../bench/accuracy/run.js';
import { METHODS } from '../bench/accuracy/methods.js';

const { model } = await loadIctModel({ progress: false });
const layout = albedoLayout(model);

test('textured render: uniform light shows the albedo, alpha marks coverage', () => {
  const grey = { width: 4, height: 4, data: new Uint8Array(48).fill(188) }; // sRGB 188 = linear 0.5
  const camera = { focal: 900, cx: 128, cy: 128, width: 256, height: 256 };
  const pose = { rotation: FRONTAL, translation: Float64Array.from([0, 0, 80]) };
  const sh = shFromLight([0, 0, 1], [1, 1, 1], [0, 0, 0]); // uniform white environment: shading 1
  const r = renderTextured({ positions: model.neutral, triangles: model.triangles, uvs: model.uvs, triangleUvs: model.triangleUvs, select: layout.select },
    pose, camera, { kind: 'texture', tiles: [grey, grey, grey, grey, grey] }, sh);
  const centre = 4 * (128 * 256 + 128);
  assert.equal(r.image.data[centre + 3], 255);
  for (let c = 0; c < 3; c++) assert.ok(Math.abs(r.image.data[centre + c] - 188) <= 2, `channel ${c}: ${r.image.data[centre + c]}`);
  assert.equal(r.image.data[3], 0, 'corner is background');
});

test('synthetic faces are deterministic and hold shape the model cannot express', () => {
  const a = makeFacePicture(model, layout, 5, 2, { width: 256, height: 256, faceWidthPx: [110, 140] });
  const b = makeFacePicture(model, layout, 5, 2, { width: 256, height: 256, faceWidthPx: [110, 140] });
  assert.deepEqual(a.image.data, b.image.data);
  assert.deepEqual(a.positions, b.positions);
  assert.ok(Math.abs(a.truth.pose.yaw) <= 70 && Math.abs(a.truth.pose.pitch) <= 25 && Math.abs(a.truth.pose.roll) <= 25);
  // The truth minus the model instance with its own coefficients: millimetres of extra shape on the face.
  const instance = instantiate(model, { identity: Float32Array.from(a.truth.identity), expression: Float32Array.from(model.expressionNames, (n) => a.truth.expression[n] ?? 0) });
  let sq = 0;
  for (const i of model.regions.narrowFace) {
    for (let c = 0; c < 3; c++) sq += (a.positions[3 * i + c] - instance[3 * i + c]) ** 2;
  }
  const rmsMm = Math.sqrt(sq / model.regions.narrowFace.length) * model.unitsToMillimetres;
  assert.ok(rmsMm > 0.3 && rmsMm < 6, `extra shape RMS ${rmsMm} mm`);
});

// The photometric method, its detail bands and the model floor have tests of their own (photometric,
// detail, mid-band, synthetic-realistic): here they would only multiply the time of a test about the harness.
const HARNESS_METHODS = ['mean-face', 'landmark-fit', 'facemesh-468', 'oracle-true-2d'];
test('accuracy harness on 3 synthetic faces: finite scores, landmark fit beats the mean face', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'facerecon-truth-'));
  const detector = await createFaceDetector(nodeDetectorSetup());
  try {
    await writeDataset(model, dir, 7, 3, { detail: false });
    const { report, scores, text } = await runAccuracyBench({ model, detector, dataDir: dir, methods: METHODS.filter((m) => HARNESS_METHODS.includes(m.name)), floor: false });
    assert.equal(report.pictures, 3);
    assert.ok(report.detected >= 2, `detected ${report.detected}/3`);
    const by = Object.fromEntries(report.methods.map((m) => [m.method, m]));
    for (const name of ['mean-face', 'landmark-fit', 'facemesh-468']) {
      const m = by[name];
      assert.ok(m, name);
      for (const v of [m.now.median, m.now.mean, m.now.std, m.normalAngleMeanDeg, m.landmark2dPercent, m.regions.nose.meanOfMeans]) assert.ok(Number.isFinite(v), `${name}: ${v}`);
      assert.ok(m.now.median > 0.1 && m.now.median < 10, `${name} median ${m.now.median} mm`);
    }
    assert.ok(by['landmark-fit'].now.median < by['mean-face'].now.median, `landmark fit ${by['landmark-fit'].now.median} vs mean face ${by['mean-face'].now.median}`);
    // The same fit on perfect landmarks must do better: the metric sees the landmark network's error.
    assert.ok(by['oracle-true-2d'].now.median < by['landmark-fit'].now.median, `oracle ${by['oracle-true-2d'].now.median} vs landmark fit ${by['landmark-fit'].now.median}`);
    assert.ok(by['oracle-true-2d'].landmark2dPercent < by['landmark-fit'].landmark2dPercent);
    assert.ok(Number.isFinite(by['landmark-fit'].identityCosine));
    assert.ok(scores.every((s) => !s.detected || s.methods.every((m) => m.now.icpIterations <= 30)));
    assert.match(text, /landmark-fit/);
  } finally {
    detector.dispose();
    await rm(dir, { recursive: true, force: true });
  }
});
