/**
 * A face's detail band made to follow its expression (issue 13): the photo's displacement split into
 * a static part and the photo expression's folds (wrinkle-response.ts), re-synthesised for any other
 * expression of the same head. With several photos of one person, one static part and one response
 * for all of them (DECA's detail consistency).
 */
import { instantiate } from '../model/instance.js';
import type { MorphableModel } from '../model/types.js';
import type { HeightField } from './maps.js';
import { expressionStrainMap } from './strain.js';
import { compressionField, fitWrinklesTogether, resynthesiseWrinkles, type WrinkleFit } from './wrinkle-response.js';
import { wrinkleRegionMasks } from './wrinkle-regions.js';

export interface ExpressionDetail<D extends HeightField = HeightField> {
  fit: WrinkleFit;
  /** The detail band with the displacement of the head at `expression` (weights per model expression). */
  at(expression: Float32Array): D;
}

/** One photo's detail band, the expression its photo showed, and optionally how far each texel of it is trusted (0-1). */
export interface DetailView<D extends HeightField = HeightField> {
  detail: D;
  expression: Float32Array;
  weight?: Float32Array;
}

/** The wrinkle response of a face from its detail band and the expression its photo showed; `identity` is the face's full identity vector. */
export function expressionDetail<D extends HeightField>(model: MorphableModel, detail: D, identity: Float32Array, photoExpression: Float32Array): ExpressionDetail<D> {
  return sharedExpressionDetail(model, [{ detail, expression: photoExpression }], identity);
}

/**
 * The wrinkle response of a person from the detail bands of several photos (one UV grid size), each
 * with its expression: one static part and one response fitted from all of them (fitWrinklesTogether).
 * `at` gives the first photo's band (its texel frames) with the displacement of any expression.
 */
export function sharedExpressionDetail<D extends HeightField>(model: MorphableModel, views: readonly DetailView<D>[], identity: Float32Array): ExpressionDetail<D> {
  const first = views[0].detail, S = first.size;
  const gridOf = (d: HeightField) => ({ size: d.size, mmX: d.frames.mmX, mmY: d.frames.mmY });
  const rest = instantiate(model, { identity });
  const masks = wrinkleRegionMasks(model, S);
  const compression = (expression: Float32Array) => compressionField(expressionStrainMap(model, rest, expression, S), gridOf(first));
  const fit = fitWrinklesTogether(views.map((v) => ({ height: v.detail.height, grid: gridOf(v.detail), compression: compression(v.expression), weight: v.weight })), masks);
  return { fit, at: (expression) => ({ ...first, height: resynthesiseWrinkles(fit, gridOf(first), masks, compression(expression)) }) };
}

/** params.json's account of the wrinkle response: per region the fold depth per unit compression (mm), spacing (mm) and the photos' share in it. */
export function wrinkleSummary(wrinkles: ExpressionDetail): Record<string, unknown> {
  const round = (x: number, k = 1000) => Math.round(x * k) / k;
  return {
    strength: round(wrinkles.fit.strength, 100),
    regions: Object.fromEntries(wrinkles.fit.regions.map((r) => [r.region, { depthPerCompressionMm: round(r.depthPerCompression), wavelengthMm: r.wavelengthMm, photoShare: round(r.photoShare, 100) }])),
  };
}
