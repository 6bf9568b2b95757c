/**
 * A face's detail band made to follow its expression (issue 13): the photo's displacement split into
 * a static part and the photo expression's folds (wrinkle-response.ts), re-synthesised for any other
 * expression of the same head.
 */
import { instantiate } from '../model/instance.js';
import type { MorphableModel } from '../model/types.js';
import type { HeightField } from './maps.js';
import { expressionStrainMap } from './strain.js';
import { compressionField, fitWrinkles, resynthesiseWrinkles, type WrinkleFit } from './wrinkle-response.js';
import { wrinkleRegionMasks } from './wrinkle-regions.js';

export interface ExpressionDetail<D extends HeightField = HeightField> {
  fit: WrinkleFit;
  /** The detail band with the displacement of the head at `expression` (weights per model expression). */
  at(expression: Float32Array): D;
}

/** The wrinkle response of a face from its detail band and the expression its photo showed; `identity` is the face's full identity vector. */
export function expressionDetail<D extends HeightField>(model: MorphableModel, detail: D, identity: Float32Array, photoExpression: Float32Array): ExpressionDetail<D> {
  const S = detail.size, grid = { size: S, mmX: detail.frames.mmX, mmY: detail.frames.mmY };
  const rest = instantiate(model, { identity });
  const masks = wrinkleRegionMasks(model, S);
  const compression = (expression: Float32Array) => compressionField(expressionStrainMap(model, rest, expression, S), grid);
  const fit = fitWrinkles(detail.height, grid, masks, compression(photoExpression));
  return { fit, at: (expression) => ({ ...detail, height: resynthesiseWrinkles(fit, grid, masks, compression(expression)) }) };
}
