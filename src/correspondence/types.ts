/** The derived correspondence file (written by scripts/derive-correspondence.ts into mediapipe-ict.data.ts). */
export interface CorrespondenceFile {
  model: string;
  method: string;
  /** Per landmark: 3 vertex indices of the ICT triangle and 3 barycentric weights. */
  vertices: number[];
  weights: number[];
  /** Per landmark: RMS reprojection error over the renders it was derived from, pixels (renders at ~0.63 mm/px). */
  errorPx: number[];
  /** Landmarks found unreliable (error too large): they get weight 0. */
  excluded: number[];
}

