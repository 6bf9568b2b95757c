/**
 * Skin mask for photometric fitting: which pixels of a face are visible bare skin (no hair,
 * eyebrows, eyes, lips, mouth, nostrils, spectacles, beard, hands, or anything whose colour does
 * not fit the face's skin), as soft weights over a crop around the face, plus the skin's mean
 * colour. Isomorphic: typed arrays in, typed arrays out.
 */
export { skinMask, sampleSkin, type SkinMask, type SkinMaskOptions } from './mask.js';
export { skinMaskImage } from './mask-image.js';
export { textureExclusion } from './texture-exclusion.js';
export { detailSkinMask } from './detail-mask.js';
export type { SpectaclesResult } from './glasses.js';
export {
  LIPS_OUTER, RIGHT_EYE, LEFT_EYE, RIGHT_EYEBROW, LEFT_EYEBROW, RIGHT_NOSTRIL, LEFT_NOSTRIL, SKIN_SEEDS,
} from './landmark-regions.js';
