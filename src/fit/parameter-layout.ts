/** A named run of the fit's parameter vector: indices start .. end - 1. */
export interface ParameterBlock {
  readonly start: number;
  readonly count: number;
  readonly end: number;
}

export type ParameterBlockName = 'rotation' | 'translation' | 'logFocal' | 'identity' | 'expression';

const block = (start: number, count: number): ParameterBlock => ({ start, count, end: start + count });

/**
 * Layout of the fit's parameter vector, in this order: rotation (an axis-angle increment applied on
 * the right of the current rotation, 3), translation (3), log focal length (1), identity weights,
 * expression weights. The fit state keeps identity then expression in `FitState.coeffs`, so
 * coefficient m is parameter `coefficients.start + m`. Code slices the vector by these names only.
 */
export class ParameterLayout {
  readonly rotation = block(0, 3);
  readonly translation = block(3, 3);
  readonly logFocal = block(6, 1);
  /** Rotation, translation and focal length: what the rigid stage fits. */
  readonly pose = block(0, 7);
  readonly identity: ParameterBlock;
  /** Expression weights, kept in [0, 1]. */
  readonly expression: ParameterBlock;
  /** Identity then expression, in `FitState.coeffs` order. */
  readonly coefficients: ParameterBlock;
  /** Length of the parameter vector. */
  readonly size: number;

  constructor(readonly identityCount: number, readonly expressionCount: number) {
    this.identity = block(this.pose.end, identityCount);
    this.expression = block(this.identity.end, expressionCount);
    this.coefficients = block(this.pose.end, identityCount + expressionCount);
    this.size = this.expression.end;
  }

  /** Parameter index of `FitState.coeffs[m]`. */
  coefficient(m: number): number {
    return this.coefficients.start + m;
  }

  /** A mask with every parameter set. */
  all(): Uint8Array {
    return new Uint8Array(this.size).fill(1);
  }

  /** A mask over the parameter vector with the named blocks set: the active parameters of a stage. */
  mask(...names: readonly ParameterBlockName[]): Uint8Array {
    const m = new Uint8Array(this.size);
    for (const name of names) m.fill(1, this[name].start, this[name].end);
    return m;
  }
}
