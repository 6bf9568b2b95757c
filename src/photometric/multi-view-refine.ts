import type { RgbImage } from '../base/image.js';
import type { MorphableModel } from '../model/types.js';
import type { FitResult, LandmarkModel } from '../fit/landmark-fit.js';
import { meanIdentityState, sharedDataWeights, solveSharedIdentity } from '../fit/multi-view-fit.js';
import { PhotometricFit, type PhotometricOptions, type PhotometricResult } from './refine.js';

/** One photo of the person for the photometric refinement: the photo, its landmarks, its multi-view landmark fit and its own options (skin, confidence). */
export interface PhotometricView {
  photo: RgbImage;
  targets: Float32Array;
  fit: FitResult;
  options?: PhotometricOptions;
}

export interface MultiViewPhotometricOptions extends PhotometricOptions {
  /**
   * true: the identity is solved again from every view's photometric and landmark rows at once in each
   * round (one prior); false: it stays the landmark fit's shared identity and only each view's pose,
   * focal length and expression follow the photo (each view has its own lighting and albedo either way).
   */
  shareIdentity?: boolean;
}

/**
 * The photometric refinement of several photos of one person: per view its own SH lighting, albedo,
 * pose, focal length and expression, one identity for all (see MultiViewPhotometricOptions.shareIdentity).
 */
export function refinePhotometricMultiView(
  model: MorphableModel, lm: LandmarkModel, views: readonly PhotometricView[], options: MultiViewPhotometricOptions = {},
): { identity: Float32Array; views: PhotometricResult[] } {
  if (views.length === 0) throw new Error('multi-view photometric refinement: no views');
  const { shareIdentity = false, ...shared } = options;
  const fits = views.map((v) => new PhotometricFit(model, lm, v.photo, v.targets, v.fit, { ...shared, ...v.options }));
  const K = lm.identityCount;
  const layout = fits[0].layout;
  const dataWeight = sharedDataWeights(fits);
  const identity = meanIdentityState(fits, dataWeight, K);
  const poseAndExpression = layout.mask('rotation', 'translation', 'logFocal', 'expression');
  const rounds = fits[0].o.rounds;
  for (let round = 0; round <= rounds; round++) {
    for (const f of fits) f.solveAppearance();
    if (round === rounds) break;
    if (shareIdentity) {
      solveSharedIdentity(fits, dataWeight, identity, layout, fits[0].o);
      for (const f of fits) f.state.coeffs.set(identity.coeffs.subarray(0, K));
    }
    for (const f of fits) f.refine(poseAndExpression);
  }
  return { identity: Float32Array.from(identity.coeffs.subarray(0, K)), views: fits.map((f) => f.result()) };
}
