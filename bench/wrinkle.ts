/**
 * Expression-dependent wrinkles against a synthetic truth (issue 13): pairs of one identity in two
 * expressions (A, B), each with true detail from bench/synthetic/wrinkles.ts (a wrinkle model not the
 * fitter's). What is fed in: A's TRUE displacement on the solve grid (static + A's folds), with the
 * texel frames of A's posed head and A's true expression weights; no photo is rendered and neither the
 * shading nor the height solve runs. The fitter (src/detail/wrinkle-response.ts) splits it and
 * re-synthesises B's displacement from B's weights. Scored: the mean per-texel angle between the
 * displacement's normals and B's true ones, over the wrinkle regions' texels (mask > 0.5) and over
 * the whole face, against A's displacement carried over unchanged (the detail frozen in A's expression).
 */
import { texturedMesh } from '../src/base/mesh.js';
import { heightSlopes } from '../src/detail/maps.js';
import { expressionStrainMap } from '../src/detail/strain.js';
import { texelFrames } from '../src/detail/surface-frame.js';
import { compressionField, fitWrinkles, resynthesiseWrinkles, type WrinkleFit } from '../src/detail/wrinkle-response.js';
import { WRINKLE_REGIONS, wrinkleRegionMasks, type RegionMasks } from '../src/detail/wrinkle-regions.js';
import { expressionFromNames, EXPRESSION_PRESETS } from '../src/export/expressions.js';
import { instantiate } from '../src/model/instance.js';
import type { MorphableModel } from '../src/model/types.js';
import { rasteriseUv } from '../src/texture/uv-raster.js';
import { seededRandom } from './synthetic/landmark-scene.js';
import { randomTrueDetailPerson, trueDetail, type TrueDetailPerson } from './synthetic/wrinkles.js';

/** The expression presets the pairs draw from (each scaled by 0.6-1). */
const PAIR_EXPRESSIONS = ['neutral', 'smile', 'frown', 'surprise', 'sad', 'pucker', 'open'];

export interface WrinklePairScore {
  expressionA: string;
  expressionB: string;
  /** Mean normal angle (degrees) to B's truth over the wrinkle regions: re-synthesised, A's carried over, B's static truth alone. */
  regions: { resynthesised: number; carried: number };
  face: { resynthesised: number; carried: number };
}

/** One person in expression A: the grid, its true displacement and the fit from it. */
export interface WrinkleCase {
  grid: { size: number; mmX: Float32Array; mmY: Float32Array };
  masks: RegionMasks;
  rest: Float32Array;
  truthA: { static: Float32Array; folds: Float32Array; height: Float32Array };
  fit: WrinkleFit;
}

/** One photo of the person: the grid with the frames of the posed head, its true displacement and its compression. */
export function wrinklePhoto(model: MorphableModel, person: TrueDetailPerson, expression: Float32Array, size: number, imprint?: number) {
  const rest = instantiate(model, { identity: person.identity });
  const posed = instantiate(model, { identity: person.identity, expression });
  const uvFrame = rasteriseUv(model.uvs, model.triangleUvs, size, size, { select: [model.triangleRegions.face] });
  const frames = texelFrames(texturedMesh(model, posed), uvFrame, model.unitsToMillimetres);
  const grid = { size, mmX: frames.mmX, mmY: frames.mmY };
  const truth = trueDetail(model, person, expression, size, imprint);
  return { rest, grid, truth, compression: compressionField(expressionStrainMap(model, rest, expression, size), grid) };
}

/** A's true displacement on a size-texel grid with the frames of A's posed head, and the response fitted from it. */
export function wrinkleCase(
  model: MorphableModel, person: TrueDetailPerson, expressionA: Float32Array, size: number, masks = wrinkleRegionMasks(model, size), imprint?: number,
): WrinkleCase {
  const { rest, grid, truth: truthA, compression } = wrinklePhoto(model, person, expressionA, size, imprint);
  return { grid, masks, rest, truthA, fit: fitWrinkles(truthA.height, grid, masks, compression) };
}

/** The texels the named wrinkle regions hold (their masks summing above 0.5; the rest of the face not counted). */
export function inWrinkleRegions(masks: RegionMasks): (p: number) => boolean {
  const named = masks.slice(0, WRINKLE_REGIONS.length);
  return (p) => named.reduce((s, m) => s + m[p], 0) > 0.5;
}

/**
 * Mean angle (degrees) between the normals of two height fields on one grid, over texels where `select`
 * is above 0.5 (or every texel in the chart). With `match`, texel p of `a` is compared with texel
 * match[p] of `b` (-1: not scored), e.g. the true texel a picture shows where a fitted texel projects.
 */
export function meanNormalAngle(grid: WrinkleCase['grid'], a: Float32Array, b: Float32Array, select?: (p: number) => boolean, match?: Int32Array): number {
  const frames = { width: grid.size, height: grid.size, mmX: grid.mmX, mmY: grid.mmY } as Parameters<typeof heightSlopes>[0]['frames'];
  const sa = heightSlopes({ size: grid.size, height: a, frames }), sb = heightSlopes({ size: grid.size, height: b, frames });
  let sum = 0, n = 0;
  for (let p = 0; p < a.length; p++) {
    const q = match ? match[p] : p;
    if (q < 0 || !(grid.mmX[p] > 0) || !(grid.mmX[q] > 0) || (select && !select(p))) continue;
    const dot = sa.x[p] * sb.x[q] + sa.y[p] * sb.y[q] + 1;
    const cos = dot / (Math.hypot(sa.x[p], sa.y[p], 1) * Math.hypot(sb.x[q], sb.y[q], 1));
    sum += (Math.acos(Math.min(1, cos)) * 180) / Math.PI; n++;
  }
  return n ? sum / n : 0;
}

/** The pairs' expressions: two different presets, each scaled by 0.6-1 (weights per model expression), drawn in turn from `seed`. */
export function pairDraws(model: MorphableModel, seed: number): () => { nameA: string; nameB: string; wA: Float32Array; wB: Float32Array } {
  const rng = seededRandom(seed * 7919 + 3);
  const scaled = (name: string) => {
    const k = 0.6 + 0.4 * rng.uniform();
    return expressionFromNames(model.expressionNames, Object.fromEntries(Object.entries(EXPRESSION_PRESETS[name]).map(([n, w]) => [n, Math.min(1, w * k)])));
  };
  const pick = () => PAIR_EXPRESSIONS[Math.floor(rng.uniform() * PAIR_EXPRESSIONS.length)];
  return () => {
    const nameA = pick();
    let nameB = pick();
    while (nameB === nameA) nameB = pick();
    return { nameA, nameB, wA: scaled(nameA), wB: scaled(nameB) };
  };
}

/** `pairs` pairs (`perPerson` per identity) scored as the header says; `imprint` as trueDetail's (0: no permanent lines). */
export function wrinklePairs(model: MorphableModel, pairs: number, size: number, seed = 1, perPerson = 4, imprint?: number): WrinklePairScore[] {
  const masks = wrinkleRegionMasks(model, size);
  const inRegion = inWrinkleRegions(masks);
  const draw = pairDraws(model, seed);
  const scores: WrinklePairScore[] = [];
  for (let person = 0; scores.length < pairs; person++) {
    const truthPerson = randomTrueDetailPerson(model, seed * 1000 + person);
    for (let j = 0; j < perPerson && scores.length < pairs; j++) {
      const { nameA, nameB, wA, wB } = draw();
      const c = wrinkleCase(model, truthPerson, wA, size, masks, imprint);
      const truthB = trueDetail(model, truthPerson, wB, size, imprint);
      const compressionB = compressionField(expressionStrainMap(model, c.rest, wB, size), c.grid);
      const resynthesised = resynthesiseWrinkles(c.fit, c.grid, masks, compressionB, 1);
      scores.push({
        expressionA: nameA, expressionB: nameB,
        regions: { resynthesised: meanNormalAngle(c.grid, resynthesised, truthB.height, inRegion), carried: meanNormalAngle(c.grid, c.truthA.height, truthB.height, inRegion) },
        face: { resynthesised: meanNormalAngle(c.grid, resynthesised, truthB.height), carried: meanNormalAngle(c.grid, c.truthA.height, truthB.height) },
      });
    }
  }
  return scores;
}

/** The pairs' table: mean angles per pair kind (which of A and B fold the skin) and over all, and the improvement over carrying A's detail. */
export function wrinkleTable(scores: WrinklePairScore[]): { text: string; summary: Record<string, number> } {
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
  const rows: [string, WrinklePairScore[]][] = [['all pairs', scores]];
  for (const name of PAIR_EXPRESSIONS) {
    rows.push([`A ${name}`, scores.filter((s) => s.expressionA === name)], [`B ${name}`, scores.filter((s) => s.expressionB === name)]);
  }
  const lines = ['pairs                n   regions: resynth  carried  lower   face: resynth  carried  lower'];
  for (const [label, group] of rows) {
    if (group.length === 0) continue;
    const r = mean(group.map((s) => s.regions.resynthesised)), rc = mean(group.map((s) => s.regions.carried));
    const f = mean(group.map((s) => s.face.resynthesised)), fc = mean(group.map((s) => s.face.carried));
    lines.push(`${label.padEnd(18)} ${String(group.length).padStart(3)}   ${r.toFixed(2).padStart(15)}° ${rc.toFixed(2).padStart(7)}° ${(100 * (1 - r / rc)).toFixed(0).padStart(5)}%   ${f.toFixed(2).padStart(12)}° ${fc.toFixed(2).padStart(7)}° ${(100 * (1 - f / fc)).toFixed(0).padStart(5)}%`);
  }
  const r = mean(scores.map((s) => s.regions.resynthesised)), rc = mean(scores.map((s) => s.regions.carried));
  const f = mean(scores.map((s) => s.face.resynthesised)), fc = mean(scores.map((s) => s.face.carried));
  return { text: lines.join('\n'), summary: { pairs: scores.length, regionsResynthesisedDeg: r, regionsCarriedDeg: rc, regionsLower: 1 - r / rc, faceResynthesisedDeg: f, faceCarriedDeg: fc, faceLower: 1 - f / fc } };
}
