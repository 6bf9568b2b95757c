/**
 * Writes the skin mask of every face in the sample photos to /tmp/skin-look/ (or $SKIN_LOOK_OUT):
 * <image>-<n>.png holds the photo crop and, beside it, the crop with rejected pixels dimmed and
 * tinted blue; prints coverage, skin tone, glasses scores and the median time per face.
 *
 *   node --import tsx scripts/skin-look.ts [image files...]
 */
import { mkdir, readdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { readImage, writePng } from '../src/io/index.js';
import { createFaceDetector } from '../src/perception/index.js';
import { nodeDetectorSetup } from '../src/perception/node-model-loader.js';
import type { RgbaImage } from '../src/base/image.js';
import { skinMask, skinMaskImage } from '../src/skin/index.js';

const outDir = process.env.SKIN_LOOK_OUT ?? '/tmp/skin-look';
const imagesDir = join(import.meta.dirname, '..', '..', 'shared', 'images');
const RUNS = 7;

/** Photo crop and mask picture side by side, enlarged (nearest) so small faces are readable. */
function sideBySide(left: RgbaImage, right: RgbaImage, scale: number): RgbaImage {
  const width = (left.width + right.width + 4) * scale, height = Math.max(left.height, right.height) * scale;
  const data = new Uint8Array(width * height * 4).fill(255);
  const put = (img: RgbaImage, x0: number): void => {
    for (let y = 0; y < img.height * scale; y++) {
      for (let x = 0; x < img.width * scale; x++) {
        const s = (Math.floor(y / scale) * img.width + Math.floor(x / scale)) * 4, d = (y * width + x0 + x) * 4;
        data.set(img.data.subarray(s, s + 4), d);
      }
    }
  };
  put(left, 0);
  put(right, (left.width + 4) * scale);
  return { width, height, data };
}

async function main(): Promise<void> {
  const files = process.argv.length > 2
    ? process.argv.slice(2)
    : (await readdir(imagesDir)).filter((f) => /\.(png|jpe?g)$/i.test(f)).sort().map((f) => join(imagesDir, f));
  await mkdir(outDir, { recursive: true });
  const detector = await createFaceDetector(nodeDetectorSetup());
  const times: number[] = [];
  for (const file of files) {
    const { image } = await readImage(file);
    const faces = await detector.detect(image);
    const stem = basename(file, extname(file));
    for (const [n, face] of faces.entries()) {
      const runTimes: number[] = [];
      let mask = skinMask(image, face.landmarks);
      for (let r = 0; r < RUNS; r++) {
        const t0 = performance.now();
        mask = skinMask(image, face.landmarks);
        runTimes.push(performance.now() - t0);
      }
      runTimes.sort((a, b) => a - b);
      times.push(runTimes[RUNS >> 1]!);
      const withPhoto = skinMaskImage(mask, image);
      const plain = skinMaskImage({ ...mask, weight: new Float32Array(mask.weight.length).fill(1) }, image);
      const scale = mask.rect.width < 200 ? 2 : 1;
      await writePng(join(outDir, `${stem}-${n}.png`), sideBySide(plain, withPhoto, scale));
      const tone = mask.skinTone.srgb.map((c) => Math.round(255 * c)).join(',');
      const lumScores = mask.glassesEvidence;
      console.log(`${stem}-${n}: rect ${mask.rect.width}x${mask.rect.height} coverage ${mask.coverage.toFixed(2)} tone sRGB ${tone} glasses ${mask.glasses} (rims ${lumScores.rims.toFixed(2)}, bridge ${lumScores.bridge.toFixed(2)}) yaw ${face.rotation.yaw.toFixed(0)} ${runTimes[RUNS >> 1]!.toFixed(1)} ms`);
    }
  }
  times.sort((a, b) => a - b);
  console.log(`median time per face: ${times[times.length >> 1]!.toFixed(1)} ms (faces: ${times.length}, range ${times[0]!.toFixed(1)}-${times[times.length - 1]!.toFixed(1)} ms)`);
  detector.dispose();
}

await main();
