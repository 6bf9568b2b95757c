/**
 * A hand or an object over part of the face, for the realistic kind: drawn over the picture at a
 * landmark (chin, mouth, cheek, eye, nose), sized by the face width. A hand is a palm and five
 * fingers in the face's own skin tone; an object a rounded slab (phone, cup) in a flat colour.
 * Both shaded by a gradient across them.
 */
import type { RgbImage } from '../../src/base/image.js';
import { srgbToLinear } from '../../src/base/colour.js';
import { blendOver, polygonCoverage, strokeCoverage, type Point } from './draw.js';
import type { OccluderParams } from './nuisances.js';

/** The pixel mask (coverage) of the occluder. */
export function occluderCoverage(width: number, height: number, o: OccluderParams, anchor: Point, faceWidthPx: number): Float32Array {
  const size = o.size * faceWidthPx;
  const cx = anchor[0] + o.offset[0] * faceWidthPx, cy = anchor[1] + o.offset[1] * faceWidthPx;
  const ca = Math.cos(o.angle), sa = Math.sin(o.angle);
  // Local frame: u across, v along the fingers (up in the picture before rotation).
  const at = (u: number, v: number): Point => [cx + size * (u * ca - v * sa), cy + size * (u * sa + v * ca)];
  if (o.kind === 'object') {
    const corners: Point[] = [];
    for (const [qx, qy, a0] of [[0.3, -0.5, -Math.PI / 2], [0.3, 0.5, 0], [-0.3, 0.5, Math.PI / 2], [-0.3, -0.5, Math.PI]] as const) {
      for (let k = 0; k <= 4; k++) { const t = a0 + (k / 4) * (Math.PI / 2); corners.push(at(qx + 0.08 * Math.cos(t), qy + 0.08 * Math.sin(t))); }
    }
    return polygonCoverage(width, height, corners);
  }
  const palm: Point[] = Array.from({ length: 32 }, (_, k) => { const t = (2 * Math.PI * k) / 32; return at(0.32 * Math.cos(t), 0.1 + 0.36 * Math.sin(t)); });
  const cover = polygonCoverage(width, height, palm);
  const fingers: [number, number, number][] = [[-0.22, -0.55, 0.07], [-0.07, -0.68, 0.075], [0.08, -0.66, 0.075], [0.22, -0.55, 0.065]];
  for (const [u, v, r] of fingers) add(cover, strokeCoverage(width, height, [at(u, -0.05), at(u * 1.1, v)], r * size));
  add(cover, strokeCoverage(width, height, [at(0.28, 0.2), at(0.55, -0.1)], 0.075 * size));
  return cover;
}

/** Draws the occluder; `skin` is the face's skin colour (sRGB), used for a hand. */
export function drawOccluder(image: RgbImage, o: OccluderParams, anchor: Point, faceWidthPx: number, skin: readonly number[], light: number): Float32Array {
  const cover = occluderCoverage(image.width, image.height, o, anchor, faceWidthPx);
  const base = (o.kind === 'hand' ? skin.map((c, k) => c * [1.02, 0.96, 0.95][k]) : o.colour).map((c) => srgbToLinear(Math.min(255, c) / 255) * light);
  const ca = Math.cos(o.angle + 0.6), sa = Math.sin(o.angle + 0.6);
  const cx = anchor[0], cy = anchor[1];
  blendOver(image, cover, (x, y, out) => {
    const g = 0.75 + 0.3 * Math.tanh(((x - cx) * ca + (y - cy) * sa) / (0.3 * faceWidthPx));
    for (let c = 0; c < 3; c++) out[c] = base[c] * g;
  });
  return cover;
}

function add(into: Float32Array, more: Float32Array): void {
  for (let p = 0; p < into.length; p++) into[p] = Math.min(1, into[p] + more[p]);
}
