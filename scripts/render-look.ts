/**
 * Writes pictures to eyeball the renderer and the photo bake: /tmp/render/*.png.
 * The neutral ICT head is placed on astronaut.png by a scale + shift fitted to a few hand-read points.
 */
import { mkdir } from 'node:fs/promises';
import { readImage } from '../src/io/read-image.js';
import { writePng } from '../src/io/write-image.js';
import { projectPoints, rotationFromAngles, FRONTAL, type Camera, type HeadPose } from '../src/base/camera.js';
import type { RgbImage, RgbaImage } from '../src/base/image.js';
import { loadIctModel } from '../src/model/node/load-ict.js';
import { displayMesh } from '../src/render/display-mesh.js';
import { overlayFaces, renderPlain } from '../src/render/overlay.js';
import { bakePhoto } from '../src/texture/bake-photo.js';

const OUT = '/tmp/render';
await mkdir(OUT, { recursive: true });
const { model } = await loadIctModel();

const { image: photo } = await readImage('../shared/images/astronaut.png');
const camera: Camera = { focal: 600, cx: photo.width / 2, cy: photo.height / 2, width: photo.width, height: photo.height };

// Hand-read from the photo: eye centres, nose tip, mouth centre (pixels).
const lm = model.landmarks68;
const modelPoints = [centroid(range(36, 42)), centroid(range(42, 48)), centroid([30]), centroid(range(48, 60))];
const photoPoints = [[203, 101], [247, 103], [225, 128], [225, 146]];
const pose = placeFrontal(modelPoints, photoPoints, camera);

const faces = [{ positions: model.neutral, pose }];
const modelLandmarks = projectPoints(model.neutral, pose, camera);
const landmarkUv = Float32Array.from(Array.from(lm).flatMap((i) => [modelLandmarks[3 * i], modelLandmarks[3 * i + 1]]));
const points = [
  { points: photoPoints.flat(), colour: [40, 230, 60] as const, radius: 2.5 },
  { points: landmarkUv, colour: [235, 40, 40] as const, radius: 1.5 },
];
await save('frontal.png', overlayFaces(photo, model, faces, camera, { points }));
await save('frontal-plain.png', renderPlain(model, faces, camera));

const yawPose: HeadPose = { rotation: rotationFromAngles(45, 0, 0), translation: pose.translation };
await save('yaw45.png', overlayFaces(photo, model, [{ positions: model.neutral, pose: yawPose }], camera));
const closeCamera: Camera = { focal: 1000, cx: 256, cy: 256, width: 512, height: 512 };
const closeFaces = [-50, 50].map((yaw, k) => ({
  positions: model.neutral,
  pose: { rotation: rotationFromAngles(yaw, k ? 10 : -10, 0), translation: Float64Array.from([k ? 9 : -9, 0, 75]) },
}));
await save('yaw45-plain.png', renderPlain(model, [{ positions: model.neutral, pose: { rotation: rotationFromAngles(45, 0, 0), translation: Float64Array.from([0, 0, 60]) } }], closeCamera));
await save('two-faces-plain.png', renderPlain(model, closeFaces, closeCamera));

const select = displayMesh(model).select;
const bakeSelect: [number, number][] = [model.triangleRegions.face, model.triangleRegions.headAndNeck];
const baked = bakePhoto(
  { photo, camera, pose, positions: model.neutral, triangles: model.triangles, uvs: model.uvs, triangleUvs: model.triangleUvs },
  { width: 2048, height: 1024, uRange: [0, 2], bakeSelect, occluderSelect: select },
);
await save('uv-bake.png', baked.filled);
await save('uv-bake-observed.png', baked.observed);
console.log(`wrote ${OUT}/{frontal,frontal-plain,yaw45,yaw45-plain,two-faces-plain,uv-bake,uv-bake-observed}.png`);

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a }, (_, k) => lm[a + k]);
}

function centroid(vertices: number[]): [number, number, number] {
  const c: [number, number, number] = [0, 0, 0];
  for (const v of vertices) for (let k = 0; k < 3; k++) c[k] += model.neutral[3 * v + k] / vertices.length;
  return c;
}

/** Frontal pose whose projection best matches the points in scale and shift (weak perspective). */
function placeFrontal(model3d: number[][], image: number[][], cam: Camera): HeadPose {
  const n = model3d.length;
  const mx = model3d.reduce((s, p) => s + p[0], 0) / n, my = model3d.reduce((s, p) => s - p[1], 0) / n;
  const ix = image.reduce((s, p) => s + p[0], 0) / n, iy = image.reduce((s, p) => s + p[1], 0) / n;
  let num = 0, den = 0;
  for (let k = 0; k < n; k++) {
    const ax = model3d[k][0] - mx, ay = -model3d[k][1] - my;
    num += ax * (image[k][0] - ix) + ay * (image[k][1] - iy);
    den += ax * ax + ay * ay;
  }
  const scale = num / den, depth = cam.focal / scale;
  const mz = model3d.reduce((s, p) => s + p[2], 0) / n; // FRONTAL puts model +z toward the camera
  const tx = (ix - cam.cx) / scale - mx, ty = (iy - cam.cy) / scale - my;
  return { rotation: FRONTAL, translation: Float64Array.from([tx, ty, depth + mz]) };
}

async function save(name: string, image: RgbImage | RgbaImage): Promise<void> {
  await writePng(`${OUT}/${name}`, image);
}
