import { expressionDetail, type ExpressionDetail } from '../../src/detail/index.js';
import { texelFrames } from '../../src/detail/surface-frame.js';
import { texturedMesh } from '../../src/base/mesh.js';
import { presetExpression } from '../../src/export/expressions.js';
import { instantiate } from '../../src/model/instance.js';
import type { MorphableModel } from '../../src/model/types.js';
import { rasteriseUv } from '../../src/texture/uv-raster.js';
import { randomTrueDetailPerson, trueDetail } from '../../bench/synthetic/wrinkles.js';

/** A synthetic person (bench/synthetic/wrinkles.ts, seed 13) photographed smiling: their head without expression and the wrinkles fitted from the true smiling detail on a size-texel grid. */
export function smilingWrinkles(model: MorphableModel, size: number): { rest: Float32Array; wrinkles: ExpressionDetail } {
  const person = randomTrueDetailPerson(model, 13);
  const smile = presetExpression(model.expressionNames, 'smile')!;
  const rest = instantiate(model, { identity: person.identity });
  const frames = texelFrames(texturedMesh(model, rest), rasteriseUv(model.uvs, model.triangleUvs, size, size, { select: [model.triangleRegions.face] }), model.unitsToMillimetres);
  return { rest, wrinkles: expressionDetail(model, { size, height: trueDetail(model, person, smile, size).height, frames }, person.identity, smile) };
}
