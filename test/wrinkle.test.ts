import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boxBlur } from '../src/skin/morphology.js';
import { heightSlopes } from '../src/detail/maps.js';
import { expressionStrainMap } from '../src/detail/strain.js';
import { compressionField, fitWrinkles, fitWrinklesTogether, resynthesiseWrinkles, wrinkleRegionMasks, WRINKLE_DRIVERS, WRINKLE_REGIONS, wrinkleMaps, type WrinkleRegion } from '../src/detail/index.js';
import { presetExpression } from '../src/export/expressions.js';
import { randomTrueDetailPerson } from '../bench/synthetic/wrinkles.js';
import { inWrinkleRegions, meanNormalAngle, wrinkleCase, wrinklePhoto, type WrinkleCase } from '../bench/wrinkle.js';
import { loadSmallModel } from './helpers/small-model.js';
import { smilingWrinkles } from './helpers/smiling-wrinkles.js';

const SIZE = 256;

/** Per texel, the orientation (radians, mod pi) of the height field's dominant gradient over about `radius` texels, and its strength. */
function gradientOrientation(c: WrinkleCase, height: Float32Array, radius: number): { angle: Float32Array; strength: Float32Array } {
  const frames = { width: SIZE, height: SIZE, mmX: c.grid.mmX, mmY: c.grid.mmY } as Parameters<typeof heightSlopes>[0]['frames'];
  const g = heightSlopes({ size: SIZE, height, frames });
  const blur = (f: Float32Array) => boxBlur(boxBlur(f, SIZE, SIZE, radius), SIZE, SIZE, radius);
  const xx = blur(g.x.map((x) => x * x)), xy = blur(g.x.map((x, p) => x * g.y[p])), yy = blur(g.y.map((y) => y * y));
  const angle = new Float32Array(SIZE * SIZE), strength = new Float32Array(SIZE * SIZE);
  for (let p = 0; p < angle.length; p++) {
    angle[p] = 0.5 * Math.atan2(2 * xy[p], xx[p] - yy[p]);
    strength[p] = Math.hypot(xx[p] - yy[p], 2 * xy[p]);
  }
  return { angle, strength };
}

/** Over a region's texels that the expression compresses: the folds' mean orientation difference (degrees, weighted by the true folds' strength) and RMS of both. */
function compareFolds(c: WrinkleCase, region: WrinkleRegion, synthetic: Float32Array): { angle: number; trueRms: number; fittedRms: number; texels: number } {
  const r = WRINKLE_REGIONS.indexOf(region), mask = c.masks[r], compression = c.fit.photos[0].compression.compression;
  const truth = gradientOrientation(c, c.truthA.folds, 4), fitted = gradientOrientation(c, synthetic, 4);
  let angle = 0, weight = 0, t2 = 0, f2 = 0, texels = 0;
  for (let p = 0; p < SIZE * SIZE; p++) {
    if (!(mask[p] > 0.5 && compression[p] > 0.08 && c.grid.mmX[p] > 0)) continue;
    let d = Math.abs(truth.angle[p] - fitted.angle[p]);
    d = Math.min(d, Math.PI - d);
    angle += truth.strength[p] * d; weight += truth.strength[p];
    t2 += c.truthA.folds[p] ** 2; f2 += synthetic[p] ** 2; texels++;
  }
  return { angle: (angle / weight) * 180 / Math.PI, trueRms: Math.sqrt(t2 / texels), fittedRms: Math.sqrt(f2 / texels), texels };
}

test('a response fitted on a synthetic face (truth from a different wrinkle model) reproduces its folds: orientation within 20 degrees, depth within 30%', async () => {
  const { model } = await loadSmallModel();
  const person = randomTrueDetailPerson(model, 11);
  for (const zone of person.zones) { zone.gain = 2; zone.wavelength = 7; }
  for (const [preset, region] of [['frown', 'glabella'], ['frown', 'forehead'], ['surprise', 'forehead']] as const) {
    const c = wrinkleCase(model, person, presetExpression(model.expressionNames, preset)!, SIZE);
    const response = c.fit.regions.find((x) => x.region === region)!;
    // The folds of the fitted response alone (none of the photo's own carried over, no static part), at the photo's expression.
    const zeros = new Float32Array(SIZE * SIZE);
    const folds = resynthesiseWrinkles({ ...c.fit, staticHeight: zeros, photos: [] }, c.grid, c.masks, c.fit.photos[0].compression);
    const score = compareFolds(c, region, folds);
    const message = `${preset} ${region}: ${JSON.stringify({ ...score, response })}`;
    assert.ok(score.texels > 100, message);
    assert.ok(response.photoShare > 0.5, `the photo, not the population default, decides: ${message}`);
    assert.ok(score.angle < 20, message);
    assert.ok(Math.abs(score.fittedRms / score.trueRms - 1) < 0.3, message);
  }
});

test('re-synthesis: the same expression gives the displacement back; a neutral face loses the folds and keeps the static detail', async () => {
  const { model } = await loadSmallModel();
  const person = randomTrueDetailPerson(model, 12);
  const smile = presetExpression(model.expressionNames, 'smile')!;
  const c = wrinkleCase(model, person, smile, SIZE);
  const same = resynthesiseWrinkles(c.fit, c.grid, c.masks, c.fit.photos[0].compression);
  const neutral = resynthesiseWrinkles(c.fit, c.grid, c.masks, compressionField(expressionStrainMap(model, c.rest, new Float32Array(smile.length), SIZE), c.grid));
  const inRegions = inWrinkleRegions(c.masks);
  // Where the smile folds the skin, the split leaves the static truth closer than the smiling displacement is.
  const folded = (p: number) => inRegions(p) && Math.abs(c.truthA.folds[p]) > 0.05;
  const sameAngle = meanNormalAngle(c.grid, same, c.truthA.height, inRegions);
  const neutralAngle = meanNormalAngle(c.grid, neutral, c.truthA.static, folded);
  const carriedAngle = meanNormalAngle(c.grid, c.truthA.height, c.truthA.static, folded);
  assert.ok(sameAngle < 0.3, `same expression: ${sameAngle} deg from the photo's displacement`);
  assert.ok(neutralAngle < 0.6 * carriedAngle, `neutral: ${neutralAngle} deg from the static truth where the smile folds, the smiling detail ${carriedAngle}`);
  // Moles stay: where the smile does not compress the skin, the neutral displacement is the photo's.
  let maxOutside = 0, outside = 0;
  for (let p = 0; p < SIZE * SIZE; p++) {
    if (!(c.grid.mmX[p] > 0) || c.fit.photos[0].compression.compression[p] > 0.02) continue;
    maxOutside = Math.max(maxOutside, Math.abs(neutral[p] - c.truthA.height[p])); outside++;
  }
  assert.ok(outside > 2000 && maxOutside < 1e-6, `where the smile does not compress, ${outside} texels, the detail is unchanged (max ${maxOutside} mm)`);
});

test('detail consistency: two photos of one person (frown, smile) fitted together predict a third expression (both at once) better than either photo alone', async () => {
  const { model } = await loadSmallModel();
  const person = randomTrueDetailPerson(model, 21);
  const masks = wrinkleRegionMasks(model, SIZE);
  const inRegions = inWrinkleRegions(masks);
  const [frown, smile] = (['frown', 'smile'] as const).map((name) => presetExpression(model.expressionNames, name)!);
  const both = frown.map((w, k) => Math.min(1, 0.7 * w + 0.7 * smile[k]));
  const [a, b, c] = [frown, smile, both].map((e) => wrinklePhoto(model, person, e, SIZE));
  const predict = (fit: ReturnType<typeof fitWrinkles>) => meanNormalAngle(c.grid, resynthesiseWrinkles(fit, a.grid, masks, c.compression), c.truth.height, inRegions);
  const alone = [a, b].map((x) => predict(fitWrinkles(x.truth.height, x.grid, masks, x.compression)));
  const together = fitWrinklesTogether([a, b].map((x) => ({ height: x.truth.height, grid: x.grid, compression: x.compression })), masks);
  const shared = predict(together);
  const message = `normal angle to the third expression's truth over the regions: together ${shared.toFixed(3)} deg, frown alone ${alone[0].toFixed(3)}, smile alone ${alone[1].toFixed(3)}`;
  assert.ok(shared < 0.85 * Math.min(...alone), message);
  // One static part: where only one photo folds the skin, the other's displacement shows it.
  assert.equal(together.photos.length, 2);
  const glabella = masks[WRINKLE_REGIONS.indexOf('glabella')];
  let staticErr = 0, frownErr = 0, n = 0;
  for (let p = 0; p < SIZE * SIZE; p++) {
    if (!(glabella[p] > 0.5 && a.compression.compression[p] > 0.08 && b.compression.compression[p] < 0.02)) continue;
    staticErr += (together.staticHeight[p] - a.truth.static[p]) ** 2; frownErr += (a.truth.height[p] - a.truth.static[p]) ** 2; n++;
  }
  assert.ok(n > 100 && staticErr < 0.1 * frownErr, `glabella, ${n} texels: shared static part's squared error ${staticErr.toFixed(3)}, the frowning displacement's ${frownErr.toFixed(3)}`);
});

test('wrinkle maps: per region a normal map that differs from the base only where its mask is, masks four to an image, drivers named as the model\'s expressions', async () => {
  const { model } = await loadSmallModel();
  const size = 128, { wrinkles } = smilingWrinkles(model, size);
  const maps = wrinkleMaps(model, wrinkles, size);
  assert.equal(maps.regions.length, WRINKLE_REGIONS.length);
  assert.equal(maps.masks.length, 2);
  for (const [r, region] of WRINKLE_REGIONS.entries()) {
    const entry = maps.mapping.regions[region];
    assert.equal(entry.normalMap, `wrinkle-${region}.png`);
    for (const name of Object.keys(WRINKLE_DRIVERS[region])) assert.ok(model.expressionNames.includes(name), `${region}: driver ${name}`);
    const mask = maps.masks[Math.floor(r / 4)].data, channel = 'rgba'.indexOf(entry.channel);
    let inside = 0, changedInside = 0, changedFar = 0;
    for (let p = 0; p < size * size; p++) {
      const changed = [0, 1, 2].some((c) => maps.regions[r].data[3 * p + c] !== maps.base.data[3 * p + c]);
      if (mask[4 * p + channel] > 128) { inside++; if (changed) changedInside++; }
      // Two texels from every region, the compressed state is the base.
      let far = true;
      for (let dy = -2; dy <= 2 && far; dy++) for (let dx = -2; dx <= 2 && far; dx++) {
        const q = p + dy * size + dx;
        if (q >= 0 && q < size * size && maps.masks.some((m) => [0, 1, 2, 3].some((c) => m.data[4 * q + c] > 0))) far = false;
      }
      if (far && changed) changedFar++;
    }
    assert.ok(inside > 20, `${region}: ${inside} texels in its mask`);
    assert.equal(changedFar, 0, `${region}: changed away from the regions`);
    assert.ok(changedInside > 0.3 * inside, `${region}: ${changedInside} of ${inside} texels changed by its drivers`);
  }
});
