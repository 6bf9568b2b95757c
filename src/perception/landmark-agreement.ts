/**
 * Landmark disagreement: FaceMesh run a second time on a crop of the same face moved, scaled and
 * turned a little (as much as the crops of two detections of one face differ). On a clear face the
 * network puts the points in the same place whatever the crop; where the evidence is weak (blur,
 * occlusion, a face at the edge of what it knows) its answer follows the crop.
 */
import { pointBounds } from '../base/rect.js';
import { roiFromLandmarks, type Roi } from './roi.js';

/** The second crop: shifted by this share of its side right and down, scaled, turned (radians). */
const SHIFT = 0.05;
const SCALE = 1.1;
const TURN = 0.05;

/** The crop framed by the landmarks (as the refinement pass frames it), moved, scaled and turned. */
export function perturbedRoi(points: Float32Array): Roi {
  const roi = roiFromLandmarks(points);
  return { cx: roi.cx + SHIFT * roi.size, cy: roi.cy + SHIFT * roi.size, size: roi.size * SCALE, angle: roi.angle + TURN };
}

/** sqrt(width * height) of the landmarks' bounding box, pixels: the face size the fit measures residuals against. */
export function landmarkFaceSize(points: Float32Array): number {
  const b = pointBounds(points, 3);
  return Math.sqrt(b.width * b.height);
}

/** Root-mean-square image distance between two landmark sets (x, y, z per point) of one face, as a share of its face size. */
export function landmarkDisagreement(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  const n = a.length / 3;
  for (let i = 0; i < a.length; i += 3) sum += (a[i] - b[i]) ** 2 + (a[i + 1] - b[i + 1]) ** 2;
  return Math.sqrt(sum / n) / landmarkFaceSize(a);
}
