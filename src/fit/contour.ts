import type { MorphableModel } from '../model/types.js';
import { evaluatePoints, vertexPoints, type SurfacePoints } from './surface-points.js';
import type { FitState } from './projection-jacobian.js';

/**
 * Contour-aware landmarks (HRN, and "landmark marching" before it): a landmark on the face outline
 * marks the silhouette of the face, which moves over the surface as the head turns. Each such
 * landmark gets a line of candidate vertices at its height across the cheek; at every iteration
 * the candidate that lies furthest out in the image becomes the landmark's model point.
 */
export interface ContourLines {
  /** Landmark index (into the landmark set) of each line. */
  landmark: Uint32Array;
  /** Candidates of line i are candidates[lineStart[i] .. lineStart[i+1]). */
  lineStart: Uint32Array;
  /** -1 for the subject's right side (model -x), +1 for the left. */
  side: Int8Array;
  candidates: SurfacePoints;
}

export function buildContourLines(
  model: MorphableModel, landmarkMeans: Float64Array, contourLandmarks: ArrayLike<number>, identityCount: number,
  options: { band?: number; minSideOffset?: number } = {},
): ContourLines {
  const band = options.band ?? 0.3; // model units (cm)
  const minSideOffset = options.minSideOffset ?? 2.5;
  const region = model.regions.narrowFace;
  const p = model.neutral;
  const landmark: number[] = [];
  const lineStart: number[] = [0];
  const side: number[] = [];
  const verts: number[] = [];
  for (let k = 0; k < contourLandmarks.length; k++) {
    const j = contourLandmarks[k];
    const cx = landmarkMeans[3 * j], cy = landmarkMeans[3 * j + 1];
    if (Math.abs(cx) < minSideOffset) continue; // chin and forehead-top points stay fixed
    const s = Math.sign(cx);
    const line: number[] = [];
    for (const v of region) {
      if (Math.abs(p[3 * v + 1] - cy) < band && s * p[3 * v] > 0.3 * Math.abs(cx)) line.push(v);
    }
    if (line.length < 3) continue;
    landmark.push(j);
    side.push(s);
    verts.push(...line);
    lineStart.push(verts.length);
  }
  return {
    landmark: Uint32Array.from(landmark),
    lineStart: Uint32Array.from(lineStart),
    side: Int8Array.from(side),
    candidates: vertexPoints(model, verts, identityCount),
  };
}

/**
 * For each line, the index (into lines.candidates) of the candidate furthest out in the image;
 * `pos`: the candidates' model-frame positions at state.coeffs, when the caller has them.
 */
export function selectContourPoints(lines: ContourLines, state: FitState, pos = evaluatePoints(lines.candidates, state.coeffs)): Uint32Array {
  const R = state.rotation;
  const chosen = new Uint32Array(lines.landmark.length);
  for (let i = 0; i < lines.landmark.length; i++) {
    let best = -Infinity;
    let bestIdx = lines.lineStart[i];
    for (let c = lines.lineStart[i]; c < lines.lineStart[i + 1]; c++) {
      const x = pos[3 * c], y = pos[3 * c + 1], z = pos[3 * c + 2];
      const X = R[0] * x + R[1] * y + R[2] * z + state.translation[0];
      const Y = R[3] * x + R[4] * y + R[5] * z + state.translation[1];
      const Z = R[6] * x + R[7] * y + R[8] * z + state.translation[2];
      // Image-plane direction of the model's x axis decides what "out" means, so roll is handled.
      const outward = lines.side[i] * (R[0] * X / Z + R[3] * Y / Z);
      if (outward > best) { best = outward; bestIdx = c; }
    }
    chosen[i] = bestIdx;
  }
  return chosen;
}
