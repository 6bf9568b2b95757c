/**
 * Recall on turned copies of the sample photos (not a test): each photo is turned by 15 angles
 * (sharp turns clockwise about the centre and grows the canvas), faces are detected, their
 * landmarks turned back and matched with the known upright faces.
 *
 *   node --import tsx scripts/perception-recall.ts
 * $PERCEPTION_MIN_FACE: smallest face to look for (default 32, the pipeline's default);
 * $RECALL_ANGLES: comma-separated angles in degrees; $RECALL_IMAGES: comma-separated file names.
 * Prints per image the faces found of those expected, false hits (detections that match no known
 * face) and faces found the wrong way round, then totals with detector runs and detection time.
 */
import { join } from 'node:path';
import sharp from 'sharp';
import type { RgbImage } from '../src/base/image.js';
import { createFaceDetector } from '../src/perception/index.js';
import { nodeDetectorSetup } from '../src/perception/node-model-loader.js';

const imagesDir = process.env.FACERECON_SAMPLE_IMAGES ?? join(import.meta.dirname, '..', '..', 'shared', 'images');
const minFaceSize = Number(process.env.PERCEPTION_MIN_FACE ?? 32);
const angles = (process.env.RECALL_ANGLES ?? '0,15,-15,30,-30,45,-45,60,-60,90,-90,120,-120,150,180').split(',').map(Number);
/** Upright face centres (landmark-box centres), as in test/perception.test.ts. */
const known: Record<string, Array<[number, number]>> = {
  'astronaut.png': [[226, 124]],
  'grace_hopper.jpg': [[262, 234]],
  'group1.jpg': [[1572, 330], [935, 548], [510, 493]],
  'group2.jpg': [[1546, 287], [445, 286], [984, 364]],
  'group3.jpg': [[1186, 372], [1584, 447], [696, 477]],
  'group4.jpg': [[753, 194], [330, 330], [1360, 276], [1074, 314]],
};
const names = process.env.RECALL_IMAGES ? process.env.RECALL_IMAGES.split(',') : Object.keys(known);

async function loadTurned(name: string, angle: number): Promise<{ image: RgbImage; from: { width: number; height: number } }> {
  const meta = await sharp(join(imagesDir, name)).metadata();
  const { data, info } = await sharp(join(imagesDir, name)).rotate(angle, { background: '#808080' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    image: { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) },
    from: { width: meta.width!, height: meta.height! },
  };
}

const detector = await createFaceDetector(nodeDetectorSetup());
let expectedTotal = 0, foundTotal = 0, falseTotal = 0, wrongWayTotal = 0, runsTotal = 0, msTotal = 0;
for (const name of names) {
  const line: string[] = [];
  for (const angle of angles) {
    const { image, from } = await loadTurned(name, angle);
    const faces = await detector.detect(image, { minFaceSize });
    runsTotal += detector.lastTimings!.detectorRuns;
    msTotal += detector.lastTimings!.detectionMs;
    const a = (-angle * Math.PI) / 180, c = Math.cos(a), s = Math.sin(a);
    const back = (x: number, y: number): [number, number] => {
      const u = x - image.width / 2, v = y - image.height / 2;
      return [c * u - s * v + from.width / 2, s * u + c * v + from.height / 2];
    };
    const unmatched = [...known[name]!];
    let falseHits = 0, wrongWay = 0;
    for (const face of faces) {
      let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
      const pts: Array<[number, number]> = [];
      for (let i = 0; i < face.landmarks.length; i += 3) {
        const p = back(face.landmarks[i]!, face.landmarks[i + 1]!);
        pts.push(p);
        minX = Math.min(minX, p[0]); maxX = Math.max(maxX, p[0]); minY = Math.min(minY, p[1]); maxY = Math.max(maxY, p[1]);
      }
      const cx = (minX + maxX) / 2, cy = (minY + maxY) / 2;
      const k = unmatched.findIndex(([ex, ey]) => Math.hypot(cx - ex, cy - ey) < 0.25 * (maxX - minX));
      if (k < 0) { falseHits++; continue; }
      unmatched.splice(k, 1);
      // upright: eyes (33, 263) above the chin (152), subject's right eye (33) on the image's left
      if (!(pts[33]![1] < pts[152]![1] && pts[263]![1] < pts[152]![1] && pts[33]![0] < pts[263]![0])) wrongWay++;
    }
    const expected = known[name]!.length, found = expected - unmatched.length;
    expectedTotal += expected; foundTotal += found; falseTotal += falseHits; wrongWayTotal += wrongWay;
    line.push(`${angle}:${found}/${expected}${falseHits ? `+${falseHits}f` : ''}${wrongWay ? `!${wrongWay}w` : ''}`);
  }
  console.log(`${name.padEnd(17)} ${line.join(' ')}`);
}
console.log(`found ${foundTotal}/${expectedTotal}, false hits ${falseTotal}, wrong way round ${wrongWayTotal}; detector runs ${runsTotal}, detection ${(msTotal / 1000).toFixed(1)} s (minFaceSize ${minFaceSize})`);
detector.dispose();
