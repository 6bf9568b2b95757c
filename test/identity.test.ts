import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import sharp, { type Sharp } from 'sharp';
import type { RgbImage } from '../src/base/image.js';
import { applyAffine, invertAffine } from '../src/base/image-sampling.js';
import { createFaceDetector, type DetectedFace, type FaceDetector } from '../src/perception/index.js';
import { nodeDetectorSetup, nodeModelLoader } from '../src/perception/node-model-loader.js';
import { LEFT_EYE_CONTOUR, MOUTH_CORNERS, NOSE_TIP, RIGHT_EYE_CONTOUR } from '../src/identity/five-points.js';
import { fitSimilarity } from '../src/identity/similarity-transform.js';
import {
  alignedFaceCrop, alignmentAffine, arcfaceTemplate, BACKGROUND_GREY, cosineSimilarity, createFaceEmbedder, fivePoints, toRgbOverGrey, type FaceEmbedder,
} from '../src/identity/index.js';
import { sampleImage } from './helpers/shared-data.js';


async function loadRgb(input: string | Buffer, prepare: (s: Sharp) => Sharp = (s) => s): Promise<RgbImage> {
  const { data, info } = await prepare(sharp(input)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** 468 landmarks (stride 3) whose five points are `points` (x0, y0, ... as `fivePoints` returns them); the rest at the first point. */
function landmarksWithFivePoints(points: ArrayLike<number>): Float32Array {
  const mesh = new Float32Array(468 * 3);
  const put = (i: number, k: number): void => mesh.set([points[2 * k]!, points[2 * k + 1]!, 0], 3 * i);
  for (let i = 0; i < 468; i++) put(i, 0);
  for (const i of RIGHT_EYE_CONTOUR) put(i, 0);
  for (const i of LEFT_EYE_CONTOUR) put(i, 1);
  put(NOSE_TIP, 2);
  put(MOUTH_CORNERS[0], 3);
  put(MOUTH_CORNERS[1], 4);
  return mesh;
}

describe('cosine similarity', () => {
  test('basics', () => {
    assert.equal(cosineSimilarity([1, 2, 3], [1, 2, 3]), 1);
    assert.ok(Math.abs(cosineSimilarity([1, 2, 3], [2, 4, 6]) - 1) < 1e-12, 'scale does not matter');
    assert.ok(Math.abs(cosineSimilarity([1, 2, 3], [-1, -2, -3]) + 1) < 1e-12);
    assert.equal(cosineSimilarity([1, 0], [0, 5]), 0);
    assert.ok(Math.abs(cosineSimilarity(new Float32Array([1, 1]), new Float32Array([1, 0])) - Math.SQRT1_2) < 1e-7);
    assert.equal(cosineSimilarity([0, 0], [1, 2]), 0);
    assert.throws(() => cosineSimilarity([1, 2], [1, 2, 3]), /length/);
  });
});

describe('face alignment', () => {
  test('the similarity fit recovers a known rotation, scale and shift', () => {
    const from = [10, 20, 50, 22, 31, 40, 15, 60, 47, 61];
    const angle = 0.4, scale = 1.7, tx = 100, ty = -30;
    const to = from.map((_, i) => {
      const x = from[i - (i % 2)]!, y = from[i - (i % 2) + 1]!;
      return i % 2 === 0 ? scale * (Math.cos(angle) * x - Math.sin(angle) * y) + tx : scale * (Math.sin(angle) * x + Math.cos(angle) * y) + ty;
    });
    const m = fitSimilarity(from, to);
    const want = [scale * Math.cos(angle), -scale * Math.sin(angle), tx, scale * Math.sin(angle), scale * Math.cos(angle), ty];
    m.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) < 1e-9, `coefficient ${i}: ${v} vs ${want[i]}`));
    assert.throws(() => fitSimilarity([1, 1, 1, 1], [0, 0, 1, 1]), /coincide/);
  });

  test('the aligned crop puts marks at the five points onto the template', () => {
    // A grey picture with a bright 3x3 mark at each of five points: the ArcFace template turned by
    // 25 degrees, scaled 2.3x and moved; the crop must show the marks at the template positions.
    const template = arcfaceTemplate(112);
    const angle = (25 * Math.PI) / 180, scale = 2.3;
    const points = new Float64Array(10);
    for (let k = 0; k < 5; k++) {
      const u = template.points[2 * k]! - 56, v = template.points[2 * k + 1]! - 56;
      points[2 * k] = 200 + scale * (Math.cos(angle) * u - Math.sin(angle) * v);
      points[2 * k + 1] = 160 + scale * (Math.sin(angle) * u + Math.cos(angle) * v);
    }
    const width = 400, height = 320;
    const data = new Uint8Array(width * height * 3).fill(40);
    for (let k = 0; k < 5; k++) {
      const cx = Math.floor(points[2 * k]!), cy = Math.floor(points[2 * k + 1]!);
      for (let y = cy - 1; y <= cy + 1; y++) for (let x = cx - 1; x <= cx + 1; x++) data.fill(240, 3 * (y * width + x), 3 * (y * width + x) + 3);
    }
    const crop = alignedFaceCrop({ width, height, data }, landmarksWithFivePoints(points), 3, 112);
    assert.equal(crop.width, 112);
    for (let k = 0; k < 5; k++) {
      // Brightness-weighted centre of the mark in a window around the template point.
      const tx = template.points[2 * k]!, ty = template.points[2 * k + 1]!;
      let sw = 0, sx = 0, sy = 0;
      for (let y = Math.floor(ty) - 4; y <= Math.floor(ty) + 4; y++) {
        for (let x = Math.floor(tx) - 4; x <= Math.floor(tx) + 4; x++) {
          const w = Math.max(0, crop.data[3 * (y * 112 + x)]! - 45);
          sw += w; sx += w * (x + 0.5); sy += w * (y + 0.5);
        }
      }
      assert.ok(sw > 0, `mark ${k} visible in the crop`);
      const error = Math.hypot(sx / sw - tx, sy / sw - ty);
      // The mark is centred on the pixel holding the point, up to 0.7 image px = 0.3 crop px from it.
      assert.ok(error < 0.5, `mark ${k} at ${(sx / sw).toFixed(2)}, ${(sy / sw).toFixed(2)}, template ${tx.toFixed(2)}, ${ty.toFixed(2)}`);
    }
  });

  test('landmarks of a mirrored face still go to the template (no reflection)', () => {
    const template = arcfaceTemplate(112);
    const points = new Float64Array(template.points);
    // Swap image left and right: the subject's right eye now lies at the image right.
    for (let k = 0; k < 5; k++) points[2 * k] = 112 - points[2 * k]!;
    const m = invertAffine(alignmentAffine(landmarksWithFivePoints(points), 3, template));
    assert.ok(m[0] * m[4] - m[1] * m[3] > 0, 'the fitted transform keeps orientation');
  });

  test('RGBA renders are composited over neutral grey', () => {
    const rgba = { width: 2, height: 1, data: new Uint8Array([10, 20, 30, 255, 200, 100, 0, 0]) };
    assert.deepEqual([...toRgbOverGrey(rgba).data], [10, 20, 30, BACKGROUND_GREY, BACKGROUND_GREY, BACKGROUND_GREY]);
    const half = { width: 1, height: 1, data: new Uint8Array([255, 0, 128, 128]) };
    assert.deepEqual([...toRgbOverGrey(half).data], [192, 64, 128]);
    assert.throws(() => toRgbOverGrey({ width: 2, height: 2, data: new Uint8Array(5) }), /expected/);
  });
});

describe('identity embeddings of the sample faces', () => {
  let detector: FaceDetector;
  let embedder: FaceEmbedder;
  const photos = new Map<string, { image: RgbImage; faces: DetectedFace[] }>();
  const names = ['astronaut.png', 'grace_hopper.jpg', 'group1.jpg', 'group2.jpg', 'group3.jpg', 'group4.jpg'];

  before(async () => {
    detector = await createFaceDetector(nodeDetectorSetup());
    embedder = await createFaceEmbedder(nodeModelLoader());
    for (const name of names) {
      const image = await loadRgb(sampleImage(name));
      photos.set(name, { image, faces: await detector.detect(image) });
    }
  });
  after(() => {
    detector?.dispose();
    embedder?.dispose();
  });

  test('the five points from the mesh match the iris centres and the face layout', () => {
    for (const name of ['astronaut.png', 'grace_hopper.jpg']) {
      const face = photos.get(name)!.faces[0]!;
      const p = fivePoints(face.landmarks);
      const eyeDistance = Math.hypot(p[2]! - p[0]!, p[3]! - p[1]!);
      // Eye centres (eyelid contour means) lie on the pupils found by the iris model.
      for (const eye of [0, 1]) {
        const d = Math.hypot(p[2 * eye]! - face.irises![15 * eye]!, p[2 * eye + 1]! - face.irises![15 * eye + 1]!);
        assert.ok(d < 0.06 * eyeDistance, `${name} eye ${eye}: ${(d / eyeDistance).toFixed(3)} eye distances from the iris centre`);
      }
      // Upright frontal face: right eye left of left eye, nose below the eyes, mouth below the nose,
      // mouth corners under the eyes, and the nose tip the point nearest the camera among the five.
      assert.ok(p[0]! < p[2]! && p[6]! < p[8]!, `${name}: left-right order`);
      assert.ok(p[5]! > Math.max(p[1]!, p[3]!) + 0.3 * eyeDistance && p[7]! > p[5]! && p[9]! > p[5]!, `${name}: vertical order`);
      const mouthWidth = Math.hypot(p[8]! - p[6]!, p[9]! - p[7]!);
      assert.ok(mouthWidth > 0.6 * eyeDistance && mouthWidth < 1.1 * eyeDistance, `${name}: mouth width ${(mouthWidth / eyeDistance).toFixed(2)} eye distances`);
      const z = (i: number): number => face.landmarks[3 * i + 2]!;
      for (const i of [33, 263, 61, 291, 133, 362]) assert.ok(z(NOSE_TIP) < z(i), `${name}: nose tip nearer than point ${i}`);
      // After alignment the eyes sit on the template's eyes; the nose tip and mouth corners within the
      // fit's residual (faces differ from the template: on the 15 sample faces the MediaPipe nose tip
      // lands 3-12 px below the template's nose, the smiling mouth corners 2-6 px above theirs).
      const template = arcfaceTemplate(112);
      const back = invertAffine(alignmentAffine(face.landmarks, 3, template));
      for (let k = 0; k < 5; k++) {
        const [u, v] = applyAffine(back, p[2 * k]!, p[2 * k + 1]!);
        const d = Math.hypot(u - template.points[2 * k]!, v - template.points[2 * k + 1]!);
        assert.ok(d < (k < 2 ? 3.5 : 9), `${name}: point ${k} lands ${d.toFixed(1)} px from its template position`);
      }
    }
  });

  test('the same face under mild changes scores higher than any two different people', async () => {
    const people: Array<{ name: string; embedding: Float32Array }> = [];
    for (const name of names) {
      const { image, faces } = photos.get(name)!;
      const embeddings = await embedder.embedMany(faces.map((f) => ({ image, landmarks: f.landmarks })));
      embeddings.forEach((embedding, i) => people.push({ name: `${name}#${i}`, embedding }));
    }
    assert.equal(people.length, 15, 'two portraits and 13 faces in the group photos');
    assert.equal(people[0]!.embedding.length, embedder.dimensions);
    let maxDifferent = -1, pair = '';
    for (let i = 0; i < people.length; i++) {
      for (let j = i + 1; j < people.length; j++) {
        const s = cosineSimilarity(people[i]!.embedding, people[j]!.embedding);
        if (s > maxDifferent) [maxDifferent, pair] = [s, `${people[i]!.name} ~ ${people[j]!.name}`];
      }
    }
    const changes: Array<[string, (s: Sharp) => Sharp]> = [
      ['mirrored', (s) => s.flop()],
      ['turned 10 degrees', (s) => s.rotate(10, { background: '#808080' })],
      ['shrunk to 0.8x and blurred', (s) => s.resize(410).blur(1.2)],
    ];
    for (const name of ['astronaut.png', 'grace_hopper.jpg']) {
      const reference = people.find((p) => p.name === `${name}#0`)!.embedding;
      for (const [how, change] of changes) {
        const image = await loadRgb(sampleImage(name), change);
        const [face] = await detector.detect(image);
        assert.ok(face, `${name} ${how}: face found`);
        const s = cosineSimilarity(reference, await embedder.embed(image, face.landmarks));
        assert.ok(s > maxDifferent, `${name} ${how}: similarity ${s.toFixed(3)} to the original, not above the closest different pair ${pair} (${maxDifferent.toFixed(3)})`);
      }
    }
  });

  test('a render-like RGBA crop gives the same embedding as its RGB pixels on grey', async () => {
    const { image, faces } = photos.get('astronaut.png')!;
    const rgba = new Uint8Array(image.width * image.height * 4);
    const rgb = new Uint8Array(image.data);
    for (let i = 0; i < image.width * image.height; i++) {
      // Transparent outside a disc around the face: the RGB version shows grey there.
      const x = i % image.width, y = Math.floor(i / image.width);
      const inside = Math.hypot(x - 226, y - 124) < 90;
      rgba.set([image.data[3 * i]!, image.data[3 * i + 1]!, image.data[3 * i + 2]!, inside ? 255 : 0], 4 * i);
      if (!inside) rgb.fill(BACKGROUND_GREY, 3 * i, 3 * i + 3);
    }
    const landmarks = faces[0]!.landmarks;
    const [a, b] = await embedder.embedMany([
      { image: { width: image.width, height: image.height, data: rgba }, landmarks },
      { image: { width: image.width, height: image.height, data: rgb }, landmarks },
    ]);
    assert.ok(cosineSimilarity(a!, b!) > 0.99999, `${cosineSimilarity(a!, b!)}`);
    // Stride 2 (x, y only) reads the same points.
    const xy = new Float32Array(468 * 2);
    for (let i = 0; i < 468; i++) xy.set([landmarks[3 * i]!, landmarks[3 * i + 1]!], 2 * i);
    assert.ok(cosineSimilarity(await embedder.embed(image, xy, 2), await embedder.embed(image, landmarks)) > 0.99999);
  });
});
