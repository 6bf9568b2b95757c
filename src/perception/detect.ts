/**
 * Face detection on a full-size image: runs BlazeFace on the planned views (the whole image at the
 * scale of the smallest face wanted, plus whole-image views for large faces), maps every hit to
 * image pixels and merges duplicates. Every hit, down to a low score, unless already sure, is
 * looked at again, zoomed in, by the BlazeFace "front" model (7x cheaper per run than the "back"
 * model on a 256 px view, and accurate on faces that fill a good part of its view), whose score
 * decides.
 */
import { BLAZEFACE_KEYPOINTS, BlazeFaceKeypoint, type BlazeFace, type RawDetection } from './blazeface.js';
import { planViews, viewAffine, type DetectionView } from './detection-views.js';
import { applyAffine, sampleAffine, type Affine, type ImagePyramid } from '../base/image-sampling.js';
import { clusterByOverlap } from './nms.js';
import type { Rect } from '../base/rect.js';

/** A face found by the detector, in image pixels. */
export interface FaceDetection {
  /** Axis-aligned bounds of the detector box (eyebrows to mouth, cheek to cheek). */
  box: Rect;
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
  /** Smallest detector box side (image pixels) to find; the detection work grows as 1 / minFaceSize². */
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
/**
 * Hits from this score up are checked again in a zoomed view. The grid sees each face once, so this
 * is kept low: upside-down faces and near profiles can score 0.2-0.3 there.
 */
const PROPOSAL_SCORE = 0.25;
/** Share of the zoomed view's side that the face box fills (BlazeFace is surest at 15-40%). */
const ZOOM_FRACTION = 0.25;
/**
 * A re-check reading from this score up, but below the acceptance score, is looked at once more,
 * centred on itself (this finds small faces that the grid placed badly; on the turned sample
 * photos a quarter of the retries from 0.4 up succeeded, a sixth of those from 0.3 to 0.4).
 */
const RETRY_SCORE = 0.4;
/**
 * A proposal this sure is taken without a re-check, and a re-check this sure of the upright view
 * is not repeated upside down. On turned copies of the sample photos (scripts/perception-recall.ts),
 * no proposal from 0.8 up failed its re-check, none from 0.85 up was read the wrong way round, and
 * the upside-down view never scored higher once the upright one reached 0.85 (an upside-down face
 * read as upright still scores up to 0.8 in the upright view).
 */
const SURE_SCORE = 0.9;
/**
 * A re-check reading is of the proposal's face when centred in its box and at most this much
 * larger or smaller: weak proposals are sized up to ~1.5x off, and a looser bound (2x) let
 * clutter next to small proposals through.
 */
const READING_SIZE_RATIO = 1.5;

/** `models.back` runs on the planned grid, `models.front` on the whole-image views and the zoomed re-checks. */
export async function detectFaces(models: { back: BlazeFace; front: BlazeFace }, pyramid: ImagePyramid, options: DetectFacesOptions): Promise<FaceDetection[]> {
  const { width, height } = pyramid.base;
  const inputs = new Map<number, Float32Array>();
  const run = async (view: DetectionView, minScore: number): Promise<FaceDetection[]> => {
    const values = view.width * view.height * 3;
    let input = inputs.get(values);
    if (!input) inputs.set(values, (input = new Float32Array(values)));
    const affine = viewAffine(view);
    sampleAffine(pyramid, affine, view.width, view.height, { out: input, scale: 1 / 127.5, bias: -1, border: 'zero' });
    const hits: FaceDetection[] = [];
    for (const raw of await models[view.model].detect(input, view.height, view.width, minScore)) {
      if (!isCut(raw, view)) hits.push(toImage(raw, affine, view.scale));
    }
    return hits;
  };

  // Pass 1: the planned views, keeping weak hits too as proposals.
  const proposalScore = Math.min(options.minScore, PROPOSAL_SCORE);
  const found: FaceDetection[] = [];
  const plan = planViews(width, height, { ...options, backSize: models.back.inputSize, frontSize: models.front.inputSize });
  for (const view of plan) {
    for (const hit of await run(view, proposalScore)) if (hit.size >= options.minFaceSize) found.push(hit);
  }
  const proposals = clusterByOverlap(found, (d) => d.box, (d) => d.score, MERGE_IOU).map(mergeDetections);

  // Pass 2: every proposal is looked at again by the front model in a view centred on it, levelled
  // on its keypoints (`faceAngle`) and zoomed so the face fills a quarter of the view, where
  // BlazeFace is surest. This confirms faces that were weak at first (small, looking down, profile)
  // and drops most false hits (blurred blobs, badges, dark corners), which rarely survive the closer
  // look. The view is also tried turned upside down: the first pass often reads an upside-down face
  // as upright, keypoints included, and the re-check's keypoints orient the landmark crops.
  const reread = async (d: FaceDetection, minScore: number): Promise<FaceDetection | undefined> => {
    let best: FaceDetection | undefined;
    for (const turn of [0, Math.PI]) {
      if (best && best.score >= SURE_SCORE) break;
      for (const r of await run(zoomView(d, turn, models.front.inputSize), minScore)) {
        if (isSameFace(r, d, READING_SIZE_RATIO) && (!best || r.score > best.score)) best = r;
      }
    }
    return best;
  };
  // Proposals are taken best first; one centred inside a face already confirmed, at a similar
  // size, is another reading of that face and is not looked at again, and a sure one is taken as is.
  const retryScore = Math.min(options.minScore, RETRY_SCORE);
  const accepted: FaceDetection[] = [];
  for (const proposal of proposals) {
    if (accepted.some((a) => isSameFace(proposal, a, 2))) continue;
    if (proposal.score >= SURE_SCORE) {
      accepted.push(proposal);
      continue;
    }
    let best = await reread(proposal, retryScore);
    // A weak reading is often of a face that the coarse view placed or sized badly (the zoomed view
    // then shows it off-centre or too small): look again, centred on that reading.
    if (best && best.score < options.minScore) best = await reread(best, options.minScore);
    if (best) accepted.push(best);
  }
  return clusterByOverlap(accepted, (d) => d.box, (d) => d.score, MERGE_IOU).map(mergeDetections);
}

/** `d` is a reading of `face`: its centre lies in `face`'s box and their sizes differ by less than `maxRatio`. */
function isSameFace(d: FaceDetection, face: FaceDetection, maxRatio: number): boolean {
  const { x, y, width, height } = face.box;
  return d.cx > x && d.cx < x + width && d.cy > y && d.cy < y + height && d.size < maxRatio * face.size && face.size < maxRatio * d.size;
}

/**
 * A view centred on a detection, levelled on its keypoints and turned by `turn` radians more,
 * in which the detection's box spans ZOOM_FRACTION of the view side.
 */
function zoomView(d: FaceDetection, turn: number, inputSize: number): DetectionView {
  return {
    cx: d.cx,
    cy: d.cy,
    width: inputSize,
    height: inputSize,
    scale: d.size / ZOOM_FRACTION / inputSize,
    angle: faceAngle(d) + turn,
    model: 'front',
    cut: { left: false, top: false, right: false, bottom: false },
  };
}

function isCut(raw: RawDetection, view: DetectionView): boolean {
  const { cut } = view;
  return (cut.left && raw.cx - raw.width / 2 < CUT_MARGIN)
    || (cut.right && raw.cx + raw.width / 2 > view.width - CUT_MARGIN)
    || (cut.top && raw.cy - raw.height / 2 < CUT_MARGIN)
    || (cut.bottom && raw.cy + raw.height / 2 > view.height - CUT_MARGIN);
}

/** A raw detection mapped through `affine` (detector input to image pixels, `scale` image pixels per input pixel). */
function toImage(raw: RawDetection, affine: Affine, scale: number): FaceDetection {
  const [cx, cy] = applyAffine(affine, raw.cx, raw.cy);
  const keypoints = new Float32Array(2 * BLAZEFACE_KEYPOINTS);
  for (let k = 0; k < BLAZEFACE_KEYPOINTS; k++) {
    const [x, y] = applyAffine(affine, raw.keypoints[2 * k]!, raw.keypoints[2 * k + 1]!);
    keypoints[2 * k] = x;
    keypoints[2 * k + 1] = y;
  }
  // Axis-aligned bounds of the (possibly rotated) detector box.
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const [du, dv] of [[-1, -1], [1, -1], [1, 1], [-1, 1]] as const) {
    const [x, y] = applyAffine(affine, raw.cx + du * raw.width / 2, raw.cy + dv * raw.height / 2);
    minX = Math.min(minX, x); maxX = Math.max(maxX, x);
    minY = Math.min(minY, y); maxY = Math.max(maxY, y);
  }
  return {
    box: { x: minX, y: minY, width: maxX - minX, height: maxY - minY },
    cx, cy,
    size: Math.max(raw.width, raw.height) * scale,
    keypoints,
    score: raw.score,
  };
}

/**
 * Score-weighted average of overlapping detections of one face (MediaPipe's "weighted" NMS),
 * over the members that agree with the best one on which way the face is turned (their `faceAngle`s
 * within 45 degrees), so that a reading of an upside-down face as upright does not blend in.
 */
function mergeDetections(cluster: FaceDetection[]): FaceDetection {
  const leader = cluster[0]!;
  const group = cluster.filter((d) => Math.cos(faceAngle(d) - faceAngle(leader)) > Math.SQRT1_2);
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

/**
 * Roll of a detected face, radians (0 for an upright face): the direction of its left-right axis,
 * taken from the right-to-left eye line plus the eyes-to-mouth line turned by 90 degrees. On a
 * near profile the two eye keypoints fall together and their line points anywhere; the mouth
 * line then decides.
 */
export function faceAngle(d: FaceDetection): number {
  const k = d.keypoints;
  const r = 2 * BlazeFaceKeypoint.rightEye, l = 2 * BlazeFaceKeypoint.leftEye, m = 2 * BlazeFaceKeypoint.mouth;
  const ex = k[l]! - k[r]!, ey = k[l + 1]! - k[r + 1]!;
  const dx = k[m]! - (k[l]! + k[r]!) / 2, dy = k[m + 1]! - (k[l + 1]! + k[r + 1]!) / 2;
  return Math.atan2(ey - dx, ex + dy);
}
