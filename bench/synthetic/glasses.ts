/**
 * Glasses for the realistic kind: rims around each eye and a bridge, placed in 3D in front of the
 * true eyes and projected with the true pose and camera; tinted lenses with an optional glare;
 * the temple arm on the side facing the camera.
 */
import { projectPoints, type Camera, type HeadPose } from '../../src/base/camera.js';
import type { RgbImage } from '../../src/base/image.js';
import { srgbToLinear } from '../../src/base/colour.js';
import { blendOver, polygonCoverage, strokeCoverage, type Point } from './draw.js';
import type { GlassesParams } from './nuisances.js';

/** Distance of the lenses in front of the eye corners, model units. */
const LENS_OFFSET = 1.3;

/** Draws the glasses. `eyes` are the model-frame centres of the right and left eye (from corners 36/39 and 42/45). */
export function drawGlasses(image: RgbImage, g: GlassesParams, eyes: [number, number, number][], pose: HeadPose, camera: Camera, light: number): void {
  const lens = (e: number[], side: number): number[][] => Array.from({ length: 48 }, (_, k) => {
    const t = (2 * Math.PI * k) / 48;
    const c = Math.cos(t), s = Math.sin(t);
    const p = g.shape === 'round' ? 1 : 0.3; // superellipse exponent 2/(1+p)... rectangular: squarer
    const x = Math.sign(c) * Math.abs(c) ** p * g.width, y = Math.sign(s) * Math.abs(s) ** p * g.height;
    return [e[0] + x + side * 0.2, e[1] + y - 0.15, e[2] + LENS_OFFSET - 0.15 * (x * side > 0 ? x * side : 0)];
  });
  const rims = eyes.map((e, i) => lens(e, i === 0 ? -1 : 1));
  const inner = rims.map((r, i) => r[i === 0 ? 0 : 24]);
  const outer = rims.map((r, i) => r[i === 0 ? 24 : 0]);
  const bridge = [inner[0], [(inner[0][0] + inner[1][0]) / 2, inner[0][1] + 0.35, inner[0][2] + 0.1], inner[1]];
  const arms = outer.map((o, i) => [o, [o[0] + (i === 0 ? -0.6 : 0.6), o[1] + 0.2, o[2] - 4], [o[0] + (i === 0 ? -1 : 1), o[1], o[2] - 8]]);
  const project = (pts: number[][]): Point[] => {
    const s = projectPoints(Float32Array.from(pts.flat()), pose, camera);
    return pts.map((_, k) => [s[3 * k], s[3 * k + 1]]);
  };
  const depth = pose.translation[2];
  const px = (units: number) => (units * camera.focal) / depth;
  const frame = g.frame.map((c) => srgbToLinear(c / 255) * light);
  const tint = g.tint.map((c) => srgbToLinear(c / 255) * light);
  // The arm whose side of the head faces the camera (model x axis pointing toward it).
  const facing = [-1, 1].map((s) => s * pose.rotation[6] < 0.15);
  for (let i = 0; i < 2; i++) if (facing[i]) blendOver(image, strokeCoverage(image.width, image.height, project(arms[i]), px(g.thickness) / 2), solid(frame));
  for (const rim of rims) {
    const outline = project(rim);
    if (g.tintOpacity > 0) blendOver(image, polygonCoverage(image.width, image.height, outline), solid(tint), g.tintOpacity);
    if (g.glare > 0) {
      const [a, b] = [outline[30], outline[6]]; // a diagonal band across the lens
      const band = strokeCoverage(image.width, image.height, [a, b], 0.12 * Math.hypot(b[0] - a[0], b[1] - a[1]));
      const inside = polygonCoverage(image.width, image.height, outline);
      for (let p = 0; p < band.length; p++) band[p] *= inside[p];
      blendOver(image, band, solid([0.9, 0.92, 0.95]), g.glare);
    }
    blendOver(image, strokeCoverage(image.width, image.height, [...outline, outline[0]], px(g.thickness) / 2), solid(frame));
  }
  blendOver(image, strokeCoverage(image.width, image.height, project(bridge), px(g.thickness) / 2), solid(frame));
}

function solid(colour: number[]): (x: number, y: number, out: number[]) => void {
  return (_x, _y, out) => { out[0] = colour[0]; out[1] = colour[1]; out[2] = colour[2]; };
}
