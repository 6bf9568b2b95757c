/**
 * Which face sizes each BlazeFace model finds (not a test): every known face of the sample photos
 * is shown to the model at a range of sizes (face width as a share of the view side), at a few
 * positions in the view, and the best score of a detection on the face is recorded.
 *   node --import tsx scripts/perception-scale-range.ts <faces.json from perception-speed.ts>
 * $SCALE_ANGLES: comma-separated in-plane turns of the face, degrees (default 0).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { initBackend } from '../src/perception/backend.js';
import { BlazeFace } from '../src/perception/blazeface.js';
import { ImagePyramid, sampleAffine, squareCropAffine } from '../src/base/image-sampling.js';
import { nodeModelLoader, nodeWasmPath } from '../src/perception/node-model-loader.js';

const imagesDir = process.env.FACERECON_SAMPLE_IMAGES ?? join(import.meta.dirname, '..', '..', 'shared', 'images');
const faces = JSON.parse(await readFile(process.argv[2]!, 'utf8')) as Record<string, Array<{ box: { x: number; y: number; width: number; height: number } }>>;
const angles = (process.env.SCALE_ANGLES ?? '0').split(',').map(Number);
await initBackend({ wasmPath: nodeWasmPath() });
const load = nodeModelLoader();
const models = { back: await BlazeFace.fromGraphModel(await load('blazeface-back')), front: await BlazeFace.fromGraphModel(await load('blazeface-front')) };
const fractions = (process.env.SCALE_FRACTIONS ?? "0.03,0.04,0.05,0.06,0.08,0.1,0.13,0.16,0.2,0.25,0.3,0.4,0.5,0.6,0.7,0.8").split(",").map(Number);
const offsets: Array<[number, number]> = [[0, 0], [0.2, -0.15], [-0.25, 0.2], [0.3, 0.3], [-0.1, -0.3]];

const rows: Record<string, Record<number, number[]>> = { back: {}, front: {} };
for (const [name, list] of Object.entries(faces)) {
  const { data, info } = await sharp(join(imagesDir, name)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const pyramid = new ImagePyramid({ width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) });
  for (const face of list) {
    if (face.box.width < 80) continue; // the badge
    const fx = face.box.x + face.box.width / 2, fy = face.box.y + face.box.height / 2, fw = face.box.width;
    for (const [key, model] of Object.entries(models)) {
      const size = model.inputSize;
      const input = new Float32Array(size * size * 3);
      for (const f of fractions) {
        const side = fw / f;
        for (const angle of angles) {
          for (const [ox, oy] of offsets) {
            // view centre shifted so that the face sits off-centre by (ox, oy) view sides, kept inside the view
            const lim = Math.max(0, 0.5 - f / 2 - 0.02);
            const dx = Math.max(-lim, Math.min(lim, ox)) * side, dy = Math.max(-lim, Math.min(lim, oy)) * side;
            const a = (angle * Math.PI) / 180;
            const cx = fx - (Math.cos(a) * dx - Math.sin(a) * dy), cy = fy - (Math.sin(a) * dx + Math.cos(a) * dy);
            const affine = squareCropAffine(cx, cy, side, a, size);
            sampleAffine(pyramid, affine, size, size, { out: input, scale: 1 / 127.5, bias: -1, border: 'zero' });
            const u = size / 2 + (dx / side) * size, v = size / 2 + (dy / side) * size; // face centre in the input
            let best = 0;
            for (const d of await model.detect(input, size, size, 0.05)) {
              if (Math.hypot(d.cx - u, d.cy - v) < 0.4 * f * size && d.width > 0.5 * f * size && d.width < 2 * f * size) best = Math.max(best, d.score);
            }
            ((rows[key]![f] ??= [])).push(best);
          }
        }
      }
    }
  }
}
for (const [key, byF] of Object.entries(rows)) {
  console.log(`${key}: face width / view side -> share of trials with score >= 0.3 | >= 0.6 | median score`);
  for (const f of fractions) {
    const s = byF[f]!;
    const share = (t: number): string => (s.filter((x) => x >= t).length / s.length).toFixed(2);
    const med = [...s].sort((a, b) => a - b)[s.length >> 1]!;
    console.log(`  ${f.toFixed(2)} (${(f * models[key as 'back'].inputSize).toFixed(0)} px): ${share(0.3)} | ${share(0.6)} | ${med.toFixed(2)}   n=${s.length}`);
  }
}
