/**
 * Draws the faces found in each sample image (box, 468 landmarks, iris points, head rotation) into
 * /tmp/perception/<image>.png plus a close-up per face, and prints counts and warm timings.
 *
 *   node --import tsx scripts/perception-look.ts [image files...]
 * Default images: ../shared/images/*.{png,jpg}; output folder: $PERCEPTION_OUT or /tmp/perception.
 * $PERCEPTION_MIN_SCORE overrides the detector score threshold (to inspect weak detections);
 * PERCEPTION_ALL_ROTATIONS=1 also searches the images turned by 90, 180 and 270 degrees;
 * $PERCEPTION_MIN_FACE sets the smallest face size to look for (default 40 px).
 */
import { mkdir, readdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import sharp from 'sharp';
import { createFaceDetector, type DetectedFace, type DetectTimings } from '../src/perception/index.js';
import { nodeDetectorSetup } from '../src/perception/node-model-loader.js';
import type { RgbImage } from '../src/base/image.js';

const outDir = process.env.PERCEPTION_OUT ?? '/tmp/perception';
const imagesDir = join(import.meta.dirname, '..', '..', 'shared', 'images');

async function loadRgb(path: string): Promise<RgbImage> {
  const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

function overlaySvg(width: number, height: number, faces: DetectedFace[]): string {
  const parts: string[] = [];
  faces.forEach((face, n) => {
    const { x, y, width: w, height: h } = face.box;
    const r = Math.max(1, w / 150);
    parts.push(`<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="none" stroke="lime" stroke-width="${2 * r}"/>`);
    for (let i = 0; i < face.landmarks.length; i += 3) {
      parts.push(`<circle cx="${face.landmarks[i]}" cy="${face.landmarks[i + 1]}" r="${r}" fill="cyan"/>`);
    }
    // Landmarks that the tests rely on, in distinct colours: eyes' outer corners, nose tip, mouth corners.
    for (const [idx, colour] of [[33, 'yellow'], [263, 'orange'], [1, 'magenta'], [61, 'yellow'], [291, 'orange']] as const) {
      parts.push(`<circle cx="${face.landmarks[3 * idx]}" cy="${face.landmarks[3 * idx + 1]}" r="${2.5 * r}" fill="${colour}"/>`);
    }
    if (face.irises) {
      for (let i = 0; i < face.irises.length; i += 3) {
        parts.push(`<circle cx="${face.irises[i]}" cy="${face.irises[i + 1]}" r="${r}" fill="red"/>`);
      }
    }
    const { yaw, pitch, roll } = face.rotation;
    const label = `#${n} s${face.score.toFixed(2)} m${face.meshScore.toFixed(2)} yaw${yaw.toFixed(0)} pitch${pitch.toFixed(0)} roll${roll.toFixed(0)}`;
    parts.push(`<text x="${x}" y="${y - 6 * r}" font-size="${Math.max(12, 9 * r)}" fill="white" stroke="black" stroke-width="${0.5 * r}" font-family="sans-serif">${label}</text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
}

async function main(): Promise<void> {
  const files = process.argv.length > 2
    ? process.argv.slice(2)
    : (await readdir(imagesDir)).filter((f) => /\.(png|jpe?g)$/i.test(f)).sort().map((f) => join(imagesDir, f));
  await mkdir(outDir, { recursive: true });
  const minScore = process.env.PERCEPTION_MIN_SCORE ? Number(process.env.PERCEPTION_MIN_SCORE) : undefined;
  const allRotations = process.env.PERCEPTION_ALL_ROTATIONS === '1';
  const minFaceSize = Number(process.env.PERCEPTION_MIN_FACE ?? 40);
  const detector = await createFaceDetector({ ...nodeDetectorSetup(), allRotations, minFaceSize, ...(minScore !== undefined ? { minScore } : {}) });
  console.log(`backend: ${detector.backend}`);
  for (const file of files) {
    const image = await loadRgb(file);
    await detector.detect(image); // warm-up (first runs compile kernels)
    let faces: DetectedFace[] = [];
    const runs: DetectTimings[] = [];
    for (let i = 0; i < 3; i++) {
      faces = await detector.detect(image);
      runs.push(detector.lastTimings!);
    }
    const median = (f: (t: DetectTimings) => number): number => runs.map(f).sort((a, b) => a - b)[1]!;
    const detectionMs = median((t) => t.detectionMs), landmarksMs = median((t) => t.landmarksMs);
    const perFace = faces.length > 0 ? landmarksMs / faces.length : 0;
    console.log(`${basename(file)} ${image.width}x${image.height}: ${faces.length} faces, detection ${detectionMs.toFixed(0)} ms (${runs[0]!.detectorRuns} detector runs), landmarks ${landmarksMs.toFixed(0)} ms (${perFace.toFixed(0)} ms/face) [median of 3 warm runs]`);
    faces.forEach((f, i) => console.log(`  #${i} box ${f.box.x.toFixed(0)},${f.box.y.toFixed(0)} ${f.box.width.toFixed(0)}x${f.box.height.toFixed(0)} score ${f.score.toFixed(2)} mesh ${f.meshScore.toFixed(2)} yaw ${f.rotation.yaw.toFixed(0)} pitch ${f.rotation.pitch.toFixed(0)} roll ${f.rotation.roll.toFixed(0)}`));
    const stem = basename(file, extname(file));
    const annotated = await sharp(file)
      .removeAlpha()
      .composite([{ input: Buffer.from(overlaySvg(image.width, image.height, faces)), top: 0, left: 0 }])
      .png()
      .toBuffer();
    await sharp(annotated).toFile(join(outDir, `${stem}.png`));
    for (const [i, f] of faces.entries()) {
      const pad = 0.15 * Math.max(f.box.width, f.box.height);
      const left = Math.max(0, Math.floor(f.box.x - pad)), top = Math.max(0, Math.floor(f.box.y - pad));
      const width = Math.min(image.width - left, Math.ceil(f.box.width + 2 * pad));
      const height = Math.min(image.height - top, Math.ceil(f.box.height + 2 * pad));
      await sharp(annotated).extract({ left, top, width, height }).resize({ width: 600, height: 600, fit: 'inside' }).toFile(join(outDir, `${stem}-face${i}.png`));
    }
  }
  detector.dispose();
}

await main();
