/**
 * How detection and landmarks degrade as faces get smaller (not a test): each sample photo is
 * shrunk so that its faces' landmark boxes are about N pixels wide, faces are detected with
 * minFaceSize = N / 2, and their landmarks, scaled back up, are compared with those found at full
 * size (mean point distance as % of the face width).
 *
 *   node --import tsx scripts/perception-face-size.ts
 * $FACE_SIZES: comma-separated N (default 24,32,40,48,64,96).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { RgbImage } from '../src/base/image.js';
import { createFaceDetector, type DetectedFace } from '../src/perception/index.js';
import { nodeDetectorSetup } from '../src/perception/node-model-loader.js';

const imagesDir = process.env.FACERECON_SAMPLE_IMAGES ?? join(import.meta.dirname, '..', '..', 'shared', 'images');
const sizes = (process.env.FACE_SIZES ?? '24,32,40,48,64,96').split(',').map(Number);

async function load(path: string, width?: number): Promise<RgbImage> {
  const s = width ? sharp(path).resize(width) : sharp(path);
  const { data, info } = await s.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}
const centre = (f: DetectedFace): [number, number] => [f.box.x + f.box.width / 2, f.box.y + f.box.height / 2];

const detector = await createFaceDetector(nodeDetectorSetup());
const files = (await readdir(imagesDir)).filter((f) => /\.(png|jpe?g)$/i.test(f)).sort();
const errors = new Map<number, number[]>();
const missed = new Map<number, number>();
let total = 0;
for (const file of files) {
  const full = await load(join(imagesDir, file));
  const reference = (await detector.detect(full, { minFaceSize: 40 })).filter((f) => f.box.width > 80);
  total += reference.length;
  for (const ref of reference) {
    for (const n of sizes) {
      // Shrink so that this face is n px wide (continuous coordinates scale by k).
      const k = n / ref.box.width;
      const small = await load(join(imagesDir, file), Math.round(full.width * k));
      const kx = small.width / full.width, ky = small.height / full.height;
      const faces = await detector.detect(small, { minFaceSize: n / 2 });
      const [rx, ry] = centre(ref);
      const hit = faces.find((f) => Math.hypot(centre(f)[0] / kx - rx, centre(f)[1] / ky - ry) < 0.25 * ref.box.width);
      if (!hit) {
        missed.set(n, (missed.get(n) ?? 0) + 1);
        continue;
      }
      let sum = 0;
      for (let i = 0; i < ref.landmarks.length; i += 3) sum += Math.hypot(hit.landmarks[i]! / kx - ref.landmarks[i]!, hit.landmarks[i + 1]! / ky - ref.landmarks[i + 1]!);
      (errors.get(n) ?? errors.set(n, []).get(n)!).push((100 * sum) / (ref.landmarks.length / 3) / ref.box.width);
    }
  }
}
console.log(`${total} faces; landmark box width N px -> found, landmark distance from the full-size landmarks (% of face width): median, 90th percentile`);
for (const n of sizes) {
  const e = [...(errors.get(n) ?? [])].sort((a, b) => a - b);
  const q = (p: number): string => (e.length ? e[Math.min(e.length - 1, Math.floor(p * e.length))]!.toFixed(2) : '-');
  console.log(`  ${String(n).padStart(3)} px: found ${e.length}/${total}, median ${q(0.5)}%, p90 ${q(0.9)}%`);
}
detector.dispose();
