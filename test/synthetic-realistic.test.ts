import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadIctModel } from '../src/model/node/load-ict.js';
import { projectPoints } from '../src/base/camera.js';
import { albedoLayout } from '../bench/synthetic/albedo.js';
import { makeFacePicture, nuisanceRandom, personNeutralPositions, pictureRandom, realisticPicture, type FacePicture, type FacePictureOptions } from '../bench/synthetic/face-picture.js';
import { makeShapeRealistic, sampleTruthShape, truthPositions } from '../bench/synthetic/truth-shape.js';
import { addNoise, jpegRoundTrip, motionBlur } from '../bench/synthetic/degrade.js';
import type { Nuisances } from '../bench/synthetic/nuisances.js';
import { realyRegions } from '../bench/metrics/face-regions.js';
import { modelFloor } from '../bench/metrics/model-floor.js';
import { summarise } from '../bench/metrics/stats.js';
import { truthReference } from '../bench/accuracy/evaluate.js';
import { benchContext } from '../bench/accuracy/run.js';
import { correspondencePoints, NOW_KEYPOINTS } from '../bench/accuracy/methods.js';
import { instantiate } from '../src/model/instance.js';

const { model } = await loadIctModel({ progress: false });
const layout = albedoLayout(model);
// Small, nearly frontal pictures: fast, and every facial region is in view.
const small: FacePictureOptions = { width: 192, height: 192, faceWidthPx: [120, 130], maxYaw: 8, maxTilt: 6, supersample: 1, detail: false, kind: 'realistic' };
const picture = (nuisances: Nuisances, index = 3) => makeFacePicture(model, layout, 11, index, { ...small, nuisances });

/** Pixels (indices) where the given vertices land in the picture. */
function pixelsOf(pic: FacePicture, vertices: ArrayLike<number>): number[] {
  const pts = Float32Array.from(Array.from(vertices, (v) => [0, 1, 2].map((c) => pic.positions[3 * v + c])).flat());
  const s = projectPoints(pts, { rotation: pic.rotation, translation: pic.translation }, pic.camera);
  const out = new Set<number>();
  for (let k = 0; k < vertices.length; k++) {
    const x = Math.round(s[3 * k]), y = Math.round(s[3 * k + 1]);
    if (x >= 0 && y >= 0 && x < pic.camera.width && y < pic.camera.height) out.add(y * pic.camera.width + x);
  }
  return [...out];
}

/** Mean absolute difference (8-bit levels over channels) of two pictures at the given pixels. */
function meanDifference(a: FacePicture, b: FacePicture, pixels: number[]): number {
  let sum = 0;
  for (const p of pixels) for (let c = 0; c < 3; c++) sum += Math.abs(a.image.data[3 * p + c] - b.image.data[3 * p + c]);
  return sum / (3 * pixels.length);
}

const regions = realyRegions(model);
const chin = Uint32Array.from(model.regions.narrowFace).filter((i) => model.neutral[3 * i + 1] < model.neutral[3 * model.landmarks68[57] + 1] - 0.8 && model.neutral[3 * i + 2] > 6);
const eyes = Uint32Array.from(model.regions.narrowFace).filter((i) => {
  const x = model.neutral[3 * i], y = model.neutral[3 * i + 1];
  return [36, 45].some((k) => Math.hypot(x - (model.neutral[3 * model.landmarks68[k]] + model.neutral[3 * model.landmarks68[k === 36 ? 39 : 42]]) / 2, y - model.neutral[3 * model.landmarks68[k] + 1]) < 1.6);
});
// The eye of landmarks 36-39 (and its lids), eyeball included.
const oneEye = Uint32Array.from({ length: model.vertexCount }, (_, i) => i).filter((i) => {
  const c = [0, 1].map((d) => (model.neutral[3 * model.landmarks68[36] + d] + model.neutral[3 * model.landmarks68[39] + d]) / 2);
  return Math.hypot(model.neutral[3 * i] - c[0], model.neutral[3 * i + 1] - c[1]) < 0.9 && model.neutral[3 * i + 2] > 7;
});
const plain = picture({});

test('realistic synthetic pictures: deterministic from the seed, JPEG included; the clean kind carries no nuisances', async () => {
  const a = await realisticPicture(model, layout, 4, 1, { width: 128, height: 128, supersample: 1, detail: false, nuisances: { jpeg: { quality: 30 }, noise: { sigma: 5, chroma: 0.3, seed: 9 } } });
  const b = await realisticPicture(model, layout, 4, 1, { width: 128, height: 128, supersample: 1, detail: false, nuisances: { jpeg: { quality: 30 }, noise: { sigma: 5, chroma: 0.3, seed: 9 } } });
  assert.deepEqual(a.image.data, b.image.data);
  assert.deepEqual(a.positions, b.positions);
  const c = makeFacePicture(model, layout, 4, 1, { width: 128, height: 128, supersample: 1, detail: false, kind: 'realistic' });
  const d = makeFacePicture(model, layout, 4, 1, { width: 128, height: 128, supersample: 1, detail: false, kind: 'realistic' });
  assert.deepEqual(c.image.data, d.image.data);
  assert.deepEqual(c.truth, d.truth);
  assert.ok(c.truth.tags && c.truth.tags.length > 0 && c.truth.regional);
  const clean = makeFacePicture(model, layout, 4, 1, { width: 128, height: 128, supersample: 1, detail: false });
  assert.equal(clean.truth.nuisances, undefined);
  assert.equal(clean.truth.tags, undefined);
  // Same face and pose as the clean picture; the realistic truth adds regional shape.
  assert.deepEqual(clean.truth.identity, c.truth.identity);
  assert.deepEqual(clean.truth.pose, c.truth.pose);
  assert.notDeepEqual(clean.positions, c.positions);
});

test('realistic-bare pictures: the realistic truth and face state, with the clean lighting and no nuisances', async () => {
  const opts: FacePictureOptions = { width: 128, height: 128, supersample: 1, detail: false };
  const real = await realisticPicture(model, layout, 4, 1, opts);
  const bare = await realisticPicture(model, layout, 4, 1, { ...opts, kind: 'realistic-bare' });
  const clean = makeFacePicture(model, layout, 4, 1, opts);
  assert.ok(Object.keys(real.truth.nuisances!).length > 0, 'the realistic picture has nuisances to leave out');
  assert.deepEqual(bare.positions, real.positions);
  assert.deepEqual(bare.truth.presets, real.truth.presets);
  assert.deepEqual(bare.truth.nuisances, {});
  assert.equal(bare.truth.kind, 'realistic-bare');
  assert.deepEqual(bare.truth.lighting, clean.truth.lighting);
  assert.notDeepEqual(bare.image.data, real.image.data);
});

test('each nuisance changes the picture where it should and nowhere it should not', () => {
  const hairColour: [number, number, number] = [40, 28, 20];
  const cases: { name: string; nuisances: Nuisances; changed: ArrayLike<number>; unchanged: ArrayLike<number> }[] = [
    { name: 'fringe', nuisances: { hair: { style: 'fringe', colour: hairColour, hairline: 3, recession: 0, fringeGap: 0.2, cheekCover: [0, 0], seed: 1 } }, changed: regions.forehead, unchanged: chin },
    { name: 'full beard', nuisances: { beard: { kind: 'full', colour: hairColour, density: 1, seed: 2 } }, changed: chin, unchanged: regions.forehead },
    { name: 'glasses', nuisances: { glasses: { shape: 'round', frame: [20, 20, 20], thickness: 0.25, width: 1.8, height: 1.4, tint: [40, 40, 45], tintOpacity: 0.6, glare: 0 } }, changed: eyes, unchanged: chin },
    { name: 'hand over an eye', nuisances: { occluder: { kind: 'hand', anchor: 36, offset: [0, 0.1], size: 0.35, angle: 0, colour: [0, 0, 0] } }, changed: oneEye, unchanged: chin },
    { name: 'object over the chin', nuisances: { occluder: { kind: 'object', anchor: 8, offset: [0, -0.05], size: 0.3, angle: 0, colour: [200, 40, 40] } }, changed: chin, unchanged: regions.forehead },
  ];
  for (const k of cases) {
    const pic = picture(k.nuisances);
    const changed = meanDifference(plain, pic, pixelsOf(plain, k.changed));
    const unchanged = meanDifference(plain, pic, pixelsOf(plain, k.unchanged));
    assert.ok(changed > 8, `${k.name}: mean change ${changed.toFixed(1)} where it should cover`);
    assert.ok(unchanged < 1, `${k.name}: mean change ${unchanged.toFixed(1)} where it should not reach`);
    assert.ok(pic.truth.tags!.length > 0 && !pic.truth.tags!.includes('none'), k.name);
  }
  // The fringe is hair: the forehead gets darker toward the hair colour.
  const fringe = picture(cases[0].nuisances);
  const luma = (p: FacePicture, px: number[]) => px.reduce((a, i) => a + p.image.data[3 * i] + p.image.data[3 * i + 1] + p.image.data[3 * i + 2], 0) / (3 * px.length);
  const forehead = pixelsOf(plain, regions.forehead);
  assert.ok(luma(fringe, forehead) < 0.7 * luma(plain, forehead), `forehead luma ${luma(fringe, forehead)} vs ${luma(plain, forehead)}`);
  // Long hair covers the sides of the face, not its middle.
  const long = picture({ hair: { style: 'long', colour: hairColour, hairline: 3, recession: 0, fringeGap: 0, cheekCover: [0.1, 0.1], seed: 3 } });
  const outline = pixelsOf(plain, [...[0, 1, 2, 14, 15, 16].map((k) => model.landmarks68[k])]);
  assert.ok(meanDifference(plain, long, outline) > 15, 'long hair over the face outline');
  assert.ok(meanDifference(plain, long, pixelsOf(plain, regions.nose)) < 1, 'long hair leaves the nose');
});

test('lighting, face states and degradations change what they should', () => {
  const face = pixelsOf(plain, regions.cheeks);
  const ratio = (p: FacePicture) => face.reduce((a, i) => a + p.image.data[3 * i], 0) / Math.max(1, face.reduce((a, i) => a + p.image.data[3 * i + 2], 0));
  const coloured = picture({ lighting: { kind: 'coloured', direction: [0.3, 0.2, 1], keyColour: [1.25, 0.95, 0.6], rimDirection: [-1, 0.2, 0], rimColour: [0.6, 0.85, 1.3], ambientShare: 0.2 } });
  assert.ok(ratio(coloured) > 1.15 * ratio(plain), `red/blue ${ratio(coloured)} vs ${ratio(plain)}`);
  const harsh = picture({ lighting: { kind: 'harsh', direction: [1.5, 0.3, 0.4], keyColour: [1, 1, 1], rimDirection: [-1, 0, 0], rimColour: [0, 0, 0], ambientShare: 0.05 } });
  const spread = (p: FacePicture) => summarise(face.map((i) => p.image.data[3 * i + 1])).std;
  assert.ok(spread(harsh) > 1.5 * spread(plain), `luma spread ${spread(harsh)} vs ${spread(plain)}`);

  // Face states on the truth shape alone (no render): a closed-lip smile keeps the lips together, lowered lids are neither open nor shut.
  const stateShape = (name: string) => {
    for (let i = 0; i < 50; i++) {
      const shape = makeShapeRealistic(model, sampleTruthShape(model, pictureRandom(3, i)), nuisanceRandom(3, i), 0, 1);
      if (shape.presets[0] === name) return { shape, positions: truthPositions(model, shape) };
    }
    throw new Error(`no ${name} in 50 draws`);
  };
  const gap = (positions: Float32Array, a: number, b: number) => Math.abs(positions[3 * model.landmarks68[a] + 1] - positions[3 * model.landmarks68[b] + 1]) * model.unitsToMillimetres;
  const smile = stateShape('closedSmile'), lids = stateShape('loweredLids');
  // Signed: negative would be lips pressed through each other.
  const lipGap = (smile.positions[3 * model.landmarks68[62] + 1] - smile.positions[3 * model.landmarks68[66] + 1]) * model.unitsToMillimetres;
  assert.ok(lipGap > -1.5 && lipGap < 1, `closed-lip smile: inner lips ${lipGap.toFixed(2)} mm apart`);
  assert.ok(smile.shape.expression[model.expressionNames.indexOf('mouthSmile_L')] > 0.3 && smile.shape.expression[model.expressionNames.indexOf('jawOpen')] === 0);
  const open = (p: Float32Array) => gap(p, 37, 41) + gap(p, 44, 46);
  const neutral = instantiate(model, { identity: lids.shape.identity });
  assert.ok(open(lids.positions) < 0.8 * open(neutral) && open(lids.positions) > 0.1 * open(neutral), `lowered lids ${open(lids.positions).toFixed(2)} mm vs open ${open(neutral).toFixed(2)} mm`);

  const energy = (img: { width: number; data: Uint8Array }) => { let e = 0; for (let i = 3; i < img.data.length; i++) e += Math.abs(img.data[i] - img.data[i - 3]); return e; };
  assert.ok(energy(motionBlur(plain.image, 8, 0)) < 0.8 * energy(plain.image), 'motion blur smooths');
  const noisy = addNoise(plain.image, 6, 0.3, 1);
  let diff = 0;
  for (let i = 0; i < noisy.data.length; i++) diff += Math.abs(noisy.data[i] - plain.image.data[i]);
  assert.ok(diff / noisy.data.length > 3 && diff / noisy.data.length < 7, `noise ${diff / noisy.data.length}`);
});

test('JPEG round trip degrades the picture moderately', async () => {
  const j = await jpegRoundTrip(plain.image, 20);
  let diff = 0;
  for (let i = 0; i < j.data.length; i++) diff += Math.abs(j.data[i] - plain.image.data[i]);
  const mean = diff / j.data.length;
  assert.ok(mean > 0.5 && mean < 12, `JPEG q20 mean error ${mean}`);
});

test('model floor: zero on a model instance, about 0.7 mm on the realistic truth, above the clean one', () => {
  const ctx = benchContext(model);
  const keypoints = (p: Float32Array) => correspondencePoints(p, NOW_KEYPOINTS);
  const floorOf = (positions: Float32Array) => {
    const mm = positions.map((v) => v * model.unitsToMillimetres);
    return modelFloor(model, truthReference(model, mm), keypoints, ctx.faceTriangles);
  };
  const identity = Float32Array.from({ length: model.identityCount }, (_, k) => (k < 50 ? 0.8 * Math.sin(k) : 0));
  const expression = new Float32Array(model.expressionNames.length);
  expression[model.expressionNames.indexOf('mouthSmile_L')] = 0.5;
  const own = floorOf(instantiate(model, { identity, expression })).error.median;
  // Not zero: the priors pull a typical identity (norm about 4) toward the mean by about 0.16 mm.
  assert.ok(own < 0.25, `the model fits its own instance: ${own} mm`);
  const pooled = (kind: 'clean' | 'realistic') => summarise(Array.from({ length: 3 }, (_, i) => floorOf(makeFacePicture(model, layout, 1, i, { width: 64, height: 64, supersample: 1, detail: false, kind }).positions).distances)
    .reduce((all, d) => [...all, ...d], [] as number[])).median;
  const clean = pooled('clean'), realistic = pooled('realistic');
  assert.ok(realistic > clean + 0.1, `realistic floor ${realistic} vs clean ${clean}`);
  assert.ok(realistic > 0.55 && realistic < 0.9, `realistic floor ${realistic} mm`);
});

test('pictures of one person (multi-view sets): identity, shape and skin shared; pose, expression and light their own; the neutral head is theirs', () => {
  const opts: FacePictureOptions = { width: 64, height: 64, supersample: 1, detail: false, kind: 'realistic-bare' };
  const [a, b] = [20, 21].map((index) => makeFacePicture(model, layout, 4, index, { ...opts, person: 20 }));
  const alone = makeFacePicture(model, layout, 4, 21, opts);
  assert.deepEqual(b.truth.identity, a.truth.identity);
  assert.notDeepEqual(alone.truth.identity, a.truth.identity, 'without person, picture 21 is someone else');
  assert.deepEqual(b.truth.albedo.skin, a.truth.albedo.skin);
  assert.deepEqual(b.truth.regional, a.truth.regional);
  assert.deepEqual(b.truth.pose, alone.truth.pose, 'the pose is the picture\'s own draw');
  assert.notEqual(b.truth.pose.yaw, a.truth.pose.yaw);
  assert.deepEqual(b.truth.lighting, alone.truth.lighting);
  // The person's neutral head: their picture without its expression (same identity, bumps and regional shape).
  const neutral = personNeutralPositions(model, 4, 20, 'realistic-bare');
  const expressionFree = truthPositions(model, { ...sampleTruthShape(model, pictureRandom(4, 20)), regional: a.truth.regional!, expression: new Float32Array(model.expressionNames.length) });
  assert.deepEqual(Array.from(neutral), Array.from(expressionFree));
});
