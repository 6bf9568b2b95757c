import type { TexturedMesh } from '../base/mesh.js';
import type { RasterFrame, TriangleSelection } from '../render/rasterise.js';
import { rasteriseUv } from './uv-raster.js';


export interface TextureLayoutOptions {
  width: number;
  height: number;
  uRange?: readonly [number, number];
  vRange?: readonly [number, number];
  /** Triangles that make up the texture. Default all. */
  select?: TriangleSelection;
}

/** What a texture of one mesh looks like in texel terms; independent of any photo. */
export interface TextureLayout {
  /** Texel -> triangle + barycentrics (see rasteriseUv). */
  uvFrame: RasterFrame;
  /**
   * Continuous texel coordinates (x, y; texel centres at integers) of each covered texel's mirror
   * image: the surface point reflected through x = 0. NaN for texels outside the charts, or whose
   * mirror image has no texel in this texture.
   */
  mirror: Float32Array;
}

const cache = new WeakMap<Float32Array, Map<string, TextureLayout>>();

/**
 * The UV raster and texel mirror map of a left-right symmetric mesh (positions symmetric about the
 * plane x = 0; for ICT the neutral mesh), cached per positions array and layout
 * options (both depend only on the model, never on the photo).
 *
 * Each vertex is paired with the vertex nearest to its reflection; a texel's mirror image is found
 * by applying its barycentrics to the paired vertices' UVs. Where the triangulation itself is
 * mirrored this is exact; where a quad was split along the other diagonal it lands within that quad.
 */
export function textureLayout(mesh: TexturedMesh, options: TextureLayoutOptions): TextureLayout {
  const key = layoutKey(options);
  let perMesh = cache.get(mesh.positions);
  if (!perMesh) cache.set(mesh.positions, perMesh = new Map());
  const hit = perMesh.get(key);
  if (hit) return hit;
  const layout = buildLayout(mesh, options);
  perMesh.set(key, layout);
  return layout;
}

function buildLayout(mesh: TexturedMesh, options: TextureLayoutOptions): TextureLayout {
  const { width: W, height: H } = options;
  const [u0, u1] = options.uRange ?? [0, 1];
  const [v0, v1] = options.vRange ?? [0, 1];
  const uvFrame = rasteriseUv(mesh.uvs, mesh.triangleUvs, W, H, { select: options.select, uRange: options.uRange, vRange: options.vRange });
  const { triangles, triangleUvs, uvs } = mesh;

  // UV of each vertex as the drawn triangles use it (the first one met, where a vertex lies on a chart seam).
  const vertexUv = new Int32Array(mesh.positions.length / 3).fill(-1);
  const { triangleId, barycentric } = uvFrame;
  for (let p = 0; p < W * H; p++) {
    const t = triangleId[p];
    if (t < 0) continue;
    for (let k = 0; k < 3; k++) if (vertexUv[triangles[3 * t + k]] < 0) vertexUv[triangles[3 * t + k]] = triangleUvs[3 * t + k];
  }
  const used: number[] = [];
  for (let i = 0; i < vertexUv.length; i++) if (vertexUv[i] >= 0) used.push(i);
  const pair = mirrorPairs(mesh.positions, Uint32Array.from(used));

  const sx = W / (u1 - u0), sy = H / (v1 - v0);
  const mirror = new Float32Array(2 * W * H).fill(NaN);
  for (let p = 0; p < W * H; p++) {
    const t = triangleId[p];
    if (t < 0) continue;
    const b1 = barycentric[2 * p], b2 = barycentric[2 * p + 1], b0 = 1 - b1 - b2;
    let u = 0, v = 0;
    for (let k = 0; k < 3; k++) {
      const j = vertexUv[pair[triangles[3 * t + k]]];
      if (j < 0) { u = NaN; break; }
      const b = k === 0 ? b0 : k === 1 ? b1 : b2;
      u += b * uvs[2 * j];
      v += b * uvs[2 * j + 1];
    }
    const x = (u - u0) * sx - 0.5, y = (v1 - v) * sy - 0.5;
    if (!(x > -0.5 && x < W - 0.5 && y > -0.5 && y < H - 0.5)) continue;
    mirror[2 * p] = x;
    mirror[2 * p + 1] = y;
  }
  return { uvFrame, mirror };
}

/**
 * For each of `vertices`, the one among them nearest to its reflection through x = 0 (entries of
 * other vertices are -1). A uniform grid keeps it near-linear.
 */
export function mirrorPairs(positions: Float32Array, vertices: Uint32Array): Int32Array {
  const pair = new Int32Array(positions.length / 3).fill(-1);
  if (vertices.length === 0) return pair;
  let minX = Infinity, minY = Infinity, minZ = Infinity, maxX = -Infinity, maxY = -Infinity, maxZ = -Infinity;
  for (const i of vertices) {
    const x = positions[3 * i], y = positions[3 * i + 1], z = positions[3 * i + 2];
    minX = Math.min(minX, x, -x); maxX = Math.max(maxX, x, -x);
    minY = Math.min(minY, y); maxY = Math.max(maxY, y);
    minZ = Math.min(minZ, z); maxZ = Math.max(maxZ, z);
  }
  // About two vertices per cell.
  const volume = Math.max(1e-12, (maxX - minX) * (maxY - minY) * (maxZ - minZ));
  const cell = Math.cbrt((2 * volume) / vertices.length) || 1;
  const nx = Math.max(1, Math.ceil((maxX - minX) / cell) + 1), ny = Math.max(1, Math.ceil((maxY - minY) / cell) + 1), nz = Math.max(1, Math.ceil((maxZ - minZ) / cell) + 1);
  const cellOf = (x: number, y: number, z: number) => [
    Math.min(nx - 1, Math.floor((x - minX) / cell)), Math.min(ny - 1, Math.floor((y - minY) / cell)), Math.min(nz - 1, Math.floor((z - minZ) / cell)),
  ];
  const start = new Int32Array(nx * ny * nz + 1);
  const cells = new Int32Array(vertices.length);
  for (let k = 0; k < vertices.length; k++) {
    const i = vertices[k];
    const [a, b, c] = cellOf(positions[3 * i], positions[3 * i + 1], positions[3 * i + 2]);
    cells[k] = (c * ny + b) * nx + a;
    start[cells[k] + 1]++;
  }
  for (let c = 0; c < nx * ny * nz; c++) start[c + 1] += start[c];
  const fill = start.slice(0, -1), members = new Uint32Array(vertices.length);
  for (let k = 0; k < vertices.length; k++) members[fill[cells[k]]++] = vertices[k];

  for (const i of vertices) {
    const x = -positions[3 * i], y = positions[3 * i + 1], z = positions[3 * i + 2];
    const [a, b, c] = cellOf(x, y, z);
    let best = -1, bestD = Infinity;
    // Grow the searched shell until the best match found is closer than any unsearched cell.
    for (let r = 0; r < Math.max(nx, ny, nz); r++) {
      for (let dz = -r; dz <= r; dz++) for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) {
        if (Math.max(Math.abs(dx), Math.abs(dy), Math.abs(dz)) !== r) continue;
        const A = a + dx, B = b + dy, C = c + dz;
        if (A < 0 || B < 0 || C < 0 || A >= nx || B >= ny || C >= nz) continue;
        const q = (C * ny + B) * nx + A;
        for (let m = start[q]; m < start[q + 1]; m++) {
          const j = members[m];
          const ex = positions[3 * j] - x, ey = positions[3 * j + 1] - y, ez = positions[3 * j + 2] - z;
          const d = ex * ex + ey * ey + ez * ez;
          if (d < bestD) { bestD = d; best = j; }
        }
      }
      if (best >= 0 && Math.sqrt(bestD) <= r * cell) break;
    }
    pair[i] = best;
  }
  return pair;
}

function layoutKey(o: TextureLayoutOptions): string {
  const sel = o.select;
  let selKey = 'all';
  if (sel instanceof Uint8Array) {
    // Run-length form, so equal masks share an entry whatever array holds them.
    const runs: number[] = [];
    for (let t = 0; t < sel.length; t++) if ((sel[t] !== 0) !== (runs.length % 2 === 1)) runs.push(t);
    selKey = `m${sel.length}:${runs.join(',')}`;
  } else if (sel) {
    selKey = sel.map(([a, b]) => `${a}-${b}`).join(',');
  }
  return `${o.width}x${o.height}|${(o.uRange ?? [0, 1]).join(',')}|${(o.vRange ?? [0, 1]).join(',')}|${selKey}`;
}
