/**
 * Face-recognition similarities between synthetic renders (not a test): persons of the multi-view
 * bench, each photographed several times (own pose up to 50 degrees yaw, expression, light,
 * background); same-person pairs against different-person pairs. With scripts/identity-eval.ts (the
 * sample photos under flips, turns, rescaling, crops) this sets the --person outlier threshold.
 *
 *   node --import tsx scripts/person-threshold.ts [persons=12] [photos=3] [kind=realistic]
 */
import { loadIctModel } from '../src/model/node/load-ict.js';
import { createFaceDetector } from '../src/perception/index.js';
import { nodeDetectorSetup, nodeModelLoader } from '../src/perception/node-model-loader.js';
import { cosineSimilarity, createFaceEmbedder } from '../src/identity/index.js';
import { albedoLayout } from '../bench/synthetic/albedo.js';
import { makeFacePicture, type PictureKind } from '../bench/synthetic/face-picture.js';

const persons = Number(process.argv[2] ?? 12), photos = Number(process.argv[3] ?? 3);
const kind = (process.argv[4] ?? 'realistic') as PictureKind;
const { model } = await loadIctModel({});
const detector = await createFaceDetector(nodeDetectorSetup());
const embedder = await createFaceEmbedder(nodeModelLoader());
const layout = albedoLayout(model);
const emb: { person: number; e: Float32Array }[] = [];
for (let p = 0; p < persons; p++) {
  for (let v = 0; v < photos; v++) {
    const picture = makeFacePicture(model, layout, 1, 5 * p + v, { person: 5 * p, kind, maxYaw: 50 });
    const face = (await detector.detect(picture.image)).sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height)[0];
    if (!face) continue;
    emb.push({ person: p, e: await embedder.embed(picture.image, face.landmarks) });
  }
}
const same: number[] = [], diff: number[] = [];
for (let i = 0; i < emb.length; i++) for (let j = i + 1; j < emb.length; j++) (emb[i].person === emb[j].person ? same : diff).push(cosineSimilarity(emb[i].e, emb[j].e));
const q = (xs: number[], f: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(f * xs.length))];
const line = (name: string, xs: number[]) => `${name}: n=${xs.length} min ${q(xs, 0).toFixed(3)} p5 ${q(xs, 0.05).toFixed(3)} median ${q(xs, 0.5).toFixed(3)} p95 ${q(xs, 0.95).toFixed(3)} max ${q(xs, 1).toFixed(3)}`;
console.log(`${kind}, ${persons} persons x ${photos} photos`);
console.log(line('same person', same));
console.log(line('different people', diff));
for (const t of [0.6, 0.65, 0.7, 0.75, 0.8]) console.log(`threshold ${t}: same rejected ${same.filter((s) => s < t).length}/${same.length}, different accepted ${diff.filter((d) => d >= t).length}/${diff.length}`);
