/**
 * The head with its fine detail as geometry (`--detail-mesh`): the face's triangles cut into
 * segments x segments smaller ones, placed on a smooth surface through the coarse mesh (Phong
 * tessellation, Boubekeur & Alexa 2008: flat facets would show the 3 mm triangles) and pushed along
 * the normal by the detail's height; the rest of the head as exported. A point on an edge is made once
 * and shared by both triangles of the edge. An edge that is not between two displaced triangles (where
 * the face meets the rest of the head, the eye and mouth openings) stays straight and unmoved, and a
 * kept triangle whose edge a displaced neighbour cut is fanned through the cut points, so the surface
 * has neither cracks nor T-junctions.
 */
import { vertexNormals } from '../base/normals.js';
import type { ExportMesh, GeometryOptions } from './types.js';
import { foldUdim } from './materials.js';
import { checkExportMesh, selectGeometry, selectionNormals } from './selection.js';

export interface DisplacedMeshOptions extends GeometryOptions {
  /** Pieces each edge of a displaced triangle is cut into (1: no subdivision). */
  segments: number;
  /** Per model triangle, 1 where the surface is subdivided and displaced. */
  displaced: Uint8Array;
  /** Height along the outward normal (mm) at a UV point (u, v as in the model, UDIM-folded) of a displaced triangle. */
  height: (u: number, v: number) => number;
}

/** A triangle mesh whose corners index positions and UVs apart (as OBJ does), grouped by material. */
export interface DisplacedMesh {
  /** xyz per vertex, mm, head frame. */
  positions: Float32Array;
  /** Unit vertex normals of the displaced surface. */
  normals: Float32Array;
  /** u, v per UV vertex (UDIM-folded). */
  uvs: Float32Array;
  /** Vertex index per corner, 3 per triangle. */
  corners: Uint32Array;
  /** UV index per corner. */
  cornerUvs: Uint32Array;
  /** Material ids (into model.materials) and their [start, end) triangle ranges. */
  materials: number[];
  groups: [number, number][];
}

/** Weight of the curved (projected) point in Phong tessellation; 3/4 is the authors' choice. */
const PHONG_SHAPE = 0.75;

export function displacedMesh(mesh: ExportMesh, options: DisplacedMeshOptions): DisplacedMesh {
  checkExportMesh(mesh);
  const { model, positions } = mesh;
  const n = Math.round(options.segments);
  if (!(n >= 1 && n <= 16)) throw new RangeError(`detail mesh segments must be 1..16, got ${options.segments}`);
  const sel = selectGeometry(model, options.excludeMaterials);
  const coarseNormals = selectionNormals(positions, sel);
  const V = model.vertexCount, U = model.uvs.length / 2;
  const cut = (t: number) => options.displaced[t] === 1;

  // An edge moves only between two displaced triangles; a vertex only when all its edges do.
  const displacedSides = new Map<number, number>();
  const edgeKey = (a: number, b: number) => Math.min(a, b) * V + Math.max(a, b);
  for (const t of sel.triangles) {
    if (!cut(t)) continue;
    for (let k = 0; k < 3; k++) {
      const key = edgeKey(model.triangles[3 * t + k], model.triangles[3 * t + (k + 1) % 3]);
      displacedSides.set(key, (displacedSides.get(key) ?? 0) + 1);
    }
  }
  const pinned = new Uint8Array(V);
  for (const t of sel.triangles) {
    for (let k = 0; k < 3; k++) {
      const a = model.triangles[3 * t + k], b = model.triangles[3 * t + (k + 1) % 3];
      if (!cut(t) || displacedSides.get(edgeKey(a, b)) !== 2) pinned[a] = pinned[b] = 1;
    }
  }

  const out = new GrowingMesh();
  const vertexOf = new SharedPoints(V, n), uvOf = new SharedPoints(U, n);
  const p = [0, 0, 0], q = [0, 0, 0], nrm = [0, 0, 0], uv = [0, 0];
  const bary = [0, 0, 0];
  const ids = [0, 0, 0], uvIds = [0, 0, 0];

  /** The surface point at `bary` of the triangle (ids, uvIds): curved and displaced unless `flat`. */
  const place = (flat: boolean) => {
    for (let c = 0; c < 3; c++) {
      p[c] = 0; nrm[c] = 0;
      for (let k = 0; k < 3; k++) {
        p[c] += bary[k] * positions[3 * ids[k] + c];
        nrm[c] += bary[k] * coarseNormals[3 * ids[k] + c];
      }
    }
    uv[0] = 0; uv[1] = 0;
    for (let k = 0; k < 3; k++) {
      uv[0] += bary[k] * foldUdim(model.uvs[2 * uvIds[k]]);
      uv[1] += bary[k] * model.uvs[2 * uvIds[k] + 1];
    }
    if (flat) return;
    q[0] = 0; q[1] = 0; q[2] = 0;
    for (let k = 0; k < 3; k++) {
      const o = 3 * ids[k];
      const d = (p[0] - positions[o]) * coarseNormals[o] + (p[1] - positions[o + 1]) * coarseNormals[o + 1] + (p[2] - positions[o + 2]) * coarseNormals[o + 2];
      for (let c = 0; c < 3; c++) q[c] += bary[k] * (p[c] - d * coarseNormals[o + c]);
    }
    const l = Math.hypot(nrm[0], nrm[1], nrm[2]) || 1;
    const h = options.height(uv[0], uv[1]);
    for (let c = 0; c < 3; c++) p[c] = (1 - PHONG_SHAPE) * p[c] + PHONG_SHAPE * q[c] + (h * nrm[c]) / l;
  };

  /** The vertex and UV vertex at `bary` of the current triangle: a corner (k), a point `step` pieces along the edge (k, j), or inside (k = -1). */
  const point = (k: number, j: number, step: number, flat: boolean): [number, number] => {
    const shared = k >= 0;
    const onEdge = j >= 0;
    let vertex = !shared ? -1 : onEdge ? vertexOf.onEdge(ids[k], ids[j], step) : vertexOf.corner(ids[k]);
    let uvIndex = !shared ? -1 : onEdge ? uvOf.onEdge(uvIds[k], uvIds[j], step) : uvOf.corner(uvIds[k]);
    if (vertex < 0 || uvIndex < 0) {
      place(flat);
      if (vertex < 0) {
        vertex = out.addVertex(p);
        if (shared) vertexOf.set(vertex, ids[k], onEdge ? ids[j] : -1, step);
      }
      if (uvIndex < 0) {
        uvIndex = out.addUv(uv);
        if (shared) uvOf.set(uvIndex, uvIds[k], onEdge ? uvIds[j] : -1, step);
      }
    }
    return [vertex, uvIndex];
  };
  const setBary = (b0: number, b1: number, b2: number) => { bary[0] = b0; bary[1] = b1; bary[2] = b2; };
  const edgeSides = (k: number) => displacedSides.get(edgeKey(ids[k], ids[(k + 1) % 3])) ?? 0;

  const materials: number[] = [];
  const groups: [number, number][] = [];
  sel.materials.forEach((m, g) => {
    const start = out.triangleCount;
    const [from, to] = sel.triangleGroups[g];
    for (let i = from; i < to; i++) {
      const t = sel.triangles[i];
      for (let k = 0; k < 3; k++) { ids[k] = model.triangles[3 * t + k]; uvIds[k] = model.triangleUvs[3 * t + k]; }
      if (cut(t)) subdivide();
      else keepFlat();
    }
    materials.push(m);
    groups.push([start, out.triangleCount]);
  });

  /** A displaced triangle: the grid point (a, b) has barycentric (n - a - b, a, b) / n. */
  function subdivide(): void {
    const grid = new Int32Array(((n + 1) * (n + 2)) / 2);
    const gridUv = new Int32Array(grid.length);
    const at = (a: number, b: number) => (b * (2 * n + 3 - b)) / 2 + a;
    for (let b = 0; b <= n; b++) {
      for (let a = 0; a + b <= n; a++) {
        setBary((n - a - b) / n, a / n, b / n);
        const corner = a === 0 && b === 0 ? 0 : a === n ? 1 : b === n ? 2 : -1;
        // The edge the point lies on (-1: inside): from corner `edge` to corner `edge + 1`, `step` pieces from the first.
        const edge = corner >= 0 ? -1 : b === 0 ? 0 : a + b === n ? 1 : a === 0 ? 2 : -1;
        let vertex: [number, number];
        if (corner >= 0) {
          vertex = point(corner, -1, 0, pinned[ids[corner]] === 1);
        } else if (edge >= 0) {
          const step = edge === 0 ? a : edge === 1 ? b : n - b;
          const j = (edge + 1) % 3;
          vertex = point(edge, j, step, edgeSides(edge) !== 2);
        } else {
          vertex = point(-1, -1, 0, false);
        }
        [grid[at(a, b)], gridUv[at(a, b)]] = vertex;
      }
    }
    for (let b = 0; b < n; b++) {
      for (let a = 0; a + b < n; a++) {
        out.addTriangle(grid, gridUv, at(a, b), at(a + 1, b), at(a, b + 1));
        if (a + b < n - 1) out.addTriangle(grid, gridUv, at(a + 1, b), at(a + 1, b + 1), at(a, b + 1));
      }
    }
  }

  /**
   * A triangle kept as it is; where a displaced neighbour cut one of its edges, it is fanned from its
   * centroid through the cut points, so the mesh has no T-junctions.
   */
  function keepFlat(): void {
    const ring: number[] = [], ringUv: number[] = [];
    for (let k = 0; k < 3; k++) {
      const j = (k + 1) % 3;
      setBary(k === 0 ? 1 : 0, k === 1 ? 1 : 0, k === 2 ? 1 : 0);
      const [v, u] = point(k, -1, 0, true);
      ring.push(v); ringUv.push(u);
      if (edgeSides(k) === 0) continue;
      for (let s = 1; s < n; s++) {
        const w = s / n;
        setBary(k === 0 ? 1 - w : j === 0 ? w : 0, k === 1 ? 1 - w : j === 1 ? w : 0, k === 2 ? 1 - w : j === 2 ? w : 0);
        const [ev, eu] = point(k, j, s, true);
        ring.push(ev); ringUv.push(eu);
      }
    }
    if (ring.length === 3) {
      out.addTriangle(Int32Array.from(ring), Int32Array.from(ringUv), 0, 1, 2);
      return;
    }
    setBary(1 / 3, 1 / 3, 1 / 3);
    const [cv, cu] = point(-1, -1, 0, true);
    const fan = Int32Array.from([...ring, cv]), fanUv = Int32Array.from([...ringUv, cu]);
    for (let r = 0; r < ring.length; r++) out.addTriangle(fan, fanUv, ring.length, r, (r + 1) % ring.length);
  }
  const result = out.finish();
  return { ...result, normals: vertexNormals(result.positions, result.corners), materials, groups };
}

/**
 * Points made once and shared: the mesh's own vertices (by index) and the points that cut its edges
 * (by the edge's two ends and the number of pieces from the first), the same from either side.
 */
class SharedPoints {
  private readonly corners: Int32Array;
  private readonly edges = new Map<number, number>();
  private slots = new Int32Array(1024).fill(-1);

  constructor(private readonly count: number, private readonly segments: number) {
    this.corners = new Int32Array(count).fill(-1);
  }

  corner(a: number): number {
    return this.corners[a];
  }

  onEdge(a: number, b: number, step: number): number {
    const edge = this.edges.get(Math.min(a, b) * this.count + Math.max(a, b));
    return edge === undefined ? -1 : this.slots[this.slot(edge, a, b, step)];
  }

  /** Records `index` as corner a (b < 0) or as the point `step` pieces from a toward b. */
  set(index: number, a: number, b: number, step: number): void {
    if (b < 0) {
      this.corners[a] = index;
      return;
    }
    const key = Math.min(a, b) * this.count + Math.max(a, b);
    let edge = this.edges.get(key);
    if (edge === undefined) {
      this.edges.set(key, (edge = this.edges.size));
      if ((edge + 1) * (this.segments - 1) > this.slots.length) {
        const grown = new Int32Array(2 * this.slots.length).fill(-1);
        grown.set(this.slots);
        this.slots = grown;
      }
    }
    this.slots[this.slot(edge, a, b, step)] = index;
  }

  private slot(edge: number, a: number, b: number, step: number): number {
    return edge * (this.segments - 1) + (a < b ? step : this.segments - step) - 1;
  }
}

/** Typed arrays that grow as the subdivision adds to them. */
class GrowingMesh {
  private positions = new Float32Array(3 * 4096);
  private uvs = new Float32Array(2 * 4096);
  private corners = new Uint32Array(3 * 4096);
  private cornerUvs = new Uint32Array(3 * 4096);
  private vertexCount = 0;
  private uvCount = 0;
  triangleCount = 0;

  addVertex(p: readonly number[]): number {
    if (3 * this.vertexCount + 3 > this.positions.length) this.positions = grow(this.positions);
    this.positions.set(p, 3 * this.vertexCount);
    return this.vertexCount++;
  }

  addUv(uv: readonly number[]): number {
    if (2 * this.uvCount + 2 > this.uvs.length) this.uvs = grow(this.uvs);
    this.uvs.set(uv, 2 * this.uvCount);
    return this.uvCount++;
  }

  addTriangle(grid: Int32Array, gridUv: Int32Array, i: number, j: number, k: number): void {
    if (3 * this.triangleCount + 3 > this.corners.length) { this.corners = grow(this.corners); this.cornerUvs = grow(this.cornerUvs); }
    const o = 3 * this.triangleCount++;
    this.corners[o] = grid[i]; this.corners[o + 1] = grid[j]; this.corners[o + 2] = grid[k];
    this.cornerUvs[o] = gridUv[i]; this.cornerUvs[o + 1] = gridUv[j]; this.cornerUvs[o + 2] = gridUv[k];
  }

  finish() {
    return {
      positions: this.positions.slice(0, 3 * this.vertexCount), uvs: this.uvs.slice(0, 2 * this.uvCount),
      corners: this.corners.slice(0, 3 * this.triangleCount), cornerUvs: this.cornerUvs.slice(0, 3 * this.triangleCount),
    };
  }
}

function grow<T extends Float32Array | Uint32Array>(a: T): T {
  const b = new (a.constructor as new (n: number) => T)(2 * a.length);
  b.set(a);
  return b;
}
