/**
 * Regions of interest: rotated squares in image pixels that the landmark models look at,
 * following MediaPipe's face-mesh and iris pipelines.
 */
import { faceAngle, type FaceDetection } from './detect.js';
import { squareCropAffine, type Affine } from '../base/image-sampling.js';

/** A square region of the image, turned by `angle` radians (clockwise on screen) around its centre. */
export interface Roi {
  cx: number;
  cy: number;
  size: number;
  angle: number;
}

/** Mesh indices of the outer eye corners (subject's right eye, then left eye) used to level the face. */
export const RIGHT_EYE_OUTER = 33;
export const LEFT_EYE_OUTER = 263;
/** Eye corner pairs (image-left corner first for an upright face) that frame each eye for the iris model. */
export const RIGHT_EYE_CORNERS = [33, 133] as const;
export const LEFT_EYE_CORNERS = [362, 263] as const;

/** Face crop margin around the detector box or the landmark bounds (MediaPipe uses 1.5). */
const FACE_SCALE = 1.5;
/** Eye crop side relative to the eye-corner distance (MediaPipe uses 2.3). */
const EYE_SCALE = 2.3;

/** Face crop from a detection: its box enlarged, levelled on the detector's keypoints. */
export function roiFromDetection(d: FaceDetection): Roi {
  return { cx: d.cx, cy: d.cy, size: d.size * FACE_SCALE, angle: faceAngle(d) };
}

/** Face crop from a previous landmark pass: bounds of the mesh in the levelled frame, enlarged. */
export function roiFromLandmarks(points: Float32Array): Roi {
  const b = levelledBounds(points);
  return { cx: b.cx, cy: b.cy, size: Math.max(b.width, b.height) * FACE_SCALE, angle: b.angle };
}

/**
 * The landmarks' bounds in the frame levelled on the outer eye corners: centre (image pixels),
 * width and height along the levelled axes, and the frame's angle (radians, clockwise on screen).
 */
export function levelledBounds(points: Float32Array): { cx: number; cy: number; width: number; height: number; angle: number } {
  const angle = Math.atan2(
    points[3 * LEFT_EYE_OUTER + 1]! - points[3 * RIGHT_EYE_OUTER + 1]!,
    points[3 * LEFT_EYE_OUTER]! - points[3 * RIGHT_EYE_OUTER]!,
  );
  const cos = Math.cos(angle), sin = Math.sin(angle);
  let minU = Infinity, minV = Infinity, maxU = -Infinity, maxV = -Infinity;
  for (let i = 0; i < points.length; i += 3) {
    const x = points[i]!, y = points[i + 1]!;
    const u = cos * x + sin * y, v = -sin * x + cos * y; // rotate by -angle
    minU = Math.min(minU, u); maxU = Math.max(maxU, u);
    minV = Math.min(minV, v); maxV = Math.max(maxV, v);
  }
  const cu = (minU + maxU) / 2, cv = (minV + maxV) / 2;
  return { cx: cos * cu - sin * cv, cy: sin * cu + cos * cv, width: maxU - minU, height: maxV - minV, angle };
}

/** Eye crop around two eye-corner landmarks. */
export function eyeRoi(points: Float32Array, [a, b]: readonly [number, number]): Roi {
  const ax = points[3 * a]!, ay = points[3 * a + 1]!, bx = points[3 * b]!, by = points[3 * b + 1]!;
  return {
    cx: (ax + bx) / 2,
    cy: (ay + by) / 2,
    size: Math.hypot(bx - ax, by - ay) * EYE_SCALE,
    angle: Math.atan2(by - ay, bx - ax),
  };
}

/** Crop transform (crop pixels -> image pixels) of an roi sampled at outSize; `mirror` flips it left-right. */
export function roiAffine(roi: Roi, outSize: number, mirror = false): Affine {
  const m = squareCropAffine(roi.cx, roi.cy, roi.size, roi.angle, outSize);
  if (!mirror) return m;
  // u -> outSize - u
  return [-m[0], m[1], m[2] + m[0] * outSize, -m[3], m[4], m[5] + m[3] * outSize];
}
