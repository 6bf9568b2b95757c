/**
 * Camera and head pose. The camera frame is OpenCV's: x right, y down, z forward (into the scene);
 * pixel (u, v) = (f x / z + cx, f y / z + cy). A model-frame point p (y up, +z out of the face) maps to
 * the camera frame as R p + t, where R includes the flip diag(1, -1, -1) that turns a frontal face
 * toward the camera. Translation is in model units.
 */
import * as mat3 from './mat3.js';

export interface Camera { focal: number; cx: number; cy: number; width: number; height: number }

export interface HeadPose {
  /** Row-major 3x3 rotation, model frame -> camera frame. */
  rotation: Float64Array;
  translation: Float64Array;
}

/**
 * Camera frame (x right, y down, z forward) to view frame (x right, y up, z toward the viewer),
 * the frame of the spherical-harmonics lighting: y and z negated. The flip is its own inverse, so
 * it also takes view-frame vectors (e.g. gradients) back to the camera frame.
 */
export function cameraToView(out: Float64Array, x: number, y: number, z: number): Float64Array {
  out[0] = x; out[1] = -y; out[2] = -z;
  return out;
}

/** Rotation that shows the model frontally: model y-up, z-out to camera y-down, z-forward. */
export const FRONTAL = Float64Array.from([1, 0, 0, 0, -1, 0, 0, 0, -1]);

/**
 * Head rotation in degrees relative to frontal, in the model frame: yaw about the model's y axis
 * (positive = the face turns toward its own left, i.e. the image's right), pitch about x (positive = chin up... see
 * sign below), roll about z. Decomposition R_head = Ry(yaw) Rx(pitch) Rz(roll) with R = FRONTAL R_head.
 */
export function poseAngles(rotation: ArrayLike<number>): { yaw: number; pitch: number; roll: number } {
  const h = mat3.multiply(mat3.create(), FRONTAL, rotation); // FRONTAL is its own inverse
  const deg = 180 / Math.PI;
  const pitch = Math.asin(Math.max(-1, Math.min(1, -h[5])));
  const yaw = Math.atan2(h[2], h[8]);
  const roll = Math.atan2(h[3], h[4]);
  return { yaw: yaw * deg, pitch: pitch * deg, roll: roll * deg };
}

export function rotationFromAngles(yawDeg: number, pitchDeg: number, rollDeg: number): Float64Array {
  const r = Math.PI / 180;
  const ry = mat3.fromAxisAngle(mat3.create(), 0, yawDeg * r, 0);
  const rx = mat3.fromAxisAngle(mat3.create(), pitchDeg * r, 0, 0);
  const rz = mat3.fromAxisAngle(mat3.create(), 0, 0, rollDeg * r);
  const out = mat3.multiply(rz, rx, rz);
  mat3.multiply(out, ry, out);
  return mat3.multiply(out, FRONTAL, out);
}

/** Projects model-frame positions to pixels; returns u, v, z (camera depth) per vertex. */
export function projectPoints(positions: Float32Array, pose: HeadPose, camera: Camera, out?: Float32Array): Float32Array {
  const n = positions.length / 3;
  const res = out ?? new Float32Array(n * 3);
  for (let i = 0; i < n; i++) projectPoint(positions[3 * i], positions[3 * i + 1], positions[3 * i + 2], pose, camera, res, 3 * i);
  return res;
}

/** Projects one model-frame point to pixels: writes u, v, z (camera depth) at out[o..o+2]. */
export function projectPoint<T extends Float32Array | Float64Array>(x: number, y: number, z: number, pose: HeadPose, camera: Camera, out: T, o = 0): T {
  const R = pose.rotation, t = pose.translation;
  const X = R[0] * x + R[1] * y + R[2] * z + t[0];
  const Y = R[3] * x + R[4] * y + R[5] * z + t[1];
  const Z = R[6] * x + R[7] * y + R[8] * z + t[2];
  out[o] = camera.focal * X / Z + camera.cx;
  out[o + 1] = camera.focal * Y / Z + camera.cy;
  out[o + 2] = Z;
  return out;
}
