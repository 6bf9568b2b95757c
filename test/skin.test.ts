import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RgbImage } from '../src/base/image.js';
import { readImage } from '../src/io/index.js';
import { createFaceDetector, type DetectedFace, type FaceDetector } from '../src/perception/index.js';
import { nodeDetectorSetup } from '../src/perception/node-model-loader.js';
import { fitChromaGaussian } from '../src/skin/colour-model.js';
import { blackTopHat, dilate, erode } from '../src/skin/morphology.js';
import { LEFT_EYE, LEFT_EYEBROW, LIPS_OUTER, RIGHT_EYE, RIGHT_EYEBROW, sampleSkin, skinMask, skinMaskImage, type SkinMask } from '../src/skin/index.js';
import { sampleImage } from './helpers/shared-data.js';

/** Weight at the centre of photo pixel (x, y). */
function weightAt(mask: SkinMask, x: number, y: number): number {
  return sampleSkin(mask, x + 0.5, y + 0.5);
}

function landmark(face: DetectedFace, i: number): [number, number] {
  return [face.landmarks[3 * i]!, face.landmarks[3 * i + 1]!];
}

/** Mean of some landmarks. */
function centroid(face: DetectedFace, indices: readonly number[]): [number, number] {
  let x = 0, y = 0;
  for (const i of indices) {
    x += face.landmarks[3 * i]!;
    y += face.landmarks[3 * i + 1]!;
  }
  return [x / indices.length, y / indices.length];
}

/** A flat, slightly shaded skin-coloured picture with mild noise, the size of `like`. */
function flatSkin(like: RgbImage): RgbImage {
  const { width, height } = like;
  const data = new Uint8Array(width * height * 3);
  let seed = 7;
  const noise = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5) * 6;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const shade = 0.8 + 0.2 * (x / width); // light from the image's right
      const o = 3 * (y * width + x);
      data[o] = Math.round(215 * shade + noise());
      data[o + 1] = Math.round(160 * shade + noise());
      data[o + 2] = Math.round(130 * shade + noise());
    }
  }
  return { width, height, data };
}

/** Draws a dark line of the given thickness from a to b. */
function drawLine(img: RgbImage, a: [number, number], b: [number, number], thickness: number, rgb: [number, number, number]): void {
  const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
  for (let t = 0; t <= len * 2; t++) {
    const x = a[0] + ((b[0] - a[0]) * t) / (len * 2), y = a[1] + ((b[1] - a[1]) * t) / (len * 2);
    for (let dy = -thickness / 2; dy < thickness / 2; dy++) {
      const px = Math.floor(x), py = Math.floor(y + dy + 0.5);
      if (px < 0 || py < 0 || px >= img.width || py >= img.height) continue;
      img.data.set(rgb, 3 * (py * img.width + px));
    }
  }
}

describe('skin mask building blocks', () => {
  test('running min/max equal brute force, borders included', () => {
    const w = 23, h = 17, plane = new Float32Array(w * h);
    for (let k = 0; k < plane.length; k++) plane[k] = Math.sin(k * 12.9898) * 43758.5453 % 1;
    for (const r of [1, 2, 3, 5]) {
      const lo = erode(plane, w, h, r), hi = dilate(plane, w, h, r);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          let mn = Infinity, mx = -Infinity;
          for (let j = Math.max(0, y - r); j <= Math.min(h - 1, y + r); j++) {
            for (let i = Math.max(0, x - r); i <= Math.min(w - 1, x + r); i++) {
              mn = Math.min(mn, plane[j * w + i]!);
              mx = Math.max(mx, plane[j * w + i]!);
            }
          }
          assert.equal(lo[y * w + x], Math.fround(mn), `erode r=${r} at ${x},${y}`);
          assert.equal(hi[y * w + x], Math.fround(mx), `dilate r=${r} at ${x},${y}`);
        }
      }
    }
  });

  test('black top-hat marks a thin dark line, not a wide dark area', () => {
    const w = 40, h = 30, plane = new Float32Array(w * h).fill(5);
    for (let x = 0; x < w; x++) plane[10 * w + x] = plane[11 * w + x] = 3; // 2-px line
    for (let y = 20; y < h; y++) for (let x = 0; x < w; x++) plane[y * w + x] = 3; // wide dark band
    const bth = blackTopHat(plane, w, h, 3);
    assert.ok(Math.abs(bth[10 * w + 20]! - 2) < 1e-6 && Math.abs(bth[11 * w + 20]! - 2) < 1e-6, 'line found');
    assert.ok(bth[25 * w + 20]! < 1e-6 && bth[5 * w + 20]! < 1e-6, 'band and flat area are not');
  });

  test('the robust chroma model ignores a third of outliers', () => {
    const samples: number[] = [];
    let seed = 1;
    const gauss = (): number => {
      let s = 0;
      for (let k = 0; k < 6; k++) s += (seed = (seed * 16807) % 2147483647) / 2147483647;
      return (s - 3) * Math.SQRT2; // variance 1
    };
    for (let k = 0; k < 600; k++) samples.push(0.4 + 0.03 * gauss(), -0.3 + 0.05 * gauss(), 5);
    for (let k = 0; k < 300; k++) samples.push(0.1 + 0.05 * gauss(), 0.1 + 0.05 * gauss(), 3); // hair-like
    const model = fitChromaGaussian(Float64Array.from(samples))!;
    assert.ok(Math.abs(model.mean[0] - 0.4) < 0.01 && Math.abs(model.mean[1] + 0.3) < 0.01, `mean ${model.mean}`);
    assert.ok(Math.abs(Math.sqrt(model.cov[0]) - 0.03) < 0.008 && Math.abs(Math.sqrt(model.cov[2]) - 0.05) < 0.012, `sigmas ${model.cov}`);
  });
});

describe('skin mask on photos', () => {
  let detector: FaceDetector;
  const photos = new Map<string, { image: RgbImage; faces: DetectedFace[] }>();
  before(async () => {
    detector = await createFaceDetector(nodeDetectorSetup());
    for (const name of ['astronaut.png', 'grace_hopper.jpg', 'group1.jpg', 'group2.jpg', 'group3.jpg', 'group4.jpg']) {
      const { image } = await readImage(sampleImage(name));
      photos.set(name, { image, faces: await detector.detect(image) });
    }
  });
  after(() => detector?.dispose());

  test("Grace Hopper: the spectacles' frames are rejected, cheeks, forehead, nose and chin are kept", () => {
    const { image, faces } = photos.get('grace_hopper.jpg')!;
    assert.equal(faces.length, 1);
    const mask = skinMask(image, faces[0]!.landmarks);
    assert.equal(mask.glasses, true);
    // Frame pixels picked by eye on zoomed crops of the 512x600 photo (x, y): the black upper rims,
    // the amber bridge, and the thin amber sides and bottoms of the lenses (a dip in luma across them).
    const frame: Array<[number, number, string]> = [
      [205, 177, 'right lens upper rim'], [225, 177, 'right lens upper rim'],
      [310, 171, 'left lens upper rim'], [330, 171, 'left lens upper rim'],
      [268, 185, 'bridge'], [268, 190, 'bridge'],
      [188, 200, 'right lens outer side'], [189, 205, 'right lens outer side'],
      [220, 229, 'right lens bottom'], [240, 233, 'right lens bottom, inner end'],
      [278, 207, 'left lens inner side'], [305, 230, 'left lens bottom'],
    ];
    for (const [x, y, what] of frame) assert.ok(weightAt(mask, x, y) < 0.2, `${what} at ${x},${y}: ${weightAt(mask, x, y).toFixed(2)}`);
    // Bare skin picked on the same picture.
    const skin: Array<[number, number, string]> = [
      [262, 145, 'forehead'], [240, 148, 'forehead'], [265, 222, 'nose ridge'], [206, 258, 'right cheek'],
      [334, 252, 'left cheek'], [268, 316, 'chin'],
    ];
    for (const [x, y, what] of skin) assert.ok(weightAt(mask, x, y) > 0.8, `${what} at ${x},${y}: ${weightAt(mask, x, y).toFixed(2)}`);
    // The tone is a light, warm skin colour (lighting and the photo's cast included).
    const [r, g, b] = mask.skinTone.srgb;
    assert.ok(r > g && g > b && r > 0.6, `tone ${mask.skinTone.srgb.map((c) => c.toFixed(2))}`);
  });

  test('astronaut: eyes, eyebrows and lips are rejected, the skin around them is kept', () => {
    const { image, faces } = photos.get('astronaut.png')!;
    const face = faces[0]!;
    const mask = skinMask(image, face.landmarks);
    assert.equal(mask.glasses, false);
    for (const [name, indices] of [['right eye', RIGHT_EYE], ['left eye', LEFT_EYE], ['lips', LIPS_OUTER]] as const) {
      const [cx, cy] = centroid(face, indices);
      assert.ok(sampleSkin(mask, cx, cy) < 0.05, `${name} centre: ${sampleSkin(mask, cx, cy).toFixed(2)}`);
    }
    // Eyebrows are thin: their middle is between the upper and lower edge landmarks.
    for (const [upper, lower] of [[63, 53], [105, 52], [66, 65], [293, 283], [334, 282], [296, 295]] as const) {
      const [cx, cy] = centroid(face, [upper, lower]);
      assert.ok(sampleSkin(mask, cx, cy) < 0.05, `eyebrow between ${upper} and ${lower}: ${sampleSkin(mask, cx, cy).toFixed(2)}`);
    }
    for (const [name, indices] of [['right eye', RIGHT_EYE], ['left eye', LEFT_EYE], ['lips', LIPS_OUTER], ['right brow', RIGHT_EYEBROW], ['left brow', LEFT_EYEBROW]] as const) {
      for (const i of indices) {
        const [x, y] = landmark(face, i);
        assert.ok(sampleSkin(mask, x, y) < 0.2, `${name} landmark ${i}: ${sampleSkin(mask, x, y).toFixed(2)}`);
      }
    }
    // Skin landmarks: mid cheeks, nose ridge, forehead centre, chin. The weight is soft, and the
    // forehead centre sits a few pixels under the fringe (0.79-0.9 depending on the landmark pass).
    for (const i of [50, 280, 195, 151, 199]) {
      const [x, y] = landmark(face, i);
      assert.ok(sampleSkin(mask, x, y) > 0.7, `skin landmark ${i}: ${sampleSkin(mask, x, y).toFixed(2)}`);
    }
  });

  test('group photos: every face has most of its oval accepted, in a crop around the face', () => {
    for (const name of ['group1.jpg', 'group2.jpg', 'group3.jpg', 'group4.jpg']) {
      const { image, faces } = photos.get(name)!;
      assert.ok(faces.length >= 3, `${name}: ${faces.length} faces`);
      for (const [n, face] of faces.entries()) {
        const mask = skinMask(image, face.landmarks);
        assert.ok(mask.coverage > 0.55 && mask.coverage < 0.95, `${name} face ${n}: coverage ${mask.coverage.toFixed(2)}`);
        assert.equal(mask.glasses, false, `${name} face ${n}: no spectacles`);
        assert.ok(mask.rect.width < 0.2 * image.width && mask.rect.width > face.box.width * 0.6, `${name} face ${n}: crop ${mask.rect.width} px wide`);
        assert.equal(mask.weight.length, mask.rect.width * mask.rect.height);
        assert.ok(mask.weight.every((w) => w >= 0 && w <= 1));
      }
    }
  });

  test('synthetic: a thin dark line across flat skin is rejected, drawn spectacles are found and excluded', () => {
    const { image, faces } = photos.get('grace_hopper.jpg')!;
    const face = faces[0]!;
    const flat = flatSkin(image);
    const clean = skinMask(flat, face.landmarks);
    assert.equal(clean.glasses, false);
    assert.ok(clean.coverage > 0.6, `flat skin coverage ${clean.coverage.toFixed(2)}`);
    // A 2-px dark line (a hair strand, a cable) across the forehead and both cheeks.
    const lined = flatSkin(image);
    drawLine(lined, [170, 143], [360, 143], 2, [60, 40, 35]);
    drawLine(lined, [180, 255], [350, 255], 2, [60, 40, 35]);
    const mask = skinMask(lined, face.landmarks);
    for (const x of [240, 265, 290]) {
      const on = [weightAt(mask, x, 142), weightAt(mask, x, 143)], beside = [weightAt(mask, x, 137), weightAt(mask, x, 149)];
      assert.ok(Math.max(...on) < 0.2, `forehead line at x ${x}: ${on.map((w) => w.toFixed(2))}`);
      assert.ok(Math.min(...beside) > 0.8, `forehead skin beside the line at x ${x}: ${beside.map((w) => w.toFixed(2))}`);
    }
    for (const x of [205, 330]) {
      assert.ok(Math.max(weightAt(mask, x, 254), weightAt(mask, x, 255)) < 0.2, `cheek line at x ${x}: ${weightAt(mask, x, 255).toFixed(2)}`);
      assert.ok(weightAt(mask, x, 248) > 0.8 && weightAt(mask, x, 261) > 0.8, `cheek skin beside the line at x ${x}`);
    }
    assert.ok(Math.abs(mask.coverage - clean.coverage) < 0.08, 'only the lines and their edges are lost');
    // Drawn spectacles: dark upper rims over both eyes and a bridge over the nose.
    const glasses = flatSkin(image);
    drawLine(glasses, [185, 178], [255, 178], 4, [30, 25, 25]);
    drawLine(glasses, [280, 173], [345, 173], 4, [30, 25, 25]);
    drawLine(glasses, [255, 186], [280, 186], 4, [120, 80, 50]);
    const spectacled = skinMask(glasses, face.landmarks);
    assert.equal(spectacled.glasses, true);
    const [ex, ey] = centroid(face, RIGHT_EYE);
    assert.ok(sampleSkin(spectacled, ex, ey + 30) < 0.05, 'below the eye, behind the lens');
    assert.ok(weightAt(spectacled, 265, 260) > 0.8, 'nose tip area stays');
    assert.ok(weightAt(spectacled, 265, 145) > 0.8, 'forehead stays');
  });

  test('sampleSkin reads the weights at pixel centres and is 0 outside the crop; the mask picture has the crop size', () => {
    const { image, faces } = photos.get('astronaut.png')!;
    const mask = skinMask(image, faces[0]!.landmarks);
    const { x, y, width, height } = mask.rect;
    for (const [i, j] of [[width >> 1, height >> 1], [10, 20], [width - 3, height - 5]] as const) {
      assert.ok(Math.abs(weightAt(mask, x + i, y + j) - mask.weight[j * width + i]!) < 1e-6);
    }
    assert.equal(sampleSkin(mask, x - 5, y + 10), 0);
    assert.equal(sampleSkin(mask, x + 10, y + height + 5), 0);
    const picture = skinMaskImage(mask, image);
    assert.equal(picture.data.length, width * height * 4);
    const grey = skinMaskImage(mask);
    const k = (height >> 1) * width + (width >> 1);
    assert.equal(grey.data[4 * k], Math.round(255 * mask.weight[k]!));
  });
});
