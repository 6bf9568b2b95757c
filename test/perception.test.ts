import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import sharp, { type Sharp } from 'sharp';
import type { RgbImage } from '../src/base/image.js';
import { headRotation } from '../src/perception/head-pose.js';
import { planViews, viewAffine, type DetectionView } from '../src/perception/detection-views.js';
import { applyAffine, ImagePyramid, sampleAffine, squareCropAffine } from '../src/base/image-sampling.js';
import { createFaceDetector, type DetectedFace, type FaceDetector } from '../src/perception/index.js';
import { nodeDetectorSetup, nodeModelLoader } from '../src/perception/node-model-loader.js';
import { BlazeFace, blazeFaceAnchors } from '../src/perception/blazeface.js';
import { roiAffine, roiFromLandmarks } from '../src/perception/roi.js';
import { clusterByOverlap, intersectionOverSmaller, intersectionOverUnion } from '../src/perception/nms.js';
import { sampleImage } from './helpers/shared-data.js';


// Mesh indices used by the checks.
const NOSE_TIP = 1, MOUTH_CENTRE = 13, CHIN = 152;
const RIGHT_EYE = [33, 133] as const; // subject's right eye: outer, inner corner
const LEFT_EYE = [362, 263] as const; // subject's left eye: inner, outer corner

async function loadRgb(input: string | Buffer, prepare: (s: Sharp) => Sharp = (s) => s): Promise<RgbImage> {
  const { data, info } = await prepare(sharp(input)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

function point(a: Float32Array, i: number): [number, number, number] {
  return [a[3 * i]!, a[3 * i + 1]!, a[3 * i + 2]!];
}

function mid(a: Float32Array, [i, j]: readonly [number, number]): [number, number] {
  return [(a[3 * i]! + a[3 * j]!) / 2, (a[3 * i + 1]! + a[3 * j + 1]!) / 2];
}

function centre(face: DetectedFace): [number, number] {
  return [face.box.x + face.box.width / 2, face.box.y + face.box.height / 2];
}

/**
 * Maps points of a picture that sharp turned by `angleDeg` clockwise about its centre (growing the
 * canvas from `from` to `to`) back to the unturned picture.
 */
function unturn(points: Float32Array, angleDeg: number, from: RgbImage, to: RgbImage): Float32Array {
  const a = (-angleDeg * Math.PI) / 180, c = Math.cos(a), s = Math.sin(a);
  const out = new Float32Array(points);
  for (let i = 0; i < points.length; i += 3) {
    const x = points[i]! - to.width / 2, y = points[i + 1]! - to.height / 2;
    out[i] = c * x - s * y + from.width / 2;
    out[i + 1] = s * x + c * y + from.height / 2;
  }
  return out;
}

/** Structural checks that hold for any face found: sizes, bounds, iris geometry. */
function assertWellFormed(face: DetectedFace, image: RgbImage): void {
  assert.equal(face.landmarks.length, 468 * 3);
  assert.ok(face.landmarks.every(Number.isFinite), 'landmarks are finite');
  assert.ok(face.score >= 0.6 && face.score <= 1, `detector score ${face.score}`);
  assert.ok(face.meshScore >= 0.25 && face.meshScore <= 1, `mesh score ${face.meshScore}`);
  const { x, y, width, height } = face.box;
  assert.ok(width > 20 && height > 20, 'box has a face-like size');
  assert.ok(x > -width / 2 && y > -height / 2 && x + width < image.width + width / 2 && y + height < image.height + height / 2, 'box lies on the image');
  const inBox = (px: number, py: number): boolean => px >= x - 0.5 && px <= x + width + 0.5 && py >= y - 0.5 && py <= y + height + 0.5;
  for (let i = 0; i < 468; i++) assert.ok(inBox(face.landmarks[3 * i]!, face.landmarks[3 * i + 1]!), `landmark ${i} inside the box`);
  const irises = face.irises;
  assert.ok(irises, 'iris points present');
  assert.equal(irises.length, 30);
  for (const [eye, corners] of [[0, RIGHT_EYE], [1, LEFT_EYE]] as const) {
    const [ax, ay] = point(face.landmarks, corners[0]);
    const [bx, by] = point(face.landmarks, corners[1]);
    const eyeWidth = Math.hypot(bx - ax, by - ay);
    const [mx, my] = mid(face.landmarks, corners);
    const cx = irises[eye * 15]!, cy = irises[eye * 15 + 1]!;
    assert.ok(inBox(cx, cy), 'iris centre inside the box');
    assert.ok(Math.hypot(cx - mx, cy - my) < 0.5 * eyeWidth, `iris ${eye} centre lies between its eye corners`);
    for (let k = 1; k < 5; k++) {
      const r = Math.hypot(irises[eye * 15 + 3 * k]! - cx, irises[eye * 15 + 3 * k + 1]! - cy) / eyeWidth;
      assert.ok(r > 0.08 && r < 0.4, `iris ${eye} rim point ${k} at ${r.toFixed(2)} eye widths from the centre`);
    }
  }
}

/** In an upright frame: eyes above the nose tip, above the mouth, above the chin; the subject's right eye on the image's left. */
function assertUprightOrder(landmarks: Float32Array, label: string): void {
  const right = mid(landmarks, RIGHT_EYE), left = mid(landmarks, LEFT_EYE);
  const eyesY = (right[1] + left[1]) / 2;
  const noseY = point(landmarks, NOSE_TIP)[1], mouthY = point(landmarks, MOUTH_CENTRE)[1], chinY = point(landmarks, CHIN)[1];
  assert.ok(eyesY < noseY && noseY < mouthY && mouthY < chinY, `${label}: eyes ${eyesY.toFixed(0)} < nose ${noseY.toFixed(0)} < mouth ${mouthY.toFixed(0)} < chin ${chinY.toFixed(0)}`);
  assert.ok(right[0] < left[0], `${label}: subject's right eye (x ${right[0].toFixed(0)}) left of the left eye (x ${left[0].toFixed(0)})`);
}

/** Every expected face centre has a detected face within `tolerance` box sizes, and nothing else is found. */
function assertFacesAt(faces: DetectedFace[], expected: Array<[number, number]>, label: string): void {
  assert.equal(faces.length, expected.length, `${label}: ${faces.length} faces at ${faces.map((f) => centre(f).map(Math.round).join(',')).join(' ')}`);
  for (const [ex, ey] of expected) {
    const hit = faces.find((f) => {
      const [cx, cy] = centre(f);
      return Math.hypot(cx - ex, cy - ey) < 0.25 * f.box.width;
    });
    assert.ok(hit, `${label}: a face centred near ${ex},${ey}`);
  }
}

function meanDistance(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i += 3) sum += Math.hypot(a[i]! - b[i]!, a[i + 1]! - b[i + 1]!);
  return sum / (a.length / 3);
}

describe('perception building blocks', () => {
  test('BlazeFace anchors: 16x16x2 then 8x8x6 grid centres, and the same cells over a larger input', () => {
    const a = blazeFaceAnchors(256);
    assert.equal(a.length, 896 * 2);
    assert.deepEqual([a[0], a[1], a[2], a[3], a[4], a[5]], [8, 8, 8, 8, 24, 8]);
    assert.deepEqual([a[1024], a[1025]], [16, 16]); // first cell of the 8x8 layer
    assert.deepEqual([a[896 * 2 - 2], a[896 * 2 - 1]], [240, 240]);
    // 640 wide, 416 high: 40x26 cells of 16 px with 2 anchors, then 20x13 cells of 32 px with 6.
    const g = blazeFaceAnchors(256, 416, 640);
    const fine = 40 * 26 * 2;
    assert.equal(g.length, 2 * (fine + 20 * 13 * 6));
    assert.deepEqual([g[2 * 80], g[2 * 80 + 1]], [8, 24]); // second row of the fine layer
    assert.deepEqual([g[2 * fine], g[2 * fine + 1], g[g.length - 2], g[g.length - 1]], [16, 16, 624, 400]);
  });

  /** Image-space corners of a view (input corners through its affine). */
  const corners = (v: DetectionView): Array<[number, number]> =>
    ([[0, 0], [v.width, 0], [v.width, v.height], [0, v.height]] as const).map(([u, w]) => applyAffine(viewAffine(v), u, w));

  test('the view plan: whole-image front views, and the back model over the whole image at the scale of the smallest face', () => {
    const width = 1920, height = 1280, minFaceSize = 40;
    const views = planViews(width, height, { minFaceSize, allRotations: false, backSize: 256, frontSize: 128 });
    const front = views.filter((v) => v.model === 'front');
    assert.deepEqual(front.map((v) => v.scale * v.width), [1920, 3840]);
    const grid = views.filter((v) => v.model === 'back');
    assert.equal(grid.length, 1);
    const g = grid[0]!;
    // A face of minFaceSize spans 4% of 256 input pixels; sides are multiples of 32 and cover the image.
    assert.ok(Math.abs(minFaceSize / g.scale - 0.04 * 256) < 1e-9);
    assert.deepEqual([g.width % 32, g.height % 32], [0, 0]);
    const [[x0, y0], , [x1, y1]] = corners(g) as [[number, number], unknown, [number, number]];
    assert.ok(x0 <= 0 && y0 <= 0 && x1 >= width && y1 >= height, `grid spans ${x0},${y0} to ${x1},${y1}`);
    assert.ok(g.width * g.height < 1.2 * (width / g.scale) * (height / g.scale), 'little padding');
    for (const v of views) assert.deepEqual(v.cut, { left: false, top: false, right: false, bottom: false });
    // The work grows as the smallest face shrinks: a quarter of the face size, 16x the grid.
    const [fine] = planViews(width, height, { minFaceSize: 10, allRotations: false, backSize: 256, frontSize: 128 }).filter((v) => v.model === 'back');
    assert.ok(Math.abs(fine!.scale - g.scale / 4) < 1e-9);
  });

  test('a large grid is tiled: tiles of bounded size, overlapping enough to hold faces the front views may miss, cut sides marked', () => {
    const width = 8000, height = 6000, minFaceSize = 32;
    const grid = planViews(width, height, { minFaceSize, allRotations: false, backSize: 256, frontSize: 128 }).filter((v) => v.model === 'back');
    assert.ok(grid.length > 1);
    const bounds = grid.map((v) => {
      assert.ok(v.width <= 1024 && v.height <= 1024 && v.width % 32 === 0 && v.height % 32 === 0, `tile ${v.width}x${v.height}`);
      const c = corners(v);
      return { x0: Math.min(...c.map((p) => p[0])), y0: Math.min(...c.map((p) => p[1])), x1: Math.max(...c.map((p) => p[0])), y1: Math.max(...c.map((p) => p[1])), cut: v.cut };
    });
    for (const b of bounds) assert.deepEqual(b.cut, { left: b.x0 > 0.5, top: b.y0 > 0.5, right: b.x1 < width - 0.5, bottom: b.y1 < height - 0.5 });
    // A face box of 20% of the image's longer side fits whole inside some tile, anywhere.
    const face = 0.2 * width;
    for (let y = 0; y + face <= height; y += 97) {
      for (let x = 0; x + face <= width; x += 97) {
        assert.ok(bounds.some((b) => x >= b.x0 && y >= b.y0 && x + face <= b.x1 && y + face <= b.y1), `face box at ${x},${y} fits in a tile`);
      }
    }
  });

  test('allRotations turns every view a quarter turn at a time, over the same part of the image', () => {
    const options = { minFaceSize: 40, allRotations: false, backSize: 256, frontSize: 128 };
    const upright = planViews(1920, 1280, options);
    const all = planViews(1920, 1280, { ...options, allRotations: true });
    assert.equal(all.length, 4 * upright.length);
    const span = (v: DetectionView): number[] => {
      const c = corners(v);
      return [Math.min(...c.map((p) => p[0])), Math.min(...c.map((p) => p[1])), Math.max(...c.map((p) => p[0])), Math.max(...c.map((p) => p[1]))];
    };
    const same = (a: number[], b: number[]): boolean => a.every((x, i) => Math.abs(x - b[i]!) < 1e-6);
    for (const v of all) assert.ok(upright.some((u) => u.model === v.model && same(span(u), span(v))), `turned view covers ${span(v).map(Math.round)}`);
  });

  test('overlap clustering: one face found twice is one group, neighbours stay apart', () => {
    const face = { x: 100, y: 100, width: 100, height: 100 };
    const shiftedAndLarger = { x: 60, y: 80, width: 170, height: 170 }; // a crooked second reading of the same face
    const neighbour = { x: 190, y: 100, width: 100, height: 100 };
    assert.ok(intersectionOverUnion(face, shiftedAndLarger) < 0.4);
    assert.equal(intersectionOverSmaller(face, shiftedAndLarger), 1);
    const items = [{ box: face, score: 0.9 }, { box: shiftedAndLarger, score: 0.5 }, { box: neighbour, score: 0.8 }];
    const groups = clusterByOverlap(items, (i) => i.box, (i) => i.score, 0.4, intersectionOverSmaller);
    assert.deepEqual(groups.map((g) => g.map((i) => i.score)), [[0.9, 0.5], [0.8]]);
  });

  test('sampling: identity crop reproduces pixels, mirrored and reduced crops sample the right places', () => {
    const width = 64, height = 48;
    const data = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set([x * 3, y * 5, 100], (y * width + x) * 3);
    const pyramid = new ImagePyramid({ width, height, data });
    const out = new Float32Array(16 * 16 * 3);
    // 16x16 window whose top-left pixel is (10, 20), no scaling: exact copy.
    sampleAffine(pyramid, squareCropAffine(18, 28, 16, 0, 16), 16, 16, { out, scale: 1, bias: 0, border: 'zero' });
    assert.deepEqual([out[0], out[1], out[2]], [30, 100, 100]);
    assert.deepEqual([out[3 * 15], out[3 * 15 + 1]], [75, 100]);
    // The same window mirrored left-right starts with the window's last column.
    sampleAffine(pyramid, roiAffine({ cx: 18, cy: 28, size: 16, angle: 0 }, 16, true), 16, 16, { out, scale: 1, bias: 0, border: 'zero' });
    assert.deepEqual([out[0], out[1], out[3 * 15]], [75, 100, 30]);
    // Turned by 90 degrees clockwise: the crop's x axis runs down the image.
    sampleAffine(pyramid, squareCropAffine(18, 28, 16, Math.PI / 2, 16), 16, 16, { out, scale: 1, bias: 0, border: 'zero' });
    assert.deepEqual([out[0], out[1], out[3 * 15], out[3 * 15 + 1]], [75, 100, 75, 175]);
    // A 4x reduction reads box-filtered pixels: output pixel (8, 4) covers image x 32..35, y 8..11.
    sampleAffine(pyramid, squareCropAffine(32, 24, 64, 0, 16), 16, 16, { out, scale: 1, bias: 0, border: 'edge' });
    const o = 3 * (4 * 16 + 8);
    assert.ok(Math.abs(out[o]! - 3 * 33.5) <= 1 && Math.abs(out[o + 1]! - 5 * 9.5) <= 1, `ramps at output (8, 4): ${out[o]}, ${out[o + 1]}`);
    // Outside the picture: 'zero' writes the bias.
    sampleAffine(pyramid, squareCropAffine(0, 0, 16, 0, 16), 16, 16, { out, scale: 1 / 127.5, bias: -1, border: 'zero' });
    assert.equal(out[0], -1);
    assert.throws(() => new ImagePyramid({ width: 10, height: 10, data: new Uint8Array(10) }), /expected 300/);
  });

  test('a face crop from landmarks is levelled on the outer eye corners', () => {
    const points = new Float32Array(468 * 3);
    const angle = (25 * Math.PI) / 180;
    for (let i = 0; i < 468; i++) {
      const u = ((i * 37) % 100) - 50, v = ((i * 53) % 120) - 60; // spread-out points
      points.set([200 + u * Math.cos(angle) - v * Math.sin(angle), 300 + u * Math.sin(angle) + v * Math.cos(angle), 0], 3 * i);
    }
    points.set([200 + -40 * Math.cos(angle), 300 + -40 * Math.sin(angle), 0], 3 * 33);
    points.set([200 + 40 * Math.cos(angle), 300 + 40 * Math.sin(angle), 0], 3 * 263);
    const roi = roiFromLandmarks(points);
    assert.ok(Math.abs(roi.angle - angle) < 1e-6);
    assert.ok(Math.abs(roi.size - 1.5 * 119) < 1.5, `size ${roi.size}`);
  });

  test('head rotation from a canonical face turned by known angles', () => {
    // MediaPipe canonical face model (x right, y up, z towards the viewer), the points headRotation uses.
    const canonical: Record<number, [number, number, number]> = {
      10: [0, 8.2618, 4.4815], 152: [0, -9.4034, 4.2645],
      33: [-4.4459, 2.664, 3.1734], 133: [-1.8564, 2.5852, 3.7579], 61: [-2.4562, -4.3426, 4.2839], 129: [-1.7858, -0.9783, 4.8505],
      263: [4.4459, 2.664, 3.1734], 362: [1.8564, 2.5852, 3.7579], 291: [2.4562, -4.3426, 4.2839], 358: [1.7858, -0.9783, 4.8505],
    };
    const pose = (yaw: number, pitch: number, roll: number): ReturnType<typeof headRotation> => {
      const r = (d: number): number => (d * Math.PI) / 180;
      const mesh = new Float32Array(468 * 3);
      for (const [index, [x0, y0, z0]] of Object.entries(canonical)) {
        // yaw about y (nose towards +x), then pitch about x (nose towards +y), then roll in the image plane (clockwise on screen)
        let x = x0 * Math.cos(r(yaw)) + z0 * Math.sin(r(yaw)), z = -x0 * Math.sin(r(yaw)) + z0 * Math.cos(r(yaw)), y = y0;
        [y, z] = [y * Math.cos(r(pitch)) + z * Math.sin(r(pitch)), -y * Math.sin(r(pitch)) + z * Math.cos(r(pitch))];
        [x, y] = [x * Math.cos(r(roll)) + y * Math.sin(r(roll)), -x * Math.sin(r(roll)) + y * Math.cos(r(roll))];
        mesh.set([100 + 10 * x, 100 - 10 * y, -10 * z], 3 * Number(index)); // image axes: y down, z away from the camera
      }
      return headRotation(mesh);
    };
    const near = (got: ReturnType<typeof headRotation>, want: [number, number, number]): void => {
      const g = [got.yaw, got.pitch, got.roll];
      g.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) < 3, `got yaw/pitch/roll ${g.map((n) => n.toFixed(1))}, want ${want}`));
    };
    near(pose(0, 0, 0), [0, 0, 0]);
    near(pose(30, 0, 0), [30, 0, 0]);
    near(pose(-45, 0, 0), [-45, 0, 0]);
    near(pose(0, 20, 0), [0, 20, 0]);
    near(pose(0, -25, 0), [0, -25, 0]);
    near(pose(0, 0, 35), [0, 0, 35]);
  });
});

describe('face detection and landmarks on sample photos', () => {
  let detector: FaceDetector;
  const images = new Map<string, RgbImage>();
  const image = async (name: string): Promise<RgbImage> => {
    if (!images.has(name)) images.set(name, await loadRgb(sampleImage(name)));
    return images.get(name)!;
  };

  before(async () => {
    detector = await createFaceDetector(nodeDetectorSetup());
  });
  after(() => detector?.dispose());

  test('runs on the wasm backend in Node', () => {
    assert.equal(detector.backend, 'wasm');
  });

  test('BlazeFace over a larger input finds the face it finds in a 256x256 view, at the same place', async () => {
    const graph = await nodeModelLoader()('blazeface-back');
    const back = await BlazeFace.fromGraphModel(graph);
    graph.dispose();
    try {
      const pyramid = new ImagePyramid(await image('astronaut.png'));
      const view = new Float32Array(256 * 256 * 3);
      sampleAffine(pyramid, squareCropAffine(256, 256, 512, 0, 256), 256, 256, { out: view, scale: 1 / 127.5, bias: -1, border: 'zero' });
      // The same view at (128, 64) in a 512x384 input whose other pixels are black (-1).
      const [left, top, w, h] = [128, 64, 512, 384];
      const large = new Float32Array(w * h * 3).fill(-1);
      for (let y = 0; y < 256; y++) large.set(view.subarray(y * 256 * 3, (y + 1) * 256 * 3), ((top + y) * w + left) * 3);
      const best = (hits: Awaited<ReturnType<BlazeFace['detect']>>) => hits.reduce((a, b) => (b.score > a.score ? b : a));
      const a = best(await back.detect(view, 256, 256, 0.5));
      const b = best(await back.detect(large, h, w, 0.5));
      assert.ok(Math.hypot(b.cx - left - a.cx, b.cy - top - a.cy) < 2, `centre ${a.cx.toFixed(1)},${a.cy.toFixed(1)} vs ${(b.cx - left).toFixed(1)},${(b.cy - top).toFixed(1)}`);
      assert.ok(Math.abs(b.width / a.width - 1) < 0.05 && Math.abs(b.score - a.score) < 0.1, `size ${a.width.toFixed(1)} vs ${b.width.toFixed(1)}, score ${a.score.toFixed(2)} vs ${b.score.toFixed(2)}`);
      assert.ok(Math.hypot(b.keypoints[0]! - left - a.keypoints[0]!, b.keypoints[1]! - top - a.keypoints[1]!) < 2, 'right eye keypoint');
      assert.equal(back.runs, 2);
      assert.equal(back.pixels, 256 * 256 + w * h);
    } finally {
      back.dispose();
    }
  });

  for (const [name, expectedCentre] of [['astronaut.png', [226, 124]], ['grace_hopper.jpg', [262, 234]]] as const) {
    test(`${name}: one frontal face with well-formed, correctly ordered landmarks`, async () => {
      const img = await image(name);
      const faces = await detector.detect(img);
      assertFacesAt(faces, [[...expectedCentre]], name);
      const face = faces[0]!;
      assertWellFormed(face, img);
      assertUprightOrder(face.landmarks, name);
      const { yaw, pitch, roll } = face.rotation;
      assert.ok(Math.abs(yaw) < 15 && Math.abs(roll) < 10 && Math.abs(pitch) < 25, `frontal pose, got yaw ${yaw} pitch ${pitch} roll ${roll}`);
      // Depth: the nose tip is nearer the camera (smaller z) than the outer eye corners and the cheeks.
      const noseZ = point(face.landmarks, NOSE_TIP)[2];
      for (const i of [33, 263, 234, 454]) assert.ok(noseZ < point(face.landmarks, i)[2], `nose tip nearer than point ${i}`);
    });
  }

  // Face centres in the group photos, checked by eye on the overlays drawn by scripts/perception-look.ts.
  const groups: Record<string, Array<[number, number]>> = {
    'group1.jpg': [[1572, 330], [935, 548], [510, 493]],
    'group2.jpg': [[1546, 287], [445, 286], [984, 364]], // the left face is a near profile
    'group3.jpg': [[1186, 372], [1584, 447], [696, 477]],
    'group4.jpg': [[753, 194], [330, 330], [1360, 276], [1074, 314]],
  };
  for (const [name, expected] of Object.entries(groups)) {
    test(`${name}: finds every face (${expected.length}), nothing else, largest first`, async () => {
      const img = await image(name);
      const faces = await detector.detect(img);
      assertFacesAt(faces, expected, name);
      faces.forEach((face, i) => {
        assertWellFormed(face, img);
        assertUprightOrder(face.landmarks, `${name} face ${i}`);
      });
      const areas = faces.map((f) => f.box.width * f.box.height);
      assert.deepEqual(areas, [...areas].sort((a, b) => b - a));
    });
  }

  test('head rotation signs on the group photos', async () => {
    const byCentre = async (name: string, [x, y]: [number, number]): Promise<DetectedFace> => {
      const faces = await detector.detect(await image(name));
      const face = faces.find((f) => Math.hypot(centre(f)[0] - x, centre(f)[1] - y) < 60);
      assert.ok(face, `face near ${x},${y} in ${name}`);
      return face;
    };
    // Near profile looking towards the image's left (the subject's right): negative yaw.
    assert.ok((await byCentre('group2.jpg', [445, 286])).rotation.yaw < -30);
    // Head tilted towards the image's right shoulder (clockwise on screen), and head turned to the image's right.
    const tilted = await byCentre('group1.jpg', [1572, 330]);
    assert.ok(tilted.rotation.roll > 30, `roll ${tilted.rotation.roll}`);
    assert.ok((await byCentre('group4.jpg', [330, 330])).rotation.yaw > 15);
    // Looking down: negative pitch.
    assert.ok((await byCentre('group2.jpg', [984, 364])).rotation.pitch < -15);
  });

  test('iris: false leaves the iris points out and changes nothing else', async () => {
    const noIris = await createFaceDetector({ ...nodeDetectorSetup(), iris: false });
    try {
      const img = await image('astronaut.png');
      const [withIris] = await detector.detect(img);
      const [without] = await noIris.detect(img);
      assert.ok(without && withIris);
      assert.equal(without.irises, undefined);
      assert.deepEqual(without.landmarks, withIris.landmarks);
    } finally {
      noIris.dispose();
    }
  });

  test('maxFaces keeps the largest faces', async () => {
    const img = await image('group4.jpg');
    const all = await detector.detect(img);
    const two = await detector.detect(img, { maxFaces: 2 });
    assert.equal(two.length, 2);
    two.forEach((f, i) => assert.ok(Math.hypot(centre(f)[0] - centre(all[i]!)[0], centre(f)[1] - centre(all[i]!)[1]) < 2));
  });

  /** `name` shrunk to `width` px and pasted at (left, top) on a face-free part of group2 stretched to 1920x1280. */
  const pasted = async (name: string, width: number, left: number, top: number): Promise<RgbImage> => {
    const small = await sharp(sampleImage(name)).resize(width).toBuffer();
    const background = await sharp(sampleImage('group2.jpg')).extract({ left: 0, top: 860, width: 1920, height: 507 }).resize(1920, 1280, { fit: 'fill' }).toBuffer();
    return loadRgb(await sharp(background).composite([{ input: small, left, top }]).png().toBuffer());
  };
  const expectedPasted = (name: string, width: number, left: number, top: number): Array<[number, number]> =>
    groups[name]!.map(([x, y]): [number, number] => [left + (x * width) / 1920, top + (y * width) / 1920]);

  test('small faces in a large picture are found by a finer grid', async () => {
    const img = await pasted('group1.jpg', 280, 1200, 760); // faces ~30 px
    await detector.detect(img, { minFaceSize: 40 });
    const defaultPixels = detector.lastTimings!.detectorPixels;
    const faces = await detector.detect(img, { minFaceSize: 20 });
    assertFacesAt(faces, expectedPasted('group1.jpg', 280, 1200, 760), 'group1 at 280 px');
    // Half the minimum face size looks at a grid with 4x the pixels (re-checks of proposals add the same at either size).
    const pixels = detector.lastTimings!.detectorPixels;
    assert.ok(pixels > 2 * defaultPixels, `${pixels} detector input pixels vs ${defaultPixels} at 40 px`);
  });

  test('faces the detector is unsure of at first (small, looking down, profile) are confirmed in a zoomed view', async () => {
    const img = await pasted('group2.jpg', 480, 100, 100); // faces ~45 px
    const faces = await detector.detect(img);
    assertFacesAt(faces, expectedPasted('group2.jpg', 480, 100, 100), 'group2 at 480 px');
  });

  test('blank and noise pictures give no faces', async () => {
    const blank = { width: 640, height: 480, data: new Uint8Array(640 * 480 * 3).fill(128) };
    assert.deepEqual(await detector.detect(blank), []);
    let seed = 12345;
    const noise = new Uint8Array(1024 * 768 * 3).map(() => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24));
    assert.deepEqual(await detector.detect({ width: 1024, height: 768, data: noise }), []);
    assert.deepEqual(await detector.detect({ width: 3, height: 2, data: new Uint8Array(18) }), []);
  });

  describe('rotated astronaut', () => {
    let upright: DetectedFace;
    let original: RgbImage;
    // At the default 32 px the astronaut turned 90 degrees gets a smaller detector box and
    // landmarks 4.5% of the face width off the upright ones (under 1.6% at 40 px).
    const minFaceSize = 40;
    before(async () => {
      original = await image('astronaut.png');
      [upright] = await detector.detect(original, { minFaceSize });
    });

    // sharp turns clockwise about the centre and grows the canvas to fit.
    for (const { angle, allRotations } of [{ angle: 30, allRotations: false }, { angle: -50, allRotations: false }, { angle: 90, allRotations: false }, { angle: 180, allRotations: true }]) {
      test(`turned ${angle} degrees${allRotations ? ' (allRotations)' : ''}: same face, same landmarks`, async () => {
        const img = await loadRgb(sampleImage('astronaut.png'), (s) => s.rotate(angle, { background: '#808080' }));
        const faces = await detector.detect(img, { allRotations, minFaceSize });
        assert.equal(faces.length, 1);
        const face = faces[0]!;
        assertWellFormed(face, img);
        const back = unturn(face.landmarks, angle, original, img);
        assertUprightOrder(back, `turned ${angle}`);
        const error = meanDistance(back, upright.landmarks) / upright.box.width;
        // About 0.6-1.2% with the refining FaceMesh pass, up to 2% without it.
        assert.ok(error < 0.016, `mean landmark distance ${(100 * error).toFixed(2)}% of the face width`);
        const expectedRoll = upright.rotation.roll + angle;
        const rollError = Math.abs(((face.rotation.roll - expectedRoll + 540) % 360) - 180);
        assert.ok(rollError < 8, `roll ${face.rotation.roll.toFixed(0)}, expected about ${expectedRoll.toFixed(0)}`);
      });
    }

    test('turned 180 degrees without allRotations: found, and the right way round', async () => {
      const img = await loadRgb(sampleImage('astronaut.png'), (s) => s.rotate(180));
      const faces = await detector.detect(img);
      assert.equal(faces.length, 1);
      assertUprightOrder(unturn(faces[0]!.landmarks, 180, original, img), 'upside-down astronaut');
    });
  });

  // Turned group photos: every face found (none twice, no false hits), with landmarks that map back onto the upright faces.
  for (const { name, angle, allRotations } of [
    { name: 'group1.jpg', angle: 20, allRotations: false },
    { name: 'group1.jpg', angle: -30, allRotations: false },
    { name: 'group4.jpg', angle: -30, allRotations: false },
    { name: 'group3.jpg', angle: 180, allRotations: false },
    { name: 'group4.jpg', angle: 180, allRotations: true },
  ]) {
    test(`${name} turned ${angle} degrees${allRotations ? ' (allRotations)' : ''}: every face, the right way round`, async () => {
      const upright = await image(name);
      const img = await loadRgb(sampleImage(name), (s) => s.rotate(angle, { background: '#808080' }));
      const faces = await detector.detect(img, { allRotations });
      const expected = groups[name]!;
      assert.equal(faces.length, expected.length, `${faces.length} faces`);
      for (const [i, face] of faces.entries()) {
        assertWellFormed(face, img);
        const back = unturn(face.landmarks, angle, upright, img);
        assertUprightOrder(back, `${name} turned ${angle}, face ${i}`);
        let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
        for (let p = 0; p < back.length; p += 3) {
          minX = Math.min(minX, back[p]!); maxX = Math.max(maxX, back[p]!);
          minY = Math.min(minY, back[p + 1]!); maxY = Math.max(maxY, back[p + 1]!);
        }
        const [cx, cy] = [(minX + maxX) / 2, (minY + maxY) / 2];
        assert.ok(expected.some(([ex, ey]) => Math.hypot(cx - ex, cy - ey) < 0.25 * (maxX - minX)), `${name} turned ${angle}: face ${i} maps back to ${cx.toFixed(0)},${cy.toFixed(0)}, a known face`);
      }
    });
  }
});
