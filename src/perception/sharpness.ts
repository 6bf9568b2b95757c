/**
 * How sharp a face looks at the scale the landmark network reads it: the inner face (the
 * landmarks' levelled bounds, shrunk to eyes, nose, mouth and cheeks) resampled to a fixed
 * SHARPNESS_CROP x SHARPNESS_CROP grey crop, so that the measure does not depend on the face's
 * size in pixels (a large face blurred by 2 px is as sharp, at the network's scale, as a small
 * face that is not), nor on its contrast or exposure.
 */
import { sampleAffine, squareCropAffine, type ImagePyramid } from '../base/image-sampling.js';
import { LUMA_REC601 } from '../base/colour.js';
import { levelledBounds } from './roi.js';

/** Side of the resampled crop, pixels (the network sees the whole face at about 128 px; the inner face at about 80). */
export const SHARPNESS_CROP = 64;
/** Share of the landmarks' levelled bounds the crop covers: the inner face, little background or hair. */
const INNER_FACE = 0.7;

/**
 * sqrt(Laplacian energy / gradient energy) of the crop's luma: for detail at one spatial frequency w
 * (radians per crop pixel) it is 2 sin(w / 2), about w, whatever the detail's contrast (2 at the
 * crop's Nyquist frequency). The sample photos' faces score 0.77-1.36, synthetic renders 1.26-1.68;
 * blur removes the high frequencies and lowers it (0.26-0.34 after a Gaussian of 4% of the face size).
 */
export function faceSharpness(pyramid: ImagePyramid, landmarks: Float32Array): number {
  const n = SHARPNESS_CROP;
  const b = levelledBounds(landmarks);
  const rgb = new Float32Array(n * n * 3);
  const affine = squareCropAffine(b.cx, b.cy, Math.max(b.width, b.height) * INNER_FACE, b.angle, n);
  sampleAffine(pyramid, affine, n, n, { out: rgb, scale: 1, bias: 0, border: 'edge' });
  const grey = new Float32Array(n * n);
  for (let p = 0; p < n * n; p++) grey[p] = LUMA_REC601[0] * rgb[3 * p] + LUMA_REC601[1] * rgb[3 * p + 1] + LUMA_REC601[2] * rgb[3 * p + 2];
  let gradient = 0, laplacian = 0;
  for (let y = 1; y < n - 1; y++) {
    for (let x = 1; x < n - 1; x++) {
      const p = y * n + x, v = grey[p];
      const dx = grey[p + 1] - v, dy = grey[p + n] - v;
      const lap = grey[p - 1] + grey[p + 1] + grey[p - n] + grey[p + n] - 4 * v;
      gradient += dx * dx + dy * dy;
      laplacian += lap * lap;
    }
  }
  return gradient > 0 ? Math.sqrt(laplacian / gradient) : 0;
}
