/**
 * Fused texture of synthetic persons (not a test): per person, the true albedo, each photo's own
 * completed albedo and the one fused from all photos, side by side, with their errors (see
 * bench/person-texture.ts), written as PNGs for a look.
 *
 *   node --import tsx scripts/person-texture-look.ts [outDir=/tmp/person-texture] [persons=2] [photos=3]
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { loadIctModel } from '../src/model/node/load-ict.js';
import { createFaceDetector } from '../src/perception/index.js';
import { nodeDetectorSetup } from '../src/perception/node-model-loader.js';
import { mediapipeLandmarkModel } from '../src/correspondence/landmark-model.js';
import { writePng } from '../src/io/index.js';
import { reconstructPerson } from '../src/pipeline/reconstruct-person.js';
import { completeFaceAlbedo } from '../src/pipeline/outputs.js';
import { resampleWindow } from '../src/base/resample.js';
import type { RgbImage } from '../src/base/image.js';
import { albedoLayout, paintAlbedo } from '../bench/synthetic/albedo.js';
import { makeFacePicture } from '../bench/synthetic/face-picture.js';
import { albedoError } from '../bench/person-texture.js';

const out = process.argv[2] ?? '/tmp/person-texture';
const persons = Number(process.argv[3] ?? 2), photos = Number(process.argv[4] ?? 3);
await mkdir(out, { recursive: true });
const { model } = await loadIctModel({});
const detector = await createFaceDetector(nodeDetectorSetup());
const landmarks = mediapipeLandmarkModel(model);
const layout = albedoLayout(model);
const strip = (images: RgbImage[], size: number): RgbImage => {
  const data = new Uint8Array(3 * size * size * images.length);
  images.forEach((img, k) => {
    const small = resampleWindow(img, 0, 0, size / img.width, size, size);
    for (let y = 0; y < size; y++) data.set(small.data.subarray(3 * y * size, 3 * (y + 1) * size), 3 * (y * size * images.length + k * size));
  });
  return { width: size * images.length, height: size, data };
};
for (let p = 0; p < persons; p++) {
  const pictures = Array.from({ length: photos }, (_, v) => makeFacePicture(model, layout, 1, 5 * p + v, { person: 5 * p, maxYaw: 50 }));
  const truth = paintAlbedo(layout, pictures[0].truth.albedo).tiles[0];
  const person = await reconstructPerson({ model, landmarks, detector }, pictures.map((pic, i) => ({ name: `view${i}`, image: pic.image })));
  const singles = person.views.map((v) => completeFaceAlbedo(model, v.image, v).albedo);
  const [first, ...rest] = person.views;
  const fused = completeFaceAlbedo(model, first.image, first, rest.map((v) => ({ photo: v.image, face: v }))).albedo;
  const errs = [...singles, fused].map((a) => albedoError(a, truth, layout).toFixed(2));
  console.log(`person ${p}: yaw ${pictures.map((x) => x.truth.pose.yaw.toFixed(0)).join(', ')}; single ${errs.slice(0, -1).join(' / ')}, fused ${errs.at(-1)}`);
  await writePng(join(out, `person${p}-albedo.png`), strip([truth, ...singles, fused], 384));
  await writePng(join(out, `person${p}-photos.png`), strip(pictures.map((x) => x.image), 256));
}
detector.dispose();
