/**
 * Face detection on a full-size image: runs BlazeFace on the planned views (whole image, then
 * overlapping tiles for small faces), maps every hit to image pixels and merges duplicates.
 * Every hit, down to a low score, is looked at again, zoomed in, by a second detector (BlazeFace
 * "front", 4x cheaper than the full-image "back" model and accurate on faces that fill a good part
 * of its view), whose score decides.
 */
import { BLAZEFACE_KEYPOINTS, BlazeFaceKeypoint, type BlazeFace, type RawDetection } from './blazeface.js';
import { planViews, type DetectionView } from './detection-views.js';
import { applyAffine, sampleAffine, squareCropAffine, type ImagePyramid } from './image-sampling.js';
import { clusterByOverlap, intersectionOverUnion, type Box } from './nms.js';

/** A face found by the detector, in image pixels. */
export interface FaceDetection {
  /** Axis-aligned bounds of the detector box (eyebrows to mouth, cheek to cheek). */
  box: Box;
  /** Centre of the detector box. */
  cx: number;
  cy: number;
  /** Longer side of the detector box, measured in the face's own (upright) frame. */
  size: number;
  /** BlazeFace keypoints as x, y pairs, in `BlazeFaceKeypoint` order. */
  keypoints: Float32Array;
  score: number;
}

export interface DetectFacesOptions {
  /** Smallest detector box side (image pixels) to find; smaller values add tile passes. */
  minFaceSize: number;
  /** Score the zoomed re-check must reach, in (0, 1). */
  minScore: number;
  /** Also search the image turned by 90, 180 and 270 degrees. */
  allRotations: boolean;
}

/** Detections closer than this (detector-input pixels) to a side that cuts through the image are partial faces. */
const CUT_MARGIN = 4;
/** Detections of one face overlap far more than this; different faces rarely do. */
const MERGE_IOU = 0.3;
/** Hits from this score up are checked again in a zoomed view. */
const PROPOSAL_SCORE = 0.3;
/** Share of the zoomed view's side that the face box fills (BlazeFace is surest at 15-40%). */
const ZOOM_FRACTION = 0.25;

/** `detector` runs on the planned views; `verifier` (may be the same model) re-checks each hit in a zoomed view. */
export async function detectFaces(detector: BlazeFace, verifier: BlazeFace, pyramid: ImagePyramid, options: DetectFacesOptions): Promise<FaceDetection[]> {
  const { width, height } = pyramid.base;
  const inputs = new Map<number, Float32Array>();
  const run = async (view: DetectionView, minScore: number, model = detector): Promise<FaceDetection[]> => {
    const size = model.inputSize;
    let input = inputs.get(size);
    if (!input) inputs.set(size, (input = new Float32Array(size * size * 3)));
    sampleAffine(pyramid, view.affine, size, size, { out: input, scale: 1 / 127.5, bias: -1, border: 'zero' });
    const hits: FaceDetection[] = [];
    for (const raw of await model.detect(input, minScore)) {
      if (!isCut(raw, view, size)) hits.push(toImage(raw, view));
    }
    return hits;
  };

  // Pass 1: the planned views, keeping weak hits too as proposals.
  const proposalScore = Math.min(options.minScore, PROPOSAL_SCORE);
  const found: FaceDetection[] = [];
  for (const view of planViews(width, height, detector.inputSize, options)) {
    for (const hit of await run(view, proposalScore)) if (hit.size >= options.minFaceSize) found.push(hit);
  }
  const proposals = clusterByOverlap(found, (d) => d.box, (d) => d.score, MERGE_IOU).map(mergeDetections);

  // Pass 2: every proposal is looked at again by the verifier in a view centred on it, levelled on
  // its eye keypoints and zoomed so the face fills a quarter of the view, where BlazeFace is surest.
  // This confirms faces that were weak at first (small, looking down, profile) and drops most
  // false hits (blurred blobs, badges, dark corners), which rarely survive the closer look.
  // The view is also tried turned upside down: the first pass often reads an upside-down face as
  // upright, eye keypoints included, and the re-check's eye keypoints orient the landmark crops.
  const accepted: FaceDetection[] = [];
  for (const proposal of proposals) {
    let best: FaceDetection | undefined;
    for (const turn of [0, Math.PI]) {
      for (const d of await run(zoomView(proposal, turn, verifier.inputSize), options.minScore, verifier)) {
        if (intersectionOverUnion(d.box, proposal.box) > MERGE_IOU && (!best || d.score > best.score)) best = d;
      }
    }
    if (best) accepted.push(best);
  }
  return clusterByOverlap(accepted, (d) => d.box, (d) => d.score, MERGE_IOU).map(mergeDetections);
}

/**
 * A view centred on a detection, levelled on its eye keypoints and turned by `turn` radians more,
 * in which the detection's box spans ZOOM_FRACTION of the view side.
 */
function zoomView(d: FaceDetection, turn: number, inputSize: number): DetectionView {
  const angle = eyeLineAngle(d) + turn;
  const side = d.size / ZOOM_FRACTION;
  return {
    affine: squareCropAffine(d.cx, d.cy, side, angle, inputSize),
    scale: side / inputSize,
    cut: { left: false, top: false, right: false, bottom: false },
  };
}

function isCut(raw: RawDetection, view: DetectionView, inputSize: number): boolean {
  const { cut } = view;
  return (cut.left && raw.cx - raw.width / 2 < CUT_MARGIN)
    || (cut.right && raw.cx + raw.width / 2 > inputSize - CUT_MARGIN)
    || (cut.top && raw.cy - raw.height / 2 < CUT_MARGIN)
    || (cut.bottom && raw.cy + raw.height / 2 > inputSize - CUT_MARGIN);
}

function toImage(raw: RawDetection, view: DetectionView): FaceDetection {
  const [cx, cy] = applyAffine(view.affine, raw.cx, raw.cy);
  const keypoints = new Float32Array(2 * BLAZEFACE_KEYPOINTS);
  for (let k = 0; k < BLAZEFACE_KEYPOINTS; k++) {
    const [x, y] = applyAffine(view.affine, raw.keypoints[2 * k]!, raw.keypoints[2 * k + 1]!);
    keypoints[2 * k] = x;
    keypoints[2 * k + 1] = y;
  }
  // Axis-aligned bounds of the (possibly rotated) detector box.
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const [du, dv] of [[-1, -1], [1, -1], [1, 1], [-1, 1]] as const) {
    const [x, y] = applyAffine(view.affine, raw.cx + du * raw.width / 2, raw.cy + dv * raw.height / 2);
    minX = Math.min(minX, x); maxX = Math.max(maxX, x);
    minY = Math.min(minY, y); maxY = Math.max(maxY, y);
  }
  return {
    box: { x: minX, y: minY, width: maxX - minX, height: maxY - minY },
    cx, cy,
    size: Math.max(raw.width, raw.height) * view.scale,
    keypoints,
    score: raw.score,
  };
}

/**
 * Score-weighted average of overlapping detections of one face (MediaPipe's "weighted" NMS),
 * over the members that agree with the best one on which way the face is turned (their eye lines
 * within 45 degrees), so that a reading of an upside-down face as upright does not blend in.
 */
function mergeDetections(cluster: FaceDetection[]): FaceDetection {
  const leader = cluster[0]!;
  const group = cluster.filter((d) => Math.cos(eyeLineAngle(d) - eyeLineAngle(leader)) > Math.SQRT1_2);
  if (group.length === 1) return leader;
  let total = 0;
  const acc = { x: 0, y: 0, width: 0, height: 0, cx: 0, cy: 0, size: 0 };
  const keypoints = new Float32Array(2 * BLAZEFACE_KEYPOINTS);
  for (const d of group) {
    const w = d.score;
    total += w;
    acc.x += w * d.box.x; acc.y += w * d.box.y; acc.width += w * d.box.width; acc.height += w * d.box.height;
    acc.cx += w * d.cx; acc.cy += w * d.cy; acc.size += w * d.size;
    for (let i = 0; i < keypoints.length; i++) keypoints[i] += w * d.keypoints[i]!;
  }
  for (let i = 0; i < keypoints.length; i++) keypoints[i] /= total;
  return {
    box: { x: acc.x / total, y: acc.y / total, width: acc.width / total, height: acc.height / total },
    cx: acc.cx / total,
    cy: acc.cy / total,
    size: acc.size / total,
    keypoints,
    score: leader.score,
  };
}

/** Direction from the right-eye to the left-eye keypoint, radians (0 for an upright face). */
export function eyeLineAngle(d: FaceDetection): number {
  const k = d.keypoints;
  const r = 2 * BlazeFaceKeypoint.rightEye, l = 2 * BlazeFaceKeypoint.leftEye;
  return Math.atan2(k[l + 1]! - k[r + 1]!, k[l]! - k[r]!);
}
