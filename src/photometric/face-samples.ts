import type { MorphableModel } from '../model/types.js';

/**
 * The surface points where the photo is compared with the model: a spatially even subset of the
 * narrow-face vertices, with what the photometric solve needs about each: the face triangles
 * around it (for its normal), its nearest neighbours (albedo smoothness) and its mirror partner
 * (albedo symmetry). Depends only on the model, so it is built once per model.
 */
export interface FaceSamples {
  /** Model vertex index of each sample. */
  vertices: Uint32Array;
  /** Triangles (indices into model.triangles / 3) around sample i: triangles[triangleStart[i] .. triangleStart[i+1]). */
  triangleStart: Uint32Array;
  triangles: Uint32Array;
  /** NEIGHBOURS nearest other samples of each sample (on the neutral face). */
  neighbours: Uint32Array;
  /** Sample nearest to the mirror image (x -> -x) of each sample, or -1 if none is close. */
  mirror: Int32Array;
}

export const NEIGHBOURS = 6;

/** Default distance between samples, model units (ICT: centimetres). */
export const DEFAULT_SAMPLE_SPACING = 0.3;

const cache = new WeakMap<MorphableModel, Map<number, FaceSamples>>();

/** Samples about `spacing` model units apart (ICT: centimetres). */
export function faceSamples(model: MorphableModel, spacing = DEFAULT_SAMPLE_SPACING): FaceSamples {
  let perModel = cache.get(model);
  if (!perModel) cache.set(model, perModel = new Map());
  let s = perModel.get(spacing);
  if (!s) perModel.set(spacing, s = buildFaceSamples(model, spacing));
  return s;
}

function buildFaceSamples(model: MorphableModel, spacing: number): FaceSamples {
  const p = model.neutral;
  const taken = new Set<number>();
  const chosen: number[] = [];
  const cell = (x: number) => Math.floor(x / spacing) + CELL_OFFSET;
  for (const v of model.regions.narrowFace) {
    const key = (cell(p[3 * v]) * CELL_SPAN + cell(p[3 * v + 1])) * CELL_SPAN + cell(p[3 * v + 2]);
    if (taken.has(key)) continue;
    taken.add(key);
    chosen.push(v);
  }
  const vertices = Uint32Array.from(chosen);
  const index = new Int32Array(model.vertexCount).fill(-1);
  vertices.forEach((v, i) => { index[v] = i; });

  const [fs, fe] = model.triangleRegions.face;
  const lists: number[][] = vertices.length ? Array.from(vertices, () => []) : [];
  for (let t = fs; t < fe; t++) {
    for (let k = 0; k < 3; k++) {
      const i = index[model.triangles[3 * t + k]];
      if (i >= 0) lists[i].push(t);
    }
  }
  const triangleStart = new Uint32Array(vertices.length + 1);
  lists.forEach((l, i) => { triangleStart[i + 1] = triangleStart[i] + l.length; });
  const triangles = Uint32Array.from(lists.flat());

  // Neighbours and mirror partners are found when first read: the mid band's samples never need them.
  let pairs: Pick<FaceSamples, 'neighbours' | 'mirror'> | undefined;
  return {
    vertices, triangleStart, triangles,
    get neighbours() { return (pairs ??= samplePairs(p, vertices, spacing)).neighbours; },
    get mirror() { return (pairs ??= samplePairs(p, vertices, spacing)).mirror; },
  };
}

/** Each sample's NEIGHBOURS nearest other samples and the sample nearest its mirror image (or -1), on the neutral face. */
function samplePairs(p: Float32Array, vertices: Uint32Array, spacing: number): Pick<FaceSamples, 'neighbours' | 'mirror'> {
  const grid = new SampleGrid(p, vertices, 2 * spacing);
  const neighbours = new Uint32Array(vertices.length * NEIGHBOURS);
  const mirror = new Int32Array(vertices.length);
  for (let i = 0; i < vertices.length; i++) {
    const v = vertices[i];
    const near = grid.nearest(p[3 * v], p[3 * v + 1], p[3 * v + 2], NEIGHBOURS + 1).filter((j) => j !== i);
    for (let k = 0; k < NEIGHBOURS; k++) neighbours[i * NEIGHBOURS + k] = near[Math.min(k, near.length - 1)] ?? i;
    const m = grid.nearest(-p[3 * v], p[3 * v + 1], p[3 * v + 2], 1)[0];
    const d = m === undefined ? Infinity
      : Math.hypot(p[3 * vertices[m]] + p[3 * v], p[3 * vertices[m] + 1] - p[3 * v + 1], p[3 * vertices[m] + 2] - p[3 * v + 2]);
    mirror[i] = d < spacing ? m : -1;
  }
  return { neighbours, mirror };
}

/**
 * Per-vertex linear albedo for the whole face region from per-sample albedo (nearest sample on the
 * neutral face); vertices with no sample nearby get `fallback`.
 */
export function spreadSampleAlbedo(
  model: MorphableModel, samples: FaceSamples, sampleAlbedo: Float64Array, fallback: ArrayLike<number>, spacing = DEFAULT_SAMPLE_SPACING,
): Float32Array {
  const out = new Float32Array(3 * model.vertexCount);
  for (let v = 0; v < model.vertexCount; v++) out.set([fallback[0], fallback[1], fallback[2]], 3 * v);
  const grid = new SampleGrid(model.neutral, samples.vertices, 2 * spacing);
  const p = model.neutral;
  for (const v of model.regions.face) {
    const i = grid.nearest(p[3 * v], p[3 * v + 1], p[3 * v + 2], 1)[0];
    if (i !== undefined) out.set(sampleAlbedo.subarray(3 * i, 3 * i + 3), 3 * v);
  }
  return out;
}

/** Cell coordinates are packed into one exact number: 17 bits each, offset by half the range. */
const CELL_OFFSET = 1 << 16;
const CELL_SPAN = 1 << 17;

/** Uniform-grid nearest-neighbour lookup over sample positions. */
export class SampleGrid {
  private readonly cells = new Map<number, number[]>();
  constructor(private readonly p: Float32Array, private readonly vertices: Uint32Array, private readonly cell: number) {
    vertices.forEach((v, i) => {
      const key = this.key(p[3 * v], p[3 * v + 1], p[3 * v + 2]);
      const list = this.cells.get(key);
      if (list) list.push(i); else this.cells.set(key, [i]);
    });
  }
  private key(x: number, y: number, z: number, dx = 0, dy = 0, dz = 0): number {
    const cx = Math.floor(x / this.cell) + dx + CELL_OFFSET, cy = Math.floor(y / this.cell) + dy + CELL_OFFSET, cz = Math.floor(z / this.cell) + dz + CELL_OFFSET;
    if (cx < 0 || cy < 0 || cz < 0 || cx >= CELL_SPAN || cy >= CELL_SPAN || cz >= CELL_SPAN) throw new Error('SampleGrid: position too far from the origin for the cell size');
    return (cx * CELL_SPAN + cy) * CELL_SPAN + cz;
  }
  /** The k samples nearest (x, y, z) in the 27 cells around it, nearest first (ties in the order met). */
  nearest(x: number, y: number, z: number, k: number): number[] {
    const dist: number[] = [], found: number[] = [];
    for (let dx = -1; dx <= 1; dx++) for (let dy = -1; dy <= 1; dy++) for (let dz = -1; dz <= 1; dz++) {
      const list = this.cells.get(this.key(x, y, z, dx, dy, dz));
      if (!list) continue;
      for (const i of list) {
        const v = this.vertices[i];
        const d = (this.p[3 * v] - x) ** 2 + (this.p[3 * v + 1] - y) ** 2 + (this.p[3 * v + 2] - z) ** 2;
        if (found.length === k && d >= dist[k - 1]) continue;
        let at = found.length;
        while (at > 0 && dist[at - 1] > d) at--;
        dist.splice(at, 0, d);
        found.splice(at, 0, i);
        if (found.length > k) { dist.pop(); found.pop(); }
      }
    }
    return found;
  }
}
