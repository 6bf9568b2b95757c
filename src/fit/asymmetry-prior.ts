import type { NormalEquations } from '../base/linalg.js';
import type { ParameterLayout } from './parameter-layout.js';
import type { FitState } from './projection-jacobian.js';

/**
 * Expression indices the asymmetry prior acts on: left/right pairs (name_L, name_R, ...) of the
 * brows, cheeks, nose and mouth, and the sideways shapes. Eye shapes are left out: the eyelid gaps
 * observe each eye's closure directly (winks are real), and gaze shapes pair across the eyes
 * (eyeLookIn_L with eyeLookOut_R).
 */
export interface ExpressionAsymmetry {
  pairs: Uint32Array;
  sideways: Uint32Array;
}

const SIDEWAYS = ['jawLeft', 'jawRight', 'mouthLeft', 'mouthRight'];

/**
 * Index of each expression's mirror image: name_L <-> name_R, jawLeft <-> jawRight, mouthLeft <->
 * mouthRight; the others are their own.
 */
export function expressionMirror(names: readonly string[]): Int32Array {
  const swap: Record<string, string> = { jawLeft: 'jawRight', jawRight: 'jawLeft', mouthLeft: 'mouthRight', mouthRight: 'mouthLeft' };
  return Int32Array.from(names, (n, k) => {
    const m = swap[n] ?? (n.endsWith('_L') ? `${n.slice(0, -2)}_R` : n.endsWith('_R') ? `${n.slice(0, -2)}_L` : n);
    const j = names.indexOf(m);
    return j < 0 ? k : j;
  });
}

/** The pairs and sideways shapes among ARKit-style expression names. */
export function expressionAsymmetry(names: readonly string[]): ExpressionAsymmetry {
  const pairs: number[] = [];
  names.forEach((name, k) => {
    if (!name.endsWith('_L') || name.startsWith('eye')) return;
    const r = names.indexOf(`${name.slice(0, -2)}_R`);
    if (r >= 0) pairs.push(k, r);
  });
  const sideways = SIDEWAYS.map((n) => names.indexOf(n)).filter((k) => k >= 0);
  return { pairs: Uint32Array.from(pairs), sideways: Uint32Array.from(sideways) };
}

/**
 * Adds w (x_L - x_R)^2 for every pair and w x^2 for every sideways shape: a smirk, sneer or
 * sideways jaw appears only where the evidence insists on it.
 */
export function addAsymmetryPrior(
  ne: NormalEquations, state: FitState, active: Uint8Array, layout: ParameterLayout, asymmetry: ExpressionAsymmetry, w: number,
): void {
  if (w === 0) return;
  const K = layout.identityCount, c = state.coeffs;
  const { pairs, sideways } = asymmetry;
  for (let k = 0; k < pairs.length; k += 2) {
    const a = layout.coefficient(K + pairs[k]), b = layout.coefficient(K + pairs[k + 1]);
    if (active[a] && active[b]) ne.addDifferencePrior(a, b, c[K + pairs[k]] - c[K + pairs[k + 1]], w);
  }
  for (const e of sideways) {
    const p = layout.coefficient(K + e);
    if (active[p]) ne.addPrior(p, c[K + e], w);
  }
}
