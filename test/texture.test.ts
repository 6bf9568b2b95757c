import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FRONTAL, projectPoints, rotationFromAngles, type Camera, type HeadPose } from '../src/fit/camera.js';
import type { RgbImage } from '../src/geometry/image.js';
import type { MorphableModel } from '../src/model/types.js';
import { loadIctModel } from '../src/model/node/load-ict.js';
import { displayMesh } from '../src/render/display-mesh.js';
import { rasterize } from '../src/render/rasterize.js';
import { bakePhoto } from '../src/texture/bake-photo.js';
import { pushPullFill } from '../src/texture/inpaint.js';
import { rasterizeUv } from '../src/texture/uv-raster.js';

/** A uv index of a vertex (any of its seam copies). */
function vertexUv(model: MorphableModel, vertex: number): [number, number] {
  const c = model.triangles.indexOf(vertex);
  const j = model.triangleUvs[c];
  return [model.uvs[2 * j], model.uvs[2 * j + 1]];
}

function texelOf(uv: [number, number], width: number, height: number, uRange: [number, number] = [0, 1]): number {
  const x = Math.floor(((uv[0] - uRange[0]) / (uRange[1] - uRange[0])) * width);
  const y = Math.floor((1 - uv[1]) * height);
  return y * width + x;
}

test('UV raster: v is up, texels map back to their UV through the barycentrics', () => {
  // Two triangles covering the top half (v in [0.5, 1]) of the unit square.
  const uvs = Float32Array.from([0, 0.5, 1, 0.5, 1, 1, 0, 1]);
  const triangleUvs = Uint32Array.from([0, 1, 2, 0, 2, 3]);
  const frame = rasterizeUv(uvs, triangleUvs, 32, 16);
  for (let y = 0; y < 16; y++) for (let x = 0; x < 32; x++) {
    const p = y * 32 + x, t = frame.triangleId[p];
    assert.equal(t >= 0, y < 8, `row ${y} covered iff in the top half`);
    if (t < 0) continue;
    const b1 = frame.barycentric[2 * p], b2 = frame.barycentric[2 * p + 1], b0 = 1 - b1 - b2;
    const c = [0, 1, 2].map((k) => triangleUvs[3 * t + k]);
    const u = b0 * uvs[2 * c[0]] + b1 * uvs[2 * c[1]] + b2 * uvs[2 * c[2]];
    const v = b0 * uvs[2 * c[0] + 1] + b1 * uvs[2 * c[1] + 1] + b2 * uvs[2 * c[2] + 1];
    assert.ok(Math.abs(u - (x + 0.5) / 32) < 1e-4 && Math.abs(v - (1 - (y + 0.5) / 16)) < 1e-4);
  }
  // A u range shifts which tile lands in the texture.
  const shifted = rasterizeUv(Float32Array.from(Array.from(uvs, (c, i) => (i % 2 ? c : c + 1))), triangleUvs, 32, 16, { uRange: [1, 2] });
  assert.deepEqual(shifted.triangleId, frame.triangleId);
});

test('UV raster of the ICT face covers the face chart and maps texels onto the surface', async () => {
  const { model } = await loadIctModel();
  const size = 1024;
  const started = performance.now();
  const frame = rasterizeUv(model.uvs, model.triangleUvs, size, size, { select: [model.triangleRegions.face] });
  const ms = performance.now() - started;
  let n = 0;
  for (const t of frame.triangleId) if (t >= 0) { n++; assert.ok(t < model.triangleRegions.face[1]); }
  assert.ok(n > 0.6 * size * size && n < 0.98 * size * size, `face chart covers ${n} texels`);
  assert.ok(ms < 2000, `${ms.toFixed(0)} ms`);

  const nose = model.landmarks68[30];
  const p = texelOf(vertexUv(model, nose), size, size);
  const t = frame.triangleId[p];
  assert.ok(t >= 0);
  const b1 = frame.barycentric[2 * p], b2 = frame.barycentric[2 * p + 1], b = [1 - b1 - b2, b1, b2];
  const X = [0, 1, 2].map((c) => b.reduce((s, w, k) => s + w * model.neutral[3 * model.triangles[3 * t + k] + c], 0));
  const dist = Math.hypot(X[0] - model.neutral[3 * nose], X[1] - model.neutral[3 * nose + 1], X[2] - model.neutral[3 * nose + 2]);
  assert.ok(dist < 0.2, `texel of the nose tip lies ${dist.toFixed(3)} units from it`);
});

test('push-pull fill keeps known texels and fills the rest from them', () => {
  const W = 37, H = 23;
  const data = new Uint8Array(W * H * 3);
  const known = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < 5; x++) { known[y * W + x] = 1; data.set([200, 10, 50], 3 * (y * W + x)); }
  known[H * W - 1] = 1; data.set([0, 250, 50], 3 * (H * W - 1));
  pushPullFill(data, W, H, 3, known);
  for (let p = 0; p < W * H; p++) {
    assert.equal(data[3 * p + 2], 50, 'a channel constant over known texels stays constant everywhere');
    if (known[p]) continue;
    assert.ok(data[3 * p] <= 200 && data[3 * p + 1] >= 10 && data[3 * p + 1] <= 250);
  }
  const near = 3 * (10 * W + 6), far = 3 * (H * W - 2);
  assert.ok(data[near] > 150, 'next to the red band it is red');
  assert.ok(data[far + 1] > data[near + 1], 'next to the green texel it is greener');
  assert.deepEqual(Array.from(data.slice(3 * (H * W - 1))), [0, 250, 50]);

  const none = new Uint8Array(4 * 4 * 3);
  pushPullFill(none, 4, 4, 3, new Uint8Array(16));
  assert.ok(none.every((c) => c === 128));
});

async function frontalSetup() {
  const { model } = await loadIctModel();
  const camera: Camera = { focal: 1000, cx: 256, cy: 256, width: 512, height: 512 };
  const pose: HeadPose = { rotation: FRONTAL, translation: Float64Array.from([0, 0, 60]) };
  const view = { camera, pose, positions: model.neutral, triangles: model.triangles, uvs: model.uvs, triangleUvs: model.triangleUvs };
  return { model, camera, pose, view, select: displayMesh(model).select };
}

test('baking a gradient photo reproduces the colour at each visible landmark projection', async () => {
  const { model, camera, pose, view, select } = await frontalSetup();
  const photo: RgbImage = { width: 512, height: 512, data: new Uint8Array(512 * 512 * 3) };
  for (let y = 0; y < 512; y++) for (let x = 0; x < 512; x++) photo.data.set([x >> 1, y >> 1, 100], 3 * (y * 512 + x));
  const size = 1024;
  const baked = bakePhoto({ ...view, photo }, { width: size, height: size, bakeSelect: [model.triangleRegions.face], occluderSelect: select });
  const screen = projectPoints(model.neutral, pose, camera);

  let checked = 0;
  for (const i of [...model.landmarks68.slice(17), ...model.landmarks68.slice(2, 15)]) {
    const p = texelOf(vertexUv(model, i), size, size);
    if (!baked.observed.data[4 * p + 3]) continue;
    checked++;
    // The texel centre is within about a texel of the vertex: ~0.3 px in the photo, under 1 grey level here.
    assert.ok(Math.abs(baked.observed.data[4 * p] - screen[3 * i] / 2) <= 2.5, `landmark ${i} red`);
    assert.ok(Math.abs(baked.observed.data[4 * p + 1] - screen[3 * i + 1] / 2) <= 2.5, `landmark ${i} green`);
    assert.ok(baked.weight[p] > 0.1 && baked.weight[p] <= 1);
  }
  assert.ok(checked >= 55, `only ${checked} landmarks observed`);
  assert.ok(baked.filled.data.every((c, k) => k % 3 !== 2 || c === 100), 'no holes: every filled texel comes from observed ones');
  assert.equal(baked.observed.data[4 * texelOf(vertexUv(model, model.landmarks68[30]), size, size) + 3], 255, 'nose tip observed');
});

test('baking a photo rendered with a colour per region returns those colours, and nothing hidden', async () => {
  const { model, camera, pose, view, select } = await frontalSetup();
  const screen = projectPoints(model.neutral, pose, camera);
  const frame = rasterize(screen, model.triangles, 512, 512, { select });
  const photo: RgbImage = { width: 512, height: 512, data: new Uint8Array(512 * 512 * 3) };
  const [faceEnd, headEnd] = [model.triangleRegions.face[1], model.triangleRegions.headAndNeck[1]];
  for (let p = 0; p < 512 * 512; p++) {
    const t = frame.triangleId[p];
    photo.data.set(t < 0 ? [0, 0, 0] : t < faceEnd ? [255, 0, 0] : t < headEnd ? [0, 0, 255] : [0, 255, 0], 3 * p);
  }
  const bakeSelect: [number, number][] = [model.triangleRegions.face, model.triangleRegions.headAndNeck];
  const baked = bakePhoto({ ...view, photo }, { width: 1024, height: 512, uRange: [0, 2], bakeSelect, occluderSelect: select, cameraFrame: frame });

  let face = 0, faceRed = 0, head = 0, headBlue = 0, hiddenObserved = 0;
  const d = baked.observed.data;
  for (let y = 0; y < 512; y++) for (let x = 0; x < 1024; x++) {
    const p = y * 1024 + x;
    if (!d[4 * p + 3]) continue;
    if (x < 512) { face++; if (d[4 * p] > 200 && d[4 * p + 2] < 55) faceRed++; }
    else { head++; if (d[4 * p + 2] > 200 && d[4 * p] < 55) headBlue++; }
    if (d[4 * p + 1] > 0) hiddenObserved++; // green would come from the eyes/mouth, which lie under no baked texel
  }
  assert.ok(face > 80_000, `${face} face texels observed`);
  assert.ok(faceRed / face > 0.97, `face texels red: ${faceRed}/${face}`);
  assert.ok(head > 1000 && headBlue / head > 0.9, `head texels blue: ${headBlue}/${head}`);
  assert.ok(hiddenObserved < 0.01 * face);

  let back = -1;
  for (const i of model.regions.headAndNeck) {
    const y = model.neutral[3 * i + 1];
    if (y > 0 && y < 8 && (back < 0 || model.neutral[3 * i + 2] < model.neutral[3 * back + 2])) back = i;
  }
  assert.equal(d[4 * texelOf(vertexUv(model, back), 1024, 512, [0, 2]) + 3], 0, 'back of the head unobserved');
});

test('texels hidden behind the nose in a turned view are not baked from the nose', async () => {
  const { model, camera, view, select } = await frontalSetup();
  const pose: HeadPose = { rotation: rotationFromAngles(45, 0, 0), translation: Float64Array.from([0, 0, 60]) };
  const screen = projectPoints(model.neutral, pose, camera);
  const frame = rasterize(screen, model.triangles, 512, 512, { select });
  // Colour the face by side: the half of the face turned away is blue, the near half red.
  const side = (t: number) => model.neutral[3 * model.triangles[3 * t]] + model.neutral[3 * model.triangles[3 * t + 1]] + model.neutral[3 * model.triangles[3 * t + 2]];
  const eyeA = model.landmarks68[45], eyeB = model.landmarks68[36]; // outer eye corners
  const farEye = screen[3 * eyeA + 2] > screen[3 * eyeB + 2] ? eyeA : eyeB;
  const farIsPositive = model.neutral[3 * farEye] > 0;
  const isFar = (t: number) => (side(t) > 0) === farIsPositive;
  const photo: RgbImage = { width: 512, height: 512, data: new Uint8Array(512 * 512 * 3) };
  for (let p = 0; p < 512 * 512; p++) {
    const t = frame.triangleId[p];
    if (t >= 0 && t < model.triangleRegions.face[1]) photo.data.set(isFar(t) ? [0, 0, 255] : [255, 0, 0], 3 * p);
  }
  const baked = bakePhoto({ ...view, pose, photo }, { width: 1024, height: 1024, bakeSelect: [model.triangleRegions.face], occluderSelect: select, cameraFrame: frame });
  let far = 0, farBlue = 0;
  for (let p = 0; p < 1024 * 1024; p++) {
    if (!baked.observed.data[4 * p + 3] || !isFar(baked.uvFrame.triangleId[p])) continue;
    far++;
    if (baked.observed.data[4 * p + 2] > 128) farBlue++;
  }
  assert.ok(far > 20_000, `${far} far-side texels observed`);
  assert.ok(farBlue / far > 0.97, `far-side texels baked from the far side: ${farBlue}/${far}`);
});
