/**
 * Micro-timings of the perception models on this machine's TensorFlow.js backend (not a test):
 * BlazeFace at several input sizes (one run over a large input vs. 256x256 views), FaceMesh and
 * Iris at several batch sizes, and the cost of sampling one detector input. Medians of 15 runs,
 * wall clock and process CPU time.
 *   node --import tsx scripts/perception-micro.ts
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { initBackend } from '../src/perception/backend.js';
import { BlazeFace } from '../src/perception/blazeface.js';
import { nodeModelLoader, nodeWasmPath } from '../src/perception/node-model-loader.js';
import { ImagePyramid, sampleAffine, squareCropAffine } from '../src/base/image-sampling.js';

await initBackend({ wasmPath: nodeWasmPath() });
const load = nodeModelLoader();
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

async function time(label: string, once: () => Promise<unknown>, units = 1): Promise<void> {
  for (let i = 0; i < 3; i++) await once();
  const wall: number[] = [], cpu: number[] = [];
  for (let i = 0; i < 15; i++) {
    const c0 = process.cpuUsage(), t0 = performance.now();
    await once();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  console.log(`${label}: ${median(wall).toFixed(1)} ms wall, ${median(cpu).toFixed(1)} ms cpu${units !== 1 ? ` (${(median(cpu) / units).toFixed(1)} ms cpu per unit)` : ''}`);
}

for (const name of ['blazeface-back', 'blazeface-front'] as const) {
  const model = await BlazeFace.fromGraphModel(await load(name));
  const n = model.inputSize;
  for (const [h, w] of [[n, n], [2 * n, 2 * n], [448, 640], [640, 960]] as const) {
    if (h % model.stride || w % model.stride) continue;
    const input = new Float32Array(h * w * 3).map(() => Math.random() * 2 - 1);
    await time(`${name} ${w}x${h}`, () => model.detect(input, h, w, 0.5), (h * w) / (n * n));
  }
  model.dispose();
}

async function timeBatches(name: 'facemesh' | 'iris', batches: number[]): Promise<void> {
  const model: GraphModel = await load(name);
  const size = model.inputs[0]!.shape![1]!;
  for (const b of batches) {
    const input = new Float32Array(b * size * size * 3).map(() => Math.random());
    await time(`${name} ${size}px batch ${b}`, async () => {
      const x = tf.tensor4d(input, [b, size, size, 3]);
      const out = model.execute(x) as tf.Tensor | tf.Tensor[];
      const outs = Array.isArray(out) ? out : [out];
      await Promise.all(outs.map((o) => o.data()));
      tf.dispose([x, ...outs]);
    }, b);
  }
  model.dispose();
}
await timeBatches('facemesh', [1, 2, 4]);
await timeBatches('iris', [2, 8]);

const w = 1920, h = 1280;
const pyramid = new ImagePyramid({ width: w, height: h, data: new Uint8Array(w * h * 3).map((_, i) => i * 7) });
const out = new Float32Array(256 * 256 * 3);
for (const side of [3840, 1920, 800]) {
  await time(`sample 256x256 from a ${side}px view`, async () => sampleAffine(pyramid, squareCropAffine(w / 2, h / 2, side, 0, 256), 256, 256, { out, scale: 1 / 127.5, bias: -1, border: 'zero' }));
}
await time('pyramid levels 1-4 of 1920x1280', async () => new ImagePyramid({ width: w, height: h, data: pyramid.base.data }).level(4));
