/**
 * Plans the views the face detector looks at so that faces of every size from `minFaceSize` up to
 * larger than the image are seen at a scale a detector handles.
 *
 * Measured on the sample faces (scripts/perception-scale-range.ts), as a share of the side of a
 * model's square training input: the BlazeFace "back" model (256 px) proposes faces from 4% (95%
 * of them; all from 5%) to about 90%; the "front" model (128 px, 7x cheaper) from 13% to about 90%.
 *
 * - The grid: the back model looks at the whole image at once, resampled so that a face of
 *   `minFaceSize` spans MIN_FACE_FRACTION of 256 input pixels. It finds faces from there up to
 *   ~230 input pixels (20x larger). Above MAX_GRID_SIDE input pixels the grid is split into
 *   overlapping tiles, which keeps the model's working memory bounded.
 * - The front model looks at the whole image squeezed into its 128 px input (faces from ~13% of
 *   the image's longer side) and into a square twice that size (faces up to ~180% of it).
 */
import { cropAffine, type Affine } from '../base/image-sampling.js';

/** Smallest face box the back model still finds, as a fraction of its training input side. */
export const MIN_FACE_FRACTION = 0.04;
/** Longest grid side (detector input pixels) looked at in one run; larger grids are tiled (a 1024x1024 run needs ~150 MB of wasm heap). */
export const MAX_GRID_SIDE = 1024;
/**
 * Overlap of grid tiles, as a fraction of the image's longer side: faces up to this size must fit
 * whole in some tile, as smaller ones are not surely found by the whole-image front view.
 */
const GRID_OVERLAP = 0.2;

/** 'back': BlazeFace full-range model; 'front': its short-range model, for large faces and re-checks. */
export type DetectorModel = 'back' | 'front';

export interface DetectionView {
  /** Image point at the centre of the view. */
  cx: number;
  cy: number;
  /** Detector input size, pixels. */
  width: number;
  height: number;
  /** Image pixels per input pixel. */
  scale: number;
  /** Turn of the view, radians (clockwise on screen). */
  angle: number;
  model: DetectorModel;
  /** Which sides of the view (in its own frame) cut through the image: faces touching them may be partial. */
  cut: { left: boolean; top: boolean; right: boolean; bottom: boolean };
}

export interface ViewPlanOptions {
  /** Smallest face box side (image pixels) the plan must find. */
  minFaceSize: number;
  /** Also look at the whole image turned by 90, 180 and 270 degrees (finds faces at any roll). */
  allRotations: boolean;
  /** Training input side of the back model (256; grid inputs are multiples of an eighth of it) and of the front model (128). */
  backSize: number;
  frontSize: number;
}

/** Maps detector-input coordinates of `view` to image coordinates. */
export function viewAffine(view: DetectionView): Affine {
  return cropAffine(view.cx, view.cy, view.scale, view.angle, view.width, view.height);
}

export function planViews(width: number, height: number, options: ViewPlanOptions): DetectionView[] {
  const longSide = Math.max(width, height);
  const { backSize, frontSize } = options;
  const upright: Array<Omit<DetectionView, 'cut'>> = [];
  for (const side of [longSide, 2 * longSide]) {
    upright.push({ cx: width / 2, cy: height / 2, width: frontSize, height: frontSize, scale: side / frontSize, angle: 0, model: 'front' });
  }
  const scale = options.minFaceSize / (MIN_FACE_FRACTION * backSize);
  const multiple = backSize / 8;
  const overlap = GRID_OVERLAP * longSide / scale;
  const xs = gridSpans(width / scale, overlap, multiple), ys = gridSpans(height / scale, overlap, multiple);
  for (const y of ys) {
    for (const x of xs) {
      upright.push({ cx: (x.centre) * scale, cy: (y.centre) * scale, width: x.length, height: y.length, scale, angle: 0, model: 'back' });
    }
  }
  const views: DetectionView[] = [];
  for (const quarter of options.allRotations ? [0, 1, 2, 3] : [0]) {
    for (const v of upright) {
      const turned = quarter % 2 === 1 ? { ...v, width: v.height, height: v.width } : { ...v };
      turned.angle = (quarter * Math.PI) / 2;
      views.push({ ...turned, cut: cutSides(turned, width, height) });
    }
  }
  return views;
}

/**
 * Splits [0, length) (grid pixels) into spans no longer than MAX_GRID_SIDE, overlapping by at
 * least `overlap`, each a multiple of `multiple` long; returns their lengths and centres.
 */
function gridSpans(length: number, overlap: number, multiple: number): Array<{ centre: number; length: number }> {
  const roundUp = (x: number): number => Math.max(multiple, Math.ceil(x / multiple) * multiple);
  if (length <= MAX_GRID_SIDE) return [{ centre: length / 2, length: roundUp(length) }];
  const o = Math.min(overlap, MAX_GRID_SIDE / 2);
  const count = Math.ceil((length - o) / (MAX_GRID_SIDE - o));
  const span = roundUp((length + (count - 1) * o) / count);
  const step = (length - span) / (count - 1);
  return Array.from({ length: count }, (_, i) => ({ centre: i * step + span / 2, length: span }));
}

/** A side of the view cuts through the image when its midpoint lies inside the image. */
function cutSides(view: Omit<DetectionView, 'cut'>, width: number, height: number): DetectionView['cut'] {
  const m = cropAffine(view.cx, view.cy, view.scale, view.angle, view.width, view.height);
  const inside = (u: number, v: number): boolean => {
    const x = m[0] * u + m[1] * v + m[2], y = m[3] * u + m[4] * v + m[5];
    return x > 0.5 && x < width - 0.5 && y > 0.5 && y < height - 0.5;
  };
  const w = view.width, h = view.height;
  return { left: inside(0, h / 2), top: inside(w / 2, 0), right: inside(w, h / 2), bottom: inside(w / 2, h) };
}
