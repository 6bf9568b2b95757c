/**
 * Completed albedos of the sample photos, with the figures that say how clean and complete they are:
 * /tmp/albedo-look/<image>-face<k>-{albedo,compare,weights}.png and metrics.json.
 * weights.png: red = own observation, green = mirrored, blue = filled.
 * exclusion.png: the skin mask's crop of the photo | the same with what the texture leaves out tinted red | the non-skin colour model's probability.
 *
 * Figures per face (sRGB8 levels):
 * - flat: share of the 1024^2 texture, and of the face chart, whose 5x5 neighbourhood spans at most 2 levels in every channel;
 * - seamStep: mean |difference| between the mean luma within 12 texels on the observed side (trust >= 0.9) and
 *   on the filled side (trust <= 0.1), over the band where trust is 0.3-0.7, 30 texels or more from the charts' edges;
 * - seam: mean gradient magnitude of the 9x9-smoothed luma on the band where observed (own + mirrored)
 *   trust falls from 0.9 to 0.1, next to the same on fully observed texels (the face's own texture);
 * - tone: mean colour of the filled texels (trust < 0.05) against the mean of the observed cheeks, and their distance.
 *
 * Reconstructions are cached in /tmp/albedo-look/cache, or $ALBEDO_LOOK_CACHE (delete it after changing the fit).
 *   node --import tsx scripts/albedo-look.ts [image[:k,k...] ...]   (:k picks faces by index)
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { mediapipeLandmarkModel } from '../src/correspondence/landmark-model.js';
import { readImage } from '../src/io/read-image.js';
import { writePng } from '../src/io/write-image.js';
import { loadIctModel } from '../src/model/node/load-ict.js';
import type { MorphableModel } from '../src/model/types.js';
import { createFaceDetector } from '../src/perception/index.js';
import { nodeDetectorSetup } from '../src/perception/node-model-loader.js';
import { reconstructImage, type ImageReconstruction } from '../src/pipeline/reconstruct.js';
import { completeFaceAlbedo } from '../src/pipeline/outputs.js';
import { comparePicture, faceViews } from '../src/pipeline/compare-picture.js';
import type { RgbImage } from '../src/base/image.js';
import { skinMask, textureExclusion } from '../src/skin/index.js';
import { nonSkinModel } from '../src/skin/hair-model.js';
import type { FaceReconstruction } from '../src/pipeline/reconstruct.js';
import type { CompletedAlbedo } from '../src/texture/complete-albedo.js';
import { distanceToSource } from '../src/texture/distance.js';

const OUT = process.env.ALBEDO_LOOK_OUT ?? '/tmp/albedo-look';
const CACHE = process.env.ALBEDO_LOOK_CACHE ?? '/tmp/albedo-look/cache';
const images = process.argv.slice(2);
if (images.length === 0) {
  for (const name of ['astronaut.png', 'grace_hopper.jpg', 'group1.jpg', 'group2.jpg', 'group3.jpg', 'group4.jpg']) images.push(`../shared/images/${name}`);
}

await mkdir(CACHE, { recursive: true });
await mkdir(OUT, { recursive: true });
const { model } = await loadIctModel({ progress: false });
let detector: Awaited<ReturnType<typeof createFaceDetector>> | undefined;
const metrics: Record<string, unknown>[] = [];

for (const arg of images) {
  const [path, pick] = arg.split(':');
  const picked = pick?.split(',').map(Number);
  const stem = basename(path, extname(path));
  const { image } = await readImage(path);
  const result = await cachedReconstruction(stem, image);
  for (let k = 0; k < result.faces.length; k++) {
    const face = result.faces[k];
    if (!face.photometric || (picked && !picked.includes(k))) continue;
    const t0 = performance.now();
    const completed = completeFaceAlbedo(model, image, face);
    const ms = performance.now() - t0;
    const lighting = (completed as { lighting?: ArrayLike<number> }).lighting ?? face.photometric.shWhite;
    const compare = comparePicture(model, faceViews(model, image, face, completed.albedo, { sh: lighting }), face);
    const name = `${stem}-face${k}`;
    await writePng(`${OUT}/${name}-albedo.png`, completed.albedo);
    await writePng(`${OUT}/${name}-compare.png`, compare.image);
    await writePng(`${OUT}/${name}-weights.png`, weightsImage(completed));
    await writePng(`${OUT}/${name}-exclusion.png`, exclusionImage(image, face));
    const m = { face: name, ms: Math.round(ms), ...albedoFigures(model, completed) };
    metrics.push(m);
    console.log(JSON.stringify(m));
  }
}
await writeFile(`${OUT}/metrics.json`, JSON.stringify(metrics, null, 1));

async function cachedReconstruction(stem: string, image: RgbImage): Promise<ImageReconstruction> {
  const file = `${CACHE}/${stem}.v8`;
  try {
    const cached = deserialize(await readFile(file)) as ImageReconstruction;
    // The skin mask again, as today's code makes it (the fit does not depend on what was added to it since).
    for (const face of cached.faces) if (face.skin) face.skin = skinMask(image, face.detection.landmarks);
    return cached;
  } catch {
    detector ??= await createFaceDetector({ ...nodeDetectorSetup(), iris: false });
    const result = await reconstructImage({ model, landmarks: mediapipeLandmarkModel(model), detector }, image);
    await writeFile(file, serialize(result));
    return result;
  }
}

/** Photo crop | crop with the texture exclusion tinted red | non-skin probability (white = non-skin). */
function exclusionImage(image: RgbImage, face: FaceReconstruction): RgbImage {
  const skin = face.skin!, rect = skin.rect, landmarks = face.detection.landmarks;
  const exclude = textureExclusion(image, skin, landmarks), nonSkin = nonSkinModel(image, landmarks, skin).probability;
  const W = rect.width, H = rect.height, out = new Uint8Array(3 * 3 * W * H);
  for (let j = 0; j < H; j++) {
    for (let i = 0; i < W; i++) {
      const s = 3 * ((rect.y + j) * image.width + rect.x + i), x = rect.x + i + 0.5, y = rect.y + j + 0.5;
      const px = image.data.subarray(s, s + 3), e = exclude(x, y);
      const row = 3 * 3 * W * j;
      out.set(px, row + 3 * i);
      const tinted = [px[0] * (1 - e) + 255 * e, px[1] * (1 - e), px[2] * (1 - e)];
      out.set(tinted.map(Math.round), row + 3 * (W + i));
      out.fill(Math.round(255 * nonSkin[j * W + i]), row + 3 * (2 * W + i), row + 3 * (2 * W + i) + 3);
    }
  }
  return { width: 3 * W, height: H, data: out };
}

function weightsImage(c: CompletedAlbedo): RgbImage {
  const S = c.albedo.width, data = new Uint8Array(3 * S * S);
  for (let p = 0; p < S * S; p++) {
    if (c.uvFrame.triangleId[p] < 0) continue;
    const w = c.weight[p], m = c.mirrorWeight[p];
    data.set([255 * w, 255 * m, 255 * Math.max(0, 1 - w - m)], 3 * p);
  }
  return { width: S, height: S, data };
}

function albedoFigures(model: MorphableModel, c: CompletedAlbedo) {
  const S = c.albedo.width, N = S * S, d = c.albedo.data, chart = c.uvFrame.triangleId;
  // Flat texels: 5x5 range per channel at most 2 levels.
  let flat = 0, flatChart = 0, chartCount = 0;
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      let range = 0;
      for (let ch = 0; ch < 3 && range <= 2; ch++) {
        let lo = 255, hi = 0;
        for (let dy = -2; dy <= 2; dy++) {
          const yy = Math.min(S - 1, Math.max(0, y + dy));
          for (let dx = -2; dx <= 2; dx++) {
            const v = d[3 * (yy * S + Math.min(S - 1, Math.max(0, x + dx))) + ch];
            if (v < lo) lo = v;
            if (v > hi) hi = v;
          }
        }
        range = Math.max(range, hi - lo);
      }
      const p = y * S + x;
      if (range <= 2) flat++;
      if (chart[p] >= 0) { chartCount++; if (range <= 2) flatChart++; }
    }
  }
  // Smoothed luma and its gradient.
  const luma = new Float32Array(N);
  for (let p = 0; p < N; p++) luma[p] = 0.2126 * d[3 * p] + 0.7152 * d[3 * p + 1] + 0.0722 * d[3 * p + 2];
  const smooth = boxBlur(boxBlur(luma, S, 4, true), S, 4, false);
  const trust = (p: number) => c.weight[p] + c.mirrorWeight[p];
  let seamSum = 0, seamCount = 0, ownSum = 0, ownCount = 0, mirrorSeamSum = 0, mirrorSeamCount = 0;
  for (let y = 1; y < S - 1; y++) {
    for (let x = 1; x < S - 1; x++) {
      const p = y * S + x;
      if (chart[p] < 0 || chart[p - 1] < 0 || chart[p + 1] < 0 || chart[p - S] < 0 || chart[p + S] < 0) continue;
      const g = Math.hypot((smooth[p + 1] - smooth[p - 1]) / 2, (smooth[p + S] - smooth[p - S]) / 2);
      const t = trust(p);
      if (t > 0.1 && t < 0.9) { seamSum += g; seamCount++; }
      if (c.weight[p] > 0.1 && c.weight[p] < 0.9 && t >= 0.9) { mirrorSeamSum += g; mirrorSeamCount++; }
      if (c.weight[p] >= 0.99) { ownSum += g; ownCount++; }
    }
  }
  // Seam step: mean luma of the observed side (trust >= 0.9) against the filled side (trust <= 0.1), 12 texels around each texel of the boundary band.
  const sides = [(t: number) => t >= 0.9, (t: number) => t <= 0.1].map((inSide) => {
    const mask = new Float32Array(N), masked = new Float32Array(N);
    for (let p = 0; p < N; p++) if (chart[p] >= 0 && inSide(trust(p))) { mask[p] = 1; masked[p] = luma[p]; }
    const m = boxBlur(boxBlur(mask, S, 12, true), S, 12, false), v = boxBlur(boxBlur(masked, S, 12, true), S, 12, false);
    return { m, v };
  });
  // Away from the chart's own edges (eye, nostril and mouth openings, where lids and lips meet the fill by design).
  const toEdge = distanceToSource(Uint8Array.from(chart, (t) => (t < 0 ? 1 : 0)), S, S);
  let stepSum = 0, stepCount = 0;
  for (let p = 0; p < N; p++) {
    const t = trust(p);
    if (chart[p] < 0 || t < 0.3 || t > 0.7 || toEdge[p] < 30) continue;
    const [a, b] = sides;
    if (a.m[p] < 0.05 || b.m[p] < 0.05) continue;
    stepSum += Math.abs(a.v[p] / a.m[p] - b.v[p] / b.m[p]);
    stepCount++;
  }
  // Cheeks: around the midpoints between the jaw line and the nose wing (68-point landmarks 3-31 and 13-35).
  const cheeks = [[3, 31], [13, 35]].map(([a, b]) => {
    const ua = vertexUv(model, model.landmarks68[a]), ub = vertexUv(model, model.landmarks68[b]);
    return [((ua[0] + ub[0]) / 2) * S, (1 - (ua[1] + ub[1]) / 2) * S];
  });
  const cheek = [0, 0, 0], fill = [0, 0, 0];
  let cheekCount = 0, fillCount = 0;
  for (let p = 0; p < N; p++) {
    if (chart[p] < 0) continue;
    const x = p % S + 0.5, y = Math.floor(p / S) + 0.5;
    if (c.weight[p] >= 0.9 && cheeks.some(([cx, cy]) => Math.hypot(x - cx, y - cy) < S / 25)) {
      for (let ch = 0; ch < 3; ch++) cheek[ch] += d[3 * p + ch];
      cheekCount++;
    }
    if (trust(p) < 0.05) {
      for (let ch = 0; ch < 3; ch++) fill[ch] += d[3 * p + ch];
      fillCount++;
    }
  }
  const cheekMean = cheek.map((v) => (cheekCount ? v / cheekCount : NaN));
  const fillMean = fill.map((v) => (fillCount ? v / fillCount : NaN));
  const r1 = (v: number) => Math.round(10 * v) / 10;
  return {
    flatTexture: r1(100 * flat / N), flatChart: r1(100 * flatChart / chartCount),
    seamStep: r1(stepSum / Math.max(1, stepCount)),
    seamGradient: r1(seamSum / Math.max(1, seamCount)), mirrorSeamGradient: r1(mirrorSeamSum / Math.max(1, mirrorSeamCount)),
    observedGradient: r1(ownSum / Math.max(1, ownCount)),
    cheek: cheekMean.map(Math.round), fill: fillMean.map(Math.round),
    toneDistance: r1(Math.hypot(cheekMean[0] - fillMean[0], cheekMean[1] - fillMean[1], cheekMean[2] - fillMean[2])),
    stats: Object.fromEntries(Object.entries(c.stats).map(([k, v]) => [k, Math.round(1000 * v) / 1000])),
  };
}

function vertexUv(model: MorphableModel, vertex: number): [number, number] {
  const j = model.triangleUvs[model.triangles.indexOf(vertex)];
  return [model.uvs[2 * j], model.uvs[2 * j + 1]];
}

/** Box blur of radius r along rows (horizontal) or columns, clamped at the border. */
function boxBlur(src: Float32Array, S: number, r: number, horizontal: boolean): Float32Array {
  const out = new Float32Array(src.length);
  for (let a = 0; a < S; a++) {
    for (let b = 0; b < S; b++) {
      let sum = 0;
      for (let k = -r; k <= r; k++) {
        const bb = Math.min(S - 1, Math.max(0, b + k));
        sum += horizontal ? src[a * S + bb] : src[bb * S + a];
      }
      if (horizontal) out[a * S + b] = sum / (2 * r + 1); else out[b * S + a] = sum / (2 * r + 1);
    }
  }
  return out;
}
