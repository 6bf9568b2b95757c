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
  const vertexCount = sel.vertices.length;
  const faceCount = sel.triangles.length;

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
  for (const v of sel.vertices) {
    for (let c = 0; c < 3; c++, o += 4) view.setFloat32(o, positions[3 * v + c], true);
    for (let c = 0; c < 3; c++, o += 4) view.setFloat32(o, normals[3 * v + c], true);
    if (colours) for (let c = 0; c < 3; c++) out[o++] = colours[3 * v + c];
  }
  for (let i = 0; i < sel.triangleVertices.length; i += 3) {
    out[o++] = 3;
    for (let c = 0; c < 3; c++, o += 4) view.setInt32(o, sel.vertexIndex[sel.triangleVertices[i + c]], true);
  }
  return out;
}

/** Bytes per PLY vertex record. */
export function plyVertexStride(withColours: boolean): number {
  return 24 + (withColours ? 3 : 0);
}

/** Bytes per PLY triangle record: a count byte and three int32 indices. */
export const PLY_TRIANGLE_BYTES = 13;
