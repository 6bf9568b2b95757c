/**
 * Warm timings of face detection and landmarks on the sample photos (not a test), and a dump of
 * the landmarks found so that two versions of the perception code can be compared.
 *
 *   node --import tsx scripts/perception-speed.ts [image files...]
 * Times are medians (and minima, less disturbed by other processes) over the warm runs; cpu is
 * the process CPU time of the whole detect call (detection + landmarks); NxN256² is the detector
 * input area in 256x256 views (a run's cost grows with it).
 * $PERCEPTION_MIN_FACE: smallest face to look for (default 32, the pipeline's default);
 * $PERCEPTION_REPS: warm runs per image (default 5);
 * $PERCEPTION_IRIS: 1 or 0 runs the iris model or not (default: the detector's default);
 * $PERCEPTION_DUMP: write { image: faces[] } with landmarks to this JSON file;
 * $PERCEPTION_COMPARE: a dump from another version: prints how far each face's landmarks moved
 * (mean point distance as % of the landmark box width) and which faces appeared or vanished.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import type { RgbImage } from '../src/base/image.js';
import { createFaceDetector, type DetectedFace, type DetectTimings } from '../src/perception/index.js';
import { nodeDetectorSetup } from '../src/perception/node-model-loader.js';

const imagesDir = process.env.FACERECON_SAMPLE_IMAGES ?? join(import.meta.dirname, '..', '..', 'shared', 'images');
const minFaceSize = Number(process.env.PERCEPTION_MIN_FACE ?? 32);
const reps = Math.max(1, Number(process.env.PERCEPTION_REPS ?? 5));

interface DumpedFace { box: DetectedFace['box']; landmarks: number[]; irises: number[] | undefined; meshScore: number }

async function loadRgb(path: string): Promise<RgbImage> {
  const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function landmarkShift(a: DumpedFace, b: DumpedFace): number {
  let sum = 0;
  for (let i = 0; i < a.landmarks.length; i += 3) sum += Math.hypot(a.landmarks[i]! - b.landmarks[i]!, a.landmarks[i + 1]! - b.landmarks[i + 1]!);
  return (100 * sum) / (a.landmarks.length / 3) / a.box.width;
}

const files = process.argv.length > 2
  ? process.argv.slice(2)
  : (await readdir(imagesDir)).filter((f) => /\.(png|jpe?g)$/i.test(f)).sort().map((f) => join(imagesDir, f));
const reference = process.env.PERCEPTION_COMPARE
  ? (JSON.parse(await readFile(process.env.PERCEPTION_COMPARE, 'utf8')) as Record<string, DumpedFace[]>)
  : undefined;
const detector = await createFaceDetector({ ...nodeDetectorSetup(), ...(process.env.PERCEPTION_IRIS ? { iris: process.env.PERCEPTION_IRIS === '1' } : {}) });
const dump: Record<string, DumpedFace[]> = {};
let totalFaces = 0;
for (const file of files) {
  const image = await loadRgb(file);
  await detector.detect(image, { minFaceSize }); // warm-up
  const runs: DetectTimings[] = [];
  const cpu: number[] = [];
  let faces: DetectedFace[] = [];
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    faces = await detector.detect(image, { minFaceSize });
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    runs.push(detector.lastTimings!);
  }
  totalFaces += faces.length;
  const name = basename(file);
  dump[name] = faces.map((f) => ({ box: f.box, landmarks: [...f.landmarks], irises: f.irises && [...f.irises], meshScore: f.meshScore }));
  const det = median(runs.map((t) => t.detectionMs)), lmk = median(runs.map((t) => t.landmarksMs));
  const detMin = Math.min(...runs.map((t) => t.detectionMs)), lmkMin = Math.min(...runs.map((t) => t.landmarksMs));
  const pixels = runs[0]!.detectorPixels as number | undefined; // absent in versions before it was reported
  console.log(`${name.padEnd(17)} ${faces.length} faces  detection ${det.toFixed(0).padStart(5)} ms (min ${detMin.toFixed(0)}; ${runs[0]!.detectorRuns} runs${pixels ? `, ${(pixels / 65536).toFixed(1)}x256²` : ''})  landmarks ${(lmk / Math.max(1, faces.length)).toFixed(1).padStart(5)} ms/face (min ${(lmkMin / Math.max(1, faces.length)).toFixed(1)})  cpu ${median(cpu).toFixed(0)} ms  [${runs.map((t) => t.detectionMs.toFixed(0)).join(' ')}]`);
  const ref = reference?.[name];
  if (ref) {
    const shifts: string[] = [];
    for (const f of dump[name]!) {
      const cx = f.box.x + f.box.width / 2, cy = f.box.y + f.box.height / 2;
      const match = ref.find((g) => Math.hypot(g.box.x + g.box.width / 2 - cx, g.box.y + g.box.height / 2 - cy) < 0.25 * g.box.width);
      shifts.push(match ? `${landmarkShift(match, f).toFixed(2)}%` : `new face at ${cx.toFixed(0)},${cy.toFixed(0)}`);
    }
    const lost = ref.length - shifts.filter((s) => s.endsWith('%')).length;
    console.log(`    landmarks moved vs reference: ${shifts.join(' ')}${lost > 0 ? `; ${lost} reference face(s) not found` : ''}`);
  }
}
console.log(`${totalFaces} faces in total, minFaceSize ${minFaceSize}`);
if (process.env.PERCEPTION_DUMP) await writeFile(process.env.PERCEPTION_DUMP, JSON.stringify(dump));
detector.dispose();
