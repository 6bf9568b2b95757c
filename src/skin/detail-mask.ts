import type { RgbImage } from '../base/image.js';
import { faceHeight } from './landmark-regions.js';
import { skinMask, type SkinMask } from './mask.js';
import { dilate, erode } from './morphology.js';

/** ln-luma contrast of a thin dark line (below the local closing) where the detail skin's weight starts to fall, and where it is 0. */
const DARK_LINE = [1.2, 1.8] as const;
/** Widest gap in the skin (a fold, a deep line), in face heights, that the detail skin closes. */
const FOLD_WIDTH = 0.015;

/**
 * The skin the detail band reads: the photometric stage's skin mask with its thin gaps closed. That
 * mask's dark-line, shadow and colour tests cut deep folds and forehead lines out of the skin (dark,
 * and redder in shadow), the very detail the band is for: a grey-level closing over a fold's width
 * puts back gaps narrower than that with skin on both sides, while eyes, brows, lips, hair and
 * background, far wider, stay out. Spectacles stay out wherever they were found; near-black lines
 * (a frame the spectacles test missed) are cut by a laxer dark-line test before the closing.
 */
export function detailSkinMask(image: RgbImage, landmarks: Float32Array): SkinMask {
  const mask = skinMask(image, landmarks, { darkLineAccept: DARK_LINE[0], darkLineReject: DARK_LINE[1] });
  const { width, height } = mask.rect;
  const radius = Math.max(1, Math.round((FOLD_WIDTH * faceHeight(landmarks)) / 2));
  const closed = erode(dilate(mask.weight, width, height, radius), width, height, radius);
  if (mask.spectacles) for (let k = 0; k < closed.length; k++) if (mask.spectacles[k]) closed[k] = 0;
  return { ...mask, weight: closed };
}
