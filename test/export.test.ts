import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import validator from 'gltf-validator';
import sharp from 'sharp';
import { vertexNormals } from '../src/base/normals.js';
import { instantiate } from '../src/model/instance.js';
import type { MorphableModel } from '../src/model/types.js';
import { eyeParts } from '../src/model/eye-geometry.js';
import {
  ARKIT_BLENDSHAPES, arkitName, buildExports, buildFaceParams, exportMeshFromModel, faceParamsJson, HELPER_MATERIALS,
  NORMAL_DELTA_FLOOR, POSITION_DELTA_FLOOR_MM, toGlb, toPly, type ExportFiles,
  buildDetailMeshExports, displacedMesh,
} from '../src/export/index.js';
import { selectGeometry } from '../src/export/selection.js';
import { heightSampler } from '../src/detail/maps.js';
import { readGlbDocument } from './helpers/mesh-files.js';
import { loadSmallModel } from './helpers/small-model.js';

const MM = 10; // ICT units are centimetres

let model: MorphableModel;
let identity: Float32Array;
let expression: Float32Array;
let positions: Float32Array; // model units, identity + expression
let png: Uint8Array;
let files: ExportFiles;

before(async () => {
  // The exporters' work is per polygon and per vertex: the small ICT fixture has every material, region and expression.
  model = (await loadSmallModel()).model;
  identity = new Float32Array(model.identityCount);
  identity[0] = 1.2;
  identity[3] = -0.7;
  identity[20] = 0.5;
  expression = new Float32Array(model.expressionNames.length);
  expression[model.expressionNames.indexOf('jawOpen')] = 0.35;
  expression[model.expressionNames.indexOf('mouthSmile_L')] = 0.6;
  expression[model.expressionNames.indexOf('eyeBlink_R')] = 0.9;
  positions = instantiate(model, { identity, expression });
  png = new Uint8Array(await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 200, g: 150, b: 120 } } }).png().toBuffer());
  files = await buildExports(model, positions, expression, png);
});

// ---------- what the exports should contain, computed from the model directly ----------

interface Expected {
  polygons: number[];
  /** Model vertices the kept polygons use, ascending (the exports' compact order). */
  vertices: number[];
  triangles: number;
  /** Vertex indices of the kept triangles, 3 each (the surface the exported normals are taken over). */
  triangleVertices: Uint32Array;
  materials: string[];
}

function expected(excluded: readonly string[]): Expected {
  const polygons: number[] = [];
  const used = new Set<number>();
  for (let p = 0; p + 1 < model.polygonStart.length; p++) {
    // The eyes' corneas are cut out of every export (so that the iris shows).
    if (excluded.includes(model.materials[model.polygonMaterial[p]]) || eyeParts(model).corneaPolygons[p]) continue;
    polygons.push(p);
    for (let c = model.polygonStart[p]; c < model.polygonStart[p + 1]; c++) used.add(model.polygonVertices[c]);
  }
  const keptPolygons = new Set(polygons);
  let triangles = 0;
  const triangleVertices: number[] = [];
  model.trianglePolygon.forEach((p, t) => {
    if (!keptPolygons.has(p)) return;
    triangles++;
    triangleVertices.push(...model.triangles.subarray(3 * t, 3 * t + 3));
  });
  return {
    polygons,
    vertices: [...used].sort((a, b) => a - b),
    triangles,
    triangleVertices: Uint32Array.from(triangleVertices),
    materials: model.materials.filter((m) => !excluded.includes(m)),
  };
}

// ---------- OBJ ----------

interface ParsedObj {
  v: number[][];
  vt: number[][];
  vn: number[][];
  faces: { material: string; corners: [number, number, number][] }[];
  mtllib?: string;
}

function parseObj(text: string): ParsedObj {
  const out: ParsedObj = { v: [], vt: [], vn: [], faces: [] };
  let material = '';
  for (const line of text.split('\n')) {
    const [tag, ...rest] = line.trim().split(/\s+/);
    if (tag === 'v') out.v.push(rest.map(Number));
    else if (tag === 'vt') out.vt.push(rest.map(Number));
    else if (tag === 'vn') out.vn.push(rest.map(Number));
    else if (tag === 'usemtl') material = rest[0];
    else if (tag === 'mtllib') out.mtllib = rest[0];
    else if (tag === 'f') {
      out.faces.push({ material, corners: rest.map((c) => c.split('/').map(Number) as [number, number, number]) });
    }
  }
  return out;
}

describe('OBJ + MTL', () => {
  test('round trip: counts, indices, millimetres, UVs and the original polygons', () => {
    const obj = parseObj(files['mesh.obj']);
    const want = expected(HELPER_MATERIALS);
    assert.equal(obj.mtllib, 'mesh.mtl');
    assert.equal(obj.v.length, want.vertices.length);
    assert.equal(obj.vn.length, obj.v.length);
    assert.equal(obj.faces.length, want.polygons.length);
    assert.deepEqual([...new Set(obj.faces.map((f) => f.material))], want.materials);

    for (const n of obj.vn) assert.ok(Math.abs(Math.hypot(n[0], n[1], n[2]) - 1) < 1e-4, 'unit normals');
    for (const [u, v] of obj.vt) assert.ok(u >= 0 && u <= 1 && v >= 0 && v <= 1, `uv ${u} ${v} outside [0, 1]`);

    // every face corner: same model vertex (position in mm) and same UV (UDIM tile folded) as the model polygon
    const byMaterial = new Map<string, number[]>();
    for (const p of want.polygons) {
      const name = model.materials[model.polygonMaterial[p]];
      byMaterial.set(name, [...(byMaterial.get(name) ?? []), p]);
    }
    const modelOrder = want.materials.flatMap((m) => byMaterial.get(m)!);
    obj.faces.forEach((face, f) => {
      const p = modelOrder[f];
      const start = model.polygonStart[p];
      assert.equal(face.corners.length, model.polygonStart[p + 1] - start, 'quads stay quads');
      face.corners.forEach(([vi, ti, ni], c) => {
        assert.ok(vi >= 1 && vi <= obj.v.length && ti >= 1 && ti <= obj.vt.length && ni === vi, 'indices in range');
        const mv = model.polygonVertices[start + c];
        assert.equal(want.vertices[vi - 1], mv);
        for (let k = 0; k < 3; k++) assert.ok(Math.abs(obj.v[vi - 1][k] - positions[3 * mv + k] * MM) <= 6e-5);
        const mt = model.polygonUvs[start + c];
        const u = model.uvs[2 * mt];
        assert.ok(Math.abs(obj.vt[ti - 1][0] - (u - Math.floor(u))) < 1e-6);
        assert.ok(Math.abs(obj.vt[ti - 1][1] - model.uvs[2 * mt + 1]) < 1e-6);
      });
    });
  });

  test('normals point out of the head (winding is outward)', () => {
    const obj = parseObj(files['mesh.obj']);
    // the extreme vertex toward the front, the back and the top has its normal along that direction
    // (not left/right: the extremes there are ear rims)
    for (const [axis, sign] of [[2, 1], [2, -1], [1, 1]]) {
      let best = 0;
      obj.v.forEach((p, i) => { if (sign * p[axis] > sign * obj.v[best][axis]) best = i; });
      const n = obj.vn[best];
      assert.ok(sign * n[axis] > 0.7, `normal ${n} at the extreme vertex along ${sign > 0 ? '+' : '-'}${'xyz'[axis]}`);
    }
  });

  test('MTL: one material per group, texture on the face only', async () => {
    const mtl = files['mesh.mtl'];
    const names = [...mtl.matchAll(/^newmtl (\S+)$/gm)].map((m) => m[1]);
    assert.deepEqual(names, expected(HELPER_MATERIALS).materials);
    const maps = [...mtl.matchAll(/newmtl (\S+)\n(?:(?!newmtl)[^\n]*\n)*?map_Kd (\S+)/g)].map((m) => [m[1], m[2]]);
    assert.deepEqual(maps, [['M_Face', 'texture.png']]);
    const untextured = (await buildExports(model, positions, expression))['mesh.mtl'];
    assert.ok(!untextured.includes('map_Kd'));
  });

  test('helper geometry is excluded by default and can be kept', async () => {
    for (const m of HELPER_MATERIALS) assert.ok(!files['mesh.obj'].includes(`usemtl ${m}`));
    const all = await buildExports(model, positions, expression, undefined, { excludeMaterials: [] });
    const obj = parseObj(all['mesh.obj']);
    assert.equal(obj.v.length, expected([]).vertices.length);
    assert.equal(obj.faces.length, expected([]).polygons.length);
    for (const m of HELPER_MATERIALS) assert.ok(all['mesh.obj'].includes(`usemtl ${m}`));
  });
});

// ---------- PLY ----------

function splitPly(bytes: Uint8Array): { header: string[]; body: DataView; bodyOffset: number } {
  const marker = 'end_header\n';
  const text = new TextDecoder('latin1').decode(bytes.subarray(0, 2000));
  const end = text.indexOf(marker) + marker.length;
  assert.ok(end > marker.length, 'PLY header ends');
  return { header: text.slice(0, end - 1).split('\n'), body: new DataView(bytes.buffer, bytes.byteOffset), bodyOffset: end };
}

describe('PLY', () => {
  test('header and exact byte length; vertices in mm, triangles in range', () => {
    const ply = files['mesh.ply'];
    const want = expected(HELPER_MATERIALS);
    const { header, body, bodyOffset } = splitPly(ply);
    const V = want.vertices.length, F = want.triangles;
    assert.deepEqual(header.filter((l) => !l.startsWith('comment')), [
      'ply', 'format binary_little_endian 1.0', `element vertex ${V}`,
      'property float x', 'property float y', 'property float z',
      'property float nx', 'property float ny', 'property float nz',
      `element face ${F}`, 'property list uchar int vertex_indices', 'end_header',
    ]);
    assert.equal(ply.length, bodyOffset + V * 24 + F * 13);
    for (const i of [0, 1000, V - 1]) {
      const mv = want.vertices[i];
      for (let k = 0; k < 3; k++) {
        assert.ok(Math.abs(body.getFloat32(bodyOffset + 24 * i + 4 * k, true) - positions[3 * mv + k] * MM) < 1e-4);
      }
      const n = [0, 1, 2].map((k) => body.getFloat32(bodyOffset + 24 * i + 12 + 4 * k, true));
      assert.ok(Math.abs(Math.hypot(...n) - 1) < 1e-5);
    }
    for (let f = 0, o = bodyOffset + V * 24; f < F; f++, o += 13) {
      assert.equal(body.getUint8(o), 3);
      for (let c = 0; c < 3; c++) {
        const index = body.getInt32(o + 1 + 4 * c, true);
        assert.ok(index >= 0 && index < V);
      }
    }
  });

  test('optional per-vertex colour', () => {
    const mesh = exportMeshFromModel(model, positions, expression);
    mesh.vertexColours = new Uint8Array(model.vertexCount * 3).map((_, i) => (i * 7) % 256);
    const ply = toPly(mesh);
    const want = expected(HELPER_MATERIALS);
    const { header, body, bodyOffset } = splitPly(ply);
    assert.ok(header.includes('property uchar red') && header.includes('property uchar blue'));
    assert.equal(ply.length, bodyOffset + want.vertices.length * 27 + want.triangles * 13);
    const i = 500, mv = want.vertices[i];
    for (let c = 0; c < 3; c++) assert.equal(body.getUint8(bodyOffset + 27 * i + 24 + c), mesh.vertexColours[3 * mv + c]);
  });
});

// ---------- GLB ----------

/** Model vertex of each point, by nearest neighbour among the given model-vertex positions (mm). */
function matchVertices(points: Float64Array, reference: Float32Array, candidates: number[], tolerance: number): number[] {
  const cell = 0.5;
  const grid = new Map<string, number[]>();
  const key = (x: number, y: number, z: number) => `${Math.floor(x / cell)},${Math.floor(y / cell)},${Math.floor(z / cell)}`;
  for (const v of candidates) {
    const k = key(reference[3 * v], reference[3 * v + 1], reference[3 * v + 2]);
    grid.set(k, [...(grid.get(k) ?? []), v]);
  }
  const out: number[] = [];
  for (let i = 0; i < points.length; i += 3) {
    const [x, y, z] = [points[i], points[i + 1], points[i + 2]];
    let best = -1, bestD = Infinity;
    const [gx, gy, gz] = [x, y, z].map((c) => Math.floor(c / cell));
    for (let dx = -1; dx <= 1; dx++) for (let dy = -1; dy <= 1; dy++) for (let dz = -1; dz <= 1; dz++) {
      for (const v of grid.get(`${gx + dx},${gy + dy},${gz + dz}`) ?? []) {
        const d = Math.hypot(reference[3 * v] - x, reference[3 * v + 1] - y, reference[3 * v + 2] - z);
        if (d < bestD) { bestD = d; best = v; }
      }
    }
    assert.ok(bestD < tolerance, `GLB vertex ${i / 3} is ${bestD} mm from the nearest model vertex`);
    out.push(best);
  }
  return out;
}

describe('GLB', () => {
  let glb: Awaited<ReturnType<typeof readGlbDocument>>;
  /** The quantisation step (mm): the mesh node's scale. */
  let step: number;
  before(async () => {
    glb = await readGlbDocument(files['head.glb']);
    step = glb.doc.getRoot().listNodes().find((n) => n.getMesh())!.getScale()[0];
  });

  test('passes the Khronos glTF validator with zero errors', async (t) => {
    const report = await validator.validateBytes(files['head.glb'], { maxIssues: 1000 });
    const others = report.issues.messages.filter((m: any) => m.severity <= 1);
    t.diagnostic(`validator: ${report.issues.numErrors} errors, ${report.issues.numWarnings} warnings, ${report.issues.numInfos} infos, ${report.issues.numHints} hints`);
    for (const m of others) t.diagnostic(`${m.severity === 0 ? 'error' : 'warning'} ${m.code} ${m.pointer ?? ''}: ${m.message}`);
    assert.equal(report.issues.numErrors, 0);
    assert.equal(report.info.hasMorphTargets, true);
    assert.equal(report.info.hasTextures, true);
    assert.deepEqual(report.info.extensionsRequired, ['KHR_mesh_quantization']);
    assert.equal(report.info.generator, 'facerecon');
  });

  test('document: root node scaled to metres, materials without helpers, embedded texture', async () => {
    const root = glb.doc.getRoot();
    assert.equal((root.getAsset().extras as { units?: string }).units, 'mm');
    const head = root.getDefaultScene()!.listChildren()[0];
    assert.equal(head.getName(), 'head');
    assert.deepEqual(head.getScale(), [0.001, 0.001, 0.001]);
    assert.ok(step > 0 && step < 0.01, `quantisation step ${step} mm`);
    const names = root.listMaterials().map((m) => m.getName());
    assert.deepEqual(names, expected(HELPER_MATERIALS).materials);
    const face = root.listMaterials()[names.indexOf('M_Face')];
    assert.deepEqual(face.getBaseColorTexture()!.getImage(), png);
    assert.equal(face.getBaseColorTexture()!.getMimeType(), 'image/png');
    assert.equal(root.listMaterials()[names.indexOf('M_Teeth')].getBaseColorTexture(), null);

    const plain = await readGlbDocument(await toGlb(exportMeshFromModel(model, positions, expression)));
    assert.equal(plain.doc.getRoot().listTextures().length, 0);
    const skin = plain.doc.getRoot().listMaterials().find((m) => m.getName() === 'M_Face')!.getBaseColorFactor();
    assert.ok(skin[0] > skin[1] && skin[1] > skin[2], 'skin-coloured base colour');
  });

  test('53 morph targets with ARKit-style names and the fitted weights', () => {
    const mesh = glb.doc.getRoot().listMeshes()[0];
    const names = mesh.listPrimitives()[0].listTargets().map((t) => t.getName());
    assert.equal(names.length, 53);
    assert.equal(new Set(names).size, 53);
    assert.equal(names[model.expressionNames.indexOf('eyeBlink_L')], 'eyeBlinkLeft');
    assert.equal(names[model.expressionNames.indexOf('mouthSmile_R')], 'mouthSmileRight');
    assert.equal(names[model.expressionNames.indexOf('jawOpen')], 'jawOpen');
    assert.equal(names[model.expressionNames.indexOf('browInnerUp_L')], 'browInnerUpLeft');
    assert.equal(names[model.expressionNames.indexOf('cheekPuff_R')], 'cheekPuffRight');
    const notArkit = names.filter((n) => !ARKIT_BLENDSHAPES.includes(n)).sort();
    assert.deepEqual(notArkit, ['browInnerUpLeft', 'browInnerUpRight', 'cheekPuffLeft', 'cheekPuffRight']);
    assert.deepEqual(mesh.getExtras().ictTargetNames, model.expressionNames);
    assert.deepEqual(mesh.getWeights(), Array.from(expression));
    for (const p of mesh.listPrimitives()) assert.deepEqual(p.listTargets().map((t) => t.getName()), names);
  });

  test('base is the identity-only head; base + target k at weight 1 = instantiate(one-hot k) in mm, and its normals', () => {
    const referenceMm = instantiate(model, { identity }).map((x) => x * MM);
    const kept = expected(HELPER_MATERIALS).vertices;
    const K = model.expressionNames.length;
    const keptTriangles = expected(HELPER_MATERIALS).triangleVertices;
    // Rounding of the base and the delta to the grid, and deltas under the floor left out.
    const positionTolerance = POSITION_DELTA_FLOOR_MM + 2 * step;
    const sources = glb.primitives.map((p) => matchVertices(p.positions, referenceMm, kept, step));
    const vertexTotal = sources.reduce((a, s) => a + s.length, 0);
    const referenceNormals = vertexNormals(instantiate(model, { identity }), keptTriangles);
    let moved = 0, clamped = 0, checkedNormals = 0;
    for (let k = 0; k < K; k++) {
      const e = new Float32Array(K);
      e[k] = 1;
      const oneHot = instantiate(model, { identity, expression: e });
      const oneHotNormals = vertexNormals(oneHot, keptTriangles);
      for (const [j, p] of glb.primitives.entries()) {
        const source = sources[j];
        const { positions: delta, normals: normalDelta } = p.targets[k];
        source.forEach((v, i) => {
          for (let c = 0; c < 3; c++) {
            const got = p.positions[3 * i + c] + delta[3 * i + c];
            const want = oneHot[3 * v + c] * MM;
            if (Math.abs(got - want) > positionTolerance) assert.fail(`target ${k} vertex ${v}: ${got} vs ${want}`);
            if (delta[3 * i + c] !== 0) moved++;
          }
          // Normal deltas are stored as normalised bytes in [-1, 1]: a normal turned by more than 90 degrees is clamped.
          const wantDelta = [0, 1, 2].map((c) => oneHotNormals[3 * v + c] - referenceNormals[3 * v + c]);
          if (wantDelta.some((d) => Math.abs(d) > 1)) { clamped++; return; }
          checkedNormals++;
          for (let c = 0; c < 3; c++) {
            const n = p.normals[3 * i + c] + normalDelta![3 * i + c];
            if (Math.abs(n - oneHotNormals[3 * v + c]) > NORMAL_DELTA_FLOOR + 1 / 127) {
              assert.fail(`target ${k} normal at vertex ${v}: ${n} vs ${oneHotNormals[3 * v + c]}`);
            }
          }
        });
      }
    }
    assert.ok(vertexTotal >= kept.length, 'every kept vertex at least once');
    assert.ok(moved > 50000, `targets actually move vertices (${moved} components)`);
    assert.ok(clamped < 0.001 * checkedNormals, `${clamped} of ${checkedNormals} normal deltas clamped`);
  });

  test('triangles are the model triangles (same winding), each corner with its own UV (v flipped); unit normals', () => {
    // model triangles by their vertices, rotated so the smallest comes first (keeps the winding)
    const rotated = (a: number, b: number, c: number) =>
      a < b && a < c ? `${a},${b},${c}` : b < c ? `${b},${c},${a}` : `${c},${a},${b}`;
    const triangleOf = new Map<string, number>();
    for (let t = 0; t < model.triangles.length / 3; t++) {
      triangleOf.set(rotated(model.triangles[3 * t], model.triangles[3 * t + 1], model.triangles[3 * t + 2]), t);
    }
    const referenceMm = instantiate(model, { identity }).map((x) => x * MM);
    const kept = expected(HELPER_MATERIALS).vertices;
    let triangles = 0;
    for (const p of glb.primitives) {
      const source = matchVertices(p.positions, referenceMm, kept, step);
      for (let i = 0; i < source.length; i++) {
        assert.ok(Math.abs(Math.hypot(p.normals[3 * i], p.normals[3 * i + 1], p.normals[3 * i + 2]) - 1) < 1e-4);
      }
      const material = p.material.getName();
      for (let i = 0; i < p.indices.length; i += 3, triangles++) {
        const corners = [p.indices[i], p.indices[i + 1], p.indices[i + 2]];
        const t = triangleOf.get(rotated(source[corners[0]], source[corners[1]], source[corners[2]]));
        assert.ok(t !== undefined, 'a model triangle, same winding');
        assert.equal(model.materials[model.polygonMaterial[model.trianglePolygon[t]]], material);
        for (const g of corners) {
          const c = [0, 1, 2].find((c) => model.triangles[3 * t + c] === source[g])!;
          const mt = model.triangleUvs[3 * t + c];
          const mu = model.uvs[2 * mt];
          // UVs are 16-bit: within half a step of 1/65535
          assert.ok(Math.abs(p.uvs[2 * g] - (mu - Math.floor(mu))) < 1e-5 && Math.abs(1 - p.uvs[2 * g + 1] - model.uvs[2 * mt + 1]) < 1e-5,
            `uv of model vertex ${source[g]} in triangle ${t}`);
        }
      }
    }
    assert.equal(triangles, expected(HELPER_MATERIALS).triangles);
  });

  test('a normal map: M_Face\'s normalTexture, TANGENT on its primitive along +u with +v as bitangent, valid', async () => {
    // A tilted normal map (not flat) in glTF's convention.
    const normalPng = new Uint8Array(await sharp({ create: { width: 32, height: 32, channels: 3, background: { r: 160, g: 110, b: 240 } } }).png().toBuffer());
    const bytes = (await buildExports(model, positions, expression, png, { normalMap: normalPng, files: ['head.glb'] }))['head.glb'];
    const report = await validator.validateBytes(bytes, { maxIssues: 1000 });
        assert.equal(report.issues.numErrors, 0);
    const read = await readGlbDocument(bytes);
    const materials = read.doc.getRoot().listMaterials();
    const face = materials.find((m) => m.getName() === 'M_Face')!;
    assert.deepEqual(face.getNormalTexture()!.getImage(), normalPng);
    assert.deepEqual(face.getBaseColorTexture()!.getImage(), png);
    assert.ok(materials.filter((m) => m !== face).every((m) => m.getNormalTexture() === null), 'only the face is normal-mapped');
    let checked = 0, alongU = 0, alongV = 0;
    for (const p of read.primitives) {
      if (p.material !== face) { assert.equal(p.tangents, undefined); continue; }
      const T = p.tangents!, N = p.normals;
      for (let i = 0; i < T.length / 4; i++) {
        const t = [T[4 * i], T[4 * i + 1], T[4 * i + 2]], n = [N[3 * i], N[3 * i + 1], N[3 * i + 2]];
        assert.ok(Math.abs(Math.hypot(...t) - 1) < 1e-3, `unit tangent at ${i}`);
        assert.ok(Math.abs(t[0] * n[0] + t[1] * n[1] + t[2] * n[2]) < 2e-3, `tangent orthogonal to the normal at ${i}`);
        assert.ok(Math.abs(Math.abs(T[4 * i + 3]) - 1) < 1e-6, 'w = +-1');
      }
      // Per triangle, from the stored positions and UVs: dP/du and dP/dv with v up (glTF stores v down).
      for (let k = 0; k < p.indices.length; k += 3) {
        const [a, b, c] = [p.indices[k], p.indices[k + 1], p.indices[k + 2]];
        const du1 = p.uvs[2 * b] - p.uvs[2 * a], dv1 = -(p.uvs[2 * b + 1] - p.uvs[2 * a + 1]);
        const du2 = p.uvs[2 * c] - p.uvs[2 * a], dv2 = -(p.uvs[2 * c + 1] - p.uvs[2 * a + 1]);
        const det = du1 * dv2 - du2 * dv1;
        if (Math.abs(det) < 1e-8) continue;
        const e1 = [0, 1, 2].map((j) => p.positions[3 * b + j] - p.positions[3 * a + j]);
        const e2 = [0, 1, 2].map((j) => p.positions[3 * c + j] - p.positions[3 * a + j]);
        const dPdu = [0, 1, 2].map((j) => (e1[j] * dv2 - e2[j] * dv1) / det), dPdv = [0, 1, 2].map((j) => (e2[j] * du1 - e1[j] * du2) / det);
        const t = [0, 1, 2].map((j) => T[4 * a + j]), n = [0, 1, 2].map((j) => N[3 * a + j]), w = T[4 * a + 3];
        const bitangent = [n[1] * t[2] - n[2] * t[1], n[2] * t[0] - n[0] * t[2], n[0] * t[1] - n[1] * t[0]].map((x) => x * w);
        checked++;
        if (t[0] * dPdu[0] + t[1] * dPdu[1] + t[2] * dPdu[2] > 0) alongU++;
        if (bitangent[0] * dPdv[0] + bitangent[1] * dPdv[1] + bitangent[2] * dPdv[2] > 0) alongV++;
      }
    }
    assert.ok(checked > 1000, `${checked} face triangles`);
    assert.ok(alongU > 0.99 * checked, `tangent along +u in ${alongU} of ${checked} triangles`);
    assert.ok(alongV > 0.99 * checked, `bitangent along +v in ${alongV} of ${checked} triangles`);
  });

  test('helper geometry is only in when asked for; without morph normals still valid', async () => {
    const mesh = exportMeshFromModel(model, positions, expression);
    const all = await readGlbDocument(await toGlb(mesh, { excludeMaterials: [] }));
    assert.deepEqual(all.doc.getRoot().listMaterials().map((m) => m.getName()), model.materials);
    const noNormals = await toGlb(mesh, { excludeMaterials: [], morphNormals: false });
    const report = await validator.validateBytes(noNormals, { maxIssues: 1000 });
    assert.equal(report.issues.numErrors, 0);
    assert.ok(noNormals.length < files['head.glb'].length);
  });
});

// ---------- ARKit names ----------

test('ARKit names: every ICT expression maps to a distinct ARKit-style name', () => {
  assert.equal(ARKIT_BLENDSHAPES.length, 52);
  const mapped = model.expressionNames.map(arkitName);
  assert.equal(new Set(mapped).size, model.expressionNames.length);
  for (const name of mapped) assert.match(name, /^[a-z][A-Za-z]+$/);
  assert.deepEqual(ARKIT_BLENDSHAPES.filter((n) => !mapped.includes(n)).sort(), ['browInnerUp', 'cheekPuff', 'tongueOut']);
});

// ---------- params.json ----------

describe('params.json', () => {
  const input = () => ({
    model,
    identity,
    expression,
    angles: { yaw: 12.345678, pitch: -3.21, roll: 0.5 },
    rotation: [1, 0, 0, 0, -1, 0, 0, 0, -1.0000000123],
    translationMm: [1.23456, -7.0000001, 512.3],
    camera: { focal: 1234.56789, cx: 256, cy: 300, width: 512, height: 600 },
    fit: { residualPx: 1.234567, residualNormalised: 0.00612345, landmarkCount: 68, iterations: 14 },
    timingsMs: { detect: 12.345, fit: 250.06 },
    detection: { box: { x: 10.123, y: 20, width: 200.456, height: 240 }, score: 0.987654 },
  });

  test('typed builder with rounded numbers, ICT expression names, 3x3 rotation', () => {
    const params = buildFaceParams(input());
    const json = JSON.parse(faceParamsJson(params));
    assert.deepEqual(json, params);
    assert.equal(json.model, model.name);
    assert.equal(json.units, 'mm');
    assert.match(json.frame, /subject's left/);
    assert.equal(json.identity.length, model.identityCount);
    assert.equal(json.identity[0], 1.2);
    assert.deepEqual(Object.keys(json.expression), model.expressionNames);
    assert.equal(json.expression.mouthSmile_L, 0.6);
    assert.equal(json.pose.yawDeg, 12.346);
    assert.deepEqual(json.pose.rotation, [[1, 0, 0], [0, -1, 0], [0, 0, -1]]);
    assert.deepEqual(json.pose.translationMm, [1.235, -7, 512.3]);
    assert.equal(json.camera.focalPx, 1234.568);
    assert.deepEqual(json.fit, { residualPx: 1.2346, residualNormalised: 0.006123, landmarkCount: 68, iterations: 14 });
    assert.deepEqual(json.timingsMs, { detect: 12.3, fit: 250.1 });
    assert.deepEqual(json.detection, { box: { x: 10.12, y: 20, width: 200.46, height: 240 }, score: 0.9877 });
  });

  test('a downscaled photo: its own size recorded, every pixel quantity in its pixels', () => {
    const plain = buildFaceParams(input());
    assert.deepEqual(plain.image, { width: 512, height: 600, scale: 1, processedWidth: 512, processedHeight: 600 });
    const params = buildFaceParams({ ...input(), image: { width: 2048, height: 2400, scale: 0.25 } });
    assert.deepEqual(params.image, { width: 2048, height: 2400, scale: 0.25, processedWidth: 512, processedHeight: 600 });
    assert.deepEqual(params.camera, { focalPx: 4938.272, cx: 1024, cy: 1200, width: 2048, height: 2400 });
    assert.equal(params.fit.residualPx, 4.9383);
    assert.equal(params.fit.residualNormalised, plain.fit.residualNormalised, 'ratios do not scale');
    assert.deepEqual(params.detection!.box, { x: 40.49, y: 80, width: 801.82, height: 960 });
    assert.deepEqual(params.pose, plain.pose, 'the 3D pose does not depend on the pixel grid');
    const confidence = {
      value: 0.412345, sharpness: 0.43, size: 0.99876, agreement: 0.94, priorScale: 5.8812345,
      evidence: { sharpness: 0.32555, faceSizePx: 213.456, disagreement: 0.0234567 },
    };
    assert.deepEqual(buildFaceParams({ ...input(), confidence, image: { width: 2048, height: 2400, scale: 0.25 } }).confidence, {
      value: 0.4123, sharpness: 0.43, size: 0.9988, agreement: 0.94, priorScale: 5.8812,
      evidence: { sharpness: 0.3256, faceSizePx: 853.82, disagreement: 0.02346 },
    }, 'confidence rounded, the face size in the original pixels');
    assert.throws(() => buildFaceParams({ ...input(), image: { width: 512, height: 600, scale: 2 } }), /scale/);
  });

  test('rejects non-finite numbers and wrong lengths', () => {
    assert.throws(() => buildFaceParams({ ...input(), angles: { yaw: NaN, pitch: 0, roll: 0 } }), /non-finite/);
    assert.throws(() => buildFaceParams({ ...input(), expression: new Float32Array(3) }), /expression/);
  });
});

describe('detail mesh (--detail-mesh)', () => {
  const faceTriangles = () => {
    const mask = new Uint8Array(model.triangles.length / 3);
    const [start, end] = model.triangleRegions.face;
    return mask.fill(1, start, end);
  };
  /** The face's left half: displaced triangles that meet kept ones along the midline. */
  const leftHalf = () => faceTriangles().map((on, t) => (on && positions[3 * model.triangles[3 * t]] > 0 ? 1 : 0));

  /** Edges used by one triangle only, and their total length (mm). */
  function openEdges(positions: Float32Array, corners: ArrayLike<number>): { count: number; length: number; overused: number } {
    const uses = new Map<string, number>();
    for (let i = 0; i < corners.length; i += 3) {
      for (let k = 0; k < 3; k++) {
        const a = corners[i + k], b = corners[i + (k + 1) % 3];
        const key = a < b ? `${a},${b}` : `${b},${a}`;
        uses.set(key, (uses.get(key) ?? 0) + 1);
      }
    }
    let count = 0, length = 0, overused = 0;
    for (const [key, n] of uses) {
      if (n > 2) overused++;
      if (n !== 1) continue;
      const [a, b] = key.split(',').map(Number);
      count++;
      length += Math.hypot(positions[3 * a] - positions[3 * b], positions[3 * a + 1] - positions[3 * b + 1], positions[3 * a + 2] - positions[3 * b + 2]);
    }
    return { count, length, overused };
  }

  test('the face cut into segments² triangles on the coarse surface, with no cracks or T-junctions', () => {
    const mesh = exportMeshFromModel(model, positions);
    const sel = selectGeometry(model);
    const coarse = openEdges(mesh.positions, sel.triangleVertices);
    const mask = leftHalf();
    const face = Array.from(sel.triangles).filter((t) => mask[t]).length;
    assert.ok(face > 100, `${face} face triangles in the fixture`);
    const plain = displacedMesh(mesh, { segments: 1, displaced: mask, height: () => 0 });
    assert.equal(plain.corners.length / 3, sel.triangles.length, 'one segment: the export as it is');
    assert.equal(plain.positions.length / 3, sel.vertices.length);
    const fine = displacedMesh(mesh, { segments: 4, displaced: mask, height: () => 0 });
    assert.ok(fine.corners.length / 3 >= sel.triangles.length + 15 * face, `${fine.corners.length / 3} triangles`);
    // Watertight where the export is: the open edges are the export's own borders, cut into pieces.
    const open = openEdges(fine.positions, fine.corners);
    assert.equal(open.overused, 0);
    assert.ok(Math.abs(open.length - coarse.length) < 1e-4 * coarse.length, `open edges ${open.length} mm, export's ${coarse.length} mm`);
    const groups = fine.groups.map(([s, e]) => e - s).reduce((a, b) => a + b, 0);
    assert.equal(groups, fine.corners.length / 3, 'every triangle in a material group');
    assert.throws(() => displacedMesh(mesh, { segments: 0, displaced: mask, height: () => 0 }), /segments/);
  });

  test('the height pushes the face along its outward normal; the face border stays put, still watertight', () => {
    const mesh = exportMeshFromModel(model, positions);
    const mask = leftHalf();
    const flat = displacedMesh(mesh, { segments: 2, displaced: mask, height: () => 0 });
    const lifted = displacedMesh(mesh, { segments: 2, displaced: mask, height: () => 0.5 });
    assert.equal(lifted.positions.length, flat.positions.length);
    let moved = 0, still = 0, outward = 0, inward = 0;
    for (let v = 0; v < flat.positions.length; v += 3) {
      const d = [0, 1, 2].map((c) => lifted.positions[v + c] - flat.positions[v + c]);
      const size = Math.hypot(...d);
      if (size < 1e-5) { still++; continue; }
      moved++;
      assert.ok(Math.abs(size - 0.5) < 1e-3, `moved ${size} mm, not 0.5`);
      // Along the coarse normal, which the subdivided surface's own normal follows within a few degrees.
      const along = d[0] * flat.normals[v] + d[1] * flat.normals[v + 1] + d[2] * flat.normals[v + 2];
      if (along > 0.45) outward++;
      if (along < 0) inward++;
    }
    assert.ok(moved > 100 && still > 100, `${moved} moved, ${still} kept`);
    assert.ok(outward > 0.95 * moved && inward === 0, `${outward} of ${moved} moved outward, ${inward} inward`);
    const sel = selectGeometry(model);
    const coarse = openEdges(mesh.positions, sel.triangleVertices);
    assert.ok(Math.abs(openEdges(lifted.positions, lifted.corners).length - coarse.length) < 1e-4 * coarse.length, 'no crack opened');
  });

  test('the height sampler reads the texel centres (row 0 at v = 1) and interpolates between them', () => {
    const size = 4;
    const height = Float32Array.from({ length: size * size }, (_, p) => p);
    const at = heightSampler({ size, height });
    assert.equal(at(0.5 / size, 1 - 0.5 / size), 0);
    assert.equal(at(3.5 / size, 1 - 0.5 / size), 3);
    assert.equal(at(1.5 / size, 1 - 2.5 / size), 9);
    assert.ok(Math.abs(at(2 / size, 1 - 2.5 / size) - 9.5) < 1e-6);
  });

  test('buildDetailMeshExports: OBJ with its own MTL (albedo, no normal map) and a PLY', async () => {
    const out = buildDetailMeshExports(model, positions, {
      segments: 2, displaced: faceTriangles(), height: () => 0.2, textureName: 'albedo.png',
      files: ['detail-mesh.obj', 'detail-mesh.mtl', 'detail-mesh.ply'],
    });
    const obj = new TextDecoder().decode(out['detail-mesh.obj']);
    assert.match(obj, /^mtllib detail-mesh\.mtl$/m);
    const faces = obj.split('\n').filter((l) => l.startsWith('f ')).length;
    // The digits written one by one read back as toFixed gives them.
    const mesh = displacedMesh(exportMeshFromModel(model, positions), { segments: 2, displaced: faceTriangles(), height: () => 0.2 });
    const vertexLines = obj.split('\n').filter((l) => l.startsWith('v '));
    assert.equal(vertexLines.length, mesh.positions.length / 3);
    vertexLines.forEach((line, v) => {
      if (v % 97 !== 0) return;
      assert.equal(line, `v ${[0, 1, 2].map((c) => mesh.positions[3 * v + c].toFixed(3).replace(/^-(0\.0+)$/, '$1')).join(' ')}`);
    });
    const ply = new TextDecoder().decode(out['detail-mesh.ply'].subarray(0, 400));
    assert.equal(Number(/element face (\d+)/.exec(ply)![1]), faces);
    assert.match(out['detail-mesh.mtl'], /newmtl M_Face\n(.*\n)*?map_Kd albedo\.png/);
    assert.doesNotMatch(out['detail-mesh.mtl'], /norm|map_Bump/);
  });
});
