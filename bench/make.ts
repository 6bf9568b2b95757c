/**
 * Writes the synthetic ground-truth set of the accuracy benchmark:
 *
 *   npm run bench:make -- --seed 1 --count 200 [--kind clean|realistic|realistic-bare] [--start 0] [--out bench/data] [--size 512]
 *
 * bench/data/<seed>/ (clean), bench/data/realistic-<seed>/ or bench/data/realistic-bare-<seed>/: face-NNNN.png (the picture), .json
 * (every parameter, and for the realistic kind its nuisances), .f32 (true vertices, mm), .detail.f32 (the true
 * displacement map, 1024² float32 mm, see bench/synthetic/fine-detail.ts) and
 * manifest.json. Deterministic from the seed.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadIctModel } from '../src/model/node/load-ict.js';
import { datasetDir, writeDataset } from './accuracy/dataset.js';
import { PICTURE_KINDS, type PictureKind } from './synthetic/face-picture.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    count: { type: 'string', default: '200' },
    out: { type: 'string', default: join(here, 'data') },
    size: { type: 'string', default: '512' },
    start: { type: 'string', default: '0' },
    kind: { type: 'string', default: 'clean' },
  },
});
const seed = Number(values.seed), count = Number(values.count), size = Number(values.size), start = Number(values.start);
const kind = values.kind as PictureKind;
if (!Number.isInteger(seed) || !Number.isInteger(count) || count < 0 || !Number.isInteger(start) || start < 0 || !(size >= 128) || !PICTURE_KINDS.includes(kind)) {
  console.error('usage: npm run bench:make -- --seed <integer> --count <n> [--kind clean|realistic|realistic-bare] [--start i] [--out dir] [--size px]');
  process.exit(1);
}
const { model } = await loadIctModel({ progress: false });
const dir = datasetDir(resolve(values.out!), seed, kind);
const t0 = performance.now();
const manifest = await writeDataset(model, dir, seed, count, { width: size, height: size, kind }, (done) => {
  if (done % 10 === 0 || done === count) process.stderr.write(`bench:make: ${done}/${count}\r`);
}, start);
process.stderr.write('\n');
console.log(`wrote pictures ${start}..${start + count - 1} to ${dir} in ${((performance.now() - t0) / 1000).toFixed(1)} s; the set has ${manifest.count}`);
