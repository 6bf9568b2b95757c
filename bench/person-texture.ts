/**
 * The fused texture of several photos of one person against the person's true albedo: each of the
 * first photos' own completed albedo (completeFaceAlbedo of that photo alone, after the person's
 * shared-identity reconstruction) and the albedo fused from all of them (completeFaceAlbedo with the
 * others), scored over the whole face tile (observed, mirrored and synthesised texels alike).
 * Part of the multi-view bench (BENCH_MULTI_VIEW_TEXTURE=1).
 */
import type { RgbImage } from '../src/base/image.js';
import { linearToSrgb, srgbToLinear } from '../src/base/colour.js';
import type { MorphableModel } from '../src/model/types.js';
import type { FaceDetector } from '../src/perception/index.js';
import type { LandmarkModel } from '../src/fit/landmark-fit.js';
import { reconstructPerson } from '../src/pipeline/reconstruct-person.js';
import { completeFaceAlbedo } from '../src/pipeline/outputs.js';
import { poseAngles } from '../src/base/camera.js';
import { paintAlbedo, type AlbedoLayout } from './synthetic/albedo.js';
import type { FacePicture } from './synthetic/face-picture.js';

export interface PersonTextureErrors {
  /** Error of each photo's own albedo, in the photos' order. */
  single: number[];
  /** Which of them is the most frontal (it sets the fused albedo's exposure and white balance). */
  reference: number;
  /** Error of the albedo fused from every photo. */
  fused: number;
  /** Milliseconds of the fused completion. */
  fusedMs: number;
}

/**
 * Mean absolute sRGB difference (8-bit units, over channels) between `albedo` (the face's UV square,
 * any size) and the true face tile, over the tile's face texels, after one gain per channel (the
 * median true / fitted linear ratio: albedo and light trade a global scale, which no photo settles).
 */
export function albedoError(albedo: RgbImage, truth: RgbImage, layout: AlbedoLayout): number {
  const T = truth.width, step = albedo.width / T;
  const pairs: [number, number][][] = [[], [], []];
  for (let p = 0; p < T * T; p++) {
    if (!(layout.facePositions[3 * p] === layout.facePositions[3 * p])) continue;
    const x = Math.min(albedo.width - 1, Math.floor(((p % T) + 0.5) * step)), y = Math.min(albedo.height - 1, Math.floor((Math.floor(p / T) + 0.5) * step));
    for (let c = 0; c < 3; c++) pairs[c].push([srgbToLinear(albedo.data[3 * (y * albedo.width + x) + c] / 255), srgbToLinear(truth.data[3 * p + c] / 255)]);
  }
  let sum = 0, n = 0;
  for (let c = 0; c < 3; c++) {
    const ratios = pairs[c].filter(([a]) => a > 1e-3).map(([a, t]) => t / a).sort((a, b) => a - b);
    const gain = ratios[ratios.length >> 1] ?? 1;
    for (const [a, t] of pairs[c]) { sum += Math.abs(linearToSrgb(Math.min(1, a * gain)) - linearToSrgb(t)) * 255; n++; }
  }
  return sum / n;
}

export async function personTextureErrors(
  model: MorphableModel, landmarks: LandmarkModel, detector: FaceDetector, layout: AlbedoLayout, pictures: readonly FacePicture[],
): Promise<PersonTextureErrors> {
  const truth = paintAlbedo(layout, pictures[0].truth.albedo).tiles[0];
  const person = await reconstructPerson({ model, landmarks, detector }, pictures.map((p, i) => ({ name: `view${i}`, image: p.image })));
  const single = person.views.map((v) => albedoError(completeFaceAlbedo(model, v.image, v).albedo, truth, layout));
  const turn = (v: (typeof person.views)[number]) => { const a = poseAngles(v.pose.rotation); return Math.hypot(a.yaw, a.pitch); };
  const best = person.views.reduce((b, v) => (turn(v) < turn(b) ? v : b));
  const t0 = performance.now();
  const fused = completeFaceAlbedo(model, best.image, best, person.views.filter((v) => v !== best).map((v) => ({ photo: v.image, face: v }))).albedo;
  return { single, reference: person.views.indexOf(best), fused: albedoError(fused, truth, layout), fusedMs: performance.now() - t0 };
}
