import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import validator from 'gltf-validator';
import { buildExports } from '../src/export/index.js';
import { projectPoints, rotationFromAngles, type Camera, type HeadPose } from '../src/base/camera.js';
import type { RgbImage } from '../src/base/image.js';
import { encodePng } from '../src/io/write-image.js';
import { shFromLight } from '../src/lighting/sh.js';
import { eyeParts, IRIS_UV_RADIUS, PUPIL_UV_RADIUS } from '../src/model/eye-geometry.js';
import { instantiate } from '../src/model/instance.js';
import { loadIctModel } from '../src/model/node/load-ict.js';
import type { MorphableModel } from '../src/model/types.js';
import { renderTextured } from '../src/render/textured.js';
import { LEFT_EYE, RIGHT_EYE } from '../src/skin/landmark-regions.js';
import { paintEyeTexture } from '../src/texture/eye-texture.js';
import type { Rgb } from '../src/base/colour.js';
import { FALLBACK_IRIS_COLOUR, measureIrisColour } from '../src/texture/iris-colour.js';
import { readGlb, readObj, type MeshFile } from './helpers/mesh-files.js';

let model: MorphableModel;
before(async () => {
  model = (await loadIctModel({ progress: false })).model;
});

/** A blue no skin, sclera or lid has, so iris pixels cannot be there by accident. */
const BLUE_IRIS: Readonly<Rgb> = [0.15, 0.35, 0.75];

const to8 = (c: Readonly<Rgb>) => c.map((x) => Math.round(255 * x));

describe('eyes in the exports', () => {
  /** Centre of each eye's pupil (mm, head frame): the inner eyeball's vertices nearest its UV centre. */
  function pupilCentres(positionsMm: Float32Array): Float32Array[] {
    const { innerEye } = eyeParts(model);
    const sums = [new Float64Array(4), new Float64Array(4)];
    for (let t = 0; t < innerEye.length; t++) {
      if (!innerEye[t]) continue;
      for (let c = 3 * t; c < 3 * t + 3; c++) {
        const uv = model.triangleUvs[c];
        if (Math.hypot(model.uvs[2 * uv] - 0.5, model.uvs[2 * uv + 1] - 0.5) > 0.1) continue;
        const i = model.triangles[c];
        const s = sums[positionsMm[3 * i] > 0 ? 0 : 1];
        for (let k = 0; k < 3; k++) s[k] += positionsMm[3 * i + k];
        s[3]++;
      }
    }
    return sums.map((s) => Float32Array.from([s[0] / s[3], s[1] / s[3], s[2] / s[3]]));
  }

  const mmPerUv = 15; // 3D radius per UV radius on the inner eyeball (src/model/eye-geometry.ts)

  /**
   * Renders a mesh file from the front (uniform white light, so pixels are the albedo) and returns,
   * per eye, the fraction of the pixels of a ring around the pupil (radii in mm; by default from the
   * pupil's edge to three quarters of the iris) that show the iris colour; `sideways`: only the ring's
   * parts within 30 degrees of the horizontal, where no lid covers an open eye's iris.
   */
  function irisFractions(
    file: MeshFile, pupils: Float32Array[], isIris: (r: number, g: number, b: number) => boolean, radiiMm?: [number, number], sideways = false,
  ): number[] {
    const camera: Camera = { focal: 2400, cx: 256, cy: 256, width: 512, height: 512 };
    const pose: HeadPose = { rotation: rotationFromAngles(0, 0, 0), translation: Float64Array.from([0, 35, 400]) };
    const sh = shFromLight([0, 0, 1], [1, 1, 1], [0, 0, 0]);
    const { image } = renderTextured(file.mesh, pose, camera, file.albedo, sh);
    return pupils.map((centre) => {
      const [x, y, z] = projectPoints(centre, pose, camera);
      const pxPerMm = camera.focal / z;
      const [innerMm, outerMm] = radiiMm ?? [PUPIL_UV_RADIUS * mmPerUv + 0.5, 0.75 * IRIS_UV_RADIUS * mmPerUv];
      const inner = innerMm * pxPerMm, outer = outerMm * pxPerMm;
      let ring = 0, coloured = 0;
      for (let j = Math.floor(y - outer); j <= Math.ceil(y + outer); j++) {
        for (let i = Math.floor(x - outer); i <= Math.ceil(x + outer); i++) {
          const d = Math.hypot(i + 0.5 - x, j + 0.5 - y);
          if (d < inner || d > outer || (sideways && Math.abs(j + 0.5 - y) > 0.5 * Math.abs(i + 0.5 - x))) continue;
          ring++;
          const o = 4 * (j * image.width + i);
          if (isIris(image.data[o], image.data[o + 1], image.data[o + 2])) coloured++;
        }
      }
      assert.ok(ring > 100, `iris ring of ${ring} px`);
      return coloured / ring;
    });
  }

  test('the GLB and the OBJ, read back from disk and rendered from the front, show the iris', async () => {
    const expression = new Float32Array(model.expressionNames.length);
    const positions = instantiate(model, { expression });
    const folder = await mkdtemp(join(tmpdir(), 'facerecon-eyes-'));
    const skin: RgbImage = { width: 4, height: 4, data: new Uint8Array(48).fill(190) };
    const texturePng = await encodePng(skin);
    const eyeTexturePng = await encodePng(paintEyeTexture(BLUE_IRIS));
    const files = await buildExports(model, positions, expression, texturePng, { eyeTexture: eyeTexturePng });
    for (const [name, data] of Object.entries({ ...files, 'texture.png': texturePng, 'eyes.png': eyeTexturePng })) {
      await writeFile(join(folder, name), data);
    }
    assert.match(files['mesh.mtl'], /newmtl M_IrisLeft\n(.*\n)*?map_Kd eyes\.png/);
    const report = await validator.validateBytes(files['head.glb']);
    assert.equal(report.issues.numErrors, 0, 'the GLB with two textures is valid glTF');
    const pupils = pupilCentres(positions.map((v) => v * model.unitsToMillimetres));
    for (const name of ['head.glb', 'mesh.obj']) {
      const file = name.endsWith('.glb') ? await readGlb(join(folder, name)) : await readObj(join(folder, name));
      const target = to8(BLUE_IRIS);
      const fractions = irisFractions(file, pupils, (r, g, b) => Math.hypot(r - target[0], g - target[1], b - target[2]) < 30);
      for (const f of fractions) assert.ok(f > 0.6, `${name}: ${fractions.map((x) => x.toFixed(2))} of the iris ring shows the iris`);
      // Out to its edge (the darker limbal ring, still blue): the shell's cut must not hide the outer
      // iris behind a white ring, which makes every eye stare.
      const edge = irisFractions(file, pupils, (r, _g, b) => b - r > 60, [0.8 * IRIS_UV_RADIUS * mmPerUv, 0.9 * IRIS_UV_RADIUS * mmPerUv], true);
      for (const f of edge) assert.ok(f > 0.9, `${name}: ${edge.map((x) => x.toFixed(2))} of the iris's outer ring shows the iris`);
    }
  });

  test('the cornea is cut from both eye shells, and only there', () => {
    const { corneaPolygons, innerEye } = eyeParts(model);
    const byMaterial = new Map<string, number>();
    corneaPolygons.forEach((cut, p) => {
      if (cut) byMaterial.set(model.materials[model.polygonMaterial[p]], (byMaterial.get(model.materials[model.polygonMaterial[p]]) ?? 0) + 1);
    });
    assert.deepEqual([...byMaterial.keys()].sort(), ['M_ScleraLeft', 'M_ScleraRight']);
    assert.equal(byMaterial.get('M_ScleraLeft'), byMaterial.get('M_ScleraRight'));
    let inner = 0;
    innerEye.forEach((x, t) => { if (x) { inner++; assert.match(model.materials[model.polygonMaterial[model.trianglePolygon[t]]], /^M_Iris/); } });
    assert.ok(inner > 3000, `${inner} inner-eyeball triangles`);
  });
});

describe('eye texture', () => {
  test('pupil, iris and sclera by UV radius', () => {
    const size = 128;
    const image = paintEyeTexture(BLUE_IRIS, size);
    const at = (r: number) => {
      const x = Math.floor((0.5 + r) * size), y = size / 2;
      return Array.from(image.data.subarray(3 * (y * size + x), 3 * (y * size + x) + 3));
    };
    assert.ok(Math.max(...at(0.02)) < 30, `pupil ${at(0.02)}`);
    assert.deepEqual(at(0.25), to8(BLUE_IRIS));
    assert.ok(Math.min(...at(0.45)) > 200, `sclera ${at(0.45)}`);
  });
});

describe('iris colour from the photo', () => {
  const W = 200, H = 120;
  const skinColour = [200, 160, 140], scleraColour = [235, 235, 230];

  /** A face crop with one eye opening per side (an ellipse of lid landmarks), iris and pupil painted in. */
  function eyePhoto(openings: number | [number, number], irisColours: number[] | [number[], number[]]): { photo: RgbImage; landmarks: Float32Array; irises: Float32Array } {
    const opening = (eye: number) => (typeof openings === 'number' ? openings : openings[eye]);
    const iris = (eye: number) => (typeof irisColours[0] === 'number' ? irisColours as number[] : (irisColours as number[][])[eye]);
    const landmarks = new Float32Array(468 * 3);
    const irises = new Float32Array(30);
    const data = new Uint8Array(W * H * 3);
    const centres = [[60, 60], [140, 60]];
    [RIGHT_EYE, LEFT_EYE].forEach((indices, eye) => {
      const [cx, cy] = centres[eye];
      // Outer corner first, upper lid, inner corner, lower lid: around the ellipse.
      indices.forEach((i, k) => {
        const a = Math.PI * (2 * k) / indices.length;
        landmarks[3 * i] = cx + (eye === 0 ? -1 : 1) * 30 * Math.cos(a);
        landmarks[3 * i + 1] = cy - opening(eye) * Math.sin(a);
      });
      irises.set([cx, cy, 0, cx + 12, cy, 0, cx, cy - 12, 0, cx - 12, cy, 0, cx, cy + 12, 0], 15 * eye);
    });
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const eye = x < W / 2 ? 0 : 1;
        const [cx, cy] = centres[eye];
        const dx = (x + 0.5 - cx) / 30, dy = (y + 0.5 - cy) / Math.max(opening(eye), 1e-6);
        const r = Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
        let colour = skinColour;
        if (dx * dx + dy * dy <= 1) colour = r < 4 ? [10, 10, 10] : r < 12 ? iris(eye) : scleraColour;
        if (Math.hypot(x + 0.5 - cx - 5, y + 0.5 - cy + 5) < 2) colour = [255, 255, 255]; // catch light
        data.set(colour, 3 * (y * W + x));
      }
    }
    return { photo: { width: W, height: H, data }, landmarks, irises };
  }

  test('an open eye gives its iris colour, with or without the iris network', () => {
    const green = [70, 120, 60];
    const { photo, landmarks, irises } = eyePhoto(14, green);
    for (const measured of [measureIrisColour(photo, landmarks, irises), measureIrisColour(photo, landmarks)]) {
      assert.ok(measured.pixels > 50, `${measured.pixels} pixels`);
      const got = to8(measured.colour);
      assert.ok(Math.hypot(got[0] - green[0], got[1] - green[1], got[2] - green[2]) < 12, `measured ${got}, painted ${green}`);
    }
  });

  test('the lighting is divided out when given', () => {
    const { photo, landmarks, irises } = eyePhoto(14, [70, 120, 60]);
    const plain = measureIrisColour(photo, landmarks, irises);
    const lit = measureIrisColour(photo, landmarks, irises, [0.5, 0.5, 0.5]);
    assert.ok(lit.colour[1] > plain.colour[1] * 1.2, `${lit.colour} vs ${plain.colour}`);
  });

  test('an eye whose lids hide most of the iris is left out', () => {
    const open = [70, 120, 60], narrowed = [150, 40, 40];
    const { photo, landmarks, irises } = eyePhoto([14, 3], [open, narrowed]);
    const measured = measureIrisColour(photo, landmarks, irises);
    const got = to8(measured.colour);
    assert.ok(Math.hypot(got[0] - open[0], got[1] - open[1], got[2] - open[2]) < 12, `measured ${got}: the open eye's ${open}`);
  });

  test('closed eyes are not measured: the neutral fallback', () => {
    const { photo, landmarks, irises } = eyePhoto(0.3, [70, 120, 60]);
    const measured = measureIrisColour(photo, landmarks, irises);
    assert.equal(measured.pixels, 0);
    assert.deepEqual(measured.colour, FALLBACK_IRIS_COLOUR);
  });
});
