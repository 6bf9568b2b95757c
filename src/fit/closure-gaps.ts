import type { MorphableModel } from '../model/types.js';
import { vertexPoints, type SurfacePoints } from './surface-points.js';

/**
 * Eye and mouth closure: pairs of model points on the upper and lower eyelid margins and on the
 * upper and lower inner lips (where the lids and lips meet when closed), each with the landmark
 * pair that observes the same gap. The fit matches the projected gap between the model points to
 * the observed one, so a closed eye or mouth in the photo closes the model's, and an open one opens
 * it as wide as seen. The model points are the 68-landmark vertices of the lid and lip margins, not
 * the landmarks' own correspondence points: those were derived on renders, where the network places
 * the inner-lip points about 3 mm apart on lips that touch (they read the lips' red, not their
 * contact line), and real closed lips come out at about 0 mm.
 */
export interface ClosureGaps {
  /** Two points per gap: upper, lower. */
  surface: SurfacePoints;
  /** Two landmark indices per gap: upper, lower. */
  landmarkPairs: Uint32Array;
  /** 1 where the gap is a mouth gap, 0 for an eyelid gap. */
  lip: Uint8Array;
}

/** 68-landmark pairs (upper, lower): eyelids 37/41, 38/40 (subject's right), 43/47, 44/46 (left); inner lips 61/67, 62/66, 63/65. */
export const EYELID_PAIRS_68 = [37, 41, 38, 40, 43, 47, 44, 46];
export const INNER_LIP_PAIRS_68 = [61, 67, 62, 66, 63, 65];

/**
 * Closure gaps at the model's 68-landmark lid and lip vertices, observed by the given landmark pairs
 * (same order as the 68 pairs). `lipBias` (x, y per inner-lip pair, model units, model frame): how
 * much further apart the landmark network puts the upper and lower points than the model's lips
 * are; it is added to the upper point's position in the image-plane directions, so the fit matches
 * the network's reading rather than taking it for the true gap.
 */
export function closureGaps(
  model: MorphableModel, identityCount: number, eyelidLandmarkPairs: ArrayLike<number>, innerLipLandmarkPairs: ArrayLike<number>,
  lipBias?: ArrayLike<number>,
): ClosureGaps {
  if (eyelidLandmarkPairs.length !== EYELID_PAIRS_68.length || innerLipLandmarkPairs.length !== INNER_LIP_PAIRS_68.length) {
    throw new Error('closure gaps: one landmark pair per 68-landmark pair');
  }
  const vertices = [...EYELID_PAIRS_68, ...INNER_LIP_PAIRS_68].map((k) => model.landmarks68[k]);
  const surface = vertexPoints(model, vertices, identityCount);
  if (lipBias) {
    for (let g = 0; g < INNER_LIP_PAIRS_68.length / 2; g++) {
      const upper = EYELID_PAIRS_68.length + 2 * g;
      surface.mean[3 * upper] += lipBias[2 * g];
      surface.mean[3 * upper + 1] += lipBias[2 * g + 1];
    }
  }
  return {
    surface,
    landmarkPairs: Uint32Array.from([...Array.from(eyelidLandmarkPairs), ...Array.from(innerLipLandmarkPairs)]),
    lip: Uint8Array.from([...EYELID_PAIRS_68.filter((_, i) => i % 2 === 0).map(() => 0), ...INNER_LIP_PAIRS_68.filter((_, i) => i % 2 === 0).map(() => 1)]),
  };
}
