import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FRONTAL, projectPoints, rotationFromAngles, type Camera, type HeadPose } from '../src/base/camera.js';
import { vertexNormals } from '../src/base/normals.js';
import { texturedMesh } from '../src/base/mesh.js';
import { shFromLight } from '../src/lighting/sh.js';
import { renderTextured } from '../src/render/textured.js';
import { loadIctModel } from '../src/model/node/load-ict.js';
import { displayMesh } from '../src/render/display-mesh.js';
import { overlayFaces, renderFaces, renderPlain } from '../src/render/overlay.js';
import { drawPoints } from '../src/render/points.js';
import { clearRasterFrame, createRasterFrame, rasterise, rasteriseInto, type RasterFrame } from '../src/render/rasterise.js';
import { cameraNormals, shadeFrame } from '../src/render/shade.js';
import { vertexVisibility } from '../src/render/visibility.js';

function covered(frame: RasterFrame): number {
  let n = 0;
  for (const id of frame.triangleId) if (id >= 0) n++;
  return n;
}

/** Screen vertices from [u, v] pairs at a constant depth. */
function flat(points: number[][], z = 1): Float32Array {
  return Float32Array.from(points.flatMap(([u, v]) => [u, v, z]));
}

test('a single triangle covers its area, counted per pixel centre', () => {
  // Right triangle with legs on pixel boundaries: row y (centre y+0.5) spans x < 10 + 100 (1 - (y+0.5-10)/80).
  const screen = flat([[10, 10], [110, 10], [10, 90]]);
  const frame = rasterise(screen, Uint32Array.from([0, 1, 2]), 128, 128);
  let expected = 0;
  for (let y = 0; y < 128; y++) for (let x = 0; x < 128; x++) {
    const px = x + 0.5, py = y + 0.5;
    if (px > 10 && py > 10 && (px - 10) / 100 + (py - 10) / 80 < 1) expected++;
  }
  assert.equal(covered(frame), expected);
  assert.ok(Math.abs(expected - 4000) < 100);
});

test('triangles sharing edges cover every pixel exactly once (top-left rule)', () => {
  // A grid whose vertices sit exactly on pixel centres and corners, so many centres fall on edges.
  const size = 96, n = 6, step = 12.5, origin = 8;
  const pts: number[][] = [];
  for (let j = 0; j <= n; j++) for (let i = 0; i <= n; i++) {
    const jitter = (i > 0 && i < n && j > 0 && j < n) ? ((i * 7 + j * 3) % 5) * 0.5 - 1 : 0;
    pts.push([origin + i * step + jitter, origin + j * step - jitter]);
  }
  const tris: number[] = [];
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) {
    const a = j * (n + 1) + i, b = a + 1, c = a + n + 1, d = c + 1;
    if ((i + j) % 2) tris.push(a, b, d, a, d, c); else tris.push(a, b, c, b, d, c);
  }
  const screen = flat(pts);
  const triangles = Uint32Array.from(tris);
  const count = new Uint8Array(size * size);
  const frame = createRasterFrame(size, size);
  for (let t = 0; t < triangles.length / 3; t++) {
    clearRasterFrame(frame);
    rasteriseInto(frame, screen, triangles, { select: [[t, t + 1]] });
    for (let p = 0; p < size * size; p++) if (frame.triangleId[p] === t) count[p]++;
  }
  const lo = origin, hi = origin + n * step; // integers: no pixel centre on the outer boundary
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    const px = x + 0.5, py = y + 0.5;
    const inside = px > lo && px < hi && py > lo && py < hi;
    assert.equal(count[y * size + x], inside ? 1 : 0, `pixel ${x},${y}`);
  }
});

test('shared-edge coverage holds for a fan with pixel-centre vertices in both windings', () => {
  const centre = [40.5, 40.5];
  const ring: number[][] = [];
  for (let k = 0; k < 12; k++) {
    const a = (k / 12) * 2 * Math.PI;
    ring.push([40.5 + Math.round(30 * Math.cos(a)), 40.5 + Math.round(30 * Math.sin(a))]);
  }
  const screen = flat([centre, ...ring]);
  const tris: number[] = [];
  for (let k = 0; k < 12; k++) {
    const a = 1 + k, b = 1 + ((k + 1) % 12);
    if (k % 2) tris.push(0, a, b); else tris.push(0, b, a);
  }
  const triangles = Uint32Array.from(tris);
  const count = new Uint8Array(81 * 81);
  const frame = createRasterFrame(81, 81);
  let writes = 0;
  for (let t = 0; t < 12; t++) {
    clearRasterFrame(frame);
    writes += rasteriseInto(frame, screen, triangles, { select: [[t, t + 1]] });
    for (let p = 0; p < count.length; p++) if (frame.triangleId[p] === t) count[p]++;
  }
  assert.ok(count.every((c) => c <= 1), 'no pixel drawn twice');
  // The centre pixel lies on all 12 edges: exactly one triangle must own it.
  assert.equal(count[40 * 81 + 40], 1);
  const union = rasterise(screen, triangles, 81, 81);
  assert.equal(covered(union), writes, 'drawing all at once covers the same pixels');
});

test('barycentrics reproduce the pixel centre, and are ~1 next to each vertex', () => {
  const pts = [[20.3, 12.7], [100.2, 40.9], [35.6, 110.1]];
  for (const order of [[0, 1, 2], [0, 2, 1]]) {
    const frame = rasterise(flat(pts), Uint32Array.from(order), 128, 128);
    assert.ok(covered(frame) > 3000);
    for (let p = 0; p < 128 * 128; p++) {
      if (frame.triangleId[p] < 0) continue;
      const b1 = frame.barycentric[2 * p], b2 = frame.barycentric[2 * p + 1], b0 = 1 - b1 - b2;
      const v = [pts[order[0]], pts[order[1]], pts[order[2]]];
      const u = b0 * v[0][0] + b1 * v[1][0] + b2 * v[2][0];
      const w = b0 * v[0][1] + b1 * v[1][1] + b2 * v[2][1];
      assert.ok(Math.abs(u - ((p % 128) + 0.5)) < 0.01 && Math.abs(w - (Math.floor(p / 128) + 0.5)) < 0.01);
    }
    for (let k = 0; k < 3; k++) {
      const [vx, vy] = pts[order[k]];
      let best = -1, bestDist = Infinity;
      for (let p = 0; p < 128 * 128; p++) {
        if (frame.triangleId[p] < 0) continue;
        const d = Math.hypot((p % 128) + 0.5 - vx, Math.floor(p / 128) + 0.5 - vy);
        if (d < bestDist) { bestDist = d; best = p; }
      }
      const b1 = frame.barycentric[2 * best], b2 = frame.barycentric[2 * best + 1];
      assert.ok([1 - b1 - b2, b1, b2][k] > 0.97, `vertex ${k}`);
    }
  }
});

test('depth is exact on a constant-depth plane', () => {
  const frame = rasterise(flat([[5, 5], [60, 8], [20, 58]], 7.25), Uint32Array.from([0, 1, 2]), 64, 64);
  let n = 0;
  for (let p = 0; p < 64 * 64; p++) if (frame.triangleId[p] >= 0) { assert.equal(frame.depth[p], 7.25); n++; }
  assert.ok(n > 1000);
  assert.ok(frame.depth.every((d, p) => frame.triangleId[p] >= 0 || d === Infinity));
});

test('depth and barycentrics are perspective-correct on a slanted plane', () => {
  const camera: Camera = { focal: 200, cx: 64, cy: 64, width: 128, height: 128 };
  const pose: HeadPose = { rotation: Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]), translation: new Float64Array(3) };
  const P = [[-4, -3, 8], [5, -2, 20], [-1, 5, 12]]; // camera frame, strongly slanted in depth
  const positions = Float32Array.from(P.flat());
  const screen = projectPoints(positions, pose, camera);
  const frame = rasterise(screen, Uint32Array.from([0, 1, 2]), 128, 128);
  // Plane n·X = d through the three points.
  const e1 = P[1].map((c, k) => c - P[0][k]), e2 = P[2].map((c, k) => c - P[0][k]);
  const nrm = [e1[1] * e2[2] - e1[2] * e2[1], e1[2] * e2[0] - e1[0] * e2[2], e1[0] * e2[1] - e1[1] * e2[0]];
  const d = nrm[0] * P[0][0] + nrm[1] * P[0][1] + nrm[2] * P[0][2];
  let n = 0;
  for (let p = 0; p < 128 * 128; p++) {
    if (frame.triangleId[p] < 0) continue;
    n++;
    const rx = ((p % 128) + 0.5 - 64) / 200, ry = (Math.floor(p / 128) + 0.5 - 64) / 200;
    const z = d / (nrm[0] * rx + nrm[1] * ry + nrm[2]);
    assert.ok(Math.abs(frame.depth[p] - z) < 1e-4 * z, `depth at ${p}`);
    const b1 = frame.barycentric[2 * p], b2 = frame.barycentric[2 * p + 1], b0 = 1 - b1 - b2;
    const X = [0, 1, 2].map((k) => b0 * P[0][k] + b1 * P[1][k] + b2 * P[2][k]);
    // The interpolated 3D point must lie on the pixel's ray: screen-affine barycentrics would miss it by pixels.
    assert.ok(Math.abs(X[2] - z) < 1e-3 * z && Math.abs(X[0] / X[2] - rx) < 1e-4 && Math.abs(X[1] / X[2] - ry) < 1e-4);
  }
  assert.ok(n > 500);
});

test('backface culling and triangle selection', () => {
  const pts = flat([[10, 10], [50, 10], [10, 50], [60, 60]]);
  const ccwOnScreen = Uint32Array.from([0, 2, 1]); // counter-clockwise as seen: front-facing
  const cwOnScreen = Uint32Array.from([0, 1, 2]);
  assert.ok(covered(rasterise(pts, ccwOnScreen, 64, 64, { cullBackfaces: true })) > 500);
  assert.equal(covered(rasterise(pts, cwOnScreen, 64, 64, { cullBackfaces: true })), 0);
  assert.ok(covered(rasterise(pts, cwOnScreen, 64, 64)) > 500);

  const two = Uint32Array.from([0, 1, 2, 1, 3, 2]);
  const onlySecond = rasterise(pts, two, 64, 64, { select: Uint8Array.from([0, 1]) });
  assert.ok(covered(onlySecond) > 0 && onlySecond.triangleId.every((id) => id === -1 || id === 1));
  const byRange = rasterise(pts, two, 64, 64, { select: [[1, 2]] });
  assert.deepEqual(byRange.triangleId, onlySecond.triangleId);
});

test('the nearer triangle wins regardless of drawing order; visibility follows the z-buffer', () => {
  const screen = Float32Array.from([10, 10, 5, 50, 10, 5, 10, 50, 5, /* far */ 12, 12, 9, 54, 14, 9, 14, 54, 9, /* lone */ 58, 58, 9]);
  for (const tris of [[0, 1, 2, 3, 4, 5], [3, 4, 5, 0, 1, 2]]) {
    const frame = rasterise(screen, Uint32Array.from(tris), 64, 64);
    const near = tris[0] === 0 ? 0 : 1;
    assert.equal(frame.triangleId[20 * 64 + 20], near);
    assert.ok(Math.abs(frame.depth[20 * 64 + 20] - 5) < 1e-6);
    const vis = vertexVisibility(screen, frame);
    assert.deepEqual(Array.from(vis.slice(0, 3)), [1, 1, 1]);
    assert.equal(vis[3], 0, 'far vertex behind the near triangle');
    assert.equal(vis[6], 1, 'vertex with nothing in front');
  }
});

test('shading: a surface facing the light is brighter than a tilted one, and normals are not inverted', () => {
  const camera: Camera = { focal: 100, cx: 32, cy: 32, width: 64, height: 64 };
  const screen = flat([[4, 4], [60, 4], [4, 60]], 10);
  const frame = rasterise(screen, Uint32Array.from([0, 1, 2]), 64, 64);
  const light = { direction: [0, 0, -1] as const, ambient: 0.2, diffuse: 0.8, specular: 0, shininess: 1 };
  const shadeWith = (n: number[]) => {
    const normals = Float32Array.from([...n, ...n, ...n]);
    return shadeFrame(frame, [{ triangles: Uint32Array.from([0, 1, 2]), normals, colour: [200, 100, 50] }], camera, light).data;
  };
  const p = 4 * (20 * 64 + 20);
  const facing = shadeWith([0, 0, -1]);
  const tilted = shadeWith([Math.sin(1), 0, -Math.cos(1)]);
  assert.ok(Math.abs(facing[p] - 200) <= 2 && Math.abs(facing[p + 1] - 100) <= 1 && facing[p + 3] === 255);
  assert.ok(tilted[p] < facing[p] - 40);
  assert.equal(facing[3], 0, 'uncovered pixel is transparent');
});

test('ICT head: frontal silhouette, nose visible, back of head hidden', async () => {
  const { model } = await loadIctModel();
  const camera: Camera = { focal: 1000, cx: 256, cy: 256, width: 512, height: 512 };
  const pose: HeadPose = { rotation: FRONTAL, translation: Float64Array.from([0, 0, 60]) };
  const screen = projectPoints(model.neutral, pose, camera);
  const { select } = displayMesh(model);
  const frame = rasterise(screen, model.triangles, 512, 512, { select });
  // Head ~25 x 34 units at 1000/60 px per unit is ~415 x 565 px, clipped to 512 rows: a rounded shape filling much of that.
  const pixels = covered(frame);
  assert.ok(pixels > 90_000 && pixels < 200_000, `coverage ${pixels}`);

  const noseTip = model.landmarks68[30];
  let back = -1; // rearmost vertex of the skull at eye height
  for (const i of model.regions.headAndNeck) {
    const y = model.neutral[3 * i + 1];
    if (y > 0 && y < 8 && (back < 0 || model.neutral[3 * i + 2] < model.neutral[3 * back + 2])) back = i;
  }
  const vis = vertexVisibility(screen, frame);
  assert.equal(vis[noseTip], 1);
  assert.equal(vis[back], 0);
  assert.equal(frame.triangleId[Math.floor(screen[3 * noseTip + 1]) * 512 + Math.floor(screen[3 * noseTip])] < model.triangleRegions.face[1], true);

  // Turned around, the roles swap.
  const behind = projectPoints(model.neutral, { rotation: rotationFromAngles(180, 0, 0), translation: pose.translation }, camera);
  const visBehind = vertexVisibility(behind, rasterise(behind, model.triangles, 512, 512, { select }));
  assert.equal(visBehind[noseTip], 0);
  assert.equal(visBehind[back], 1);
  const normals = cameraNormals(vertexNormals(model.neutral, model.triangles), pose.rotation);
  const nose = 3 * noseTip;
  assert.ok(normals[nose + 2] < -0.9, 'nose normal points toward the camera (-z in the camera frame)');
});

test('renders several faces into one z-buffer, overlays on a photo, draws points', async () => {
  const { model } = await loadIctModel();
  const camera: Camera = { focal: 500, cx: 128, cy: 96, width: 256, height: 192 };
  const faces = [-12, 12].map((x) => ({ positions: model.neutral, pose: { rotation: FRONTAL, translation: Float64Array.from([x, 0, 90]) } }));
  const { frame, shaded } = renderFaces(model, faces, camera);
  const left = 96 * 256 + 128 - 67, right = 96 * 256 + 128 + 67; // each head's centre column
  assert.equal(frame.meshIndex[left], 0);
  assert.equal(frame.meshIndex[right], 1);
  assert.equal(shaded.data[4 * left + 3], 255);
  assert.equal(frame.triangleId[3 * 256 + 128], -1, 'background between the heads at the top');

  const photo = { width: 256, height: 192, data: new Uint8Array(256 * 192 * 3).fill(30) };
  const points = [{ points: [128, 3], colour: [0, 255, 0] as const, radius: 2 }];
  const over = overlayFaces(photo, model, faces, camera, { opacity: 0.5, points });
  assert.deepEqual(Array.from(over.data.slice(4 * (3 * 256 + 128), 4 * (3 * 256 + 128) + 4)), [0, 255, 0, 255], 'point drawn');
  assert.deepEqual(Array.from(over.data.slice(4 * (2 * 256 + 2), 4 * (2 * 256 + 2) + 4)), [30, 30, 30, 255], 'photo untouched off-mesh');
  const o = 4 * left;
  assert.ok(over.data[o] > 30 && Math.abs(over.data[o] - (30 + shaded.data[o]) / 2) <= 1, 'half-blended over the mesh');

  // A face may bring its own camera (same pixel grid): here one whose centre puts the right head where the left one was.
  const ownCamera = { ...camera, cx: camera.cx - 134 };
  const moved = renderFaces(model, [{ ...faces[1], camera: ownCamera }], camera);
  assert.equal(moved.frame.triangleId[left] >= 0, true);
  assert.equal(moved.frame.triangleId[right], -1);

  const plain = renderPlain(model, faces, camera, { background: [1, 2, 3] });
  assert.deepEqual(Array.from(plain.data.slice(0, 4)), [1, 2, 3, 255]);
  assert.deepEqual(Array.from(plain.data.slice(4 * left, 4 * left + 4)), Array.from(shaded.data.slice(4 * left, 4 * left + 4)));

  const rgb = { width: 8, height: 8, data: new Uint8Array(8 * 8 * 3) };
  drawPoints(rgb, { points: [4, 4], colour: [255, 0, 0], radius: 1.5 });
  assert.deepEqual(Array.from(rgb.data.slice(3 * (4 * 8 + 4), 3 * (4 * 8 + 4) + 3)), [255, 0, 0]);
  assert.equal(rgb.data[0], 0);
});

test('textured render with `visible`: hidden triangles still occlude but leave their pixels empty', async () => {
  const { model } = await loadIctModel();
  const camera: Camera = { focal: 1000, cx: 128, cy: 128, width: 256, height: 256 };
  const pose: HeadPose = { rotation: FRONTAL, translation: Float64Array.from([0, 0, 150]) };
  const { face, headAndNeck, eyeballLeft, eyeballRight } = model.triangleRegions;
  const screen = projectPoints(model.neutral, pose, camera);
  // The eyeball's frontmost vertex: through the eye opening, in front of the inside of the skull.
  let front = -1;
  for (const i of model.regions.eyeballLeft) if (front < 0 || model.neutral[3 * i + 2] > model.neutral[3 * front + 2]) front = i;
  assert.ok(front >= 0, 'the model has a left eyeball region');
  const p = Math.floor(screen[3 * front + 1]) * 256 + Math.floor(screen[3 * front]);
  const mesh = texturedMesh(model, model.neutral);
  const albedo = { kind: 'texture' as const, tiles: [], fallback: [200, 100, 50] as const };
  const sh = shFromLight([0, 0, 1], [1, 1, 1], [0.3, 0.3, 0.3]);
  // Skin alone: the inside of the back of the head shows through the eye opening.
  const skinOnly = renderTextured({ ...mesh, select: [face, headAndNeck] }, pose, camera, albedo, sh);
  assert.equal(skinOnly.image.data[4 * p + 3], 255, 'the skull inside is drawn through the eye opening');
  // With the eyeballs drawn but not shown, that pixel is empty, and the skin around is unchanged.
  const shown = renderTextured({ ...mesh, select: [face, headAndNeck, eyeballLeft, eyeballRight] }, pose, camera, albedo, sh, { visible: [face, headAndNeck] });
  assert.equal(shown.image.data[4 * p + 3], 0, 'the eye hides the skull and is not shown');
  const cheek = Math.floor(screen[3 * model.landmarks68[2] + 1]) * 256 + Math.floor(screen[3 * model.landmarks68[2]]) + 3;
  assert.deepEqual(Array.from(shown.image.data.slice(4 * cheek, 4 * cheek + 4)), Array.from(skinOnly.image.data.slice(4 * cheek, 4 * cheek + 4)));
  assert.equal(shown.image.data[4 * cheek + 3], 255);
});
