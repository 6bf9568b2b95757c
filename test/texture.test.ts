import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FRONTAL, projectPoints, rotationFromAngles, type Camera, type HeadPose } from '../src/base/camera.js';
import type { RgbImage } from '../src/base/image.js';
import type { MorphableModel } from '../src/model/types.js';
import { loadIctModel } from '../src/model/node/load-ict.js';
import { displayMesh } from '../src/render/display-mesh.js';
import { rasterise } from '../src/render/rasterise.js';
import { vertexNormals } from '../src/base/normals.js';
import { shFromLight, shShade } from '../src/lighting/sh.js';
import { linearToSrgb8 } from '../src/base/colour.js';
import { bakePhoto, observeTexels } from '../src/texture/bake-photo.js';
import { completeAlbedo, completeAlbedoFromViews, type AlbedoCompletionOptions } from '../src/texture/complete-albedo.js';
import { distanceToSource } from '../src/texture/distance.js';
import { pushPullBlend, pushPullFill, screenedMembrane } from '../src/texture/inpaint.js';
import { membraneSolver } from '../src/texture/membrane-solve.js';
import { solveSpd } from '../src/base/linalg.js';
import { textureLayout } from '../src/texture/mirror-map.js';
import { rasteriseUv } from '../src/texture/uv-raster.js';
import { ALL_468, correspondencePoints } from '../src/correspondence/landmark-model.js';
import { sampleSkin, skinMask, textureExclusion } from '../src/skin/index.js';
import { fillPolygon } from '../src/skin/crop-raster.js';
import { growPolygon, landmarkPolygon, LEFT_EYEBROW, LIPS_INNER, LIPS_OUTER, RIGHT_EYEBROW } from '../src/skin/landmark-regions.js';

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
  const frame = rasteriseUv(uvs, triangleUvs, 32, 16);
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
  const shifted = rasteriseUv(Float32Array.from(Array.from(uvs, (c, i) => (i % 2 ? c : c + 1))), triangleUvs, 32, 16, { uRange: [1, 2] });
  assert.deepEqual(shifted.triangleId, frame.triangleId);
});

test('UV raster of the ICT face covers the face chart and maps texels onto the surface', async () => {
  const { model } = await loadIctModel();
  const size = 1024;
  const frame = rasteriseUv(model.uvs, model.triangleUvs, size, size, { select: [model.triangleRegions.face] });
  let n = 0;
  for (const t of frame.triangleId) if (t >= 0) { n++; assert.ok(t < model.triangleRegions.face[1]); }
  assert.ok(n > 0.6 * size * size && n < 0.98 * size * size, `face chart covers ${n} texels`);

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
  const frame = rasterise(screen, model.triangles, 512, 512, { select });
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
  const frame = rasterise(screen, model.triangles, 512, 512, { select });
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

// ---- Texture completion (completeAlbedo) ----

const SIZE = 1024;
/** A strong light from the upper left plus ambient, so dividing it out matters. */
const LIGHT = shFromLight([-0.5, 0.5, 0.7], [0.45, 0.45, 0.45], [0.6, 0.55, 0.5]);

/** Known linear albedo, mirror-symmetric in the ICT face tile (whose layout maps x -> -x to u -> 1 - u). */
function truthAlbedo(u: number, v: number): [number, number, number] {
  const a = Math.abs(u - 0.5);
  return [0.4 + 0.15 * Math.sin(6 * Math.PI * v), 0.25 + 0.1 * Math.cos(8 * Math.PI * a), 0.18 + 0.08 * Math.sin(10 * Math.PI * (a + v))];
}

let truthTexture: Uint8Array | undefined;
/** sRGB8 of the known albedo at texel p's centre. */
function truthTexel(p: number): Uint8Array {
  if (!truthTexture) {
    truthTexture = new Uint8Array(3 * SIZE * SIZE);
    for (let q = 0; q < SIZE * SIZE; q++) {
      const a = truthAlbedo(((q % SIZE) + 0.5) / SIZE, 1 - (Math.floor(q / SIZE) + 0.5) / SIZE);
      for (let c = 0; c < 3; c++) truthTexture[3 * q + c] = linearToSrgb8(a[c]);
    }
  }
  return truthTexture.subarray(3 * p, 3 * p + 3);
}

async function albedoScene(yaw: number) {
  const { model, camera, view, select } = await frontalSetup();
  const pose: HeadPose = { rotation: rotationFromAngles(yaw, 0, 0), translation: Float64Array.from([0, 0, 60]) };
  const photo = renderAlbedo(model, pose, camera, select);
  const symmetric = { positions: model.neutral, triangles: model.triangles, uvs: model.uvs, triangleUvs: model.triangleUvs };
  const options: AlbedoCompletionOptions = { size: SIZE, bakeSelect: [model.triangleRegions.face], occluderSelect: select, symmetric };
  return { model, camera, pose, photo, select, view: { ...view, pose, photo }, options };
}

/**
 * Renders the face region with the known albedo under LIGHT: the same interpolated vertex normals
 * as the texture side, sRGB output. The rest of the mesh is a plain skin-like colour, the background green.
 */
function renderAlbedo(model: MorphableModel, pose: HeadPose, camera: Camera, select: Uint8Array, light: ArrayLike<number> = LIGHT): RgbImage {
  const { width: W, height: H } = camera;
  const frame = rasterise(projectPoints(model.neutral, pose, camera), model.triangles, W, H, { select });
  const normals = vertexNormals(model.neutral, model.triangles);
  const R = pose.rotation, shade = [0, 0, 0], data = new Uint8Array(W * H * 3);
  for (let p = 0; p < W * H; p++) {
    const t = frame.triangleId[p];
    if (t < 0) { data.set([30, 110, 40], 3 * p); continue; }
    if (t >= model.triangleRegions.face[1]) { data.set([150, 120, 100], 3 * p); continue; }
    const b1 = frame.barycentric[2 * p], b2 = frame.barycentric[2 * p + 1], b = [1 - b1 - b2, b1, b2];
    let u = 0, v = 0;
    const n = [0, 0, 0];
    for (let k = 0; k < 3; k++) {
      const j = model.triangleUvs[3 * t + k], i = model.triangles[3 * t + k];
      u += b[k] * model.uvs[2 * j]; v += b[k] * model.uvs[2 * j + 1];
      for (let c = 0; c < 3; c++) n[c] += b[k] * normals[3 * i + c];
    }
    const cx = R[0] * n[0] + R[1] * n[1] + R[2] * n[2], cy = R[3] * n[0] + R[4] * n[1] + R[5] * n[2], cz = R[6] * n[0] + R[7] * n[1] + R[8] * n[2];
    const len = Math.hypot(cx, cy, cz);
    shShade(light, cx / len, -cy / len, -cz / len, shade); // camera frame -> view frame
    const albedo = truthAlbedo(u, v);
    for (let c = 0; c < 3; c++) data[3 * p + c] = linearToSrgb8(albedo[c] * shade[c]);
  }
  return { width: W, height: H, data };
}

/** Largest channel difference between albedo texel p and `expected` (sRGB8 levels). */
function texelError(data: Uint8Array, p: number, expected: ArrayLike<number>): number {
  return Math.max(Math.abs(data[3 * p] - expected[0]), Math.abs(data[3 * p + 1] - expected[1]), Math.abs(data[3 * p + 2] - expected[2]));
}

function percentile(values: number[], q: number): number {
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Every texel of the chart, and a 3-texel padding ring around it, lies within the truth's range per channel. */
function assertFilledEverywhere(albedo: Uint8Array, chart: Int32Array, slack: number): void {
  const lo = [255, 255, 255], hi = [0, 0, 0];
  for (let p = 0; p < SIZE * SIZE; p++) {
    if (chart[p] < 0) continue;
    const t = truthTexel(p);
    for (let c = 0; c < 3; c++) { lo[c] = Math.min(lo[c], t[c]); hi[c] = Math.max(hi[c], t[c]); }
  }
  const outside = Uint8Array.from(chart, (t) => (t < 0 ? 1 : 0));
  const inside = Uint8Array.from(outside, (o) => 1 - o);
  const toChart = distanceToSource(inside, SIZE, SIZE);
  let checked = 0, outliers = 0, worst = 0, worstAt = '';
  for (let p = 0; p < SIZE * SIZE; p++) {
    if (toChart[p] > 3) continue;
    checked++;
    let out = 0;
    for (let c = 0; c < 3; c++) out = Math.max(out, lo[c] - albedo[3 * p + c], albedo[3 * p + c] - hi[c]);
    if (out > slack) outliers++;
    if (out > worst) { worst = out; worstAt = `texel ${p % SIZE},${Math.floor(p / SIZE)} (${chart[p] < 0 ? 'padding' : 'chart'}) ${Array.from(albedo.subarray(3 * p, 3 * p + 3))}, range [${lo}]-[${hi}]`; }
  }
  assert.ok(checked > 0.6 * SIZE * SIZE);
  assert.ok(outliers < 1e-3 * checked && worst <= 4 * slack, `${outliers} texels more than ${slack} levels outside the albedo's range; worst: ${worstAt}`);
}

test('texture layout: the ICT face mirror map pairs left and right texels and is its own inverse', async () => {
  const { model } = await loadIctModel();
  const mesh = { positions: model.neutral, triangles: model.triangles, uvs: model.uvs, triangleUvs: model.triangleUvs };
  const layout = textureLayout(mesh, { width: SIZE, height: SIZE, select: [model.triangleRegions.face] });
  assert.equal(textureLayout(mesh, { width: SIZE, height: SIZE, select: [[...model.triangleRegions.face]] }), layout, 'cached per model and options');

  for (const [a, b] of [[36, 45], [39, 42], [48, 54], [0, 16], [31, 35]]) {
    const pa = texelOf(vertexUv(model, model.landmarks68[a]), SIZE, SIZE), pb = texelOf(vertexUv(model, model.landmarks68[b]), SIZE, SIZE);
    const d = Math.hypot(layout.mirror[2 * pa] - (pb % SIZE), layout.mirror[2 * pa + 1] - Math.floor(pb / SIZE));
    assert.ok(d < 3, `landmark ${a} mirrors ${d.toFixed(1)} texels from landmark ${b}`);
  }
  const roundTrip: number[] = [];
  let mapped = 0, covered = 0;
  for (let p = 0; p < SIZE * SIZE; p++) {
    if (layout.uvFrame.triangleId[p] < 0) continue;
    covered++;
    const x = layout.mirror[2 * p], y = layout.mirror[2 * p + 1];
    if (Number.isNaN(x)) continue;
    mapped++;
    const q = Math.round(y) * SIZE + Math.round(x);
    if (Number.isNaN(layout.mirror[2 * q])) continue;
    roundTrip.push(Math.hypot(layout.mirror[2 * q] - (p % SIZE), layout.mirror[2 * q + 1] - Math.floor(p / SIZE)));
  }
  assert.ok(mapped > 0.99 * covered, `${mapped} of ${covered} chart texels have a mirror image`);
  assert.ok(percentile(roundTrip, 0.99) < 1.5, `mirror of the mirror within ${percentile(roundTrip, 0.99).toFixed(2)} texels (p99)`);
});

test('membrane solver: the multigrid-preconditioned solve agrees with a dense Cholesky solve of the same system', () => {
  // 23 x 17 (odd sides: partial 2 x 2 blocks at the borders), random masses, some cells with almost none.
  const W = 23, H = 17, M = W * H;
  let seed = 7;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const mass = Float64Array.from({ length: M }, () => (rand() < 0.5 ? 1e-3 : 4 * rand()));
  const rhs = Float64Array.from({ length: M }, () => rand() - 0.5);
  const A = new Float64Array(M * M);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const q = y * W + x;
      A[q * M + q] += mass[q];
      for (const [nx, ny] of [[x + 1, y], [x, y + 1]]) {
        if (nx >= W || ny >= H) continue;
        const n = ny * W + nx;
        A[q * M + q] += 1; A[n * M + n] += 1; A[q * M + n] -= 1; A[n * M + q] -= 1;
      }
    }
  }
  const dense = solveSpd(new Float64Array(M), A, rhs, M)!;
  const x = new Float64Array(M);
  const iterations = membraneSolver(mass, W, H).solve(rhs, x, { tolerance: 1e-10, iterations: 100 });
  let worst = 0, scale = 0;
  for (let q = 0; q < M; q++) { worst = Math.max(worst, Math.abs(x[q] - dense[q])); scale = Math.max(scale, Math.abs(dense[q])); }
  assert.ok(worst < 1e-7 * scale, `largest difference ${worst} (solution up to ${scale})`);
  assert.ok(iterations > 1 && iterations < 60, `${iterations} iterations`);
});

test('screened membrane: follows the data where it is given, decays to 0 far from it, smooth between', () => {
  const S = 64, N = S * S;
  const value = new Float32Array(3 * N), weight = new Float32Array(N);
  // Data 1 (red), 2 (green), -1 (blue) on a block at the left; nothing elsewhere.
  for (let y = 24; y < 40; y++) for (let x = 0; x < 12; x++) { const p = y * S + x; weight[p] = 1; value.set([1, 2, -1], 3 * p); }
  const h = screenedMembrane(value, weight, S, S, { decay: 8, coarsen: 2 });
  const at = (x: number, y: number, c: number) => h[3 * (y * S + x) + c];
  for (const [c, v] of [[0, 1], [1, 2], [2, -1]]) {
    assert.ok(Math.abs(at(4, 32, c) - v) < 0.1 * Math.abs(v), `inside the data, channel ${c}: ${at(4, 32, c)}`);
    assert.ok(Math.abs(at(60, 32, c)) < 0.01 * Math.abs(v), `far from it, channel ${c}: ${at(60, 32, c)}`);
    const a = Math.abs(at(14, 32, c)), b = Math.abs(at(24, 32, c)), e = Math.abs(at(34, 32, c));
    assert.ok(Math.abs(v) > a && a > b && b > e, `decays monotonically away from the data, channel ${c}: ${a} ${b} ${e}`);
  }
});

test('push-pull blend: full weights stay, partial weights blend into the fill, gaps tend to the prior', () => {
  const W = 64, H = 64;
  const colour = new Float32Array(3 * W * H), weight = new Float32Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < 4; x++) { weight[y * W + x] = 1; colour.set([0.8, 0.2, 0.2], 3 * (y * W + x)); }
  const half = 32 * W + 2; // inside the red band
  weight[half] = 0.5; colour.set([0, 0, 0], 3 * half);
  pushPullBlend(colour, weight, W, H, { prior: [0.2, 0.2, 0.8], priorWeight: 0.2 });
  assert.deepEqual(Array.from(colour.slice(0, 3)), [0.800000011920929, 0.20000000298023224, 0.20000000298023224]);
  assert.ok(colour[3 * half] > 0.25 && colour[3 * half] < 0.45, `half-weight black texel among red ones: ${colour[3 * half].toFixed(3)}`);
  const far = 3 * (32 * W + 63);
  assert.ok(colour[far + 2] > 0.6 && colour[far] < 0.4, `far from the data it is near the prior: ${Array.from(colour.slice(far, far + 3), (v) => v.toFixed(2))}`);
  assert.equal(weight[half], 0.5, 'weights are not modified');
});

test('completeAlbedo recovers a known albedo under known SH lighting, fills every texel, and the lighting matters', async () => {
  const { model, view, options } = await albedoScene(0);
  const result = completeAlbedo(view, { sh: LIGHT }, options);
  const { albedo, weight, mirrorWeight, stats, uvFrame } = result;
  assert.equal(albedo.width, SIZE);
  const errors: number[] = [];
  for (let p = 0; p < SIZE * SIZE; p++) if (weight[p] >= 0.9) errors.push(texelError(albedo.data, p, truthTexel(p)));
  assert.ok(errors.length > 150_000, `${errors.length} texels observed with full weight`);
  assert.ok(percentile(errors, 0.5) <= 1 && percentile(errors, 0.99) <= 4, `observed albedo error p50 ${percentile(errors, 0.5)}, p99 ${percentile(errors, 0.99)} levels`);
  assert.ok(Math.abs(stats.observed + stats.mirrored + stats.inpainted - 1) < 1e-9);
  assert.ok(stats.observed > 0.4 && stats.mirrored > 0.02, JSON.stringify(stats));
  for (let p = 0; p < SIZE * SIZE; p++) {
    if (uvFrame.triangleId[p] < 0) assert.ok(weight[p] === 0 && mirrorWeight[p] === 0);
    else assert.ok(weight[p] >= 0 && mirrorWeight[p] >= 0 && weight[p] + mirrorWeight[p] <= 1 + 1e-6);
  }
  assertFilledEverywhere(albedo.data, uvFrame.triangleId, 10);

  // At the texture's outer edge (each row's first chart texel from the left) the albedo is the skin
  // tone, the colour the rest of the head is given.
  const tone8 = result.skinTone.map((c) => linearToSrgb8(c));
  let edgeRows = 0;
  for (let y = 0; y < SIZE; y++) {
    const x = uvFrame.triangleId.subarray(y * SIZE, (y + 1) * SIZE).findIndex((t) => t >= 0);
    if (x < 0) continue;
    edgeRows++;
    for (let c = 0; c < 3; c++) assert.ok(Math.abs(albedo.data[3 * (y * SIZE + x) + c] - tone8[c]) <= 1, `row ${y}: edge texel ${albedo.data.slice(3 * (y * SIZE + x), 3 * (y * SIZE + x) + 3)} vs tone ${tone8}`);
  }
  assert.ok(edgeRows > SIZE / 2, `${edgeRows} rows reach the chart`);

  // The estimated skin tone is the median of the observed albedo.
  for (let c = 0; c < 3; c++) {
    const values: number[] = [];
    for (let p = 0; p < SIZE * SIZE; p++) if (weight[p] >= 0.5) values.push(truthAlbedo(((p % SIZE) + 0.5) / SIZE, 1 - (Math.floor(p / SIZE) + 0.5) / SIZE)[c]);
    assert.ok(Math.abs(result.skinTone[c] - percentile(values, 0.5)) < 0.02, `skin tone channel ${c}: ${result.skinTone[c].toFixed(3)} vs ${percentile(values, 0.5).toFixed(3)}`);
  }
  // The shading image is the lighting: brighter on the lit (upper left) side of the face.
  const lit = texelOf(vertexUv(model, model.landmarks68[2]), SIZE, SIZE), unlit = texelOf(vertexUv(model, model.landmarks68[14]), SIZE, SIZE);
  const litSide = model.neutral[3 * model.landmarks68[2]] < 0 ? lit : unlit, darkSide = litSide === lit ? unlit : lit;
  assert.ok(result.shading.data[3 * litSide] > result.shading.data[3 * darkSide] + 20, 'shading follows the light');

  // Dividing by the wrong (ambient-only) lighting leaves the shading in the albedo.
  const wrong = completeAlbedo(view, { sh: shFromLight([0, 0, 1], [0.8, 0.8, 0.8], [0, 0, 0]) }, options);
  const wrongErrors: number[] = [];
  for (let p = 0; p < SIZE * SIZE; p++) if (wrong.weight[p] >= 0.9) wrongErrors.push(texelError(wrong.albedo.data, p, truthTexel(p)));
  assert.ok(percentile(wrongErrors, 0.5) > 8, `wrong lighting error p50 ${percentile(wrongErrors, 0.5)}`);
});

test('completeAlbedo fills the cheek hidden by a 50 degree head turn from the visible one', async () => {
  const { view, options } = await albedoScene(50);
  const { albedo, weight, mirrorWeight, stats, uvFrame } = completeAlbedo(view, { sh: LIGHT }, options);
  const layout = textureLayout(options.symmetric!, { width: SIZE, height: SIZE, select: options.bakeSelect });
  const errors: number[] = [], againstVisible: number[] = [];
  for (let p = 0; p < SIZE * SIZE; p++) {
    if (weight[p] !== 0 || mirrorWeight[p] < 0.9) continue;
    errors.push(texelError(albedo.data, p, truthTexel(p)));
    const q = Math.round(layout.mirror[2 * p + 1]) * SIZE + Math.round(layout.mirror[2 * p]);
    if (weight[q] >= 0.9) againstVisible.push(texelError(albedo.data, p, albedo.data.subarray(3 * q, 3 * q + 3)));
  }
  assert.ok(errors.length > 100_000, `${errors.length} hidden texels filled from the mirror`);
  assert.ok(percentile(errors, 0.5) <= 1 && percentile(errors, 0.99) <= 6, `mirrored albedo error p50 ${percentile(errors, 0.5)}, p99 ${percentile(errors, 0.99)}`);
  assert.ok(againstVisible.length > 50_000 && percentile(againstVisible, 0.5) <= 1 && percentile(againstVisible, 0.99) <= 6,
    `hidden vs visible twin: p50 ${percentile(againstVisible, 0.5)}, p99 ${percentile(againstVisible, 0.99)}`);
  assert.ok(stats.mirrored > 0.3 && stats.inpainted < 0.2, JSON.stringify(stats));
  assertFilledEverywhere(albedo.data, uvFrame.triangleId, 10);
});

test('completeAlbedoFromViews: the cheek one photo hides comes from a second photo, its exposure matched, without a seam or the mirror', async () => {
  const a = await albedoScene(40);
  const b = await albedoScene(-40);
  // The second photo 1.4x brighter than the lighting it is given says: an exposure the fits cannot know.
  const photoB = renderAlbedo(b.model, b.pose, b.camera, b.select, Float64Array.from(LIGHT, (x) => 1.4 * x));
  const single = completeAlbedo(a.view, { sh: LIGHT }, a.options);
  const fused = completeAlbedoFromViews([{ view: a.view, lighting: { sh: LIGHT } }, { view: { ...b.view, photo: photoB }, lighting: { sh: LIGHT } }], a.options);
  const fromB: number[] = [], handover: number[] = [];
  for (let p = 0; p < SIZE * SIZE; p++) {
    if (fused.uvFrame.triangleId[p] < 0) continue;
    if (single.weight[p] === 0 && fused.weight[p] >= 0.9) fromB.push(texelError(fused.albedo.data, p, truthTexel(p)));
    // (Fully observed once fused: not the band along the texture's edge, which fades to the skin tone.)
    if (single.weight[p] >= 0.3 && single.weight[p] <= 0.7 && fused.weight[p] >= 0.9) handover.push(texelError(fused.albedo.data, p, truthTexel(p)));
  }
  assert.ok(fromB.length > 50_000, `${fromB.length} texels only the second photo sees`);
  assert.ok(percentile(fromB, 0.5) <= 2 && percentile(fromB, 0.99) <= 8, `second photo's texels: error p50 ${percentile(fromB, 0.5)}, p99 ${percentile(fromB, 0.99)}`);
  assert.ok(handover.length > 5_000 && percentile(handover, 0.9) <= 4, `where the first photo hands over: error p90 ${percentile(handover, 0.9)}`);
  assert.ok(single.stats.mirrored > 0.2 && fused.stats.mirrored < 0.05 && fused.stats.observed > single.stats.observed + 0.2,
    `single ${JSON.stringify(single.stats)}, fused ${JSON.stringify(fused.stats)}`);
});

test('completeAlbedoFromViews: skin no photo shows is made from the first photo\'s skin, not from a second photo whose light was misjudged', async () => {
  const a = await albedoScene(20);
  const b = await albedoScene(-40);
  // The second photo also lit from its right, a light the lighting it is given lacks: its albedo is
  // too bright where that light falls and right elsewhere, which no one gain per channel matches.
  const misjudged = Float64Array.from(LIGHT, (x, k) => x + shFromLight([0.9, -0.1, 0.4], [0, 0, 0], [0.35, 0.35, 0.35])[k]);
  const photoB = renderAlbedo(b.model, b.pose, b.camera, b.select, misjudged);
  // Both photos: everything below the nose covered (a scarf), so the synthesised skin has a large part of the face to fill.
  const below = (scene: typeof a) => {
    const row = projectPoints(scene.model.neutral, scene.pose, scene.camera)[3 * scene.model.landmarks68[33] + 1];
    return (_x: number, y: number) => (y > row ? 1 : 0);
  };
  const single = completeAlbedo(a.view, { sh: LIGHT }, { ...a.options, exclude: below(a) });
  const fused = completeAlbedoFromViews([
    { view: a.view, lighting: { sh: LIGHT }, exclude: below(a) },
    { view: { ...b.view, photo: photoB }, lighting: { sh: LIGHT }, exclude: below(b) },
  ], a.options);
  // Synthesised skin in both, beyond the band (SIZE / 16) over which the fill is joined to what either takes from a photo or its mirror.
  const taken = new Uint8Array(SIZE * SIZE);
  for (let p = 0; p < SIZE * SIZE; p++) taken[p] = single.weight[p] + single.mirrorWeight[p] > 0.02 || fused.weight[p] + fused.mirrorWeight[p] > 0.02 ? 1 : 0;
  const distance = distanceToSource(taken, SIZE, SIZE);
  const drift: number[] = [];
  for (let p = 0; p < SIZE * SIZE; p++) {
    if (fused.uvFrame.triangleId[p] >= 0 && distance[p] > SIZE / 16) drift.push(texelError(fused.albedo.data, p, single.albedo.data.subarray(3 * p, 3 * p + 3)));
  }
  assert.ok(drift.length > 200_000, `${drift.length} synthesised texels`);
  // (Made from both photos' skin, it moved by p50 7, p90 16 levels.)
  assert.ok(percentile(drift, 0.5) <= 1 && percentile(drift, 0.9) <= 3, `synthesised skin moved by p50 ${percentile(drift, 0.5)}, p90 ${percentile(drift, 0.9)} levels`);
});

test('an excluded band (a glasses frame) does not leak into the albedo, and the skin tone fills what nothing shows', async () => {
  const { model, camera, pose, view, options } = await albedoScene(0);
  const eyeRow = projectPoints(model.neutral, pose, camera)[3 * model.landmarks68[37] + 1];
  const inBand = (y: number, margin: number) => Math.abs(y - eyeRow) <= 6 + margin;
  const photo: RgbImage = { ...view.photo, data: view.photo.data.slice() };
  for (let y = 0; y < photo.height; y++) if (inBand(y + 0.5, 0)) photo.data.fill(15, 3 * y * photo.width, 3 * (y + 1) * photo.width);
  const banded = { ...view, photo };

  const { pixel } = observeTexels(banded, { width: SIZE, height: SIZE, bakeSelect: options.bakeSelect, occluderSelect: options.occluderSelect });
  const bandTexels: number[] = [];
  for (let p = 0; p < SIZE * SIZE; p++) if (inBand(pixel[2 * p + 1], -1)) bandTexels.push(p);
  assert.ok(bandTexels.length > 5000, `${bandTexels.length} texels under the band`);

  const leaky = completeAlbedo(banded, { sh: LIGHT }, options);
  const leakErrors = bandTexels.map((p) => texelError(leaky.albedo.data, p, truthTexel(p)));
  assert.ok(percentile(leakErrors, 0.5) > 40, `without exclusion the band shows (error p50 ${percentile(leakErrors, 0.5)})`);

  const excluded = completeAlbedo(banded, { sh: LIGHT }, { ...options, exclude: (_x, y) => (inBand(y, 2) ? 1 : 0) });
  // Nothing of the frame gets in: the albedo is the one of the same exclusion on the clean photo.
  const clean = completeAlbedo(view, { sh: LIGHT }, { ...options, exclude: (_x, y) => (inBand(y, 2) ? 1 : 0) });
  let leak = 0;
  for (let p = 0; p < SIZE * SIZE; p++) leak = Math.max(leak, texelError(excluded.albedo.data, p, clean.albedo.data.subarray(3 * p, 3 * p + 3)));
  assert.ok(leak <= 1, `the frame changes the albedo by up to ${leak} levels`);
  // The band is filled from around it: only roughly right, as it is some 40 texels tall (plus the feathering) on a varied pattern.
  const errors = bandTexels.map((p) => texelError(excluded.albedo.data, p, truthTexel(p)));
  assert.ok(percentile(errors, 0.5) <= 25 && percentile(errors, 0.99) <= 40, `excluded band error p50 ${percentile(errors, 0.5)}, p99 ${percentile(errors, 0.99)}`);
  assert.ok(bandTexels.every((p) => excluded.weight[p] === 0));

  // Nothing observed at all: every texel is the given skin tone.
  const tone: [number, number, number] = [0.5, 0.3, 0.2];
  const none = completeAlbedo(view, { sh: LIGHT }, { ...options, exclude: () => 1, skinTone: tone });
  assert.equal(none.stats.inpainted, 1);
  const expected = tone.map(linearToSrgb8);
  for (let p = 0; p < SIZE * SIZE; p++) assert.ok(texelError(none.albedo.data, p, expected) <= 1);
});

/** sRGB8 luma of texel p. */
function texelLuma(data: Uint8Array, p: number): number {
  return 0.2126 * data[3 * p] + 0.7152 * data[3 * p + 1] + 0.0722 * data[3 * p + 2];
}

/**
 * The largest step in mean luma across the boundary between observed (own + mirrored trust >= 0.9)
 * and filled (trust <= 0.1) texels: per texel of the band where trust is 0.3-0.7, the mean within
 * `radius` texels on each side, differenced; the 90th percentile over the band.
 */
function seamStep(result: { albedo: RgbImage; weight: Float32Array; mirrorWeight: Float32Array; uvFrame: { triangleId: Int32Array } }, radius = 12): number {
  const S = result.albedo.width, chart = result.uvFrame.triangleId;
  const trust = (p: number) => result.weight[p] + result.mirrorWeight[p];
  const steps: number[] = [];
  for (let p = 0; p < S * S; p += 7) {
    const t = trust(p);
    if (chart[p] < 0 || t < 0.3 || t > 0.7) continue;
    const x = p % S, y = Math.floor(p / S), sums = [0, 0], counts = [0, 0];
    for (let dy = -radius; dy <= radius; dy += 2) for (let dx = -radius; dx <= radius; dx += 2) {
      const xx = x + dx, yy = y + dy;
      if (xx < 0 || yy < 0 || xx >= S || yy >= S) continue;
      const q = yy * S + xx, tq = trust(q);
      if (chart[q] < 0) continue;
      const side = tq >= 0.9 ? 0 : tq <= 0.1 ? 1 : -1;
      if (side < 0) continue;
      sums[side] += texelLuma(result.albedo.data, q); counts[side]++;
    }
    if (counts[0] >= 5 && counts[1] >= 5) steps.push(Math.abs(sums[0] / counts[0] - sums[1] / counts[1]));
  }
  assert.ok(steps.length > 200, `${steps.length} boundary texels`);
  return percentile(steps, 0.9);
}

test('the fill takes its tone from the observed skin of its own region: paler beside the forehead, darker beside the chin', async () => {
  const { model, camera, pose, view, select, options } = await albedoScene(0);
  // Skin that darkens smoothly from the forehead to the chin, with dark bands at brow and lip height that the skin weight leaves out.
  const screen = projectPoints(model.neutral, pose, camera);
  const rows = [model.landmarks68[19], model.landmarks68[51], model.landmarks68[57]].map((i) => screen[3 * i + 1]);
  const skin = [0.4, 0.26, 0.19];
  const photo = renderFlat(model, pose, camera, select, (y) =>
    (rows.some((r) => Math.abs(y - r) < 9) ? [0.03, 0.02, 0.015] : skin.map((v) => v * (1.4 - (0.8 * y) / camera.height))) as [number, number, number]);
  // (Without the fade to the head's one skin tone along the texture's edge: the regional tone is what is tested.)
  const skinWeight = (_x: number, y: number) => (rows.some((r) => Math.abs(y - r) < 12) ? 0 : 1);
  const result = completeAlbedo({ ...view, photo }, { sh: LIGHT }, { ...options, skin: skinWeight, edgeFadeTexels: 0 });
  const { pixel } = observeTexels({ ...view, photo }, { width: SIZE, height: SIZE, bakeSelect: options.bakeSelect, occluderSelect: options.occluderSelect });
  // Per third of the texture's rows: observed skin within 60 texels of the fill, and fill 20-60 texels from the observation.
  const S = SIZE, chart = result.uvFrame.triangleId;
  const seen = Uint8Array.from(result.weight, (w, p) => (w + result.mirrorWeight[p] > 0.01 ? 1 : 0));
  const unseen = Uint8Array.from(seen, (v, p) => (chart[p] >= 0 && !v ? 1 : 0));
  const toSeen = distanceToSource(seen, S, S), toUnseen = distanceToSource(unseen, S, S);
  const skinSum = [0, 0, 0], skinCount = [0, 0, 0], fillSum = [0, 0, 0], fillCount = [0, 0, 0];
  for (let p = 0; p < S * S; p++) {
    if (chart[p] < 0) continue;
    const third = Math.min(2, Math.floor((3 * Math.floor(p / S)) / S)), luma = texelLuma(result.albedo.data, p);
    if (result.weight[p] >= 0.9 && toUnseen[p] <= 60 && !rows.some((r) => Math.abs(pixel[2 * p + 1] - r) < 12)) { skinSum[third] += luma; skinCount[third]++; }
    if (!seen[p] && toSeen[p] >= 20 && toSeen[p] <= 60) { fillSum[third] += luma; fillCount[third]++; }
  }
  const report = [0, 2].map((t) => `rows third ${t}: skin ${(skinSum[t] / skinCount[t]).toFixed(1)} (${skinCount[t]}), fill ${(fillSum[t] / fillCount[t]).toFixed(1)} (${fillCount[t]})`).join('; ');
  for (const t of [0, 2]) assert.ok(skinCount[t] > 2000 && fillCount[t] > 2000, report);
  assert.ok(skinSum[0] / skinCount[0] - skinSum[2] / skinCount[2] > 25, report);
  for (const t of [0, 2]) assert.ok(Math.abs(fillSum[t] / fillCount[t] - skinSum[t] / skinCount[t]) <= 6, report);
});

test('the fill meets the observed albedo without a step where the skin is lighter or darker than its average', async () => {
  const { model, camera, pose, view, select, options } = await albedoScene(0);
  // Skin that darkens smoothly from the forehead (1.4 times the tone at the top of the photo) to the chin (0.6 at the bottom).
  const skin = [0.4, 0.26, 0.19];
  const photo = renderFlat(model, pose, camera, select, (y) => skin.map((v) => v * (1.4 - (0.8 * y) / camera.height)) as [number, number, number]);
  const result = completeAlbedo({ ...view, photo }, { sh: LIGHT }, options);
  const step = seamStep(result);
  assert.ok(step <= 4, `the mean luma steps by ${step.toFixed(1)} levels (90th percentile) between observed and filled texels`);
});

/** The face region in one linear colour per photo row (`colour(y)`) under `light`, the rest as renderAlbedo draws it. */
function renderFlat(
  model: MorphableModel, pose: HeadPose, camera: Camera, select: Uint8Array, colour: (y: number) => [number, number, number], light: ArrayLike<number> = LIGHT,
): RgbImage {
  const photo = renderAlbedo(model, pose, camera, select);
  const { width: W, height: H } = camera;
  const frame = rasterise(projectPoints(model.neutral, pose, camera), model.triangles, W, H, { select });
  const normals = vertexNormals(model.neutral, model.triangles);
  const R = pose.rotation, shade = [0, 0, 0];
  for (let p = 0; p < W * H; p++) {
    const t = frame.triangleId[p];
    if (t < 0 || t >= model.triangleRegions.face[1]) continue;
    const b1 = frame.barycentric[2 * p], b2 = frame.barycentric[2 * p + 1], b = [1 - b1 - b2, b1, b2];
    const n = [0, 0, 0];
    for (let k = 0; k < 3; k++) for (let c = 0; c < 3; c++) n[c] += b[k] * normals[3 * model.triangles[3 * t + k] + c];
    const cx = R[0] * n[0] + R[1] * n[1] + R[2] * n[2], cy = R[3] * n[0] + R[4] * n[1] + R[5] * n[2], cz = R[6] * n[0] + R[7] * n[1] + R[8] * n[2];
    const len = Math.hypot(cx, cy, cz);
    shShade(light, cx / len, -cy / len, -cz / len, shade);
    const a = colour(Math.floor(p / W) + 0.5);
    for (let c = 0; c < 3; c++) photo.data[3 * p + c] = linearToSrgb8(a[c] * shade[c]);
  }
  return photo;
}

/** A copy of `photo` with hair strands of sRGB8 colour `colour` (brightness varying 0.8-1) wherever `hairAt` (at pixel centres). */
function paintHair(photo: RgbImage, hairAt: (x: number, y: number) => boolean, colour: [number, number, number]): RgbImage {
  const out: RgbImage = { ...photo, data: photo.data.slice() };
  for (let y = 0; y < out.height; y++) {
    for (let x = 0; x < out.width; x++) {
      if (!hairAt(x + 0.5, y + 0.5)) continue;
      const strand = 0.8 + 0.2 * Math.sin(x * 1.7 + Math.sin(y * 0.3) * 3);
      out.data.set(colour.map((v) => Math.round(v * strand)), 3 * (y * out.width + x));
    }
  }
  return out;
}

test('hair painted over the forehead stays out of the albedo: the skin mask and the image\'s own non-skin colours exclude it', async () => {
  const { model, camera, pose, view, options } = await albedoScene(0);
  const landmarks = projectPoints(correspondencePoints(model.neutral, ALL_468), pose, camera);
  const screen = projectPoints(model.neutral, pose, camera);
  // A fair fringe down to a third of the way from the forehead top to the brows, and hair around the head above the eyes.
  const top = landmarks[3 * 10 + 1], brow = screen[3 * model.landmarks68[19] + 1], eye = screen[3 * model.landmarks68[37] + 1];
  const fringe = top + 0.6 * (brow - top);
  const left = screen[3 * model.landmarks68[0]], right = screen[3 * model.landmarks68[16]];
  const hairAt = (x: number, y: number) => y < fringe || (y < eye && (x < left + 4 || x > right - 4));
  const photo = paintHair(view.photo, (x, y) => hairAt(x, y) && Math.abs(x - camera.cx) <= 0.75 * (right - left), [196, 160, 98]);
  const painted = { ...view, photo };
  const mask = skinMask(photo, landmarks);
  const { pixel } = observeTexels(painted, { width: SIZE, height: SIZE, bakeSelect: options.bakeSelect, occluderSelect: options.occluderSelect });
  const hairTexels: number[] = [];
  for (let p = 0; p < SIZE * SIZE; p++) if (pixel[2 * p + 1] < fringe - 3) hairTexels.push(p);
  assert.ok(hairTexels.length > 5000, `${hairTexels.length} texels under the fringe`);

  // (Without the fade to the skin tone along the texture's edge, which would hide the fringe's top rows either way.)
  const unfaded = { ...options, edgeFadeTexels: 0 };
  const result = completeAlbedo(painted, { sh: LIGHT }, { ...unfaded, exclude: textureExclusion(photo, mask, landmarks), skin: (x, y) => sampleSkin(mask, x, y) });
  const leaky = completeAlbedo(painted, { sh: LIGHT }, unfaded);
  // Without the exclusion the fringe is baked in: far from the true albedo. With it, none of those texels keeps the hair's colour.
  const baked = hairTexels.filter((p) => texelError(leaky.albedo.data, p, truthTexel(p)) > 30);
  assert.ok(baked.length > 0.8 * hairTexels.length, `without the exclusion ${baked.length} of ${hairTexels.length} texels show the fringe`);
  const kept = baked.filter((p) => texelError(result.albedo.data, p, leaky.albedo.data.subarray(3 * p, 3 * p + 3)) <= 15);
  assert.ok(kept.length < 0.02 * baked.length, `${kept.length} of ${baked.length} texels under the fringe keep the hair's colour`);
  const errors = hairTexels.map((p) => texelError(result.albedo.data, p, truthTexel(p)));
  assert.ok(percentile(errors, 0.5) <= 40, `texels under the fringe are skin: error to the true albedo p50 ${percentile(errors, 0.5)}`);
  assert.ok(hairTexels.every((p) => result.weight[p] < 0.05), 'no weight on the photo under the fringe');
});

test('a light whose colour changes with direction (a warm lamp, blue rims) leaves one skin colour in the albedo', async () => {
  const { model, camera, pose, view, select, options } = await albedoScene(0);
  const skin: [number, number, number] = [0.42, 0.27, 0.2];
  // A warm lamp from the subject's right and a blue rim from the left; and a warm lamp from the front between two blue rims.
  const sum = (...lights: Float64Array[]) => lights[0].map((_, k) => lights.reduce((t, l) => t + l[k], 0));
  const lightings = {
    'warm right, blue left': sum(shFromLight([-0.8, 0.2, 0.6], [0.12, 0.1, 0.08], [0.9, 0.55, 0.25]), shFromLight([0.8, 0.1, 0.6], [0, 0, 0], [0.2, 0.4, 0.9])),
    'warm front, blue both sides': sum(
      shFromLight([0, 0.2, 1], [0.08, 0.07, 0.06], [0.8, 0.5, 0.22]),
      shFromLight([0.9, 0, 0.3], [0, 0, 0], [0.15, 0.3, 0.8]), shFromLight([-0.9, 0, 0.3], [0, 0, 0], [0.15, 0.3, 0.8]),
    ),
  };
  for (const [name, light] of Object.entries(lightings)) {
    const photo = renderFlat(model, pose, camera, select, () => skin, light);
    // Divided out as given, and as a fit that saw none of the light's colour (each band's luminance) would give it.
    const grey = light.map((_, k) => { const b = k - (k % 3); return 0.2126 * light[b] + 0.7152 * light[b + 1] + 0.0722 * light[b + 2]; });
    for (const [given, sh] of [['as given', light], ['grey', grey]] as const) {
      const result = completeAlbedo({ ...view, photo }, { sh, whiteBalance: true }, { ...options, skin: () => 1 });
      // Mean chroma (ln R/G, ln B/G) of the well-seen texels on the left, in the middle and on the right of the face.
      const S = SIZE, regions = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
      for (let p = 0; p < S * S; p++) {
        if (result.weight[p] < 0.9) continue;
        const u = (p % S) / S, region = u < 0.4 ? 0 : u > 0.6 ? 2 : u > 0.45 && u < 0.55 ? 1 : -1;
        if (region < 0) continue;
        const [r, g, b] = result.linear.subarray(3 * p, 3 * p + 3);
        regions[region][0] += Math.log(r / g); regions[region][1] += Math.log(b / g); regions[region][2]++;
      }
      const chroma = regions.map(([u, v, n]) => [u / n, v / n]);
      const report = `${name}, lighting ${given}: ` + chroma.map((c, k) => `${['left', 'middle', 'right'][k]} ${c.map((v) => v.toFixed(3))} (${regions[k][2]})`).join(', ');
      assert.ok(regions.every((r) => r[2] > 10_000), report);
      // The photo's regions differ by far more (the light); the albedo's by little.
      for (const [i, j] of [[0, 1], [1, 2], [0, 2]]) assert.ok(Math.hypot(chroma[i][0] - chroma[j][0], chroma[i][1] - chroma[j][1]) < 0.06, report);
    }
  }
});

test('a clipped channel is recovered from the unclipped ones through the chroma around it; texels clipped in every channel are filled', async () => {
  const { model, camera, pose, view, select, options } = await albedoScene(0);
  // Overexposed: the lit side of the face clips in red (the brightest channel) while green and blue are still in range.
  const bright = LIGHT.map((v) => 2.1 * v);
  const photo = renderAlbedo(model, pose, camera, select, bright);
  const result = completeAlbedo({ ...view, photo }, { sh: bright }, options);
  const { pixel } = observeTexels({ ...view, photo }, { width: SIZE, height: SIZE, bakeSelect: options.bakeSelect, occluderSelect: options.occluderSelect });
  const redOnly: number[] = [];
  for (let p = 0; p < SIZE * SIZE; p++) {
    if (!(pixel[2 * p] >= 0) || result.uvFrame.triangleId[p] < 0) continue;
    const i = Math.round(pixel[2 * p]), j = Math.round(pixel[2 * p + 1]);
    const peak = [0, 0, 0];
    for (const [di, dj] of [[-1, -1], [0, -1], [-1, 0], [0, 0]]) {
      for (let c = 0; c < 3; c++) peak[c] = Math.max(peak[c], photo.data[3 * ((j + dj) * photo.width + i + di) + c]);
    }
    if (peak[0] === 255 && peak[1] < 240 && peak[2] < 240) redOnly.push(p);
  }
  assert.ok(redOnly.length > 10_000, `${redOnly.length} texels seen through pixels clipped in red only`);
  // Red is given back: the texel keeps most of its trust and its true colour, not the pale clipped one.
  const trusted = redOnly.filter((p) => result.weight[p] > 0.5);
  assert.ok(trusted.length > 0.8 * redOnly.length, `${trusted.length} of ${redOnly.length} red-clipped texels keep weight`);
  const errors = redOnly.map((p) => texelError(result.albedo.data, p, truthTexel(p)));
  // (2 and 11 levels measured: the red comes from the neighbours' chroma, which misses where the painted colour changes.)
  assert.ok(percentile(errors, 0.5) <= 3 && percentile(errors, 0.9) <= 14, `red-clipped texels' albedo error p50 ${percentile(errors, 0.5)}, p90 ${percentile(errors, 0.9)}`);
  // A texel with every channel clipped has nothing to recover from: filled, not baked white.
  const glaring = LIGHT.map((v) => 6 * v);
  const glare = renderAlbedo(model, pose, camera, select, glaring);
  const saturated = completeAlbedo({ ...view, photo: glare }, { sh: glaring }, options);
  const white: number[] = [];
  for (let p = 0; p < SIZE * SIZE; p++) {
    if (!(pixel[2 * p] >= 0) || result.uvFrame.triangleId[p] < 0) continue;
    const s = 3 * (Math.round(pixel[2 * p + 1] - 0.5) * glare.width + Math.round(pixel[2 * p] - 0.5));
    if (glare.data[s] === 255 && glare.data[s + 1] === 255 && glare.data[s + 2] === 255) white.push(p);
  }
  assert.ok(white.length > 5_000, `${white.length} texels seen through white pixels`);
  const kept = white.filter((p) => saturated.weight[p] > 0.05);
  assert.ok(kept.length < 0.02 * white.length, `${kept.length} of ${white.length} fully clipped texels keep weight`);
});

test('a lock of brown hair hanging down the side of the face, over the brow\'s and eye\'s margins, stays out of the albedo', async () => {
  const { model, camera, pose, view, options } = await albedoScene(0);
  const landmarks = projectPoints(correspondencePoints(model.neutral, ALL_468), pose, camera);
  const screen = projectPoints(model.neutral, pose, camera);
  const top = landmarks[3 * 10 + 1], chin = landmarks[3 * 152 + 1], eye = screen[3 * model.landmarks68[37] + 1];
  const fh = chin - top;
  const left = screen[3 * model.landmarks68[0]], right = screen[3 * model.landmarks68[16]];
  // Dark brown hair: around the head above the eyes, and a lock down the face's left side to the jaw.
  const lock = (x: number, y: number) => y > eye - 0.1 * fh && y < chin - 0.15 * fh && x < left + 0.12 * fh;
  const hairAt = (x: number, y: number) => y < top + 0.05 * fh || (y < eye && (x < left + 4 || x > right - 4)) || lock(x, y);
  const photo = paintHair(view.photo, (x, y) => hairAt(x, y) && Math.abs(x - camera.cx) <= 0.75 * (right - left), [120, 80, 58]);
  const painted = { ...view, photo };
  const mask = skinMask(photo, landmarks);
  const { pixel } = observeTexels(painted, { width: SIZE, height: SIZE, bakeSelect: options.bakeSelect, occluderSelect: options.occluderSelect });
  const lockTexels: number[] = [];
  for (let p = 0; p < SIZE * SIZE; p++) if (lock(pixel[2 * p] - 3, pixel[2 * p + 1]) && lock(pixel[2 * p] + 3, pixel[2 * p + 1])) lockTexels.push(p);
  const exclude = textureExclusion(photo, mask, landmarks);
  const result = completeAlbedo(painted, { sh: LIGHT }, { ...options, exclude, skin: (x, y) => sampleSkin(mask, x, y) });
  const kept = lockTexels.filter((p) => result.weight[p] > 0.05);
  assert.ok(lockTexels.length > 3000, `${lockTexels.length} texels under the lock`);
  // Where the lock crosses the brow and the eye's corner the feature itself is kept, and its soft edge: a few percent.
  assert.ok(kept.length < 0.1 * lockTexels.length, `${kept.length} of ${lockTexels.length} texels under the lock keep weight`);
});

test('near-black hair down the side of the face, which the skin mask lets through with the shadows, stays out of the albedo', async () => {
  const { model, camera, pose, view, options } = await albedoScene(0);
  const landmarks = projectPoints(correspondencePoints(model.neutral, ALL_468), pose, camera);
  const screen = projectPoints(model.neutral, pose, camera);
  const top = landmarks[3 * 10 + 1], chin = landmarks[3 * 152 + 1], fh = chin - top;
  const left = screen[3 * model.landmarks68[0]], nose = screen[3 * model.landmarks68[30] + 1];
  // Only the lock, from the cheekbone to the jaw, in the skin's hue at a tenth of its luminance: no hair elsewhere teaches its colour.
  const lock = (x: number, y: number) => y > nose - 0.1 * fh && y < chin - 0.15 * fh && x < left + 0.1 * fh;
  const photo = paintHair(view.photo, lock, [50, 35, 27]);
  const mask = skinMask(photo, landmarks);
  const { pixel } = observeTexels({ ...view, photo }, { width: SIZE, height: SIZE, bakeSelect: options.bakeSelect, occluderSelect: options.occluderSelect });
  const lockTexels: number[] = [];
  const cleanMask = skinMask(view.photo, landmarks);
  for (let p = 0; p < SIZE * SIZE; p++) {
    const x = pixel[2 * p], y = pixel[2 * p + 1];
    if (lock(x - 3, y) && lock(x + 3, y) && sampleSkin(cleanMask, x, y) > 0.9) lockTexels.push(p);
  }
  const result = completeAlbedo({ ...view, photo }, { sh: LIGHT }, { ...options, exclude: textureExclusion(photo, mask, landmarks), skin: (x, y) => sampleSkin(mask, x, y) });
  const kept = lockTexels.filter((p) => result.weight[p] > 0.05);
  const accepted = lockTexels.filter((p) => sampleSkin(mask, pixel[2 * p], pixel[2 * p + 1]) > 0.5);
  assert.ok(lockTexels.length > 3000, `${lockTexels.length} texels under the lock where the skin mask takes the clean photo for skin`);
  assert.ok(accepted.length > 0.5 * lockTexels.length, `the skin mask takes ${accepted.length} of ${lockTexels.length} lock texels for skin`);
  assert.ok(kept.length < 0.02 * lockTexels.length, `${kept.length} of ${lockTexels.length} texels under the lock keep weight`);
});

test('teeth showing beside the mouth opening\'s landmarks stay out of the albedo; red or dark purple lips stay in', async () => {
  const { model, camera, pose, view } = await albedoScene(0);
  const landmarks = projectPoints(correspondencePoints(model.neutral, ALL_468), pose, camera);
  const { width: W, height: H } = camera;
  const whole = { x: 0, y: 0, width: W, height: H };
  const inside = (indices: readonly number[], grow: number) => {
    const m = new Uint8Array(W * H);
    fillPolygon(m, whole, growPolygon(landmarkPolygon(landmarks, indices), grow), 1);
    return m;
  };
  // The landmarks' opening is closed on this face; the painted one is wider: teeth up to 3 px beyond it.
  const teeth = inside(LIPS_INNER, 3), lips = inside(LIPS_OUTER, 0), near = inside(LIPS_INNER, 1.5), clear = inside(LIPS_INNER, 6);
  for (const lipColour of [[170, 70, 70], [105, 35, 85]]) {
    const photo = { width: W, height: H, data: Uint8Array.from(view.photo.data) };
    for (let p = 0; p < W * H; p++) {
      if (teeth[p]) photo.data.set([235, 228, 215], 3 * p);
      else if (lips[p]) photo.data.set(lipColour, 3 * p);
    }
    const exclude = textureExclusion(photo, skinMask(photo, landmarks), landmarks);
    const at = (p: number) => exclude((p % W) + 0.5, Math.floor(p / W) + 0.5);
    const teethBeside: number[] = [], lipsClear: number[] = [];
    for (let p = 0; p < W * H; p++) {
      if (teeth[p] && !near[p]) teethBeside.push(at(p));
      if (lips[p] && !clear[p]) lipsClear.push(at(p));
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(teethBeside.length > 20 && lipsClear.length > 200, `${teethBeside.length} teeth pixels beside the opening, ${lipsClear.length} lip pixels`);
    assert.ok(mean(teethBeside) > 0.9, `teeth beside the opening excluded by ${mean(teethBeside).toFixed(2)} on average (lips ${lipColour})`);
    assert.ok(mean(lipsClear) < 0.05, `lips excluded by ${mean(lipsClear).toFixed(2)} on average (lips ${lipColour})`);
  }
});

test('thin hair strands over the forehead and a cheek, half see-through, stay out of the albedo', async () => {
  const { model, camera, pose, view, select, options } = await albedoScene(0);
  const landmarks = projectPoints(correspondencePoints(model.neutral, ALL_468), pose, camera);
  const screen = projectPoints(model.neutral, pose, camera);
  const top = landmarks[3 * 10 + 1], chin = landmarks[3 * 152 + 1], fh = chin - top;
  const brow = screen[3 * model.landmarks68[19] + 1], eye = screen[3 * model.landmarks68[37] + 1], nose = screen[3 * model.landmarks68[30] + 1];
  const left = screen[3 * model.landmarks68[0]], right = screen[3 * model.landmarks68[16]], mid = (left + right) / 2;
  const skin: [number, number, number] = [0.42, 0.27, 0.2];
  const hairColour = [150, 112, 78];
  // Hair around the head above the eyes (what the image's non-skin model learns from), made of
  // strands like all hair; and strands 3 px wide, 6 px apart, slanting across the forehead down to
  // the brows and over the right cheek beside the nose, blended 60% over the skin.
  const around = (x: number, y: number) => y < top + 0.04 * fh || (y < eye && (x < left + 4 || x > right - 4));
  const strandPhase = (x: number, y: number) => Math.abs((((x + 0.5 * y) % 6) + 6) % 6 - 3);
  const forehead = (x: number, y: number) => y >= top + 0.04 * fh && y < brow - 0.03 * fh && Math.abs(x - mid) < 0.3 * fh;
  const cheek = (x: number, y: number) => y > eye + 0.06 * fh && y < nose + 0.1 * fh && x > left + 0.12 * fh && x < left + 0.3 * fh;
  const photo = renderFlat(model, pose, camera, select, () => skin, LIGHT);
  for (let y = 0; y < photo.height; y++) {
    for (let x = 0; x < photo.width; x++) {
      const s = 3 * (y * photo.width + x), cx = x + 0.5, cy = y + 0.5;
      if (Math.abs(cx - camera.cx) > 0.75 * (right - left)) continue;
      const onStrand = strandPhase(cx, cy) < 1.5;
      const alpha = around(cx, cy) ? 1 : (forehead(cx, cy) || cheek(cx, cy)) && onStrand ? 0.6 : 0;
      const shade = around(cx, cy) && onStrand ? 0.7 : 1;
      for (let c = 0; c < 3; c++) photo.data[s + c] = Math.round((1 - alpha) * photo.data[s + c] + alpha * shade * hairColour[c]);
    }
  }
  const painted = { ...view, photo };
  const mask = skinMask(photo, landmarks);
  const { pixel } = observeTexels(painted, { width: SIZE, height: SIZE, bakeSelect: options.bakeSelect, occluderSelect: options.occluderSelect });
  const exclude = textureExclusion(photo, mask, landmarks);
  const result = completeAlbedo(painted, { sh: LIGHT }, { ...options, edgeFadeTexels: 0, exclude, skin: (x, y) => sampleSkin(mask, x, y) });
  const truth = skin.map(linearToSrgb8);
  // Texels seen through a strand's middle (where the photo is the strand's colour).
  const strandTexels: number[] = [];
  for (let p = 0; p < SIZE * SIZE; p++) {
    const x = pixel[2 * p], y = pixel[2 * p + 1];
    if (x >= 0 && (forehead(x, y) || cheek(x, y)) && strandPhase(x, y) < 0.5) strandTexels.push(p);
  }
  const baked = strandTexels.filter((p) => result.weight[p] > 0.05 && texelError(result.albedo.data, p, truth) > 12);
  assert.ok(strandTexels.length > 2000, `${strandTexels.length} texels under the strands`);
  // 7.5% measured (23.9% by colour alone), all in the brows', eye's and nostril's margins, where the strand test is off (lashes and brow hairs are strands too).
  assert.ok(baked.length < 0.12 * strandTexels.length, `${baked.length} of ${strandTexels.length} texels under the strands keep their colour`);
});

test('a blonde lock across a dark brow\'s outer end stays out of the albedo; the rest of the brows stays in', async () => {
  const { model, camera, pose, view, select } = await albedoScene(0);
  const landmarks = projectPoints(correspondencePoints(model.neutral, ALL_468), pose, camera);
  const { width: W, height: H } = camera;
  const whole = { x: 0, y: 0, width: W, height: H };
  const brows = new Uint8Array(W * H);
  for (const indices of [RIGHT_EYEBROW, LEFT_EYEBROW]) fillPolygon(brows, whole, landmarkPolygon(landmarks, indices), 1);
  const top = landmarks[3 * 10 + 1], chin = landmarks[3 * 152 + 1], fh = chin - top;
  const eye = landmarks[3 * 159 + 1], outerEnd = landmarks[3 * 300], left = landmarks[3 * 234], right = landmarks[3 * 454];
  const blonde = [222, 188, 120];
  // Blonde hair of strands around the head above the eyes, and a lock over the left brow's outer third, over dark brows.
  const around = (x: number, y: number) => y < top + 0.04 * fh || (y < eye && (x < left + 4 || x > right - 4));
  const lockX = outerEnd - 0.35 * (outerEnd - landmarks[3 * 336]);
  const lock = (x: number, y: number) => x > lockX && x < lockX + 0.12 * fh && y < eye - 0.02 * fh;
  const photo = renderFlat(model, pose, camera, select, () => [0.42, 0.27, 0.2], LIGHT);
  for (let p = 0; p < W * H; p++) {
    const x = (p % W) + 0.5, y = Math.floor(p / W) + 0.5;
    const strand = Math.abs((((x + 0.5 * y) % 6) + 6) % 6 - 3) < 1.5 ? 0.8 : 1;
    if (brows[p]) photo.data.set([70, 45, 35], 3 * p);
    // The lock is a little see-through: a quarter of what is under it shows.
    const alpha = around(x, y) ? 1 : lock(x, y) ? 0.75 : 0;
    for (let c = 0; c < 3; c++) photo.data[3 * p + c] = Math.round((1 - alpha) * photo.data[3 * p + c] + alpha * strand * blonde[c]);
  }
  const exclude = textureExclusion(photo, skinMask(photo, landmarks), landmarks);
  const under: number[] = [], brow: number[] = [];
  for (let p = 0; p < W * H; p++) {
    const x = (p % W) + 0.5, y = Math.floor(p / W) + 0.5;
    if (!brows[p]) continue;
    if (lock(x, y)) under.push(exclude(x, y));
    else if (x < lockX - 4) brow.push(exclude(x, y));
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(under.length > 50 && brow.length > 300, `${under.length} lock pixels over the brow, ${brow.length} brow pixels`);
  assert.ok(mean(under) > 0.9, `the lock over the brow excluded by ${mean(under).toFixed(2)} on average`);
  assert.ok(mean(brow) < 0.05, `the brows excluded by ${mean(brow).toFixed(2)} on average`);
});
