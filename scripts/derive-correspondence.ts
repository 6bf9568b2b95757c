/**
 * Derives which point of the ICT-FaceKit surface each of the 468 MediaPipe face-mesh landmarks
 * stands for: render the model (several identities, expressions and head poses), run the same
 * landmark network the product uses on each render; each landmark becomes the surface point whose
 * projection agrees best with the network across all renders (a registration: per-pixel
 * back-projection failed at the depth jumps of the nose and jaw). The model is symmetric and so is
 * the landmark scheme, so the correspondence is made symmetric too: a landmark and its mirror
 * partner are placed together, at mirrored surface points chosen against both landmarks' readings
 * (midline landmarks on the midline), over a render set balanced between the two sides (lights
 * from either side, symmetric expressions). Derived one landmark at a time from a one-sided set,
 * the points of partners differed by up to 2 mm around the brows and 4 mm at the inner lips, and
 * fits of symmetric faces came back lopsided. Writes src/correspondence/mediapipe-ict.data.ts and
 * prints the error.
 *
 *   node --import tsx scripts/derive-correspondence.ts
 */
import { writeFile } from 'node:fs/promises';
import { loadIctModel } from '../src/model/node/load-ict.js';
import { instantiate } from '../src/model/instance.js';
import { vertexNormals } from '../src/base/normals.js';
import { projectPoints, rotationFromAngles, type Camera } from '../src/base/camera.js';
import { rasterise } from '../src/render/rasterise.js';
import { cameraNormals, shadeFrame } from '../src/render/shade.js';
import { createFaceDetector } from '../src/perception/index.js';
import { nodeDetectorSetup } from '../src/perception/node-model-loader.js';
import type { MorphableModel } from '../src/model/types.js';
import type { RgbImage } from '../src/base/image.js';
import { MEDIAPIPE_FACE_OVAL, MEDIAPIPE_MIRROR } from '../src/correspondence/mediapipe.js';
import sharp from 'sharp';
import { drawPoints } from '../src/render/points.js';

const SIZE = 512;
const FACE_VERTICES = 9409;
const N = 468;
const { model } = await loadIctModel();
const detector = await createFaceDetector(nodeDetectorSetup());

/** Colours per triangle region so the render reads as a face to the networks. */
function triangleColours(m: MorphableModel): Uint8Array {
  const T = m.triangles.length / 3;
  const colours = new Uint8Array(3 * T);
  const paint = (name: string, rgb: [number, number, number]) => {
    const r = m.triangleRegions[name];
    if (!r) return;
    for (let t = r[0]; t < r[1]; t++) colours.set(rgb, 3 * t);
  };
  for (let t = 0; t < T; t++) colours.set([214, 170, 140], 3 * t);
  paint('headAndNeck', [200, 158, 130]);
  paint('mouthSocket', [90, 30, 35]);
  paint('gumsAndTongue', [150, 60, 70]);
  paint('teeth', [235, 230, 220]);
  paint('eyeballLeft', [240, 240, 240]);
  paint('eyeballRight', [240, 240, 240]);
  paint('eyeSocketLeft', [120, 80, 70]);
  paint('eyeSocketRight', [120, 80, 70]);
  const P = m.neutral;
  const centroid = (t: number) => [0, 1, 2].map((c) => (P[3 * m.triangles[3 * t] + c] + P[3 * m.triangles[3 * t + 1] + c] + P[3 * m.triangles[3 * t + 2] + c]) / 3);
  // Irises: the front cap of each eyeball (the sclera mesh is a shell over the iris).
  for (const name of ['eyeballLeft', 'eyeballRight']) {
    const [s0, s1] = m.triangleRegions[name];
    let front = -Infinity, cx = 0, cy = 0;
    for (let t = s0; t < s1; t++) { const c = centroid(t); if (c[2] > front) { front = c[2]; cx = c[0]; cy = c[1]; } }
    for (let t = s0; t < s1; t++) {
      const c = centroid(t);
      const r = Math.hypot(c[0] - cx, c[1] - cy);
      if (c[2] > front - 0.6 && r < 0.55) colours.set(r < 0.22 ? [15, 10, 10] : [70, 50, 35], 3 * t);
    }
  }
  // Lips and brows, from the 68 landmarks: lips inside the outer lip outline, brows near the brow polylines.
  const lmk = (k: number) => [P[3 * m.landmarks68[k]], P[3 * m.landmarks68[k] + 1]];
  const lip = Array.from({ length: 12 }, (_, k) => lmk(48 + k));
  const inside = (x: number, y: number, poly: number[][]) => {
    let inn = false;
    for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
      if ((poly[i][1] > y) !== (poly[j][1] > y) && x < ((poly[j][0] - poly[i][0]) * (y - poly[i][1])) / (poly[j][1] - poly[i][1]) + poly[i][0]) inn = !inn;
    }
    return inn;
  };
  const segDist = (x: number, y: number, a: number[], b: number[]) => {
    const dx = b[0] - a[0], dy = b[1] - a[1];
    const t = Math.max(0, Math.min(1, ((x - a[0]) * dx + (y - a[1]) * dy) / (dx * dx + dy * dy)));
    return Math.hypot(x - a[0] - t * dx, y - a[1] - t * dy);
  };
  const brows = [[17, 18, 19, 20, 21], [22, 23, 24, 25, 26]].map((ks) => ks.map(lmk));
  const [f0, f1] = m.triangleRegions.face;
  for (let t = f0; t < f1; t++) {
    const c = centroid(t);
    if (c[2] < 6) continue;
    if (inside(c[0], c[1], lip)) colours.set([170, 85, 85], 3 * t);
    for (const b of brows) for (let k = 0; k + 1 < b.length; k++) {
      if (segDist(c[0], c[1], b[k], b[k + 1]) < 0.35 && c[1] > b[k][1] - 0.6) colours.set([80, 55, 40], 3 * t);
    }
  }
  return colours;
}

const drawRegions = ['face', 'headAndNeck', 'mouthSocket', 'gumsAndTongue', 'teeth', 'eyeballLeft', 'eyeballRight', 'eyeSocketLeft', 'eyeSocketRight']
  .map((n) => model.triangleRegions[n]).filter(Boolean) as [number, number][];
const colours = triangleColours(model);

/** Per render: the landmarks the network found and where every face vertex projects. */
const views: { landmarks: Float32Array; screen: Float32Array; frontal: boolean }[] = [];
const oval = new Set(MEDIAPIPE_FACE_OVAL);
let seed = 11;
const rnd = () => { seed = (seed * 16807) % 2147483647; return seed / 2147483647; };
const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());

const poses: [number, number, number][] = [];
for (const yaw of [0, -15, 15, -30, 30]) for (const pitch of [0, -10, 10]) poses.push([yaw, pitch, 0]);
const renders: { ok: boolean }[] = [];
for (let r = 0; r < 45; r++) {
  const [yaw, pitch] = poses[r % poses.length];
  const identity = Float32Array.from({ length: model.identityCount }, () => (r < poses.length ? 0 : gauss() * 0.8));
  const expression = new Float32Array(model.expressionNames.length);
  if (r >= 2 * poses.length) for (const name of [['mouthSmile_L', 'mouthSmile_R'], ['jawOpen'], ['browInnerUp_L', 'browInnerUp_R']][r % 3]) expression[model.expressionNames.indexOf(name)] = 0.4;
  const positions = instantiate(model, { identity, expression });
  const pose = { rotation: rotationFromAngles(yaw, pitch, 0), translation: Float64Array.from([0, 2, 75]) };
  const camera: Camera = { focal: 1200, cx: SIZE / 2, cy: SIZE / 2, width: SIZE, height: SIZE };
  const screen = projectPoints(positions, pose, camera);
  const frame = rasterise(screen, model.triangles, SIZE, SIZE, { select: drawRegions, cullBackfaces: true });
  const normals = cameraNormals(vertexNormals(positions, model.triangles), pose.rotation);
  const rgba = shadeFrame(frame, [{ triangles: model.triangles, normals, triangleColours: colours }], camera,
    { direction: [r % 2 ? -0.2 : 0.2, -0.3, -1], ambient: 0.45, diffuse: 0.6, specular: 0.05, shininess: 16 });
  const rgb: RgbImage = { width: SIZE, height: SIZE, data: new Uint8Array(SIZE * SIZE * 3) };
  for (let i = 0; i < SIZE * SIZE; i++) {
    const a = rgba.data[4 * i + 3] / 255;
    for (let c = 0; c < 3; c++) rgb.data[3 * i + c] = Math.round(rgba.data[4 * i + c] * a + 90 * (1 - a));
  }
  if (r < 3 || r === 30) await sharp(rgb.data, { raw: { width: SIZE, height: SIZE, channels: 3 } }).png().toFile(`/tmp/derive-${r}.png`);
  const faces = await detector.detect(rgb, { maxFaces: 1 });
  if (!faces.length) { renders.push({ ok: false }); continue; }
  renders.push({ ok: true });
  const lm = faces[0].landmarks;
  if (r < 3 || r === 30) {
    drawPoints(rgb, { points: lm, stride: 3, colour: [0, 255, 0], radius: 1.2 });
    await sharp(rgb.data, { raw: { width: SIZE, height: SIZE, channels: 3 } }).png().toFile(`/tmp/derive-${r}-lm.png`);
  }
  views.push({ landmarks: lm, screen: screen.slice(0, 3 * FACE_VERTICES), frontal: yaw === 0 });
}
console.log(`renders with a detected face: ${renders.filter((r) => r.ok).length}/${renders.length}`);

/**
 * Robust reprojection cost of a surface point for landmark i over all views: each view's squared
 * pixel error, truncated so that the network's occasional blunders do not decide.
 */
const TRUNCATE_PX = 12;
function cost(i: number, point: (screen: Float32Array) => [number, number], useView: (v: typeof views[number]) => boolean): number {
  let c = 0;
  for (const v of views) {
    if (!useView(v)) continue;
    const [x, y] = point(v.screen);
    const d2 = (x - v.landmarks[3 * i]) ** 2 + (y - v.landmarks[3 * i + 1]) ** 2;
    c += Math.min(d2, TRUNCATE_PX * TRUNCATE_PX);
  }
  return c;
}

// Each landmark pair (a landmark and its mirror partner) becomes the pair of mirrored surface points
// that best reproject onto both in every view: first the best face vertex, then the best point of a
// fine barycentric grid on the triangles around it. Midline landmarks only take points on the midline.
// Outline landmarks mark the silhouette, which moves with the pose, so only frontal views define them.
const vertices: number[] = new Array(3 * N).fill(0);
const weights: number[] = new Array(3 * N).fill(0);
const errorPx: number[] = new Array(N).fill(0);
const excluded: number[] = [];
const vertexTriangles: number[][] = Array.from({ length: FACE_VERTICES }, () => []);
const [fs, fe] = model.triangleRegions.face;
for (let t = fs; t < fe; t++) for (let k = 0; k < 3; k++) vertexTriangles[model.triangles[3 * t + k]]?.push(t);
const mirrorVertex = mirroredVertices(model, FACE_VERTICES);
/** A face vertex counts as on the midline within this distance of x = 0 (model units; 0.1 mm). */
const MIDLINE = 0.01;
const P = model.neutral;
for (let i = 0; i < N; i++) {
  const j = MEDIAPIPE_MIRROR[i];
  if (j < i) continue;
  const useView = oval.has(i) ? (v: typeof views[number]) => v.frontal : () => true;
  const at = (sc: Float32Array, tv: number[], w: number[]): [number, number] => [
    w[0] * sc[3 * tv[0]] + w[1] * sc[3 * tv[1]] + w[2] * sc[3 * tv[2]],
    w[0] * sc[3 * tv[0] + 1] + w[1] * sc[3 * tv[1] + 1] + w[2] * sc[3 * tv[2] + 1],
  ];
  const mirrored = (tv: number[]) => tv.map((v) => mirrorVertex[v]);
  const pairCost = (tv: number[], w: number[]) => cost(i, (sc) => at(sc, tv, w), useView) + cost(j, (sc) => at(sc, mirrored(tv), w), useView);
  const onMidline = (tv: number[], w: number[]) => Math.abs(w[0] * P[3 * tv[0]] + w[1] * P[3 * tv[1]] + w[2] * P[3 * tv[2]]) < MIDLINE;
  const allowed = (tv: number[], w: number[]) => i !== j || onMidline(tv, w);
  let bestV = 0, bestC = Infinity;
  for (let vtx = 0; vtx < FACE_VERTICES; vtx++) {
    if (!allowed([vtx, vtx, vtx], [1, 0, 0])) continue;
    const c = pairCost([vtx, vtx, vtx], [1, 0, 0]);
    if (c < bestC) { bestC = c; bestV = vtx; }
  }
  let best = { vertices: [bestV, bestV, bestV], weights: [1, 0, 0], c: bestC };
  for (const t of vertexTriangles[bestV]) {
    const tv = [0, 1, 2].map((k) => model.triangles[3 * t + k]);
    for (let a = 0; a <= 20; a++) for (let b = 0; a + b <= 20; b++) {
      const w = [a / 20, b / 20, (20 - a - b) / 20];
      if (!allowed(tv, w)) continue;
      const c = pairCost(tv, w);
      if (c < best.c) best = { vertices: tv, weights: w, c };
    }
  }
  const count = views.filter(useView).length;
  const place = (k: number, tv: number[]) => {
    vertices.splice(3 * k, 3, ...tv);
    weights.splice(3 * k, 3, ...best.weights);
    errorPx[k] = Math.round(Math.sqrt(cost(k, (sc) => at(sc, tv, best.weights), useView) / count) * 100) / 100;
  };
  place(i, best.vertices);
  if (j !== i) place(j, mirrored(best.vertices));
  // A pair is kept or left out together, so the fit weighs both halves of the face alike.
  if (Math.max(errorPx[i], errorPx[j]) > 6) excluded.push(...(i === j ? [i] : [i, j]));
}
excluded.sort((a, b) => a - b);

/** Per face vertex, the vertex at its mirror image (x -> -x) on the mean face. */
function mirroredVertices(m: MorphableModel, count: number): Int32Array {
  const out = new Int32Array(count);
  const Q = m.neutral;
  for (let v = 0; v < count; v++) {
    let best = v, bd = Infinity;
    for (let w = 0; w < count; w++) {
      const d = (Q[3 * v] + Q[3 * w]) ** 2 + (Q[3 * v + 1] - Q[3 * w + 1]) ** 2 + (Q[3 * v + 2] - Q[3 * w + 2]) ** 2;
      if (d < bd) { bd = d; best = w; }
    }
    out[v] = best;
  }
  return out;
}

const sorted = [...errorPx].sort((a, b) => a - b);
// At the renders' scale (focal 1200 px, 75 cm away) one pixel is about 0.63 mm on the face.
const mmPerPx = 750 / 1200;
const summary = {
  renders: renders.length,
  detected: renders.filter((r) => r.ok).length,
  medianErrorPx: sorted[sorted.length >> 1],
  p90ErrorPx: sorted[Math.floor(sorted.length * 0.9)],
  medianErrorMm: Math.round(sorted[sorted.length >> 1] * mmPerPx * 100) / 100,
  excluded: excluded.length,
};
console.log(summary);
const data = {
  model: model.name,
  method: `MediaPipe face-mesh landmarks detected on ${summary.detected} renders of the model ` +
    `(identities, symmetric expressions, yaw -30..30, pitch -10..10, lights from either side); each landmark and its mirror ` +
    `partner are the pair of mirrored surface points with the least truncated reprojection error over all renders (midline ` +
    `landmarks on the midline; outline landmarks: frontal renders only). RMS reprojection error per landmark: ` +
    `median ${summary.medianErrorPx} px (${summary.medianErrorMm} mm), 90th percentile ${summary.p90ErrorPx} px.`,
  vertices, weights, errorPx, excluded,
};
await writeFile(new URL('../src/correspondence/mediapipe-ict.data.ts', import.meta.url),
  `// Written by scripts/derive-correspondence.ts; do not edit by hand.\n` +
  `import type { CorrespondenceFile } from './types.js';\n\n` +
  `export const MEDIAPIPE_ICT_DATA: CorrespondenceFile = ${JSON.stringify(data).replace(/null/g, 'NaN')};\n`);
detector.dispose();
