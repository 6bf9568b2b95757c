import type { RgbImage } from '../base/image.js';
import { LUMA, SRGB8_TO_LINEAR, luminance } from '../base/colour.js';
import { fillPolygon, sampleCrop } from './crop-raster.js';
import { foreignToBrows } from './brow-colour.js';
import { logLuma } from './colour-model.js';
import { nonSkinModel } from './hair-model.js';
import {
  faceHeight, growPolygon, landmarkPolygon, LEFT_EYE, LEFT_EYEBROW, LEFT_NOSTRIL, LIPS_OUTER, RIGHT_EYE, RIGHT_EYEBROW, RIGHT_NOSTRIL,
} from './landmark-regions.js';
import { BROW_MARGIN, EYE_MARGIN, LIPS_MARGIN, NOSTRIL_MARGIN, smoothstep, type SkinMask } from './mask.js';
import { boxBlur, dilate } from './morphology.js';
import { mouthExclusion } from './mouth-exclusion.js';

/** Width over which a facial feature's keep zone fades into the surrounding skin test, in face heights. */
const FEATURE_FEATHER = 0.015;
/** Non-skin probability (see nonSkinModel) where exclusion starts, and where it is complete. */
const NON_SKIN_ACCEPT = 0.35;
const NON_SKIN_REJECT = 0.65;
/** How far the hair exclusion is widened, in face heights. */
const HAIR_REACH = 0.03;
/**
 * Luminance, as a share of the skin tone's, below which a pixel outside the features is no longer
 * taken as skin, and where it is fully left out: dark hair can pass the skin mask's chroma test
 * (which lets deep shadow through), and skin that dark says little about its albedo anyway.
 */
const DARK_ACCEPT = 0.25;
const DARK_REJECT = 0.12;

/**
 * What a face texture must not take from the photo, as a weight in [0, 1] per photo position:
 * everything the skin mask rejects (hair, spectacles, hands, background), whatever is far darker
 * than the skin, and whatever the image's own non-skin colour model calls hair or headwear, except the facial features, which belong in
 * the texture although they are not skin: lips, eyebrows, nostrils and, when no spectacles cover
 * them, brows and eyes. A feature is kept over the margin the skin mask cut around it, and the
 * keep fades out smoothly beyond, so brows and nostrils blend into the skin instead of being cut out;
 * hair found over that margin (a lock across the brow's end or the eye's corner) is still left out,
 * and so is hair over a brow that is not the brows' own colour (a blonde curl across a dark brow's end).
 * Spectacles are excluded everywhere, and the mouth opening with the teeth beside it (see
 * mouthExclusion); outside the mask's crop everything is excluded.
 */
export function textureExclusion(photo: RgbImage, mask: SkinMask, landmarks: Float32Array): (x: number, y: number) => number {
  const { rect } = mask;
  const n = rect.width * rect.height;
  const fh = faceHeight(landmarks);
  // Behind spectacles the upper rims run along the brows: then brows and eyes are left to the skin test.
  const features: Array<[readonly number[], number]> = [
    [LIPS_OUTER, LIPS_MARGIN], [RIGHT_NOSTRIL, NOSTRIL_MARGIN], [LEFT_NOSTRIL, NOSTRIL_MARGIN],
    ...(mask.glasses ? [] : [[RIGHT_EYEBROW, BROW_MARGIN], [LEFT_EYEBROW, BROW_MARGIN], [RIGHT_EYE, EYE_MARGIN], [LEFT_EYE, EYE_MARGIN]] as Array<[readonly number[], number]>),
  ];
  const feather = Math.max(1, Math.round(FEATURE_FEATHER * fh));
  // Two keep zones: over the margin the skin mask cut around each feature (its cut-outs are not
  // occluders), and over the feature itself (hair over the margin is still hair).
  const zone = new Uint8Array(n), core = new Uint8Array(n);
  for (const [indices, margin] of features) {
    const polygon = landmarkPolygon(landmarks, indices);
    fillPolygon(zone, rect, growPolygon(polygon, margin * fh + feather), 1);
    fillPolygon(core, rect, growPolygon(polygon, feather), 1);
  }
  const mouth = mouthExclusion(photo, rect, landmarks, LIPS_MARGIN * fh);
  // Over a brow, a lock that is neither the brow's colour nor the skin's is hair all the same.
  const browPolygons = [RIGHT_EYEBROW, LEFT_EYEBROW].map((indices) => landmarkPolygon(landmarks, indices));
  const [r, g, b] = mask.skinTone.srgb.map((c) => 255 * c) as [number, number, number];
  const browForeign = mask.glasses
    ? new Float32Array(n)
    : foreignToBrows(photo, rect, browPolygons, browPolygons.map((p) => growPolygon(p, 2 * feather)), logLuma(r, g, b));
  const keep = boxBlur(Float32Array.from(zone), rect.width, rect.height, feather);
  const keepFeature = boxBlur(Float32Array.from(core), rect.width, rect.height, feather);
  const nonSkinModelled = nonSkinModel(photo, landmarks, mask);
  const spectacles = mask.spectacles ? boxBlur(Float32Array.from(mask.spectacles), rect.width, rect.height, 1) : undefined;

  // Hair edges mix with the skin beside them: the hair test reaches a little beyond what it finds.
  const hair = new Float32Array(n), browHair = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    // Lashes, liner and brow hairs are strands too: around the features the hair test goes by colour alone.
    const nonSkin = keep[k]! * nonSkinModelled.colourProbability[k]! + (1 - keep[k]!) * nonSkinModelled.probability[k]!;
    const t = Math.min(1, Math.max(0, (nonSkin - NON_SKIN_ACCEPT) / (NON_SKIN_REJECT - NON_SKIN_ACCEPT)));
    // Brows, lips and nostrils may look like hair by colour; they must not spread exclusion around them.
    hair[k] = (1 - keepFeature[k]!) * t * t * (3 - 2 * t);
    browHair[k] = browForeign[k]! * t * t * (3 - 2 * t);
  }
  const hairReach = dilate(hair, rect.width, rect.height, Math.max(1, Math.round(HAIR_REACH * fh)));
  const toneLuma = Math.max(1e-4, luminance(mask.skinTone.linear));
  const exclusion = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    const s = 3 * ((rect.y + Math.floor(k / rect.width)) * photo.width + rect.x + (k % rect.width));
    const L = SRGB8_TO_LINEAR, ratio = (LUMA[0] * L[photo.data[s]!]! + LUMA[1] * L[photo.data[s + 1]!]! + LUMA[2] * L[photo.data[s + 2]!]!) / toneLuma;
    const dark = 1 - smoothstep(DARK_REJECT, DARK_ACCEPT, ratio);
    // Lashes, liner and brow ends are dark too: the darkness test stops at the features' margins.
    const e = Math.max((1 - keep[k]!) * Math.max(1 - mask.weight[k]!, dark), (1 - keepFeature[k]!) * hairReach[k]!, browHair[k]!);
    exclusion[k] = Math.max(spectacles ? Math.max(e, spectacles[k]!) : e, mouth[k]!);
  }
  return (x, y) => sampleCrop(rect, exclusion, x, y, 1);
}
