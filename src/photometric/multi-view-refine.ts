import type { RgbImage } from '../base/image.js';
import type { MorphableModel } from '../model/types.js';
import type { FitResult, LandmarkModel } from '../fit/landmark-fit.js';
import { meanIdentityState, sharedDataWeights, solveSharedIdentity } from '../fit/multi-view-fit.js';
import { PhotometricFit, ranAway, type PhotometricOptions, type PhotometricResult, type RoundCheckpoint } from './refine.js';

/** One photo of the person for the photometric refinement: the photo, its landmarks, its multi-view landmark fit and its own options (skin, confidence). */
export interface PhotometricView {
  photo: RgbImage;
  targets: Float32Array;
  fit: FitResult;
  options?: PhotometricOptions;
}

export interface MultiViewPhotometricOptions extends PhotometricOptions {
  /**
   * One per-sample albedo for every photo (PhotometricFit.shareAlbedo), each photo its own light,
   * instead of one albedo per photo. Off by default: on the multi-view bench (the first 6 persons,
   * 3 photos) it lowered the identity's error for 3 persons (1.051 -> 0.943, 0.673 -> 0.630, 1.052 ->
   * 0.999 mm) and raised it for 3 (0.709 -> 0.972, 0.889 -> 0.902, 0.694 -> 0.701): median 0.799 ->
   * 0.923, mean 0.845 -> 0.858.
   */
  shareAlbedo?: boolean;
}

/**
 * The photometric refinement of several photos of one person: per view its own SH lighting, albedo,
 * pose, focal length and expression, one identity for all. Each round solves every view's appearance,
 * then the identity from every view's photometric and landmark rows at once (one prior), then each
 * view's pose, focal length and expression around it. Multi-view bench (8 persons, clean, seed 1):
 * NoW median of the identity 0.888 mm from 1 photo, 0.803 from 3, against 1.059 / 1.072 for the
 * landmark fit of the same photos; holding the landmark fit's shared identity would keep 1.072.
 */
export function refinePhotometricMultiView(
  model: MorphableModel, lm: LandmarkModel, views: readonly PhotometricView[], options: MultiViewPhotometricOptions = {},
): { identity: Float32Array; views: PhotometricResult[] } {
  if (views.length === 0) throw new Error('multi-view photometric refinement: no views');
  const { shareAlbedo = false, ...photometricOptions } = options;
  const fits = views.map((v) => new PhotometricFit(model, lm, v.photo, v.targets, v.fit, { ...photometricOptions, ...v.options }));
  const K = lm.identityCount;
  const layout = fits[0].layout;
  const dataWeight = sharedDataWeights(fits);
  const identity = meanIdentityState(fits, dataWeight, K);
  const poseAndExpression = layout.mask('rotation', 'translation', 'logFocal', 'expression');
  const rounds = fits[0].o.rounds;
  let starts: RoundCheckpoint[] = [];
  let startIdentity = new Float32Array(0);
  for (let round = 0; round <= rounds; round++) {
    const shared = shareAlbedo && fits.length > 1;
    for (const f of fits) f.solveAppearance(shared);
    if (shared) PhotometricFit.shareAlbedo(fits);
    if (round === 0) {
      starts = fits.map((f) => f.checkpoint());
      startIdentity = Float32Array.from(identity.coeffs.subarray(0, K));
    }
    if (round === rounds) break;
    solveSharedIdentity(fits, dataWeight, identity, layout, fits[0].o);
    for (const f of fits) f.state.coeffs.set(identity.coeffs.subarray(0, K));
    for (const f of fits) f.refine(poseAndExpression);
  }
  const ends = fits.map((f) => ({ result: f.result(), fit: f.sampleFit() }));
  // As for one photo: rounds that ran away from the photos leave the landmark fit's identity and views.
  if (ranAway(starts, ends)) return { identity: startIdentity, views: starts.map((s) => ({ ...s.result, diverged: true })) };
  return { identity: Float32Array.from(identity.coeffs.subarray(0, K)), views: ends.map((e) => e.result) };
}
