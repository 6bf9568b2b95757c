/**
 * Fits renders of the symmetric mean face (neutral and a symmetric smile; frontal and turned
 * +-20 degrees; frontal light) and prints the fitted expression's largest left/right differences
 * after the landmark fit and after the photometric refinement. Writes the renders to
 * /tmp/sym/render-*.png.
 *
 *   node --import tsx scripts/symmetry-render.ts
 *   SYM_FACES=smile SYM_YAWS=-20,20 SYM_PHOTOMETRIC='{"photometricWeight":0}' node --import tsx scripts/symmetry-render.ts
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { mediapipeLandmarkModel } from '../src/correspondence/landmark-model.js';
import { encodePng } from '../src/io/write-image.js';
import { loadIctModel } from '../src/model/node/load-ict.js';
import { instantiate } from '../src/model/instance.js';
import { createFaceDetector } from '../src/perception/index.js';
import { nodeDetectorSetup } from '../src/perception/node-model-loader.js';
import { reconstructImage } from '../src/pipeline/reconstruct.js';
import { rotationFromAngles, type Camera } from '../src/base/camera.js';
import { shFromLight } from '../src/lighting/sh.js';
import { compositeOver, renderTextured } from '../src/render/textured.js';
import { albedoLayout, paintAlbedo, sampleAlbedoParams } from '../bench/synthetic/albedo.js';
import { seededRandom } from '../bench/synthetic/landmark-scene.js';
import { expressionMirror } from '../src/fit/asymmetry-prior.js';

const { model } = await loadIctModel({ progress: false });
const landmarks = mediapipeLandmarkModel(model);
const detector = await createFaceDetector(nodeDetectorSetup());
const layout = albedoLayout(model);
const E = model.expressionNames;
const partner = expressionMirror(E);
const W = 512, H = 512, focal = 1400;
const params = { ...sampleAlbedoParams(seededRandom(7).uniform), moles: [], stubble: 0 };
const albedo = paintAlbedo(layout, params);
const background = { width: W, height: H, data: new Uint8Array(W * H * 3).fill(128) };
const sh = shFromLight([0, 0.35, 1], [0.35, 0.35, 0.35], [0.65, 0.65, 0.65]);
await mkdir('/tmp/sym', { recursive: true });
const f2 = (v: number) => v.toFixed(2);

function report(label: string, x: Float32Array): string {
  const d = E.map((n, k) => ({ n, d: x[k] - x[partner[k]] })).filter(({ n }) => n.endsWith('_L') || n === 'jawLeft' || n === 'mouthLeft');
  d.sort((a, b) => Math.abs(b.d) - Math.abs(a.d));
  return `${label}: ${d.slice(0, 4).map(({ n, d }) => `${n.replace(/_L$/, '')} ${f2(d)}`).join(', ')}`;
}

for (const [name, expression] of ([['neutral', {}], ['smile', { mouthSmile_L: 0.8, mouthSmile_R: 0.8 }], ['closed-smile', { mouthSmile_L: 0.7, mouthSmile_R: 0.7, mouthClose: 0, cheekSquint_L: 0.3, cheekSquint_R: 0.3 }]] as const).filter(([n]) => (process.env.SYM_FACES ?? 'neutral,smile,closed-smile').split(',').includes(n))) {
  const ex = new Float32Array(E.length);
  for (const [n, w] of Object.entries(expression)) ex[E.indexOf(n)] = w as number;
  const positions = instantiate(model, { expression: ex });
  for (const yaw of (process.env.SYM_YAWS ?? '0,-20,20').split(',').map(Number)) {
    const rotation = rotationFromAngles(yaw, 0, 0);
    const depth = (focal * 14) / 240;
    const translation = Float64Array.from([0, 0, depth]);
    const camera: Camera = { focal, cx: W / 2, cy: H / 2, width: W, height: H };
    const render = renderTextured({ positions, triangles: model.triangles, uvs: model.uvs, triangleUvs: model.triangleUvs, select: layout.select },
      { rotation, translation }, camera, { kind: 'texture', tiles: albedo.tiles, triangleTile: albedo.triangleTile }, sh, { supersample: 2 });
    const image = compositeOver(render.image, background);
    await writeFile(`/tmp/sym/render-${name}-${yaw}.png`, await encodePng(image));
    const fit = await reconstructImage({ model, landmarks, detector }, image, { photometric: false });
    const ph = await reconstructImage({ model, landmarks, detector }, image, { photometric: JSON.parse(process.env.SYM_PHOTOMETRIC ?? '{}') });
    if (!fit.faces.length) { console.log(`${name} yaw ${yaw}: no face`); continue; }
    console.log(`${name.padEnd(12)} yaw ${String(yaw).padStart(3)} | ${report('fit', fit.faces[0].expression)} | ${report('photometric', ph.faces[0].expression)}`);
  }
}
detector.dispose();
