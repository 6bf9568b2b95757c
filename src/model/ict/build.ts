import type { MorphableModel } from '../types.js';
import { parseObj, parseObjPositions, triangulate } from '../obj-parse.js';
import {
  ICT_IDENTITY_COUNT, ICT_JAWLINE, ICT_LANDMARKS_68, ICT_POLYGON_REGIONS, ICT_UNITS_TO_MM,
  ICT_VERTEX_COUNT, ICT_VERTEX_REGIONS,
} from './layout.js';

/** Reads one model file by its base name without extension (e.g. "identity000"); gunzipping is the caller's job. */
export type ModelFileReader = (baseName: string) => Promise<string>;

export interface IctIndex {
  expressions: string[];
}

/**
 * Builds the model from the upstream ICT-FaceKit files: the neutral mesh, 100 identity meshes and the
 * expression meshes, each a full mesh that we turn into a delta from the neutral.
 */
export async function buildIctModel(
  read: ModelFileReader,
  index: IctIndex,
  onProgress?: (done: number, total: number) => void,
): Promise<MorphableModel> {
  const mesh = parseObj(await read('generic_neutral_mesh'));
  const V = mesh.positions.length / 3;
  if (V !== ICT_VERTEX_COUNT) throw new Error(`generic_neutral_mesh has ${V} vertices, expected ${ICT_VERTEX_COUNT}`);
  const { triangles, triangleUvs, trianglePolygon } = triangulate(mesh);
  const names = index.expressions;
  const total = ICT_IDENTITY_COUNT + names.length;
  let done = 0;

  const deltas = async (baseNames: string[], into: Float32Array) => {
    for (let k = 0; k < baseNames.length; k++) {
      const p = parseObjPositions(await read(baseNames[k]), V);
      const off = k * 3 * V;
      for (let i = 0; i < 3 * V; i++) into[off + i] = p[i] - mesh.positions[i];
      onProgress?.(++done, total);
    }
  };
  const identityBasis = new Float32Array(ICT_IDENTITY_COUNT * 3 * V);
  await deltas(Array.from({ length: ICT_IDENTITY_COUNT }, (_, k) => `identity${String(k).padStart(3, '0')}`), identityBasis);
  const expressionBasis = new Float32Array(names.length * 3 * V);
  await deltas(names, expressionBasis);

  const regions: Record<string, Uint32Array> = {};
  for (const [name, [s, e]] of Object.entries(ICT_VERTEX_REGIONS)) regions[name] = rangeArray(s, e);

  return {
    name: 'ICT-FaceKit Light',
    vertexCount: V,
    neutral: mesh.positions,
    unitsToMillimetres: ICT_UNITS_TO_MM,
    polygonStart: mesh.polygonStart,
    polygonVertices: mesh.polygonVertices,
    polygonUvs: mesh.polygonUvs,
    polygonMaterial: mesh.polygonMaterial,
    materials: mesh.materials,
    uvs: mesh.uvs,
    triangles,
    triangleUvs,
    trianglePolygon,
    identityCount: ICT_IDENTITY_COUNT,
    identityBasis,
    identityModeRms: modeRms(identityBasis, ICT_IDENTITY_COUNT, V, regions.face),
    expressionNames: names,
    expressionBasis,
    regions,
    triangleRegions: triangleRanges(trianglePolygon),
    landmarks68: Uint32Array.from(ICT_LANDMARKS_68),
    jawline: {
      right: Uint32Array.from(ICT_JAWLINE.right),
      left: Uint32Array.from(ICT_JAWLINE.left),
      rightExtended: Uint32Array.from(ICT_JAWLINE.rightExtended),
      leftExtended: Uint32Array.from(ICT_JAWLINE.leftExtended),
    },
  };
}

function rangeArray(start: number, end: number): Uint32Array {
  const out = new Uint32Array(end - start);
  for (let i = 0; i < out.length; i++) out[i] = start + i;
  return out;
}

/** Root-mean-square vertex displacement of each mode over a vertex set. */
export function modeRms(basis: Float32Array, modes: number, V: number, vertices: Uint32Array): Float32Array {
  const out = new Float32Array(modes);
  for (let k = 0; k < modes; k++) {
    let s = 0;
    for (const v of vertices) {
      const o = k * 3 * V + 3 * v;
      s += basis[o] ** 2 + basis[o + 1] ** 2 + basis[o + 2] ** 2;
    }
    out[k] = Math.sqrt(s / vertices.length);
  }
  return out;
}

function triangleRanges(trianglePolygon: Uint32Array): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {};
  for (const [name, [ps, pe]] of Object.entries(ICT_POLYGON_REGIONS)) {
    let s = -1;
    let e = -1;
    for (let t = 0; t < trianglePolygon.length; t++) {
      const p = trianglePolygon[t];
      if (p >= ps && p < pe) {
        if (s < 0) s = t;
        e = t + 1;
      }
    }
    out[name] = [s, e];
  }
  return out;
}
