import { fillPolygon } from './crop-raster.js';
import { growPolygon, landmarkPolygon, LEFT_EYE, LEFT_EYEBROW, LEFT_NOSTRIL, LIPS_OUTER, RIGHT_EYE, RIGHT_EYEBROW, RIGHT_NOSTRIL } from './landmark-regions.js';
import { sampleSkin, type SkinMask } from './mask.js';

/**
 * What a face texture must not take from the photo, as a weight in [0, 1] per photo position:
 * everything the skin mask rejects (hair, spectacles, hands, background) except the facial
 * features, which belong in the texture although they are not skin: lips, eyebrows, nostrils and,
 * when no spectacles cover them, the eyes. Outside the mask's crop everything is excluded.
 */
export function textureExclusion(mask: SkinMask, landmarks: Float32Array): (x: number, y: number) => number {
  const { rect } = mask;
  const keep = new Uint8Array(rect.width * rect.height);
  const features = [LIPS_OUTER, RIGHT_EYEBROW, LEFT_EYEBROW, RIGHT_NOSTRIL, LEFT_NOSTRIL, ...(mask.glasses ? [] : [RIGHT_EYE, LEFT_EYE])];
  for (const indices of features) fillPolygon(keep, rect, growPolygon(landmarkPolygon(landmarks, indices), 1.5), 1);
  return (x, y) => {
    const i = Math.floor(x - rect.x), j = Math.floor(y - rect.y);
    if (i < 0 || j < 0 || i >= rect.width || j >= rect.height) return 1;
    return keep[j * rect.width + i] ? 0 : 1 - sampleSkin(mask, x, y);
  };
}
