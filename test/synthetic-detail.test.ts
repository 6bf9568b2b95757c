import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadIctModel } from '../src/model/node/load-ict.js';
import { rotationFromAngles, type Camera } from '../src/base/camera.js';
import { texturedMesh } from '../src/base/mesh.js';
import { shFromLight } from '../src/lighting/sh.js';
import { displayMesh } from '../src/render/display-mesh.js';
import { renderTextured } from '../src/render/textured.js';
import { rasteriseUv } from '../src/texture/uv-raster.js';
import { texelFrames } from '../src/detail/surface-frame.js';
import { displacementDetail, type TrueDisplacement } from '../bench/synthetic/fine-detail.js';

// The synthetic pictures' fine detail (bench/synthetic/fine-detail.ts) as the renderer draws it: the
// displaced normal shades each pixel, and nothing changes where the displacement is flat.
const { model } = await loadIctModel({ progress: false });
const S = 256;
const positions = model.neutral;
const pose = { rotation: rotationFromAngles(10, 0, 0), translation: Float64Array.from([0, -2, 46]) };
const camera: Camera = { focal: 900, cx: 192, cy: 192, width: 384, height: 384 };
const uvFrame = rasteriseUv(model.uvs, model.triangleUvs, S, S, { select: [model.triangleRegions.face] });
const frames = texelFrames(texturedMesh(model, positions), uvFrame, model.unitsToMillimetres);

function render(sh: Float64Array, displacement?: TrueDisplacement) {
  const mesh = { ...texturedMesh(model, positions), select: displayMesh(model).select, detail: displacement && displacementDetail(model, positions, displacement) };
  return renderTextured(mesh, pose, camera, { kind: 'texture', tiles: [], fallback: [190, 150, 130] }, sh);
}

/** Grey level (mean of the three sRGB codes) per pixel. */
const grey = (image: { data: Uint8Array }, p: number) => (image.data[4 * p] + image.data[4 * p + 1] + image.data[4 * p + 2]) / 3;

test('a flat true displacement renders exactly as no displacement', () => {
  const sh = shFromLight([0.5, 0.3, 0.8], [0.3, 0.3, 0.3], [0.8, 0.8, 0.8]);
  const flat = render(sh, { size: S, height: new Float32Array(S * S) }), none = render(sh);
  assert.deepEqual(flat.image.data, none.image.data);
});

test('a groove in the true displacement brightens the flank facing a side light, darkens the other, and changes nothing away from it', () => {
  // A vertical groove (along v) on the forehead, 0.5 mm deep, 3 texels (about 1 mm) wide.
  const x0 = Math.round(0.45 * S), sigma = 3, rows = [Math.round(0.12 * S), Math.round(0.26 * S)];
  const height = new Float32Array(S * S);
  for (let y = rows[0]; y <= rows[1]; y++) for (let x = 0; x < S; x++) if (frames.mmX[y * S + x] > 0) height[y * S + x] = -0.5 * Math.exp(-((x - x0) ** 2) / (2 * sigma * sigma));
  const centre = Math.round((rows[0] + rows[1]) / 2) * S + x0;
  assert.ok(frames.mmX[centre] > 0, 'the groove lies on the face chart');
  // The light comes from the side +u points to (in the view frame: x right, y up, z toward the viewer), grazing.
  const R = pose.rotation, t = [0, 1, 2].map((k) => frames.tangentX[3 * centre + k]);
  const cam = [0, 1, 2].map((r) => R[3 * r] * t[0] + R[3 * r + 1] * t[1] + R[3 * r + 2] * t[2]);
  const side = [cam[0], -cam[1], -cam[2]], l = Math.hypot(...side);
  const sh = shFromLight([0.9 * side[0] / l, 0.9 * side[1] / l, 0.9 * side[2] / l + 0.45] as [number, number, number], [0.15, 0.15, 0.15], [0.9, 0.9, 0.9]);
  const plain = render(sh), grooved = render(sh, { size: S, height });
  // Each pixel's texel on the displacement grid, from the raster's triangle and barycentrics.
  const faceStart = model.triangleRegions.face[0], faceEnd = model.triangleRegions.face[1];
  const before: number[] = [], after: number[] = [];
  let away = 0, awayChanged = 0;
  for (let p = 0; p < camera.width * camera.height; p++) {
    const tri = plain.frame.triangleId[p];
    if (tri < faceStart || tri >= faceEnd || grooved.frame.triangleId[p] !== tri) continue;
    const b1 = plain.frame.barycentric[2 * p], b2 = plain.frame.barycentric[2 * p + 1], b = [1 - b1 - b2, b1, b2];
    let u = 0, v = 0;
    for (let k = 0; k < 3; k++) { u += b[k] * model.uvs[2 * model.triangleUvs[3 * tri + k]]; v += b[k] * model.uvs[2 * model.triangleUvs[3 * tri + k] + 1]; }
    const x = u * S - 0.5, y = (1 - v) * S - 0.5;
    const change = grey(grooved.image, p) - grey(plain.image, p);
    if (y < rows[0] - 3 || y > rows[1] + 3 || Math.abs(x - x0) > 6 * sigma) {
      away++;
      if (Math.abs(change) > 1) awayChanged++;
      continue;
    }
    if (y < rows[0] + 4 || y > rows[1] - 4) continue;
    if (x > x0 - 2 * sigma && x < x0 - 0.5 * sigma) before.push(change);
    if (x > x0 + 0.5 * sigma && x < x0 + 2 * sigma) after.push(change);
  }
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(before.length > 20 && after.length > 20, `pixels on the flanks: ${before.length}, ${after.length}`);
  // Before the groove's centre the surface falls toward +u, its normal tilts toward the light.
  assert.ok(mean(before) > 4, `the lit flank brightens by ${mean(before).toFixed(1)} codes`);
  assert.ok(mean(after) < -4, `the far flank darkens by ${mean(after).toFixed(1)} codes`);
  assert.ok(away > 5000 && awayChanged === 0, `${awayChanged} of ${away} face pixels away from the groove changed`);
});
