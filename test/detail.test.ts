import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadIctModel } from '../src/model/node/load-ict.js';
import { rotationFromAngles, type Camera } from '../src/base/camera.js';
import { linearToSrgb } from '../src/base/colour.js';
import { texturedMesh } from '../src/base/mesh.js';
import type { RgbImage } from '../src/base/image.js';
import { shFromLight } from '../src/lighting/sh.js';
import { displayMesh } from '../src/render/display-mesh.js';
import { renderTextured } from '../src/render/textured.js';
import { textureLayout } from '../src/texture/mirror-map.js';
import { seededRandom } from '../bench/synthetic/landmark-scene.js';
import { faceTriangleMask, normalDetail, reconstructDetail, tangentNormalMap, type DetailResult } from '../src/detail/index.js';
import { texelFrames } from '../src/detail/surface-frame.js';
import { DETAIL_DEFAULTS } from '../src/detail/options.js';
import { expandReconstructOptions } from '../src/pipeline/options.js';

const { model } = await loadIctModel({ progress: false });
const mm = model.unitsToMillimetres;
const S = 512;
const symmetric = texturedMesh(model, model.neutral);
const select: [number, number][] = [model.triangleRegions.face];
const layout = textureLayout(symmetric, { width: S, height: S, select });
const positions = model.neutral;
const frames = texelFrames(texturedMesh(model, positions), layout.uvFrame, mm);
const pose = { rotation: rotationFromAngles(18, 4, 0), translation: Float64Array.from([0, -2, 46]) };
const camera: Camera = { focal: 900, cx: 192, cy: 192, width: 384, height: 384 };
// Key light from the upper left and in front, some ambient: as a portrait is lit.
const sh = shFromLight([-0.5, 0.6, 0.65], [0.3, 0.3, 0.3], [0.85, 0.85, 0.85]);
const SKIN = [0.5, 0.33, 0.25];

/** Smooth random bumps and wrinkle-like lines over the face chart (mm), as a height field on the S-texel UV grid. */
function trueDisplacement(seed: number): Float32Array {
  const rnd = seededRandom(seed);
  const h = new Float32Array(S * S);
  const blobs = Array.from({ length: 160 }, () => ({
    x: S * (0.15 + 0.7 * rnd.uniform()), y: S * (0.05 + 0.75 * rnd.uniform()), sigma: 2 + 3 * rnd.uniform(), amplitude: (rnd.uniform() - 0.5) * 0.8,
  }));
  const lines = Array.from({ length: 14 }, () => ({
    x: S * (0.2 + 0.6 * rnd.uniform()), y: S * (0.05 + 0.7 * rnd.uniform()), angle: Math.PI * rnd.uniform(), length: 30 + 40 * rnd.uniform(), width: 2 + 2 * rnd.uniform(),
    amplitude: -0.3 - 0.3 * rnd.uniform(),
  }));
  for (let p = 0; p < S * S; p++) {
    if (!(frames.mmX[p] > 0)) continue;
    const x = p % S, y = (p - x) / S;
    let v = 0;
    for (const b of blobs) {
      const d2 = (x - b.x) ** 2 + (y - b.y) ** 2;
      if (d2 < 16 * b.sigma * b.sigma) v += b.amplitude * Math.exp(-d2 / (2 * b.sigma * b.sigma));
    }
    for (const l of lines) {
      const c = Math.cos(l.angle), s = Math.sin(l.angle);
      const along = (x - l.x) * c + (y - l.y) * s, across = -(x - l.x) * s + (y - l.y) * c;
      if (Math.abs(along) > l.length / 2 || Math.abs(across) > 4 * l.width) continue;
      const taper = Math.cos((Math.PI * along) / l.length);
      v += l.amplitude * taper * Math.exp(-(across * across) / (2 * l.width * l.width));
    }
    h[p] = v;
  }
  return h;
}

/** The posed neutral face rendered under `sh` with an albedo texture (the face's UV square) and, optionally, a true displacement. */
function renderScene(texture: RgbImage, height?: Float32Array): RgbImage {
  const mesh = {
    ...texturedMesh(model, positions), select: displayMesh(model).select,
    detail: height ? normalDetail({ size: S, height, frames }, faceTriangleMask(model)) : undefined,
  };
  const render = renderTextured(mesh, pose, camera, { kind: 'texture', tiles: [texture], fallback: [200, 200, 200] }, sh);
  const photo = { width: camera.width, height: camera.height, data: new Uint8Array(3 * camera.width * camera.height) };
  for (let p = 0; p < camera.width * camera.height; p++) {
    for (let c = 0; c < 3; c++) photo.data[3 * p + c] = render.image.data[4 * p + 3] ? render.image.data[4 * p + c] : 60 + 25 * c;
  }
  return photo;
}

function detailOf(photo: RgbImage): DetailResult {
  return reconstructDetail({
    view: { ...texturedMesh(model, positions), photo, camera, pose }, sh, symmetric, select,
    occluderSelect: displayMesh(model).select, millimetres: mm,
  }, { solveSize: S });
}

/** Texture (sRGB, S x S) of linear colour `colour(x, y)` over the face's UV square. */
function texture(colour: (x: number, y: number, out: number[]) => void): RgbImage {
  const data = new Uint8Array(3 * S * S), c = [0, 0, 0];
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      colour(x, y, c);
      for (let k = 0; k < 3; k++) data[3 * (y * S + x) + k] = Math.round(255 * linearToSrgb(c[k]));
    }
  }
  return { width: S, height: S, data };
}

const plainSkin = texture((_x, _y, out) => { out[0] = SKIN[0]; out[1] = SKIN[1]; out[2] = SKIN[2]; });

/** Pearson correlation of a and b over texels where `where` holds. */
function correlation(a: Float32Array, b: Float32Array, where: (p: number) => boolean): number {
  let n = 0, sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
  for (let p = 0; p < a.length; p++) {
    if (!where(p)) continue;
    n++; sa += a[p]; sb += b[p]; saa += a[p] * a[p]; sbb += b[p] * b[p]; sab += a[p] * b[p];
  }
  const cov = sab / n - (sa / n) * (sb / n);
  return cov / Math.sqrt((saa / n - (sa / n) ** 2) * (sbb / n - (sb / n) ** 2));
}

function rms(h: Float32Array, where: (p: number) => boolean): number {
  let s = 0, n = 0;
  for (let p = 0; p < h.length; p++) if (where(p)) { s += h[p] * h[p]; n++; }
  return Math.sqrt(s / n);
}

test('detail band: a known displacement rendered under a known light is recovered on the visible skin', () => {
  const truth = trueDisplacement(3);
  const detail = detailOf(renderScene(plainSkin, truth));
  const visible = (p: number) => detail.evidence[p] > 0.5;
  let count = 0;
  for (let p = 0; p < S * S; p++) if (visible(p)) count++;
  assert.ok(count > 20000, `visible skin texels ${count}`);
  const r = correlation(detail.height, truth, visible);
  console.log(`correlation with the true displacement ${r.toFixed(3)} over ${count} texels; rms ${rms(detail.height, visible).toFixed(3)} mm (truth ${rms(truth, visible).toFixed(3)} mm)`);
  assert.ok(r >= 0.7, `correlation ${r.toFixed(3)}`);
});

test('de-retouching: painted moles, freckles and make-up make no bumps (5x less than the same patterns without colour)', () => {
  const rnd = seededRandom(11);
  // Pigment: a darker, browner skin (melanin) or a redder one (lipstick, blush), each as a factor per channel.
  const spots = Array.from({ length: 90 }, () => ({
    x: S * (0.15 + 0.7 * rnd.uniform()), y: S * (0.05 + 0.75 * rnd.uniform()), sigma: 1.5 + 3 * rnd.uniform(),
    tint: rnd.uniform() < 0.6 ? [0.75, 0.55, 0.45] : [0.95, 0.55, 0.6],
  }));
  const pigment = (x: number, y: number, out: number[]) => {
    out[0] = 1; out[1] = 1; out[2] = 1;
    for (const s of spots) {
      const w = Math.exp(-((x - s.x) ** 2 + (y - s.y) ** 2) / (2 * s.sigma * s.sigma));
      for (let c = 0; c < 3; c++) out[c] *= 1 - w * (1 - s.tint[c]);
    }
  };
  const painted = texture((x, y, out) => { pigment(x, y, out); for (let c = 0; c < 3; c++) out[c] *= SKIN[c]; });
  // The same patterns without colour: each texel darkened by its pigment's luminance alone.
  const grey = texture((x, y, out) => {
    pigment(x, y, out);
    const l = 0.2126 * out[0] + 0.7152 * out[1] + 0.0722 * out[2];
    for (let c = 0; c < 3; c++) out[c] = l * SKIN[c];
  });
  const onPainted = detailOf(renderScene(painted)), onGrey = detailOf(renderScene(grey));
  const seen = (p: number) => onGrey.evidence[p] > 0.5;
  const paintedRms = rms(onPainted.height, seen), equivalent = rms(onGrey.height, seen);
  console.log(`displacement of painted patterns ${paintedRms.toFixed(4)} mm; of the same patterns in grey (their equivalent height) ${equivalent.toFixed(4)} mm`);
  assert.ok(equivalent > 0.03, `the grey patterns should read as bumps (${equivalent.toFixed(4)} mm)`);
  assert.ok(paintedRms * 5 <= equivalent, `painted ${paintedRms.toFixed(4)} mm vs equivalent ${equivalent.toFixed(4)} mm`);
});

test('normal map: tangent space, glTF convention (flat = (0.5, 0.5, 1); +u slope tilts red down, +v slope tilts green down)', () => {
  const flat = tangentNormalMap({ size: S, height: new Float32Array(S * S), frames }, 256);
  for (let p = 0; p < 256 * 256; p++) assert.deepEqual([...flat.data.subarray(3 * p, 3 * p + 3)], [128, 128, 255]);
  // Heights rising with u alone (with the column) and with v alone (against the rows), at a slope of
  // 0.1 mm per mm of surface at texel p.
  const p = (S / 2) * S + S / 2 + 60;
  assert.ok(frames.mmX[p] > 0 && frames.mmX[p - 2] > 0 && frames.mmX[p + 2 * S] > 0);
  const alongU = new Float32Array(S * S), alongV = new Float32Array(S * S);
  for (let q = 0; q < S * S; q++) {
    const x = q % S, y = (q - x) / S;
    alongU[q] = 0.1 * frames.mmX[p] * x;
    alongV[q] = 0.1 * frames.mmY[p] * (S - y);
  }
  const mapU = tangentNormalMap({ size: S, height: alongU, frames }, S), mapV = tangentNormalMap({ size: S, height: alongV, frames }, S);
  // The normal of a 0.1 slope is (-0.0995, 0, 0.995) in the tilted axis.
  const tilt = Math.round(((-0.1 / Math.hypot(0.1, 1) + 1) / 2) * 255);
  assert.ok(Math.abs(mapU.data[3 * p] - tilt) <= 1 && Math.abs(mapU.data[3 * p + 1] - 128) <= 1, `u ramp ${[...mapU.data.subarray(3 * p, 3 * p + 3)]}`);
  assert.ok(Math.abs(mapV.data[3 * p + 1] - tilt) <= 1 && Math.abs(mapV.data[3 * p] - 128) <= 1, `v ramp ${[...mapV.data.subarray(3 * p, 3 * p + 3)]}`);
});

test('detail options: off by default, on when asked (with the photometric stage it reads), values checked by name', () => {
  assert.equal(expandReconstructOptions().detail, false);
  assert.deepEqual(expandReconstructOptions({ detail: true }).detail, DETAIL_DEFAULTS);
  assert.equal(expandReconstructOptions({ detail: true, photometric: false }).detail, false);
  assert.throws(() => expandReconstructOptions({ detail: { smoothness: -1 } }), { message: /^detail\.smoothness must be a number > 0/ });
  assert.throws(() => expandReconstructOptions({ detail: { chromaAccept: 0.5, chromaReject: 0.4 } }), { message: /^detail\.chromaReject/ });
});
