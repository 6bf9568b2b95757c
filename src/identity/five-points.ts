/**
 * The five face points that face-recognition crops are aligned on (eye centres, nose tip, mouth
 * corners, as RetinaFace/InsightFace define them), taken from the 468 MediaPipe face-mesh points.
 * Order: subject's right eye, subject's left eye, nose tip, subject's right mouth corner, subject's
 * left mouth corner; for an upright face in a photo that is image-left before image-right.
 */

/** Eyelid contour of the subject's right eye (image left), corners included: its mean is the eye centre. */
export const RIGHT_EYE_CONTOUR = [33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246] as const;
/** Eyelid contour of the subject's left eye (image right). */
export const LEFT_EYE_CONTOUR = [263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466] as const;
export const NOSE_TIP = 1;
/** Outer lip corners: subject's right (image left), then left. */
export const MOUTH_CORNERS = [61, 291] as const;

/**
 * The five points as x0, y0, x1, y1, ... from mesh points stored `stride` numbers apart
 * (3 for x, y, z as the detector returns them; 2 for x, y).
 */
export function fivePoints(landmarks: ArrayLike<number>, stride = 3): Float64Array {
  if (stride < 2) throw new Error(`landmark stride must be at least 2, got ${stride}`);
  if (landmarks.length < 467 * stride + 2) throw new Error(`expected 468 landmarks with stride ${stride}, got ${landmarks.length} numbers`);
  const out = new Float64Array(10);
  const mean = (indices: readonly number[], k: number): void => {
    let x = 0, y = 0;
    for (const i of indices) {
      x += landmarks[i * stride]!;
      y += landmarks[i * stride + 1]!;
    }
    out[2 * k] = x / indices.length;
    out[2 * k + 1] = y / indices.length;
  };
  mean(RIGHT_EYE_CONTOUR, 0);
  mean(LEFT_EYE_CONTOUR, 1);
  mean([NOSE_TIP], 2);
  mean([MOUTH_CORNERS[0]], 3);
  mean([MOUTH_CORNERS[1]], 4);
  return out;
}
