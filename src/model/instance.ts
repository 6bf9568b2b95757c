import type { ModelCoefficients, MorphableModel } from './types.js';

/** Vertex positions of a model instance: neutral + identity modes + expression deltas (model units, model frame). */
export function instantiate(model: MorphableModel, coeffs: Partial<ModelCoefficients>, out?: Float32Array): Float32Array {
  const n = model.vertexCount * 3;
  const result = out ?? new Float32Array(n);
  result.set(model.neutral);
  addModes(result, model.identityBasis, coeffs.identity, n);
  addModes(result, model.expressionBasis, coeffs.expression, n);
  return result;
}

function addModes(target: Float32Array, basis: Float32Array, weights: ArrayLike<number> | undefined, n: number): void {
  if (!weights) return;
  for (let k = 0; k < weights.length; k++) {
    const w = weights[k];
    if (w === 0) continue;
    const off = k * n;
    for (let i = 0; i < n; i++) target[i] += w * basis[off + i];
  }
}
