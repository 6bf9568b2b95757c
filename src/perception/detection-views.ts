/**
 * Plans the square views the face detector looks at so that faces of every size from
 * `minFaceSize` up to larger than the image are seen at a scale the detector handles.
 *
 * The BlazeFace "back" model finds faces whose box is about 4% to 60% of its input side
 * (measured: 10 to 150 px faces in its 256 px input; below ~10% its scores are low, so every hit
 * is re-checked zoomed in, see detect.ts). Level 0 shows the whole image shrunk into a square twice
 * its long side (faces up to ~120% of the image); level 1 the whole image (faces from ~4% of the
 * long side); each further level halves the view side and tiles the image with overlapping
 * squares, until the smallest face a level finds is at most `minFaceSize`.
 */
import { squareCropAffine, type Affine } from './image-sampling.js';

/** Smallest face box the detector still finds, as a fraction of its input side. */
export const MIN_FACE_FRACTION = 0.04;
/** Overlap between neighbouring tiles, as a fraction of the tile side (must exceed the largest face a tile has to catch whole). */
const TILE_OVERLAP = 0.25;

export interface DetectionView {
  /** Maps detector-input coordinates (0..inputSize) to image coordinates. */
  affine: Affine;
  /** Image pixels per detector-input pixel. */
  scale: number;
  /** Which sides of the view cut through the image (faces touching them may be partial). */
  cut: { left: boolean; top: boolean; right: boolean; bottom: boolean };
}

export interface ViewPlanOptions {
  /** Smallest face box side (image pixels) the plan must find. */
  minFaceSize: number;
  /** Also look at the whole image turned by 90, 180 and 270 degrees (finds faces at any roll). */
  allRotations: boolean;
}

/** The view sides (image pixels) used for an image whose longer side is `longSide`. */
export function viewSides(longSide: number, minFaceSize: number): number[] {
  const sides = [2 * longSide, longSide];
  while (MIN_FACE_FRACTION * sides[sides.length - 1]! > minFaceSize) sides.push(sides[sides.length - 1]! / 2);
  return sides;
}

export function planViews(width: number, height: number, inputSize: number, options: ViewPlanOptions): DetectionView[] {
  const longSide = Math.max(width, height);
  const views: DetectionView[] = [];
  const noCut = { left: false, top: false, right: false, bottom: false };
  for (const side of viewSides(longSide, options.minFaceSize)) {
    if (side >= longSide) {
      const angles = options.allRotations ? [0, 0.5 * Math.PI, Math.PI, 1.5 * Math.PI] : [0];
      for (const angle of angles) {
        views.push({ affine: squareCropAffine(width / 2, height / 2, side, angle, inputSize), scale: side / inputSize, cut: noCut });
      }
      continue;
    }
    for (const y0 of tileStarts(height, side)) {
      for (const x0 of tileStarts(width, side)) {
        views.push({
          affine: squareCropAffine(x0 + side / 2, y0 + side / 2, side, 0, inputSize),
          scale: side / inputSize,
          cut: { left: x0 > 0.5, top: y0 > 0.5, right: x0 + side < width - 0.5, bottom: y0 + side < height - 0.5 },
        });
      }
    }
  }
  return views;
}

/** Evenly spaced tile starts covering [0, length) with tiles of `side` overlapping by TILE_OVERLAP. */
function tileStarts(length: number, side: number): number[] {
  if (length <= side) return [(length - side) / 2];
  const overlap = TILE_OVERLAP * side;
  const count = Math.ceil((length - overlap) / (side - overlap));
  const step = (length - side) / (count - 1);
  return Array.from({ length: count }, (_, i) => i * step);
}
