/**
 * Writes completed albedo maps of real photos to eyeball them: /tmp/texture-look/<image>-{albedo,shading,weights}.png.
 * weights.png: red = own observation, green = mirrored, blue = inpainted.
 * The photometric fit is not ready, so the lighting is a grey ambient whose strength makes the mean
 * face luminance an albedo of 0.3: shading is flat and the albedo is the photo, de-gamma'd and rescaled.
 *
 *   node --import tsx scripts/texture-look.ts [image ...]
 */
import { mkdir } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { mediapipeLandmarkModel } from '../src/correspondence/landmark-model.js';
import { readImage } from '../src/io/read-image.js';
import { writePng } from '../src/io/write-image.js';
import { shFromLight } from '../src/lighting/sh.js';
import { SRGB8_TO_LINEAR } from '../src/base/colour.js';
import { loadIctModel } from '../src/model/node/load-ict.js';
import { createFaceDetector } from '../src/perception/index.js';
import { nodeDetectorSetup } from '../src/perception/node-model-loader.js';
import { reconstructImage, type FaceReconstruction } from '../src/pipeline/reconstruct.js';
import { poseAngles, projectPoints } from '../src/base/camera.js';
import type { RgbImage } from '../src/base/image.js';
import { displayMesh } from '../src/render/display-mesh.js';
import { rasterise } from '../src/render/rasterise.js';
import { completeAlbedo } from '../src/texture/complete-albedo.js';

const OUT = '/tmp/texture-look';
const SIZE = 1024;
const images = process.argv.slice(2);
if (images.length === 0) images.push('../shared/images/astronaut.png', '../shared/images/grace_hopper.jpg', '../shared/images/group2.jpg');

await mkdir(OUT, { recursive: true });
const { model } = await loadIctModel({ progress: false });
const ctx = { model, landmarks: mediapipeLandmarkModel(model), detector: await createFaceDetector(nodeDetectorSetup()) };
const select = displayMesh(model).select;
const symmetric = { positions: model.neutral, triangles: model.triangles, uvs: model.uvs, triangleUvs: model.triangleUvs };

for (const path of images) {
  const { image } = await readImage(path);
  const result = await reconstructImage(ctx, image);
  if (result.faces.length === 0) { console.log(`${path}: no face`); continue; }
  const face = largest(result.faces);
  const { camera, pose } = face.fit;
  const view = { photo: image, camera, pose, positions: face.positions, triangles: model.triangles, uvs: model.uvs, triangleUvs: model.triangleUvs };
  const a = meanFaceLuminance(image, face) / 0.3;
  const sh = shFromLight([0, 0, 1], [a, a, a], [0, 0, 0]);
  const options = { size: SIZE, uRange: [0, 1] as const, vRange: [0, 1] as const, bakeSelect: [model.triangleRegions.face], occluderSelect: select, symmetric };
  const times: number[] = [];
  let completed = completeAlbedo(view, { sh }, options);
  for (let k = 0; k < 2; k++) {
    const t0 = performance.now();
    completed = completeAlbedo(view, { sh }, options);
    times.push(performance.now() - t0);
  }
  const stem = basename(path, extname(path));
  await writePng(`${OUT}/${stem}-albedo.png`, completed.albedo);
  await writePng(`${OUT}/${stem}-shading.png`, completed.shading);
  const weights = new Uint8Array(3 * SIZE * SIZE);
  for (let p = 0; p < SIZE * SIZE; p++) {
    if (completed.uvFrame.triangleId[p] < 0) continue;
    const w = completed.weight[p], m = completed.mirrorWeight[p];
    weights.set([255 * w, 255 * m, 255 * (1 - w - m)], 3 * p);
  }
  await writePng(`${OUT}/${stem}-weights.png`, { width: SIZE, height: SIZE, data: weights });
  const { observed, mirrored, inpainted } = completed.stats;
  const { yaw } = poseAngles(pose.rotation);
  console.log(`${stem}: ${result.faces.length} face(s), largest ${face.fit.faceSize.toFixed(0)} px, yaw ~${yaw.toFixed(0)} deg; ` +
    `observed ${(100 * observed).toFixed(1)}%, mirrored ${(100 * mirrored).toFixed(1)}%, inpainted ${(100 * inpainted).toFixed(1)}%; ` +
    `skin tone ${completed.skinTone.map((v) => v.toFixed(3)).join(',')}; ${SIZE}^2 in ${times.map((t) => t.toFixed(0)).join(', ')} ms`);
}
console.log(`wrote ${OUT}/*-{albedo,shading,weights}.png`);

function largest(faces: FaceReconstruction[]): FaceReconstruction {
  return faces.reduce((a, b) => (b.fit.faceSize > a.fit.faceSize ? b : a));
}

/** Mean linear luminance of the photo over the pixels the fitted face region covers. */
function meanFaceLuminance(image: RgbImage, face: FaceReconstruction): number {
  const frame = rasterise(projectPoints(face.positions, face.fit.pose, face.fit.camera), model.triangles, image.width, image.height, { select });
  const [fs, fe] = model.triangleRegions.narrowFace;
  let sum = 0, n = 0;
  for (let p = 0; p < image.width * image.height; p++) {
    const t = frame.triangleId[p];
    if (t < fs || t >= fe) continue;
    const d = image.data;
    sum += 0.2126 * SRGB8_TO_LINEAR[d[3 * p]] + 0.7152 * SRGB8_TO_LINEAR[d[3 * p + 1]] + 0.0722 * SRGB8_TO_LINEAR[d[3 * p + 2]];
    n++;
  }
  return n ? sum / n : 0.3;
}
