/**
 * Left/right balance of the fitted expression on the sample photos: every face is fitted on the photo
 * and on its horizontal mirror, whose expression should be the original's with _L/_R (and
 * jawLeft/jawRight, mouthLeft/mouthRight) swapped. Prints, per face, the largest |X_L - X_R| and a
 * few telling weights for both pictures and the mirror-consistency error (how far the mirror's fit is
 * from the swapped original's). Detections are cached in $SYM_CACHE (default /tmp/sym). --tta fits
 * each face's landmarks averaged with the mirror picture's (mirrored back), as a flip
 * augmentation of the landmark network would.
 *
 *   node --import tsx scripts/symmetry-look.ts [--photometric] [--tta] [image ...]
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { mediapipeLandmarkModel } from '../src/correspondence/landmark-model.js';
import { readImage } from '../src/io/read-image.js';
import { loadIctModel } from '../src/model/node/load-ict.js';
import { createFaceDetector } from '../src/perception/index.js';
import { nodeDetectorSetup } from '../src/perception/node-model-loader.js';
import { landmarkTargets, reconstructFace } from '../src/pipeline/reconstruct.js';
import { MEDIAPIPE_MIRROR } from '../src/correspondence/mediapipe.js';
import type { RgbImage } from '../src/base/image.js';
import { expressionMirror } from '../src/fit/asymmetry-prior.js';
import type { DetectedFace } from '../src/perception/types.js';

const imagesDir = resolve('../shared/images');
const cacheDir = process.env.SYM_CACHE ?? '/tmp/sym';
const photometric = process.argv.includes('--photometric');
const tta = process.argv.includes('--tta');
const names = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const images = names.length ? names : ['astronaut.png', 'grace_hopper.jpg', 'group1.jpg', 'group2.jpg', 'group3.jpg', 'group4.jpg'];

function mirror(image: RgbImage): RgbImage {
  const { width: w, height: h, data } = image;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) out[3 * (y * w + x) + c] = data[3 * (y * w + w - 1 - x) + c];
  return { width: w, height: h, data: out };
}


type Plain = Omit<DetectedFace, 'landmarks' | 'irises' | 'eyelids'> & { landmarks: number[]; irises?: number[]; eyelids?: number[] };
const toPlain = (f: DetectedFace): Plain => ({ ...f, landmarks: Array.from(f.landmarks), irises: f.irises && Array.from(f.irises), eyelids: f.eyelids && Array.from(f.eyelids) });
const fromPlain = (f: Plain): DetectedFace => ({ ...f, landmarks: Float32Array.from(f.landmarks), irises: f.irises && Float32Array.from(f.irises), eyelids: f.eyelids && Float32Array.from(f.eyelids) });

const { model } = await loadIctModel({ progress: false });
const landmarks = mediapipeLandmarkModel(model);
await mkdir(cacheDir, { recursive: true });
let detector: Awaited<ReturnType<typeof createFaceDetector>> | undefined;
async function detections(name: string, image: RgbImage): Promise<DetectedFace[]> {
  const file = join(cacheDir, `${name}.json`);
  if (existsSync(file)) return (JSON.parse(await readFile(file, 'utf8')) as Plain[]).map(fromPlain);
  detector ??= await createFaceDetector(nodeDetectorSetup());
  const found = await detector.detect(image);
  await writeFile(file, JSON.stringify(found.map(toPlain)));
  return found;
}

const E = model.expressionNames, partner = expressionMirror(E);
const idx = (n: string) => E.indexOf(n);
const pairs = E.map((n, k) => [k, partner[k]]).filter(([a, b]) => a < b && E[a].endsWith('_L') && !E[a].startsWith('eyeLook'));
function asym(x: Float32Array): { name: string; d: number } {
  let best = { name: '-', d: 0 };
  for (const [a, b] of pairs) { const d = x[a] - x[b]; if (Math.abs(d) > Math.abs(best.d)) best = { name: E[a].slice(0, -2), d }; }
  return best;
}
const rows: unknown[] = [];
const f2 = (v: number) => v.toFixed(2);
console.log(`${photometric ? 'photometric' : 'landmark fit'}: per face, original | mirror (swapped back): largest L-R (name, L-R), noseSneer_R, browOuterUp_R, jawLeft, jawRight; mirror consistency = RMS over expressions of (fit(orig) - swap(fit(mirror)))`);
for (const name of images) {
  const { image } = await readImage(join(imagesDir, name));
  const flipped = mirror(image);
  const orig = await detections(name, image), flip = await detections(`mirror-${name}`, flipped);
  for (const [k, d] of orig.entries()) {
    const cx = d.box.x + d.box.width / 2, cy = d.box.y + d.box.height / 2;
    let best = -1, bestDist = Infinity;
    flip.forEach((m, j) => { const dist = Math.hypot(image.width - (m.box.x + m.box.width / 2) - cx, m.box.y + m.box.height / 2 - cy); if (dist < bestDist) { bestDist = dist; best = j; } });
    // SYM_FIT / SYM_PHOTOMETRIC: JSON options for the stages (to compare settings).
    const fitOptions = JSON.parse(process.env.SYM_FIT ?? '{}');
    const opts = { fit: fitOptions, photometric: photometric ? JSON.parse(process.env.SYM_PHOTOMETRIC ?? '{}') : false as const };
    // --tta: the landmarks averaged with the mirror picture's, mirrored back (emulates test-time flip augmentation).
    const averaged = (x: DetectedFace, y: DetectedFace): DetectedFace => {
      const tx = landmarkTargets(x), ty = landmarkTargets(y);
      const lm = Float32Array.from(x.landmarks);
      for (let i = 0; i < 468; i++) {
        const j = MEDIAPIPE_MIRROR[i];
        lm[3 * i] = (tx[2 * i] + image.width - ty[2 * j]) / 2;
        lm[3 * i + 1] = (tx[2 * i + 1] + ty[2 * j + 1]) / 2;
      }
      return { ...x, landmarks: lm, eyelids: undefined };
    };
    const a = reconstructFace({ model, landmarks }, image, tta ? averaged(d, flip[best]) : d, opts).expression;
    const bRaw = reconstructFace({ model, landmarks }, flipped, tta ? averaged(flip[best], d) : flip[best], opts).expression;
    const b = Float32Array.from(bRaw, (_, m) => bRaw[partner[m]]);
    let se = 0; for (let m = 0; m < E.length; m++) se += (a[m] - b[m]) ** 2;
    const show = (x: Float32Array) => { const s = asym(x); return `${s.name.padEnd(14)} ${f2(s.d).padStart(5)}  nsR ${f2(x[idx('noseSneer_R')])} boR ${f2(x[idx('browOuterUp_R')])} jL ${f2(x[idx('jawLeft')])} jR ${f2(x[idx('jawRight')])}`; };
    console.log(`${name.padEnd(16)} ${k} yaw ${d.rotation.yaw.toFixed(0).padStart(4)} | ${show(a)} | ${show(b)} | mirror rms ${Math.sqrt(se / E.length).toFixed(3)}`);
    rows.push({ image: name, face: k, yaw: d.rotation.yaw, original: Array.from(a), mirrorSwapped: Array.from(b) });
  }
}
await writeFile(join(cacheDir, `result-${photometric ? 'photometric' : 'fit'}${tta ? '-tta' : ''}-${process.env.SYM_TAG ?? 'now'}.json`), JSON.stringify({ names: E, rows }));
detector?.dispose();
