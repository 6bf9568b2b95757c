/**
 * Turns detector hits into landmarked faces: FaceMesh on an upright crop around each detection,
 * a second pass on the crop re-centred on the first pass's landmarks, duplicate removal, then
 * Iris on the eyes, a rough head rotation, and how far the landmarks can be trusted (confidence.ts).
 */
import type { FaceDetection } from './detect.js';
import type { FaceMesh, MeshResult } from './facemesh.js';
import { headRotation } from './head-pose.js';
import type { ImagePyramid } from '../base/image-sampling.js';
import type { Iris } from './iris.js';
import { clusterByOverlap, intersectionOverSmaller } from './nms.js';
import { pointBounds, type Rect } from '../base/rect.js';
import { roiFromDetection, roiFromLandmarks } from './roi.js';
import { faceConfidence } from './confidence.js';
import { landmarkDisagreement, landmarkFaceSize, perturbedRoi } from './landmark-agreement.js';
import { faceSharpness } from './sharpness.js';
import type { DetectedFace } from './types.js';

export interface LandmarkOptions {
  /** Run FaceMesh a second time on the crop framed by the first pass's landmarks. */
  refine: boolean;
  /** Faces whose FaceMesh face probability is below this are dropped. */
  minMeshScore: number;
  /** Keep at most this many faces (the largest). */
  maxFaces: number;
}

/** Refinement passes at most (the first always runs when refining; more only for unsure faces). */
const MAX_REFINEMENTS = 3;
/** FaceMesh face probability above which a mesh needs no further passes. */
const SURE_MESH_SCORE = 0.5;
/**
 * Two meshes are the same face found twice when one's bounds cover more than this share of the
 * other's. A detection with misread eye keypoints gives a crooked crop and a distorted mesh that
 * is shifted and rotated against the good one, so plain IoU misses these duplicates.
 */
const DUPLICATE_OVERLAP = 0.4;

export async function landmarkFaces(
  models: { mesh: FaceMesh; iris?: Iris | undefined },
  pyramid: ImagePyramid,
  detections: readonly FaceDetection[],
  options: LandmarkOptions,
): Promise<DetectedFace[]> {
  const first = await models.mesh.run(pyramid, detections.map(roiFromDetection));
  const tracks = first.map((mesh, i) => ({ detection: detections[i]!, best: mesh, last: mesh }));
  // The crop framed by the previous pass's landmarks is closer to what FaceMesh was trained on, so
  // a refined result is usually more accurate and is preferred when about as sure. On strong
  // profiles the face probability swings from pass to pass, so unsure faces get a few more passes
  // and keep their surest one.
  for (let pass = 0; options.refine && pass < MAX_REFINEMENTS; pass++) {
    const todo = tracks.filter((t) => pass === 0 || t.best.score < SURE_MESH_SCORE);
    if (todo.length === 0) break;
    const refined = await models.mesh.run(pyramid, todo.map((t) => roiFromLandmarks(t.last.points)));
    todo.forEach((t, i) => {
      const mesh = refined[i]!;
      if (mesh.score >= Math.min(t.best.score, SURE_MESH_SCORE)) t.best = mesh;
      t.last = mesh;
    });
  }
  const faces = tracks
    .filter((t) => t.best.score >= options.minMeshScore)
    .map((t) => ({ mesh: t.best, detection: t.detection }));
  const withBoxes = faces.map((f) => ({ ...f, box: pointBounds(f.mesh.points, 3) }));
  // Of duplicates, keep the one both models are surest of.
  const unique = clusterByOverlap(withBoxes, (f) => f.box, (f) => f.mesh.score * f.detection.score, DUPLICATE_OVERLAP, intersectionOverSmaller)
    .map((group) => group[0]!)
    .sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height)
    .slice(0, options.maxFaces);
  const irises = models.iris ? await models.iris.run(pyramid, unique.map((f) => f.mesh.points)) : undefined;
  const secondLooks = await models.mesh.run(pyramid, unique.map((f) => perturbedRoi(f.mesh.points)));
  return unique.map((f, i) => {
    const face = toDetectedFace(f, irises?.[i]);
    face.confidence = faceConfidence({
      sharpness: faceSharpness(pyramid, f.mesh.points),
      faceSizePx: landmarkFaceSize(f.mesh.points),
      disagreement: landmarkDisagreement(f.mesh.points, secondLooks[i]!.points),
    });
    return face;
  });
}

function toDetectedFace(f: { mesh: MeshResult; detection: FaceDetection; box: Rect }, eyes: { irises: Float32Array; eyelids: Float32Array } | undefined): DetectedFace {
  const face: DetectedFace = {
    box: f.box,
    score: f.detection.score,
    landmarks: f.mesh.points,
    meshScore: f.mesh.score,
    rotation: headRotation(f.mesh.points),
  };
  if (eyes) { face.irises = eyes.irises; face.eyelids = eyes.eyelids; }
  return face;
}

