import type { ExportMesh, GeometryOptions } from './types.js';
import { HEAD_FRAME_DESCRIPTION } from './frame.js';
import { checkExportMesh, selectGeometry, selectionNormals } from './selection.js';

export interface PlyOptions extends GeometryOptions {
  /** Write `mesh.vertexColours` as red/green/blue (default: whenever the mesh has them). */
  colours?: boolean;
}

/**
 * Binary little-endian PLY: per vertex float x, y, z, nx, ny, nz (+ uchar red, green, blue), then
 * triangles as `list uchar int vertex_indices`.
 */
export function toPly(mesh: ExportMesh, opts: PlyOptions = {}): Uint8Array {
  checkExportMesh(mesh);
  const { model, positions } = mesh;
  const colours = opts.colours === false ? undefined : mesh.vertexColours;
  if (opts.colours && !colours) throw new Error('PLY colours requested but the mesh has no vertexColours');
  const sel = selectGeometry(model, opts.excludeMaterials);
  const normals = selectionNormals(positions, sel);
  const triangles = new Uint32Array(sel.triangleVertices.length);
  for (let i = 0; i < triangles.length; i++) triangles[i] = sel.vertexIndex[sel.triangleVertices[i]];
  return plyFile({
    positions: gather(positions, sel.vertices, 3), normals: gather(normals, sel.vertices, 3), triangles,
    colours: colours && gather(colours, sel.vertices, 3),
  });
}

/** A triangle mesh as plyFile writes it: per vertex xyz and normal (and sRGB8 colour), 3 vertex indices per triangle. */
export interface PlyMesh {
  positions: Float32Array;
  normals: Float32Array;
  triangles: Uint32Array;
  colours?: Uint8Array;
}

/** Binary little-endian PLY of a triangle mesh (the layout toPly describes). */
export function plyFile(mesh: PlyMesh): Uint8Array {
  const { positions, normals, triangles, colours } = mesh;
  const vertexCount = positions.length / 3;
  const faceCount = triangles.length / 3;
  const header = [
    'ply',
    'format binary_little_endian 1.0',
    'comment facerecon export',
    `comment ${HEAD_FRAME_DESCRIPTION}`,
    `element vertex ${vertexCount}`,
    ...['x', 'y', 'z', 'nx', 'ny', 'nz'].map((p) => `property float ${p}`),
    ...(colours ? ['red', 'green', 'blue'].map((p) => `property uchar ${p}`) : []),
    `element face ${faceCount}`,
    'property list uchar int vertex_indices',
    'end_header',
    '',
  ].join('\n');
  const headerBytes = new TextEncoder().encode(header);
  const vertexStride = plyVertexStride(colours !== undefined);
  const out = new Uint8Array(headerBytes.length + vertexCount * vertexStride + faceCount * PLY_TRIANGLE_BYTES);
  out.set(headerBytes);
  const view = new DataView(out.buffer);

  let o = headerBytes.length;
  for (let v = 0; v < vertexCount; v++) {
    for (let c = 0; c < 3; c++, o += 4) view.setFloat32(o, positions[3 * v + c], true);
    for (let c = 0; c < 3; c++, o += 4) view.setFloat32(o, normals[3 * v + c], true);
    if (colours) for (let c = 0; c < 3; c++) out[o++] = colours[3 * v + c];
  }
  for (let i = 0; i < triangles.length; i += 3) {
    out[o++] = 3;
    for (let c = 0; c < 3; c++, o += 4) view.setInt32(o, triangles[i + c], true);
  }
  return out;
}

/** The `stride`-sized records of `values` at `indices`, in that order. */
function gather<T extends Float32Array | Uint8Array>(values: T, indices: Uint32Array, stride: number): T {
  const out = new (values.constructor as new (n: number) => T)(indices.length * stride);
  for (let i = 0; i < indices.length; i++) for (let c = 0; c < stride; c++) out[i * stride + c] = values[indices[i] * stride + c];
  return out;
}

/** Bytes per PLY vertex record. */
export function plyVertexStride(withColours: boolean): number {
  return 24 + (withColours ? 3 : 0);
}

/** Bytes per PLY triangle record: a count byte and three int32 indices. */
export const PLY_TRIANGLE_BYTES = 13;
