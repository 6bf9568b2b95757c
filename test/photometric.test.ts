import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadIctModel } from '../src/model/node/load-ict.js';
import { instantiate } from '../src/model/instance.js';
import { mediapipeLandmarkModel } from '../src/correspondence/landmark-model.js';
import { fitLandmarks } from '../src/fit/landmark-fit.js';
import { NormalEquations } from '../src/base/linalg.js';
import type { FitState } from '../src/fit/projection-jacobian.js';
import { ParameterLayout } from '../src/fit/parameter-layout.js';
import { rotationFromAngles } from '../src/base/camera.js';
import { vertexPoints } from '../src/fit/surface-points.js';
import { shBasis, shDominantDirection, shFromLight, shShade } from '../src/lighting/sh.js';
import { linearToSrgb, srgbToLinear } from '../src/base/colour.js';
import { alignedVertexError } from '../bench/metrics/rigid-align.js';
import { faceSamples, SampleGrid } from '../src/photometric/face-samples.js';
import { PhotometricTerm } from '../src/photometric/photometric-term.js';
import type { PhotoField } from '../src/photometric/photo-field.js';
import { refinePhotometric } from '../src/photometric/refine.js';
import { refinePhotometricMultiView } from '../src/photometric/multi-view-refine.js';
import { lineariseNormals } from '../src/photometric/sample-normals.js';
import { displayMesh } from '../src/render/display-mesh.js';
import { renderTextured } from '../src/render/textured.js';
import { randomLandmarkScene, seededRandom } from '../bench/synthetic/landmark-scene.js';
import { sampleImage } from './helpers/shared-data.js';

const { model } = await loadIctModel({ progress: false });
const lm = mediapipeLandmarkModel(model);
const K = lm.identityCount;
const mm = model.unitsToMillimetres;

test('SH: a light facing the normal shades it most; shading of a white environment is 1; sRGB round trip', () => {
  const sh = shFromLight([0, 0, 1], [0, 0, 0], [1, 1, 1]);
  const out = [0, 0, 0];
  shShade(sh, 0, 0, 1, out);
  const facing = out[0];
  shShade(sh, 1, 0, 0, out);
  const side = out[0];
  shShade(sh, 0, 0, -1, out);
  assert.ok(facing > 0.95 && facing < 1.1, `facing ${facing}`);
  assert.ok(side > 0.03 && side < 0.2, `side ${side}`); // clamped cosine is 0 at 90 degrees; order-2 SH gives about 0.09
  assert.ok(Math.abs(out[0]) < 0.1, `away ${out[0]}`);
  const white = shFromLight([0, 0, 1], [1, 1, 1], [0, 0, 0]);
  shShade(white, 0.6, -0.48, 0.64, out);
  assert.ok(Math.abs(out[1] - 1) < 1e-5);
  assert.deepEqual(shDominantDirection(shFromLight([0.3, 0.4, 0.5], [0.2, 0.2, 0.2], [1, 1, 1]))!.map((x) => Math.round(x * 1e4) / 1e4),
    [0.3, 0.4, 0.5].map((x) => Math.round((x / Math.hypot(0.3, 0.4, 0.5)) * 1e4) / 1e4));
  for (const v of [0, 0.002, 0.2, 0.5, 1]) assert.ok(Math.abs(linearToSrgb(srgbToLinear(v)) - v) < 1e-9);
});

test('photometric Jacobian agrees with finite differences of its cost (pose, focal, identity, expression)', () => {
  const rnd = seededRandom(7);
  const C = lm.surface.columns;
  const state: FitState = {
    rotation: rotationFromAngles(20, -8, 5),
    translation: Float64Array.from([1, -2, 60]),
    focal: 900,
    coeffs: Float64Array.from({ length: C }, (_, m) => (m < K ? 0.5 * rnd.normal() : 0.3 * rnd.uniform())),
  };
  const samples = faceSamples(model, 0.8);
  const identity = new Float32Array(model.identityCount);
  identity.set(state.coeffs.subarray(0, K));
  const positions = instantiate(model, { identity, expression: Float32Array.from(state.coeffs.subarray(K)) });
  const S = samples.vertices.length;
  // A photo whose luminance is an exact plane in pixels, so its bilinear lookup and its gradient agree.
  const width = 640, height = 640;
  const rgb = new Float32Array(3 * width * height), gradient = new Float32Array(2 * width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x, l = 0.2 + 0.0004 * x + 0.0003 * y;
      rgb.fill(l, 3 * p, 3 * p + 3);
      gradient[2 * p] = 0.0004; gradient[2 * p + 1] = 0.0003;
    }
  }
  const field: PhotoField = { rect: { x: 0, y: 0, width, height }, rgb, gradient };
  const L = new ParameterLayout(K, C - K);
  const term = new PhotometricTerm({
    field, points: vertexPoints(model, samples.vertices, K), layout: L, normals: lineariseNormals(model, samples, positions, K, state.coeffs),
    albedo: Float64Array.from({ length: 3 * S }, () => 0.3 + 0.2 * rnd.uniform()),
    sh: shFromLight([-0.4, 0.5, 0.8], [0.3, 0.3, 0.3], [0.9, 0.8, 0.7]),
    weight: Float64Array.from({ length: S }, () => rnd.uniform()), cx: 320, cy: 320, sigma: 0.02,
  });
  const n = L.size;
  const all = L.all();
  const ne = new NormalEquations(n);
  term.add(ne, state, all, 'full');
  const cost = (s: FitState) => { const e = new NormalEquations(n); term.add(e, s, all, 'cost'); return e.cost; };
  const perturb = (p: number, h: number): FitState => {
    const s: FitState = { rotation: Float64Array.from(state.rotation), translation: Float64Array.from(state.translation), focal: state.focal, coeffs: Float64Array.from(state.coeffs) };
    if (p < L.rotation.end) {
      const w = [0, 0, 0]; w[p - L.rotation.start] = h;
      const th = Math.hypot(...w), k = w.map((x) => x / th), c = Math.cos(th), si = Math.sin(th);
      const E = [c + k[0] * k[0] * (1 - c), k[0] * k[1] * (1 - c) - k[2] * si, k[0] * k[2] * (1 - c) + k[1] * si,
        k[1] * k[0] * (1 - c) + k[2] * si, c + k[1] * k[1] * (1 - c), k[1] * k[2] * (1 - c) - k[0] * si,
        k[2] * k[0] * (1 - c) - k[1] * si, k[2] * k[1] * (1 - c) + k[0] * si, c + k[2] * k[2] * (1 - c)];
      const R = state.rotation;
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) s.rotation[3 * i + j] = R[3 * i] * E[j] + R[3 * i + 1] * E[3 + j] + R[3 * i + 2] * E[6 + j];
    } else if (p < L.translation.end) s.translation[p - L.translation.start] += h;
    else if (p === L.logFocal.start) s.focal *= Math.exp(h);
    else s.coeffs[p - L.coefficients.start] += h;
    return s;
  };
  const { rotation, translation, logFocal, expression } = L;
  for (const p of [rotation.start, rotation.start + 1, rotation.start + 2, translation.start, translation.start + 2, logFocal.start,
    L.identity.start, L.identity.start + 3, L.identity.end - 1, expression.start + 2, expression.start + 20]) {
    const h = p < L.pose.end ? 1e-5 : 1e-4;
    const numeric = (cost(perturb(p, h)) - cost(perturb(p, -h))) / (2 * h);
    const analytic = 2 * ne.Jtr[p];
    assert.ok(Math.abs(numeric - analytic) <= 1e-3 * Math.max(1, Math.abs(numeric)), `param ${p}: analytic ${analytic} vs numeric ${numeric}`);
  }
});

/** A UV albedo image for the ICT face tile: skin with smooth, left-right symmetric variation and red lips. */
function albedoTexture(size: number, tone: number[]) {
  const data = new Uint8Array(3 * size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = (x + 0.5) / size, v = 1 - (y + 0.5) / size;
      const f = 1 + 0.1 * Math.cos(9 * Math.abs(u - 0.5)) * Math.sin(7 * v);
      for (let c = 0; c < 3; c++) data[3 * (y * size + x) + c] = Math.round(255 * linearToSrgb(tone[c] * f));
    }
  }
  return { width: size, height: size, data };
}

/** A render of `scene` with `texture` under a key light from `light` (ambient and key scaled by `exposure`) on a plain background, and landmarks 1% of the face size off. */
function scenePhoto(scene: ReturnType<typeof randomLandmarkScene>, texture: ReturnType<typeof albedoTexture>, light: [number, number, number], exposure: number, rnd: ReturnType<typeof seededRandom>) {
  const sh = shFromLight(light, [0.35 * exposure, 0.35 * exposure, 0.35 * exposure], [0.8 * exposure, 0.78 * exposure, 0.75 * exposure]);
  const mesh = { positions: scene.positions, triangles: model.triangles, uvs: model.uvs, triangleUvs: model.triangleUvs, select: displayMesh(model).select };
  const render = renderTextured(mesh, scene.pose, scene.camera, { kind: 'texture', tiles: [texture], fallback: [200, 200, 200] }, sh);
  const photo = { width: 640, height: 640, data: new Uint8Array(3 * 640 * 640) };
  for (let p = 0; p < 640 * 640; p++) for (let c = 0; c < 3; c++) photo.data[3 * p + c] = render.image.data[4 * p + 3] ? render.image.data[4 * p + c] : 70 + 20 * c;
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let i = 0; i < scene.targets.length; i += 2) {
    x0 = Math.min(x0, scene.targets[i]); x1 = Math.max(x1, scene.targets[i]); y0 = Math.min(y0, scene.targets[i + 1]); y1 = Math.max(y1, scene.targets[i + 1]);
  }
  const noise = 0.01 * Math.sqrt((x1 - x0) * (y1 - y0));
  return { photo, sh, targets: Float32Array.from(scene.targets, (t) => t + noise * rnd.normal()) };
}

/** Degrees between the dominant light directions of two SH environments. */
function lightAngle(fitted: Float64Array, truth: Float64Array): number {
  const got = shDominantDirection(fitted)!, want = shDominantDirection(truth)!;
  return Math.acos(Math.min(1, got[0] * want[0] + got[1] * want[1] + got[2] * want[2])) * 180 / Math.PI;
}

/** Per channel, the median relative error of sample albedos against the truth after the best scale (a photo cannot fix albedo x light). */
function albedoRelativeError(sampleAlbedo: Float64Array, truth: Float64Array): number {
  let worst = 0;
  for (let c = 0; c < 3; c++) {
    let num = 0, den = 0;
    for (let i = 0; i < truth.length / 3; i++) { num += sampleAlbedo[3 * i + c] * truth[3 * i + c]; den += truth[3 * i + c] ** 2; }
    const scale = num / den;
    const errs: number[] = [];
    for (let i = 0; i < truth.length / 3; i++) errs.push(Math.abs(sampleAlbedo[3 * i + c] / (scale * truth[3 * i + c]) - 1));
    errs.sort((a, b) => a - b);
    worst = Math.max(worst, errs[Math.floor(errs.length / 2)]);
  }
  return worst;
}

test('shareAlbedo: three photos of one face under their own light and exposure get one albedo, recovered, and each its own light', () => {
  const rnd = seededRandom(77);
  const identity = Float32Array.from({ length: model.identityCount }, (_, m) => (m < K ? rnd.normal() : 0));
  const texture = albedoTexture(256, [0.5, 0.34, 0.26]);
  const lights: [number, number, number][] = [[-0.6, 0.3, 1], [0.7, 0.2, 1], [0.2, 0.5, 1]];
  const views = [11, 12, 13].map((seed, v) => {
    const scene = randomLandmarkScene(model, lm.surface, seed, { contour: lm.contour, identity, maxYaw: 35 });
    const { photo, sh, targets } = scenePhoto(scene, texture, lights[v], [1, 0.7, 1.3][v], rnd);
    return { photo, targets, sh, fit: fitLandmarks(lm, targets, photo, { focal: scene.camera.focal }), focal: scene.camera.focal };
  });
  const refined = refinePhotometricMultiView(model, lm, views.map((v) => ({ photo: v.photo, targets: v.targets, fit: v.fit, options: { focal: v.focal } })), { shareAlbedo: true });
  const truth = trueSampleAlbedo(refined.views[0].samples.vertices, texture);
  const [a, ...rest] = refined.views;
  for (const v of rest) assert.deepEqual(v.sampleAlbedo, a.sampleAlbedo);
  const error = albedoRelativeError(a.sampleAlbedo, truth);
  // Measured 0.058 (each photo's own: 0.032, 0.052, 0.059).
  assert.ok(error < 0.07, `median relative albedo error ${error.toFixed(3)}`);
  refined.views.forEach((r, v) => {
    const angle = lightAngle(r.sh, views[v].sh);
    // Measured 17.7, 13.5, 7.9 degrees (each photo's own albedo: 12.3, 20.3, 26.8).
    assert.ok(angle < 22, `view ${v}: light direction off by ${angle.toFixed(1)} degrees`);
    assert.ok(r.photometricError.refined < r.photometricError.landmarkFit, `view ${v}: photometric error did not drop`);
  });
  // The exposures (1, 0.7, 1.3) are in the lights: the shared albedo explains every photo.
  const white = refined.views.map((r) => r.sh[0] + r.sh[1] + r.sh[2]);
  assert.ok(white[1] < white[0] && white[0] < white[2], `light levels ${white.map((w) => w.toFixed(2)).join(' ')}`);
});

test('synthetic photo: refinement recovers the light direction and the albedo, and beats the landmark fit on shape', () => {
  const landmarkErrors: number[] = [], refinedErrors: number[] = [];
  for (const seed of [1, 2, 3]) {
    const scene = randomLandmarkScene(model, lm.surface, seed, { contour: lm.contour, maxYaw: 35 });
    const rnd = seededRandom(seed + 100);
    const tone = [0.45 + 0.2 * rnd.uniform(), 0.3 + 0.1 * rnd.uniform(), 0.22 + 0.08 * rnd.uniform()];
    const texture = albedoTexture(256, tone);
    const light: [number, number, number] = [(rnd.uniform() - 0.5) * 1.2, 0.2 + 0.5 * rnd.uniform(), 1];
    // Landmarks as a network reports them: right on average, 1% of the face size off each.
    const { photo, sh, targets } = scenePhoto(scene, texture, light, 1, rnd);
    const fit = fitLandmarks(lm, targets, photo, { focal: scene.camera.focal });
    const refined = refinePhotometric(model, lm, photo, targets, fit, { focal: scene.camera.focal });

    const shapeError = (identity: Float32Array, expression: Float32Array) => {
      const id = new Float32Array(model.identityCount); id.set(identity);
      return alignedVertexError(instantiate(model, { identity: id, expression }), scene.positions, model.regions.narrowFace).mean * mm;
    };
    landmarkErrors.push(shapeError(fit.identity, fit.expression));
    refinedErrors.push(shapeError(refined.identity, refined.expression));

    const angle = lightAngle(refined.sh, sh);
    assert.ok(angle < 15, `seed ${seed}: light direction off by ${angle.toFixed(1)} degrees`);

    // Albedo, up to the per-channel scale that a photo cannot fix (albedo x light): compare each
    // observed sample's albedo with the true texture at its UV.
    const worst = albedoRelativeError(refined.sampleAlbedo, trueSampleAlbedo(refined.samples.vertices, texture));
    assert.ok(worst < 0.08, `seed ${seed}: median relative albedo error ${worst.toFixed(3)}`);
    assert.ok(refined.photometricError.refined < refined.photometricError.landmarkFit, `seed ${seed}: photometric error did not drop`);
  }
  const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
  console.log(`shape error: landmark fit ${mean(landmarkErrors).toFixed(2)} mm, photometric ${mean(refinedErrors).toFixed(2)} mm`);
  // 3.47 -> 2.92 mm (0.84) before the symmetric correspondence and the asymmetry prior, 3.50 -> 2.98 mm
  // (0.85) since: the prior holds back these scenes' random one-sided expressions a little.
  // (2.98 against 3.51 mm with the lighting's second band ridged at 1e-3; 3.06 at 1e-2, which real photos need: see README.)
  assert.ok(mean(refinedErrors) < 0.88 * mean(landmarkErrors), `refined ${mean(refinedErrors).toFixed(2)} mm vs landmark fit ${mean(landmarkErrors).toFixed(2)} mm`);
});

/** Linear albedo of the texture at each vertex's UV (first UV the triangles give it). */
function trueSampleAlbedo(vertices: Uint32Array, texture: { width: number; height: number; data: Uint8Array }): Float64Array {
  const uvOf = new Int32Array(model.vertexCount).fill(-1);
  for (let k = 0; k < model.triangles.length; k++) if (uvOf[model.triangles[k]] < 0) uvOf[model.triangles[k]] = model.triangleUvs[k];
  const out = new Float64Array(3 * vertices.length);
  vertices.forEach((v, i) => {
    const t = uvOf[v];
    const u = model.uvs[2 * t], w = model.uvs[2 * t + 1];
    const x = Math.min(texture.width - 1, Math.floor(u * texture.width)), y = Math.min(texture.height - 1, Math.floor((1 - w) * texture.height));
    for (let c = 0; c < 3; c++) out[3 * i + c] = srgbToLinear(texture.data[3 * (y * texture.width + x) + c] / 255);
  });
  return out;
}

test('SH basis: the kernel-folded constant band matches a white environment', () => {
  const b = new Float64Array(9);
  shBasis(0, 0, 1, b);
  assert.ok(Math.abs(b[0] * 4 * Math.PI * 0.282095 - 1) < 1e-5);
});

test("Grace Hopper's glasses stay out of the albedo: the band around the eyes is skin, not frame", async () => {
  const { readImage } = await import('../src/io/read-image.js');
  const { createFaceDetector } = await import('../src/perception/index.js');
  const { nodeDetectorSetup } = await import('../src/perception/node-model-loader.js');
  const { reconstructFace } = await import('../src/pipeline/reconstruct.js');
  const { completeFaceAlbedo } = await import('../src/pipeline/outputs.js');
  const { completeAlbedo } = await import('../src/texture/complete-albedo.js');
  const { MEDIAPIPE_ICT } = await import('../src/correspondence/landmark-model.js');
  const { image } = await readImage(sampleImage('grace_hopper.jpg'));
  const detector = await createFaceDetector(nodeDetectorSetup());
  const [detection] = await detector.detect(image);
  detector.dispose();
  const face = reconstructFace({ model, landmarks: lm }, image, detection);
  assert.ok(face.skin?.glasses, 'the skin mask finds the glasses');
  // UV box around both eyes (MediaPipe eye contours through the correspondence), where the frames sit.
  const eyeIdx = [33, 133, 159, 145, 263, 362, 386, 374, 70, 300];
  let u0 = Infinity, u1 = -Infinity, v0 = Infinity, v1 = -Infinity;
  const uvOf = new Int32Array(model.vertexCount).fill(-1);
  for (let k = 0; k < model.triangles.length; k++) if (uvOf[model.triangles[k]] < 0) uvOf[model.triangles[k]] = model.triangleUvs[k];
  for (const i of eyeIdx) {
    const t = uvOf[MEDIAPIPE_ICT.vertices[3 * i]];
    u0 = Math.min(u0, model.uvs[2 * t]); u1 = Math.max(u1, model.uvs[2 * t]); v0 = Math.min(v0, model.uvs[2 * t + 1]); v1 = Math.max(v1, model.uvs[2 * t + 1]);
  }
  const darkShare = (albedo: { width: number; height: number; data: Uint8Array }) => {
    let dark = 0, n = 0, ref = 0;
    for (let p = 0; p < albedo.width * albedo.height; p++) ref += albedo.data[3 * p] + albedo.data[3 * p + 1] + albedo.data[3 * p + 2];
    ref /= albedo.width * albedo.height;
    for (let y = 0; y < albedo.height; y++) {
      const v = 1 - (y + 0.5) / albedo.height;
      if (v < v0 || v > v1) continue;
      for (let x = 0; x < albedo.width; x++) {
        const u = (x + 0.5) / albedo.width;
        if (u < u0 || u > u1) continue;
        const p = y * albedo.width + x;
        n++;
        if (albedo.data[3 * p] + albedo.data[3 * p + 1] + albedo.data[3 * p + 2] < 0.5 * ref) dark++;
      }
    }
    return dark / n;
  };
  const withMask = darkShare(completeFaceAlbedo(model, image, face).albedo);
  const view = { photo: image, camera: face.camera, pose: face.pose, positions: face.positions, triangles: model.triangles, uvs: model.uvs, triangleUvs: model.triangleUvs };
  const unmasked = darkShare(completeAlbedo(view, { sh: face.photometric!.shWhite }, {
    size: 1024, uRange: [0, 1], vRange: [0, 1], bakeSelect: [model.triangleRegions.face], occluderSelect: displayMesh(model).select,
  }).albedo);
  console.log(`dark texels around the eyes: ${(100 * withMask).toFixed(1)}% with the mask, ${(100 * unmasked).toFixed(1)}% without`);
  assert.ok(unmasked > 0.05, `without the mask the frames show (${unmasked})`);
  assert.ok(withMask < 0.25 * unmasked, `with the mask ${withMask} vs ${unmasked} without`);
});

test('a refinement that runs away from the photo keeps the landmark fit: the blurred, smiling face of group4.jpg, alone and as a person', async () => {
  const { default: sharp } = await import('sharp');
  const { createFaceDetector } = await import('../src/perception/index.js');
  const { nodeDetectorSetup } = await import('../src/perception/node-model-loader.js');
  const { reconstructFace } = await import('../src/pipeline/reconstruct.js');
  const { reconstructPerson } = await import('../src/pipeline/reconstruct-person.js');
  // Her face alone (group4.jpg's fourth face, box at 986, 213). Unguarded, the rounds turned her head
  // 12° in pitch and 11° in roll off her landmarks (landmark error 2.1 -> 10.8 px) while the
  // appearance explained the photo worse each round (skin error 8.6 -> 12.8), into a broad, jowly head.
  const { data, info } = await sharp(sampleImage('group4.jpg')).extract({ left: 850, top: 80, width: 460, height: 460 })
    .removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const image = { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  const detector = await createFaceDetector(nodeDetectorSetup());
  const [detection] = await detector.detect(image);
  const face = reconstructFace({ model, landmarks: lm }, image, detection, { detail: false });
  const p = face.photometric!;
  assert.equal(p.diverged, true);
  assert.ok(p.residualPx < 4, `landmark error ${p.residualPx} px`);
  assert.equal(p.photometricError.refined, p.photometricError.landmarkFit);
  assert.deepEqual(Array.from(face.pose.rotation), Array.from(face.fit.pose.rotation));
  assert.ok(p.sampleCount > 100, `the kept round's sample count ${p.sampleCount}`);

  // Her crop and its mirror image as one person: unguarded, the shared refinement ran away the same
  // way (landmark errors 9.5 and 10.7 px, the broad head); the guard keeps the multi-view landmark fit.
  const mirrored = { width: image.width, height: image.height, data: new Uint8Array(image.data.length) };
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const from = 3 * (y * image.width + x), to = 3 * (y * image.width + image.width - 1 - x);
      mirrored.data.set(image.data.subarray(from, from + 3), to);
    }
  }
  const person = await reconstructPerson({ model, landmarks: lm, detector }, [{ name: 'crop', image }, { name: 'mirrored', image: mirrored }], { detail: false });
  detector.dispose();
  assert.equal(person.views.length, 2);
  for (const view of person.views) {
    assert.equal(view.photometric!.diverged, true, view.name);
    assert.ok(view.photometric!.residualPx < 4, `${view.name}: landmark error ${view.photometric!.residualPx} px`);
    assert.deepEqual(Array.from(view.pose.rotation), Array.from(view.fit.pose.rotation));
  }
});

test('SampleGrid.nearest: the k nearest samples, nearest first, as a brute-force search finds them', () => {
  const rnd = seededRandom(3);
  const p = Float32Array.from({ length: 3 * 2000 }, () => 10 * rnd.uniform() - 5);
  const vertices = Uint32Array.from({ length: 1500 }, (_, i) => i);
  // Cells of 1.5: the 7 nearest of 1500 points in a 10-wide cube lie well within one cell.
  const grid = new SampleGrid(p, vertices, 1.5);
  for (let q = 0; q < 200; q++) {
    const x = 8 * rnd.uniform() - 4, y = 8 * rnd.uniform() - 4, z = 8 * rnd.uniform() - 4;
    const brute = Array.from(vertices, (v, i) => [(p[3 * v] - x) ** 2 + (p[3 * v + 1] - y) ** 2 + (p[3 * v + 2] - z) ** 2, i])
      .sort((a, b) => a[0] - b[0]).slice(0, 7).map((e) => e[1]);
    assert.deepEqual(grid.nearest(x, y, z, 7), brute);
  }
  assert.deepEqual(grid.nearest(100, 100, 100, 3), []);
});
