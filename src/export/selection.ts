import type { MorphableModel } from '../model/types.js';
import { vertexNormals } from '../base/normals.js';
import { eyeParts } from '../model/eye-geometry.js';
import { HELPER_MATERIALS } from './materials.js';
import type { ExportMesh } from './types.js';

/**
 * The part of the model an export keeps: polygons and triangles of the kept materials (grouped by
 * material, in material order), less the eyes' corneas (src/model/eye-geometry.ts: cut so that the
 * iris shows in any viewer), and compact vertex and UV numberings over what they use.
 */
export interface MeshSelection {
  /** Kept material ids (indices into model.materials), in model order. */
  materials: number[];
  /** Kept polygons, grouped by material; polygonGroups[m] is the [start, end) range of materials[m]. */
  polygons: Uint32Array;
  polygonGroups: [number, number][];
  /** Kept triangles (indices into model.triangles), grouped like the polygons. */
  triangles: Uint32Array;
  triangleGroups: [number, number][];
  /** Model vertex indices of the kept triangles, 3 per triangle (for normals). */
  triangleVertices: Uint32Array;
  /** Compact vertex numbering: vertices[new] = model vertex; vertexIndex[model vertex] = new or -1. */
  vertices: Uint32Array;
  vertexIndex: Int32Array;
  /** Compact UV numbering, same scheme. */
  uvs: Uint32Array;
  uvIndex: Int32Array;
}

const selections = new WeakMap<MorphableModel, Map<string, MeshSelection>>();

/** The selection of the model without the given materials; made once per model and exclusion (every writer of every face asks). Read-only. */
export function selectGeometry(model: MorphableModel, excludeMaterials: readonly string[] = HELPER_MATERIALS): MeshSelection {
  let byExclusion = selections.get(model);
  if (!byExclusion) selections.set(model, (byExclusion = new Map()));
  const key = JSON.stringify([...excludeMaterials].sort());
  let selection = byExclusion.get(key);
  if (!selection) byExclusion.set(key, (selection = makeSelection(model, excludeMaterials)));
  return selection;
}

function makeSelection(model: MorphableModel, excludeMaterials: readonly string[]): MeshSelection {
  const excluded = new Set(excludeMaterials);
  const polygonCount = model.polygonStart.length - 1;
  const materials = model.materials.map((_, m) => m).filter((m) => !excluded.has(model.materials[m]));
  const { corneaPolygons } = eyeParts(model);

  const polygons: number[] = [];
  const polygonGroups: [number, number][] = [];
  const byMaterial = groupBy(polygonCount, (p) => model.polygonMaterial[p], model.materials.length);
  for (const m of materials) {
    const start = polygons.length;
    for (const p of byMaterial[m]) if (!corneaPolygons[p]) polygons.push(p);
    polygonGroups.push([start, polygons.length]);
  }

  const triangles: number[] = [];
  const triangleGroups: [number, number][] = [];
  const trianglesByMaterial = groupBy(model.trianglePolygon.length, (t) => model.polygonMaterial[model.trianglePolygon[t]], model.materials.length);
  for (const m of materials) {
    const start = triangles.length;
    for (const t of trianglesByMaterial[m]) if (!corneaPolygons[model.trianglePolygon[t]]) triangles.push(t);
    triangleGroups.push([start, triangles.length]);
  }

  const vertexUsed = new Uint8Array(model.vertexCount);
  const uvUsed = new Uint8Array(model.uvs.length / 2);
  for (const p of polygons) {
    for (let c = model.polygonStart[p]; c < model.polygonStart[p + 1]; c++) {
      vertexUsed[model.polygonVertices[c]] = 1;
      uvUsed[model.polygonUvs[c]] = 1;
    }
  }
  const [vertices, vertexIndex] = compact(vertexUsed);
  const [uvs, uvIndex] = compact(uvUsed);

  const triangleVertices = new Uint32Array(triangles.length * 3);
  triangles.forEach((t, i) => triangleVertices.set(model.triangles.subarray(3 * t, 3 * t + 3), 3 * i));

  return {
    materials,
    polygons: Uint32Array.from(polygons),
    polygonGroups,
    triangles: Uint32Array.from(triangles),
    triangleGroups,
    triangleVertices,
    vertices,
    vertexIndex,
    uvs,
    uvIndex,
  };
}

/** Vertex normals of `positions` (xyz per model vertex) over the kept triangles only. */
export function selectionNormals(positions: Float32Array, selection: MeshSelection): Float32Array {
  return vertexNormals(positions, selection.triangleVertices);
}

function groupBy(count: number, key: (i: number) => number, groups: number): number[][] {
  const out: number[][] = Array.from({ length: groups }, () => []);
  for (let i = 0; i < count; i++) out[key(i)].push(i);
  return out;
}

function compact(used: Uint8Array): [Uint32Array, Int32Array] {
  const index = new Int32Array(used.length).fill(-1);
  const order: number[] = [];
  for (let i = 0; i < used.length; i++) {
    if (used[i]) {
      index[i] = order.length;
      order.push(i);
    }
  }
  return [Uint32Array.from(order), index];
}

/** Throws when the arrays of an export mesh do not fit its model. */
export function checkExportMesh(mesh: ExportMesh): void {
  const { model } = mesh;
  const V = model.vertexCount;
  const K = model.expressionNames.length;
  const fail = (what: string, got: number, want: number) => {
    throw new Error(`export mesh: ${what} has length ${got}, expected ${want}`);
  };
  if (mesh.positions.length !== 3 * V) fail('positions', mesh.positions.length, 3 * V);
  if (mesh.expressionDeltas && mesh.expressionDeltas.length !== K * 3 * V) fail('expressionDeltas', mesh.expressionDeltas.length, K * 3 * V);
  if (mesh.expressionWeights && mesh.expressionWeights.length !== K) fail('expressionWeights', mesh.expressionWeights.length, K);
  if (mesh.vertexColours && mesh.vertexColours.length !== 3 * V) fail('vertexColours', mesh.vertexColours.length, 3 * V);
}
