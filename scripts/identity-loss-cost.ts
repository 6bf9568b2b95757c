/**
 * The cost side of "identity as a loss" on this machine (not a test). The wasm backend has no
 * convolution gradients, so a gradient of the identity similarity w.r.t. K shape coefficients
 * would come from finite differences: K (forward) or 2K (central) extra renders + embeddings per
 * Gauss-Newton step. Prints warm medians (20 runs) of the crop sampling and of the network at
 * batch 1, K+1 and 2K+1, and how much the embedding moves under sub-pixel alignment jitter
 * (the noise floor a finite-difference step has to rise above).
 *
 *   node --import tsx scripts/identity-loss-cost.ts [model] [K=10]
 */
import { join } from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs-core';
import type { RgbImage } from '../src/base/image.js';
import { createFaceDetector } from '../src/perception/index.js';
import { ImagePyramid } from '../src/base/image-sampling.js';
import { nodeDetectorSetup, nodeModelLoader } from '../src/perception/node-model-loader.js';
import { alignmentAffine, sampleAligned, toRgbOverGrey } from '../src/identity/align.js';
import { runNetwork } from '../src/identity/embedder.js';
import { cosineSimilarity, createFaceEmbedder, EMBEDDING_MODELS, type EmbeddingModelName } from '../src/identity/index.js';

const IMAGES = process.env.FACERECON_SAMPLE_IMAGES ?? join(import.meta.dirname, '..', '..', 'shared', 'images');
const modelName = (process.argv[2] ?? 'faceres') as EmbeddingModelName;
const K = Number(process.argv[3] ?? 10);
const RUNS = 20;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
async function time(fn: () => unknown): Promise<number> {
  for (let i = 0; i < 3; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

const { data, info } = await sharp(join(IMAGES, 'astronaut.png')).removeAlpha().raw().toBuffer({ resolveWithObject: true });
const image: RgbImage = { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
const detector = await createFaceDetector(nodeDetectorSetup());
const [face] = await detector.detect(image);
detector.dispose();
if (!face) throw new Error('no face in astronaut.png');

const spec = EMBEDDING_MODELS[modelName];
const embedder = await createFaceEmbedder(nodeModelLoader(), { model: modelName });
const model = await nodeModelLoader()(modelName);
const size = spec.inputSize, pixels = size * size * 3;
console.log(`${modelName}: ${size}x${size} input, ${spec.dimensions}-d, backend ${tf.getBackend()}, K = ${K}`);

// A 512x512 RGBA "render": the photo with an opaque alpha channel (what the lead's renderer would hand over).
const rgba = new Uint8Array(image.width * image.height * 4);
for (let i = 0; i < image.width * image.height; i++) rgba.set([image.data[3 * i]!, image.data[3 * i + 1]!, image.data[3 * i + 2]!, 255], 4 * i);
const render = { width: image.width, height: image.height, data: rgba };
const one = new Float32Array(pixels);
const cropMs = await time(() => {
  sampleAligned(new ImagePyramid(toRgbOverGrey(render)), alignmentAffine(face.landmarks, 3, spec.template), size, one, 0, spec.scale, spec.bias);
});
console.log(`crop (RGBA 512x512 over grey + align + sample): ${cropMs.toFixed(2)} ms`);

const netMs: Record<number, number> = {};
for (const batch of [1, K + 1, 2 * K + 1]) {
  const input = new Float32Array(batch * pixels);
  for (let b = 0; b < batch; b++) input.set(one, b * pixels);
  netMs[batch] = await time(() => runNetwork(model, input, batch, spec));
  console.log(`network batch ${String(batch).padStart(2)}: ${netMs[batch]!.toFixed(1)} ms per call, ${(netMs[batch]! / batch).toFixed(1)} ms per crop`);
}
const forward = netMs[K + 1]! + (K + 1) * cropMs, central = netMs[2 * K + 1]! + (2 * K + 1) * cropMs;
console.log(`per Gauss-Newton step, embeddings only (renders not included): forward differences ${forward.toFixed(0)} ms (${K + 1} crops batched), central ${central.toFixed(0)} ms (${2 * K + 1})`);
console.log(`  unbatched: forward ${((K + 1) * (netMs[1]! + cropMs)).toFixed(0)} ms, central ${((2 * K + 1) * (netMs[1]! + cropMs)).toFixed(0)} ms`);

// Noise floor: the same picture with every landmark shifted by a fraction of a pixel.
const reference = await embedder.embed(image, face.landmarks);
for (const shift of [0.25, 0.5, 1]) {
  const moved = new Float32Array(face.landmarks);
  for (let i = 0; i < moved.length; i += 3) { moved[i] += shift; moved[i + 1] -= shift; }
  const s = cosineSimilarity(reference, await embedder.embed(image, moved));
  console.log(`alignment moved by (${shift}, -${shift}) px (face ${face.box.width.toFixed(0)} px wide): 1 - cos = ${(1 - s).toExponential(2)}`);
}
model.dispose();
embedder.dispose();
