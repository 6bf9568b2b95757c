import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TexturedMesh } from '../src/base/mesh.js';
import { rotationFromAngles } from '../src/base/camera.js';
import { blendshapeStrainMap, strainMap, triangleStrain, type StrainMap } from '../src/detail/strain.js';
import { loadSmallModel } from './helpers/small-model.js';

/** A flat N x N grid patch of side 10 mm in the xy plane, its UVs (x / uScale, y / vScale), two triangles per cell. */
function patch(N: number, uScale: number, vScale: number): TexturedMesh {
  const positions = new Float32Array(3 * N * N), uvs = new Float32Array(2 * N * N);
  for (let j = 0; j < N; j++) {
    for (let i = 0; i < N; i++) {
      const v = j * N + i, x = (10 * i) / (N - 1), y = (10 * j) / (N - 1);
      positions.set([x, y, 0], 3 * v);
      uvs.set([x / uScale, y / vScale], 2 * v);
    }
  }
  const tri: number[] = [];
  for (let j = 0; j + 1 < N; j++) {
    for (let i = 0; i + 1 < N; i++) {
      const v = j * N + i;
      tri.push(v, v + 1, v + N + 1, v, v + N + 1, v + N);
    }
  }
  const triangles = Uint32Array.from(tri);
  return { positions, triangles, uvs, triangleUvs: triangles };
}

/** The patch compressed uniformly to `factor` of its length along the in-plane direction at `angleDeg` from +x. */
function compressed(mesh: TexturedMesh, factor: number, angleDeg: number): Float32Array {
  const dx = Math.cos((angleDeg * Math.PI) / 180), dy = Math.sin((angleDeg * Math.PI) / 180);
  const out = Float32Array.from(mesh.positions);
  for (let i = 0; i < out.length; i += 3) {
    const along = out[i] * dx + out[i + 1] * dy;
    out[i] += (factor - 1) * along * dx;
    out[i + 1] += (factor - 1) * along * dy;
  }
  return out;
}

/** Angle in degrees between two undirected 2D directions. */
function lineAngle(ax: number, ay: number, bx: number, by: number): number {
  const c = Math.abs(ax * bx + ay * by) / (Math.hypot(ax, ay) * Math.hypot(bx, by));
  return (Math.acos(Math.min(1, c)) * 180) / Math.PI;
}

test('a uniformly compressed patch: every triangle and texel gives the compression (magnitude) and its direction', () => {
  const mesh = patch(9, 10, 10);
  for (const [factor, angle] of [[0.75, 30], [0.9, -70], [0.6, 0], [0.8, 90]]) {
    const strain = triangleStrain(mesh, compressed(mesh, factor, angle));
    const T = mesh.triangles.length / 3;
    const dx = Math.cos((angle * Math.PI) / 180), dy = Math.sin((angle * Math.PI) / 180);
    for (let t = 0; t < T; t++) {
      assert.equal(strain.valid[t], 1);
      assert.ok(Math.abs(strain.minStretch[t] - factor) < 1e-5, `stretch ${strain.minStretch[t]} for ${factor}`);
      assert.ok(Math.abs(strain.maxStretch[t] - 1) < 1e-5, `orthogonal stretch ${strain.maxStretch[t]}`);
      assert.ok(lineAngle(strain.direction[2 * t], strain.direction[2 * t + 1], dx, dy) < 0.05, `direction off by ${lineAngle(strain.direction[2 * t], strain.direction[2 * t + 1], dx, dy)} deg at ${angle}`);
    }
    const map = strainMap(mesh, strain, 32);
    let covered = 0;
    for (let p = 0; p < 32 * 32; p++) {
      if (map.direction[2 * p] === 0 && map.direction[2 * p + 1] === 0) continue;
      covered++;
      assert.ok(Math.abs(map.compression[p] - (1 - factor)) < 1e-5);
      assert.ok(lineAngle(map.direction[2 * p], map.direction[2 * p + 1], dx, dy) < 0.05);
    }
    assert.ok(covered > 0.9 * 32 * 32, `the patch covers the UV square (${covered} texels)`);
  }
});

test('the direction is the material direction in UV: a patch whose UVs squash x by 2 reports it squashed', () => {
  const mesh = patch(7, 20, 10); // u = x / 20, v = y / 10
  const strain = triangleStrain(mesh, compressed(mesh, 0.7, 45));
  // The material direction (1, 1) in xy is (1/20, 1/10) in UV.
  for (let t = 0; t < mesh.triangles.length / 3; t++) {
    assert.ok(Math.abs(strain.minStretch[t] - 0.7) < 1e-5);
    assert.ok(lineAngle(strain.direction[2 * t], strain.direction[2 * t + 1], 1 / 20, 1 / 10) < 0.05);
  }
});

test('a rigid motion (a turn out of the plane and a shift) compresses nothing; a uniform stretch neither', () => {
  const mesh = patch(6, 10, 10);
  const R = rotationFromAngles(40, -25, 70);
  const moved = new Float32Array(mesh.positions.length);
  for (let i = 0; i < moved.length; i += 3) {
    const [x, y, z] = [mesh.positions[i], mesh.positions[i + 1], mesh.positions[i + 2]];
    for (let r = 0; r < 3; r++) moved[i + r] = R[3 * r] * x + R[3 * r + 1] * y + R[3 * r + 2] * z + [5, -3, 40][r];
  }
  const rigid = strainMap(mesh, triangleStrain(mesh, moved), 16);
  assert.ok(rigid.compression.every((c) => c < 1e-5), `rigid motion: compression up to ${Math.max(...rigid.compression)}`);
  const stretched = triangleStrain(mesh, mesh.positions.map((x) => 1.3 * x));
  assert.ok(stretched.minStretch.every((s) => Math.abs(s - 1.3) < 1e-5));
  assert.ok(strainMap(mesh, stretched, 16).compression.every((c) => c === 0));
});

/** The compression-weighted mean direction (degrees from +u, in (-90, 90]) of the texels compressed by more than 10%, and where the most compressed texel is. */
function summary(map: StrainMap): { angle: number; u: number; v: number; texels: number } {
  let c2 = 0, s2 = 0, best = 0, at = 0, texels = 0;
  for (let p = 0; p < map.size * map.size; p++) {
    const c = map.compression[p];
    if (c > best) { best = c; at = p; }
    if (c <= 0.1) continue;
    texels++;
    const a = Math.atan2(map.direction[2 * p + 1], map.direction[2 * p]);
    c2 += c * Math.cos(2 * a);
    s2 += c * Math.sin(2 * a);
  }
  return { angle: (Math.atan2(s2, c2) * 90) / Math.PI, u: ((at % map.size) + 0.5) / map.size, v: 1 - (Math.floor(at / map.size) + 0.5) / map.size, texels };
}

test('the model\'s blendshapes: a pucker compresses the lips sideways, raised inner brows the forehead vertically, the two brow-lowerers mirror each other', async () => {
  const { model } = await loadSmallModel();
  const map = (name: string) => summary(blendshapeStrainMap(model, model.neutral, model.expressionNames.indexOf(name), 64));
  const pucker = map('mouthPucker');
  assert.ok(pucker.texels > 20 && Math.abs(pucker.angle) < 20, `pucker: ${JSON.stringify(pucker)}`);
  const browsUp = map('browInnerUp_L');
  assert.ok(browsUp.texels > 5 && 90 - Math.abs(browsUp.angle) < 20 && browsUp.v > 0.75, `browInnerUp_L: ${JSON.stringify(browsUp)}`);
  const left = map('browDown_L'), right = map('browDown_R');
  assert.ok(left.u > 0.5 && right.u < 0.5 && Math.abs(left.u + right.u - 1) < 0.05 && Math.abs(left.v - right.v) < 0.05, `browDown: ${JSON.stringify([left, right])}`);
  assert.ok(Math.abs(left.angle + right.angle) < 10, `browDown directions mirror: ${left.angle}, ${right.angle}`);
});
