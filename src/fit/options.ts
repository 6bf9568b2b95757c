import { checkKeys, checkNumber, OptionError, withDefaults } from '../base/options.js';

/**
 * Settings the landmark fit and the photometric refinement share: the landmark term's eyelid
 * weight, robust scale and growth with yaw, and the priors on expression and focal length. In a
 * reconstruction the refinement takes the landmark fit's values unless it is given its own.
 */
export interface SharedFitOptions {
  /** Weight of the eyelid-gap residuals relative to one landmark. */
  eyeWeight?: number;
  /** Weight of the inner-lip-gap residuals relative to one landmark. */
  lipWeight?: number;
  /** Cauchy robust scale as a fraction of face size. */
  robustScale?: number;
  /** Prior weight on expression weights (squared, in units of one standard-normal identity mode). */
  expressionPrior?: number;
  /**
   * Prior weight on the difference of each left/right expression pair of the brows, cheeks, nose and
   * mouth, and on the sideways shapes (jawLeft/Right, mouthLeft/Right): a smirk, sneer or sideways
   * jaw only where the landmarks insist. Eye shapes are left to the eyelid gaps (winks are real).
   */
  asymmetryPrior?: number;
  /** Focal-length prior centre, pixels. Default: the longer side of the image. */
  focal?: number;
  /** Standard deviation of log(focal) about that centre. */
  focalSigmaLog?: number;
  /**
   * Growth of the expected landmark error with head yaw: sigma is multiplied by
   * 1 + yawSigmaGrowth * sin^2(yaw), with yaw from the rigid stage. The landmark network guesses
   * the far half of a turned face, so its points are less reliable there.
   */
  yawSigmaGrowth?: number;
  /**
   * Confidence in this face's landmarks, in (0, 1]: a reconstruction passes perception's per-face
   * value (DetectedFace.confidence, from sharpness, size and crop agreement). Default 1.
   */
  confidence?: number;
  /**
   * The identity, expression and asymmetry priors weigh confidence^-priorConfidenceExponent times their usual
   * weight, so weak evidence (a blurred, tiny or unstable face) gives a plainer head, never a
   * caricature. 2: the confidence read as the ratio of the landmarks' nominal to expected error,
   * as if sigma grew to sigma / confidence. 0 turns the scaling off.
   */
  priorConfidenceExponent?: number;
  /**
   * Further growth of the expected error of the far half's landmarks alone: their sigma is also
   * multiplied by 1 + farSideSigmaGrowth * sin^2(yaw) * f, f rising from 0 at the midline to 1 at
   * FAR_SIDE_FULL_X from it. On renders of a symmetric face turned 20-30 degrees the network puts the
   * far nose wing, cheek and brow 1.5-3 mm outward (toward the nose's side of the picture), which the
   * fit read as a one-sided sneer and brow raise.
   */
  farSideSigmaGrowth?: number;
}

export interface FitOptions extends SharedFitOptions {
  /** Expected landmark error as a fraction of face size; sets how strongly the priors pull. */
  sigma?: number;
  /** Levenberg-Marquardt iterations on pose and focal length alone, before the full fit. */
  rigidIterations?: number;
  /** Levenberg-Marquardt iterations of the full fit. */
  iterations?: number;
  /** Stop a stage when an accepted step lowers the cost by less than this fraction. */
  tolerance?: number;
  /** Iterations between recomputations of J^T W J (see LmOptions.hessianRefresh). */
  hessianRefresh?: number;
  /** Optional starting rotation (row-major 3x3, model -> camera). Default: from an affine fit. */
  initialRotation?: ArrayLike<number>;
}

/** Options whose default depends on the image (focal) or is "none" (initialRotation): undefined when expanded. */
export type ExpandedSharedFitOptions = Required<Omit<SharedFitOptions, 'focal' | 'confidence'>> & Pick<SharedFitOptions, 'focal' | 'confidence'>;
export type ExpandedFitOptions = Required<Omit<FitOptions, 'focal' | 'confidence' | 'initialRotation'>> & Pick<FitOptions, 'focal' | 'confidence' | 'initialRotation'>;

export const SHARED_FIT_DEFAULTS: ExpandedSharedFitOptions = {
  eyeWeight: 4, lipWeight: 4, robustScale: 0.03, expressionPrior: 3, asymmetryPrior: 10, focal: undefined, focalSigmaLog: 0.25, yawSigmaGrowth: 3,
  farSideSigmaGrowth: 6, confidence: undefined, priorConfidenceExponent: 2,
};

export const FIT_DEFAULTS: ExpandedFitOptions = {
  ...SHARED_FIT_DEFAULTS, sigma: 0.025, rigidIterations: 3, iterations: 20, tolerance: 1e-5, hessianRefresh: 3, initialRotation: undefined,
};

/** The shared options of an expanded landmark-fit or refinement tree. */
export function sharedFitOptions(o: ExpandedSharedFitOptions): ExpandedSharedFitOptions {
  return {
    eyeWeight: o.eyeWeight, lipWeight: o.lipWeight, robustScale: o.robustScale, expressionPrior: o.expressionPrior,
    asymmetryPrior: o.asymmetryPrior, focal: o.focal, focalSigmaLog: o.focalSigmaLog, yawSigmaGrowth: o.yawSigmaGrowth,
    farSideSigmaGrowth: o.farSideSigmaGrowth, confidence: o.confidence, priorConfidenceExponent: o.priorConfidenceExponent,
  };
}

/** Checks the shared options of an expanded tree (at `path`, e.g. "fit"). */
export function checkSharedFitOptions(o: ExpandedSharedFitOptions, path: string): void {
  checkNumber(`${path}.eyeWeight`, o.eyeWeight, { min: 0 });
  checkNumber(`${path}.lipWeight`, o.lipWeight, { min: 0 });
  checkNumber(`${path}.robustScale`, o.robustScale, { min: 0, exclusive: true });
  checkNumber(`${path}.expressionPrior`, o.expressionPrior, { min: 0 });
  checkNumber(`${path}.asymmetryPrior`, o.asymmetryPrior, { min: 0 });
  if (o.focal !== undefined) checkNumber(`${path}.focal`, o.focal, { min: 0, exclusive: true });
  checkNumber(`${path}.focalSigmaLog`, o.focalSigmaLog, { min: 0, exclusive: true });
  checkNumber(`${path}.yawSigmaGrowth`, o.yawSigmaGrowth, { min: 0 });
  checkNumber(`${path}.farSideSigmaGrowth`, o.farSideSigmaGrowth, { min: 0 });
  if (o.confidence !== undefined) checkNumber(`${path}.confidence`, o.confidence, { min: 0, max: 1, exclusive: true });
  checkNumber(`${path}.priorConfidenceExponent`, o.priorConfidenceExponent, { min: 0 });
}

/**
 * Weights of the identity prior (per mode, in units of one standard-normal mode), of the
 * expression prior and of the asymmetry prior, scaled by the face's confidence (see
 * SharedFitOptions.priorConfidenceExponent).
 */
export function priorWeights(o: ExpandedSharedFitOptions): { identity: number; expression: number; asymmetry: number } {
  const scale = (o.confidence ?? 1) ** -o.priorConfidenceExponent;
  return { identity: scale, expression: o.expressionPrior * scale, asymmetry: o.asymmetryPrior * scale };
}

/** FIT_DEFAULTS overlaid with `options`, every value checked; errors name the option under `path`. */
export function expandFitOptions(options: FitOptions = {}, path = 'fit'): ExpandedFitOptions {
  checkKeys(path, options, Object.keys(FIT_DEFAULTS));
  const o = withDefaults(FIT_DEFAULTS, options);
  checkSharedFitOptions(o, path);
  checkNumber(`${path}.sigma`, o.sigma, { min: 0, exclusive: true });
  checkNumber(`${path}.rigidIterations`, o.rigidIterations, { min: 0, integer: true });
  checkNumber(`${path}.iterations`, o.iterations, { min: 0, integer: true });
  checkNumber(`${path}.tolerance`, o.tolerance, { min: 0 });
  checkNumber(`${path}.hessianRefresh`, o.hessianRefresh, { min: 1, integer: true });
  const r = o.initialRotation;
  if (r !== undefined && (typeof r !== 'object' || r === null || r.length !== 9 || !Array.from(r).every(Number.isFinite))) {
    throw new OptionError(`${path}.initialRotation`, `${path}.initialRotation must be 9 finite numbers (a row-major 3x3 rotation)`);
  }
  return o;
}
