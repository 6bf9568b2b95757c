import { bilinear, bilinearTaps, clampedTaps } from '../base/image.js';
import type { MorphableModel } from '../model/types.js';
import { smoothstep } from '../skin/mask.js';
import { distanceToSource } from '../texture/distance.js';
import { rasteriseUv } from '../texture/uv-raster.js';
import type { SparseMap } from './sparse-least-squares.js';
import { nthSmallest } from '../base/select.js';

/**
 * The mid band's parameterisation: xyz offsets (mm, head frame) at the nodes of a coarse control
 * grid over the face's UV square, upsampled bilinearly, times a fade that is 0 at the face region's
 * outer border (toward the back of the head) and 1 from `fadeMm` inside it, and that fades in over
 * a few millimetres from the eye and mouth openings (holes of the chart). Every vertex of
 * the face region takes the offset at its UV, so the mesh stays one piece (its neighbours outside the
 * region stretch). Depends on the model only: made once per model and settings.
 */
export interface DeformationGrid {
  /** Control nodes per side; node (i, j) sits at u = i / (size - 1), v = 1 - j / (size - 1). */
  controlSize: number;
  /** The face region's vertices (model indices) and their UV. */
  vertices: Uint32Array;
  vertexUv: Float32Array;
  /** Index of each model vertex in `vertices`, or -1. */
  localIndex: Int32Array;
  /** The fade per texel of a `fadeSize` raster over the UV square, and per face vertex. */
  fadeSize: number;
  fade: Float32Array;
  vertexFade: Float32Array;
  /** Unknowns: 3 per control node that moves a vertex (`nodes` lists them, node = j * size + i). */
  nodes: Int32Array;
  /** Vertex offsets (3 per face vertex: x, y, z) from the unknowns. */
  map: SparseMap;
  /** Millimetres of surface per UV unit (median over the face). */
  mmPerUv: number;
}

/**
 * Distance (mm) over which the offsets fade in from the eye and mouth openings: the eyelid and lip
 * margins keep the shape the expression fit gave them (their closure was fitted against the
 * landmarks' gaps; single eyelid landmarks would pull the lids over the eyes).
 */
const HOLE_FADE_MM = 4;

const grids = new WeakMap<MorphableModel, Map<string, DeformationGrid>>();

export function deformationGrid(model: MorphableModel, controlSize: number, fadeSize: number, fadeMm: number): DeformationGrid {
  let perModel = grids.get(model);
  if (!perModel) grids.set(model, (perModel = new Map()));
  const key = `${controlSize}/${fadeSize}/${fadeMm}`;
  let grid = perModel.get(key);
  if (!grid) perModel.set(key, (grid = buildGrid(model, controlSize, fadeSize, fadeMm)));
  return grid;
}

function buildGrid(model: MorphableModel, G: number, M: number, fadeMm: number): DeformationGrid {
  const [start, end] = model.triangleRegions.face;
  const localIndex = new Int32Array(model.vertexCount).fill(-1);
  const vertices: number[] = [], uv: number[] = [];
  for (let t = start; t < end; t++) {
    for (let k = 0; k < 3; k++) {
      const v = model.triangles[3 * t + k];
      if (localIndex[v] >= 0) continue;
      localIndex[v] = vertices.length;
      vertices.push(v);
      const j = model.triangleUvs[3 * t + k];
      uv.push(model.uvs[2 * j] - Math.floor(model.uvs[2 * j]), model.uvs[2 * j + 1]);
    }
  }
  const vertexUv = Float32Array.from(uv);
  const mmPerUv = medianMmPerUv(model, start, end);

  // The chart with its holes filled, and the distance from its outside in texels.
  const frame = rasteriseUv(model.uvs, model.triangleUvs, M, M, { select: [[start, end]] });
  const outside = outsideOfChart(frame.triangleId, M);
  const distance = distanceToSource(outside, M, M);
  const holes = Uint8Array.from(frame.triangleId, (t, p) => (t < 0 && !outside[p] ? 1 : 0));
  const fromHole = distanceToSource(holes, M, M);
  const texels = (mm: number) => Math.max(1, (mm / mmPerUv) * M);
  const fade = new Float32Array(M * M);
  for (let p = 0; p < M * M; p++) {
    fade[p] = outside[p] ? 0 : smoothstep(0, texels(fadeMm), distance[p]) * smoothstep(0.5, 0.5 + texels(HOLE_FADE_MM), fromHole[p]);
  }

  const taps = bilinearTaps();
  const V = vertices.length;
  const vertexFade = new Float32Array(V);
  const node = new Int32Array(4 * V), weight = new Float64Array(4 * V);
  const used = new Int32Array(G * G).fill(-1);
  for (let i = 0; i < V; i++) {
    const u = vertexUv[2 * i], v = vertexUv[2 * i + 1];
    const f = clampedTaps(taps, u * M - 0.5, (1 - v) * M - 0.5, M, M);
    vertexFade[i] = bilinear(fade[f.i00], fade[f.i10], fade[f.i01], fade[f.i11], f.fx, f.fy);
    const gx = Math.min(G - 1 - 1e-9, Math.max(0, u * (G - 1))), gy = Math.min(G - 1 - 1e-9, Math.max(0, (1 - v) * (G - 1)));
    const x0 = Math.floor(gx), y0 = Math.floor(gy), fx = gx - x0, fy = gy - y0;
    for (let k = 0; k < 4; k++) {
      const dx = k & 1, dy = k >> 1, w = (dx ? fx : 1 - fx) * (dy ? fy : 1 - fy);
      node[4 * i + k] = (y0 + dy) * G + x0 + dx;
      weight[4 * i + k] = w * vertexFade[i];
      if (w * vertexFade[i] > 0) used[(y0 + dy) * G + x0 + dx] = 0;
    }
  }
  const nodes: number[] = [];
  for (let n = 0; n < G * G; n++) if (used[n] >= 0) { used[n] = nodes.length; nodes.push(n); }

  // Vertex offset component 3i + c = sum over the vertex's corners of weight * unknown 3 * used[node] + c.
  const mapStart = new Int32Array(3 * V + 1), columns: number[] = [], values: number[] = [];
  for (let i = 0; i < V; i++) {
    for (let c = 0; c < 3; c++) {
      for (let k = 0; k < 4; k++) {
        const w = weight[4 * i + k];
        if (!(w > 0)) continue;
        columns.push(3 * used[node[4 * i + k]] + c);
        values.push(w);
      }
      mapStart[3 * i + c + 1] = columns.length;
    }
  }
  return {
    controlSize: G, vertices: Uint32Array.from(vertices), vertexUv, localIndex, fadeSize: M, fade, vertexFade,
    nodes: Int32Array.from(nodes), map: { size: 3 * V, start: mapStart, columns: Int32Array.from(columns), values: Float64Array.from(values) }, mmPerUv,
  };
}

/** 1 at texels outside the chart that the square's border reaches through other such texels (holes stay 0). */
function outsideOfChart(triangleId: Int32Array, M: number): Uint8Array {
  const out = new Uint8Array(M * M);
  const stack: number[] = [];
  const push = (p: number) => { if (!out[p] && triangleId[p] < 0) { out[p] = 1; stack.push(p); } };
  for (let i = 0; i < M; i++) { push(i); push((M - 1) * M + i); push(i * M); push(i * M + M - 1); }
  while (stack.length) {
    const p = stack.pop()!, x = p % M;
    if (x > 0) push(p - 1);
    if (x < M - 1) push(p + 1);
    if (p >= M) push(p - M);
    if (p < (M - 1) * M) push(p + M);
  }
  return out;
}

/** sqrt(3D area / UV area) of the face's triangles on the neutral head, the median (mm per UV unit). */
function medianMmPerUv(model: MorphableModel, start: number, end: number): number {
  const ratios = new Float64Array(Math.max(0, end - start));
  let count = 0;
  const p = model.neutral, uv = model.uvs, T = model.triangles, TU = model.triangleUvs;
  for (let t = start; t < end; t++) {
    const a = 3 * T[3 * t], b = 3 * T[3 * t + 1], c = 3 * T[3 * t + 2];
    const ta = 2 * TU[3 * t], tb = 2 * TU[3 * t + 1], tc = 2 * TU[3 * t + 2];
    const e10 = p[b] - p[a], e11 = p[b + 1] - p[a + 1], e12 = p[b + 2] - p[a + 2], e20 = p[c] - p[a], e21 = p[c + 1] - p[a + 1], e22 = p[c + 2] - p[a + 2];
    const area = Math.hypot(e11 * e22 - e12 * e21, e12 * e20 - e10 * e22, e10 * e21 - e11 * e20);
    const uvArea = Math.abs((uv[tb] - uv[ta]) * (uv[tc + 1] - uv[ta + 1]) - (uv[tc] - uv[ta]) * (uv[tb + 1] - uv[ta + 1]));
    if (uvArea > 1e-12 && area > 0) ratios[count++] = Math.sqrt(area / uvArea);
  }
  return (count ? nthSmallest(ratios.subarray(0, count), count >> 1) : 1) * model.unitsToMillimetres;
}

/** The deformation map: `size` x `size` texels over the UV square (row 0 at v = 1), xyz mm per texel, from the unknowns. */
export function deformationMap(grid: DeformationGrid, x: Float64Array, size: number): Float32Array {
  const G = grid.controlSize, M = grid.fadeSize;
  const control = new Float64Array(3 * G * G);
  grid.nodes.forEach((n, k) => { for (let c = 0; c < 3; c++) control[3 * n + c] = x[3 * k + c]; });
  const out = new Float32Array(3 * size * size);
  const taps = bilinearTaps();
  for (let y = 0; y < size; y++) {
    for (let xx = 0; xx < size; xx++) {
      const u = (xx + 0.5) / size, v = 1 - (y + 0.5) / size;
      const f = clampedTaps(taps, u * M - 0.5, (1 - v) * M - 0.5, M, M);
      const fade = bilinear(grid.fade[f.i00], grid.fade[f.i10], grid.fade[f.i01], grid.fade[f.i11], f.fx, f.fy);
      if (!(fade > 0)) continue;
      const g = clampedTaps(taps, u * (G - 1), (1 - v) * (G - 1), G, G);
      for (let c = 0; c < 3; c++) {
        out[3 * (y * size + xx) + c] = fade * bilinear(control[3 * g.i00 + c], control[3 * g.i10 + c], control[3 * g.i01 + c], control[3 * g.i11 + c], g.fx, g.fy);
      }
    }
  }
  return out;
}

/**
 * P^T Q P over the grid's unknowns for a quadratic form Q made of one symmetric 3x3 block per face
 * vertex (`blocks`, 9 each, row-major): a vertex's offset is its cell's 4 corners' unknowns times
 * their weights, so its block couples those corners pairwise (nodes at most one step apart).
 */
export function vertexBlockNormal(grid: DeformationGrid, blocks: Float64Array): SparseMap {
  const { map, nodes, controlSize: G } = grid, U = nodes.length;
  const unknownAt = new Int32Array(G * G).fill(-1);
  nodes.forEach((n, u) => { unknownAt[n] = u; });
  // Per node, 9 neighbour slots (dx, dy in -1..1) of a 3x3 block each.
  const acc = new Float64Array(U * 81);
  for (let i = 0; i < grid.vertices.length; i++) {
    for (let a = map.start[3 * i]; a < map.start[3 * i + 1]; a++) {
      const u = map.columns[a] / 3, wa = map.values[a], nu = nodes[u];
      for (let b = map.start[3 * i]; b < map.start[3 * i + 1]; b++) {
        const nv = nodes[map.columns[b] / 3], w = wa * map.values[b];
        const slot = ((Math.floor(nv / G) - Math.floor(nu / G) + 1) * 3 + (nv % G) - (nu % G) + 1) * 9;
        for (let e = 0; e < 9; e++) acc[u * 81 + slot + e] += w * blocks[9 * i + e];
      }
    }
  }
  const start = new Int32Array(3 * U + 1), columns: number[] = [], values: number[] = [];
  for (let u = 0; u < U; u++) {
    const x = nodes[u] % G, y = Math.floor(nodes[u] / G);
    for (let c = 0; c < 3; c++) {
      for (let s = 0; s < 9; s++) {
        const nx = x + (s % 3) - 1, ny = y + Math.floor(s / 3) - 1;
        const v = nx >= 0 && ny >= 0 && nx < G && ny < G ? unknownAt[ny * G + nx] : -1;
        if (v < 0) continue;
        for (let d = 0; d < 3; d++) {
          const value = acc[u * 81 + s * 9 + 3 * c + d];
          if (value !== 0) { columns.push(3 * v + d); values.push(value); }
        }
      }
      start[3 * u + c + 1] = columns.length;
    }
  }
  return { size: 3 * U, start, columns: Int32Array.from(columns), values: Float64Array.from(values) };
}

/** The grid's map for one axis: each face vertex's offset along it from that axis's unknown per node (the same weights for x, y and z). */
export function axisMap(grid: DeformationGrid): SparseMap {
  const { map } = grid, V = grid.vertices.length, start = new Int32Array(V + 1);
  for (let i = 0; i < V; i++) start[i + 1] = start[i] + map.start[3 * i + 1] - map.start[3 * i];
  const columns = new Int32Array(start[V]), values = new Float64Array(start[V]);
  for (let i = 0; i < V; i++) {
    for (let k = map.start[3 * i], q = start[i]; k < map.start[3 * i + 1]; k++, q++) { columns[q] = map.columns[k] / 3; values[q] = map.values[k]; }
  }
  return { size: V, start, columns, values };
}
