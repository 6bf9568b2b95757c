import type { MorphableModel } from '../../src/model/types.js';
import { instantiate } from '../../src/model/instance.js';
import { projectPoints, rotationFromAngles, type Camera, type HeadPose } from '../../src/base/camera.js';
import type { SurfacePoints } from '../../src/fit/surface-points.js';
import type { ContourLines } from '../../src/fit/contour.js';

/** A seeded pseudo-random source (Park-Miller), so synthetic scenes are reproducible. */
export function seededRandom(seed: number): { uniform: () => number; normal: () => number } {
  let s = Math.max(1, Math.floor(seed) % 2147483647);
  const uniform = () => { s = (s * 16807) % 2147483647; return s / 2147483647; };
  const normal = () => Math.sqrt(-2 * Math.log(uniform() + 1e-12)) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}

export interface LandmarkScene {
  identity: Float32Array;
  expression: Float32Array;
  pose: HeadPose;
  camera: Camera;
  /** True mesh, model units. */
  positions: Float32Array;
  /** The landmark points projected to pixels (N x 2). */
  targets: Float32Array;
}

/**
 * A random face (identity from the prior, a few expressions), head pose and camera, and the exact
 * projections of the given surface points of the true mesh: the input of a round-trip fit test.
 */
export function randomLandmarkScene(
  model: MorphableModel, points: SurfacePoints, seed: number,
  options: { maxYaw?: number; contour?: ContourLines; expression?: Float32Array; identity?: Float32Array; pose?: HeadPose; camera?: Camera } = {},
): LandmarkScene {
  const rnd = seededRandom(seed);
  const identity = Float32Array.from({ length: model.identityCount }, () => rnd.normal());
  const expression = new Float32Array(model.expressionNames.length);
  for (let k = 0; k < 3; k++) expression[Math.floor(rnd.uniform() * expression.length)] = 0.2 + 0.6 * rnd.uniform();
  if (options.expression) expression.set(options.expression);
  // The draws above happen either way, so a given identity leaves the pose and camera of the seed unchanged.
  if (options.identity) identity.set(options.identity);
  const positions = instantiate(model, { identity, expression });
  const maxYaw = options.maxYaw ?? 40;
  const drawn: HeadPose = {
    rotation: rotationFromAngles((2 * rnd.uniform() - 1) * maxYaw, (2 * rnd.uniform() - 1) * 15, (2 * rnd.uniform() - 1) * 15),
    translation: Float64Array.from([(2 * rnd.uniform() - 1) * 5, (2 * rnd.uniform() - 1) * 5, 60 + 30 * rnd.uniform()]),
  };
  const drawnCamera: Camera = { focal: 900 + 600 * rnd.uniform(), cx: 320, cy: 320, width: 640, height: 640 };
  const pose = options.pose ?? drawn, camera = options.camera ?? drawnCamera;
  const pts = new Float32Array(points.count * 3);
  for (let i = 0; i < points.count; i++) {
    for (let c = 0; c < 3; c++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += points.weights[3 * i + k] * positions[3 * points.vertices[3 * i + k] + c];
      pts[3 * i + c] = s;
    }
  }
  // Outline landmarks mark the true silhouette, as a landmark network reports it.
  if (options.contour) {
    const lines = options.contour;
    const screen = projectPoints(positions, pose, camera);
    const xAxis = [pose.rotation[0], pose.rotation[3]];
    for (let l = 0; l < lines.landmark.length; l++) {
      let best = -Infinity, bestV = 0;
      for (let c = lines.lineStart[l]; c < lines.lineStart[l + 1]; c++) {
        const v = lines.candidates.vertices[3 * c];
        const out = lines.side[l] * (xAxis[0] * screen[3 * v] + xAxis[1] * screen[3 * v + 1]);
        if (out > best) { best = out; bestV = v; }
      }
      pts.set(positions.subarray(3 * bestV, 3 * bestV + 3), 3 * lines.landmark[l]);
    }
  }
  const proj = projectPoints(pts, pose, camera);
  const targets = new Float32Array(points.count * 2);
  for (let i = 0; i < points.count; i++) { targets[2 * i] = proj[3 * i]; targets[2 * i + 1] = proj[3 * i + 1]; }
  return { identity, expression, pose, camera, positions, targets };
}
