/**
 * Per-face confidence in the landmarks, from the evidence the landmark network had: how sharp the
 * face is at the network's scale (sharpness.ts), how many pixels it spans, and how much two crops
 * of it disagree (landmark-agreement.ts).
 *
 * Each component is read as a ratio of landmark errors: the network's nominal error on a clear face
 * (NOMINAL_ERROR, the fit's sigma) over the error this cause alone would give, so it lies in (0, 1]
 * and 1 means "no worse than the faces the fit's priors were set for". The confidence is their
 * product (the causes inflate the error independently), floored at MIN_CONFIDENCE. The fit reads
 * it the same way: its priors weigh confidence^-2 times more (src/fit/options.ts,
 * priorConfidenceExponent), as if the landmarks' expected error were NOMINAL_ERROR / confidence.
 */

/** The raw evidence of one face. */
export interface FaceEvidence {
  /** Effective spatial frequency of the inner face's detail on a 64 px crop (sharpness.ts); 0.8-1.4 on sharp photos. */
  sharpness: number;
  /** sqrt(width * height) of the landmarks' bounding box, image pixels. */
  faceSizePx: number;
  /** RMS distance between the landmarks from two crops of the face, as a share of its face size. */
  disagreement: number;
}

export interface FaceConfidence {
  /** In [MIN_CONFIDENCE, 1]: the product of the three components. */
  value: number;
  /** Each cause's own ratio of nominal to expected landmark error, in (0, 1]. */
  sharpness: number;
  size: number;
  agreement: number;
  evidence: FaceEvidence;
}

/** The landmark network's expected error on a clear face, as a share of face size (the landmark fit's sigma). */
const NOMINAL_ERROR = 0.025;
/**
 * Sharpness from which on blur no longer limits the landmarks: the softest of the 16 faces of the
 * sample photos scores 0.77 (the others 0.78-1.36), synthetic renders 1.26-1.68; a Gaussian blur
 * of sigma = 1% of the face size brings sharp sample faces to 0.5-0.9, 2% to 0.4-0.6, 4% to 0.26-0.34.
 */
const SHARP = 0.75;
/**
 * Landmark drift with face size: the sample faces shrunk to a 32 px landmark box put their
 * landmarks 0.9% of the face width from where they are at full size, 0.7% at 40 px, 0.5% at 48 px
 * (scripts/perception-face-size.ts): about 0.28 px, whatever the size.
 */
const SIZE_DRIFT_PX = 0.28;
/**
 * Disagreement between two crops that clear faces show: the 90th percentile over 40 synthetic
 * renders of benchmark seed 1 (all sharp, yaw up to 70 degrees; median 1.7%, the 16 sample faces
 * 0.7-2.7% but for a near profile at 5.2%; blurred faces up to 8%). Only the excess over it counts:
 * the fit's sigma and its growth with yaw were set on such faces.
 */
const USUAL_DISAGREEMENT = 0.035;
/** Lowest confidence: at most 1 / 0.2^2 = 25 times the priors' usual weight. */
export const MIN_CONFIDENCE = 0.2;

export function faceConfidence(evidence: FaceEvidence): FaceConfidence {
  // A blurred edge is wider by SHARP / sharpness, and so is the uncertainty of where it lies.
  const sharpness = Math.min(1, evidence.sharpness / SHARP);
  const size = errorRatio(SIZE_DRIFT_PX / Math.max(1, evidence.faceSizePx));
  // Two independent draws of a landmark with error e per coordinate lie 2e apart (RMS, in 2D).
  const excess = Math.sqrt(Math.max(0, evidence.disagreement ** 2 - USUAL_DISAGREEMENT ** 2)) / 2;
  const agreement = errorRatio(excess);
  const value = Math.max(MIN_CONFIDENCE, sharpness * size * agreement);
  return { value, sharpness, size, agreement, evidence };
}

/** NOMINAL_ERROR over the error with `extra` (a share of face size) added in quadrature. */
function errorRatio(extra: number): number {
  return NOMINAL_ERROR / Math.hypot(NOMINAL_ERROR, extra);
}
