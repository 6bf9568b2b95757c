/**
 * Rough head rotation from face-mesh landmarks: a face frame is built from symmetric point pairs
 * (left-right axis) and the forehead-chin line (up-down axis), using the mesh's x, y, z.
 */

export interface HeadRotation {
  /** Degrees; positive = head turned to the subject's left (face points towards the image's right). */
  yaw: number;
  /** Degrees; positive = chin up (face points towards the image's top). */
  pitch: number;
  /** Degrees; positive = head tilted clockwise as seen in the image (the subject's left eye lower). */
  roll: number;
}

/** Mesh point pairs (subject's right side, left side) that are mirror images of each other. */
const SYMMETRIC_PAIRS: ReadonlyArray<readonly [number, number]> = [
  [33, 263], // outer eye corners
  [133, 362], // inner eye corners
  [61, 291], // mouth corners
  [129, 358], // nose wings
];
const FOREHEAD = 10;
const CHIN = 152;

type Vec3 = [number, number, number];

export function headRotation(mesh: Float32Array): HeadRotation {
  const point = (i: number): Vec3 => [mesh[3 * i]!, mesh[3 * i + 1]!, mesh[3 * i + 2]!];
  // Image axes: x right, y down, z away from the camera.
  let x: Vec3 = [0, 0, 0];
  for (const [right, left] of SYMMETRIC_PAIRS) x = add(x, sub(point(left), point(right)));
  x = normalise(x);
  let y = sub(point(CHIN), point(FOREHEAD));
  y = normalise(sub(y, scale(x, dot(x, y))));
  const z = cross(x, y); // into the head, away from the camera for a frontal face
  const toCamera: Vec3 = [-z[0], -z[1], -z[2]];
  const deg = 180 / Math.PI;
  return {
    yaw: Math.atan2(toCamera[0], -toCamera[2]) * deg,
    pitch: Math.atan2(-toCamera[1], Math.hypot(toCamera[0], toCamera[2])) * deg,
    roll: Math.atan2(x[1], x[0]) * deg,
  };
}

function add(a: Vec3, b: Vec3): Vec3 {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
}
function sub(a: Vec3, b: Vec3): Vec3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}
function scale(a: Vec3, s: number): Vec3 {
  return [a[0] * s, a[1] * s, a[2] * s];
}
function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}
function normalise(a: Vec3): Vec3 {
  const n = Math.hypot(a[0], a[1], a[2]);
  return n > 0 ? scale(a, 1 / n) : [0, 0, 0];
}
