/** Times the rasteriser, UV raster, shading and photo bake on the ICT head (median of several runs). */
import { FRONTAL, projectPoints, type Camera, type HeadPose } from '../src/base/camera.js';
import { loadIctModel } from '../src/model/node/load-ict.js';
import { displayMesh } from '../src/render/display-mesh.js';
import { renderFaces } from '../src/render/overlay.js';
import { clearRasterFrame, createRasterFrame, rasteriseInto } from '../src/render/rasterise.js';
import { bakePhoto } from '../src/texture/bake-photo.js';
import { rasteriseUv } from '../src/texture/uv-raster.js';

const { model } = await loadIctModel();
const { select } = displayMesh(model);

function median(runs: number, fn: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

function report(name: string, ms: number): void {
  console.log(`${name.padEnd(52)} ${ms.toFixed(1).padStart(7)} ms`);
}

// Head filling most of the picture height, as a fitted close-up would.
for (const [width, height, focal] of [[512, 512, 1000], [1920, 1080, 1900]]) {
  const camera: Camera = { focal, cx: width / 2, cy: height / 2, width, height };
  const pose: HeadPose = { rotation: FRONTAL, translation: Float64Array.from([0, 0, 60]) };
  const screen = projectPoints(model.neutral, pose, camera);
  const frame = createRasterFrame(width, height);
  let pixels = 0;
  const all = median(15, () => { clearRasterFrame(frame); rasteriseInto(frame, screen, model.triangles); });
  for (const id of frame.triangleId) if (id >= 0) pixels++;
  report(`rasterise ICT (all ${model.triangles.length / 3} tris) ${width}x${height}, ${pixels} px`, all);
  report(`rasterise ICT display subset ${width}x${height}`, median(15, () => { clearRasterFrame(frame); rasteriseInto(frame, screen, model.triangles, { select }); }));
  report(`  of which clearing the frame`, median(15, () => clearRasterFrame(frame)));
  report(`renderFaces (raster + normals + shading) ${width}x${height}`, median(5, () => renderFaces(model, [{ positions: model.neutral, pose }], camera)));
}

for (const size of [1024, 2048]) {
  report(`UV raster face+head ${size}x${size} (tiles 0-1 squeezed)`, median(7, () => rasteriseUv(model.uvs, model.triangleUvs, size, size, {
    select: [model.triangleRegions.face, model.triangleRegions.headAndNeck], uRange: [0, 2],
  })));
  report(`UV raster face ${size}x${size}`, median(7, () => rasteriseUv(model.uvs, model.triangleUvs, size, size, { select: [model.triangleRegions.face] })));
}

const camera: Camera = { focal: 1000, cx: 256, cy: 256, width: 512, height: 512 };
const photo = { width: 512, height: 512, data: new Uint8Array(512 * 512 * 3).fill(128) };
const view = { photo, camera, pose: { rotation: FRONTAL, translation: Float64Array.from([0, 0, 60]) }, positions: model.neutral, triangles: model.triangles, uvs: model.uvs, triangleUvs: model.triangleUvs };
report('bakePhoto face 1024x1024 (incl. push-pull fill)', median(5, () => bakePhoto(view, { width: 1024, height: 1024, bakeSelect: [model.triangleRegions.face], occluderSelect: select })));
report('bakePhoto face+head 2048x1024', median(3, () => bakePhoto(view, { width: 2048, height: 1024, uRange: [0, 2], bakeSelect: [model.triangleRegions.face, model.triangleRegions.headAndNeck], occluderSelect: select })));
