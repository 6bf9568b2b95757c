/**
 * Reads exported GLB and OBJ files back from disk into one textured mesh each, the way a viewer sees
 * them (every primitive or group, its material's texture or plain colour), for the project's own
 * renderer. Test-only: enough of glTF 2.0 and OBJ/MTL for our own exports, not a general reader.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { NodeIO, type Accessor, type Document, type Material, type Texture } from '@gltf-transform/core';
import { KHRMeshQuantization } from '@gltf-transform/extensions';
import type { RgbImage } from '../../src/base/image.js';
import { linearToSrgb } from '../../src/base/colour.js';
import type { RenderMesh, TextureAlbedo } from '../../src/render/textured.js';

export interface MeshFile {
  /** Positions as stored (our exports: millimetres), v up UVs, one tile per material. */
  mesh: RenderMesh;
  albedo: TextureAlbedo;
}

async function decodeImage(bytes: Uint8Array): Promise<RgbImage> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

function plainTile(srgb: readonly number[]): RgbImage {
  return { width: 1, height: 1, data: Uint8Array.from(srgb.slice(0, 3).map((c) => Math.round(255 * c))) };
}

/**
 * Reads a GLB with glTF Transform (KHR_mesh_quantization registered): the document, and each
 * primitive's accessors as floats in the mesh node's frame (the node's quantisation grid applied, so
 * our exports read in millimetres; the root's metre scale is not applied).
 */
export async function readGlbDocument(bytes: Uint8Array): Promise<{ doc: Document; primitives: GlbPrimitive[] }> {
  const doc = await new NodeIO().registerExtensions([KHRMeshQuantization]).readBinary(bytes);
  const meshNode = doc.getRoot().listNodes().find((n) => n.getMesh());
  if (!meshNode) throw new Error('GLB has no mesh node');
  const [sx, sy, sz] = meshNode.getScale();
  const [tx, ty, tz] = meshNode.getTranslation();
  const floats = (accessor: Accessor | null, position = false): Float64Array => {
    if (!accessor) throw new Error('missing accessor');
    const out = new Float64Array(accessor.getCount() * accessor.getElementSize());
    const el: number[] = [];
    for (let i = 0; i < accessor.getCount(); i++) {
      accessor.getElement(i, el);
      out.set(el, i * el.length);
    }
    if (position) for (let i = 0; i < out.length; i += 3) { out[i] = out[i] * sx + tx; out[i + 1] = out[i + 1] * sy + ty; out[i + 2] = out[i + 2] * sz + tz; }
    return out;
  };
  const scaled = (values: Float64Array) => values.map((x, i) => x * [sx, sy, sz][i % 3]);
  const primitives = doc.getRoot().listMeshes()[0].listPrimitives().map((p) => ({
    material: p.getMaterial()!,
    positions: floats(p.getAttribute('POSITION'), true),
    normals: floats(p.getAttribute('NORMAL')),
    tangents: p.getAttribute('TANGENT') ? floats(p.getAttribute('TANGENT')) : undefined,
    uvs: floats(p.getAttribute('TEXCOORD_0')),
    indices: Uint32Array.from(p.getIndices()!.getArray()!),
    targets: p.listTargets().map((t) => ({
      positions: scaled(floats(t.getAttribute('POSITION'))),
      normals: t.getAttribute('NORMAL') ? floats(t.getAttribute('NORMAL')) : undefined,
    })),
  }));
  return { doc, primitives };
}

export interface GlbPrimitive {
  material: Material;
  /** Millimetres (the mesh node's quantisation applied). */
  positions: Float64Array;
  normals: Float64Array;
  /** xyzw per vertex, where the primitive has them (a normal-mapped material). */
  tangents?: Float64Array;
  /** v down, as stored. */
  uvs: Float64Array;
  indices: Uint32Array;
  /** Position deltas in millimetres, normal deltas as stored. */
  targets: { positions: Float64Array; normals?: Float64Array }[];
}

/** The GLB's mesh at its base shape (morph targets at zero; our tests export neutral expressions). */
export async function readGlb(path: string): Promise<MeshFile> {
  const { doc, primitives } = await readGlbDocument(new Uint8Array(await readFile(path)));
  const materials = doc.getRoot().listMaterials();
  const images = new Map<Texture, RgbImage>();
  for (const texture of doc.getRoot().listTextures()) images.set(texture, await decodeImage(texture.getImage()!));
  const tiles: RgbImage[] = materials.map((m) => {
    const texture = m.getBaseColorTexture();
    return texture ? images.get(texture)! : plainTile(m.getBaseColorFactor().map(linearToSrgb));
  });
  const positions: number[] = [], uvs: number[] = [], triangles: number[] = [], triangleTile: number[] = [];
  for (const p of primitives) {
    const base = positions.length / 3;
    positions.push(...p.positions);
    for (let i = 0; i < p.uvs.length; i += 2) uvs.push(p.uvs[i], 1 - p.uvs[i + 1]);
    for (const i of p.indices) triangles.push(base + i);
    for (let t = 0; t < p.indices.length / 3; t++) triangleTile.push(materials.indexOf(p.material));
  }
  const tri = Uint32Array.from(triangles);
  return {
    mesh: { positions: Float32Array.from(positions), triangles: tri, uvs: Float32Array.from(uvs), triangleUvs: tri },
    albedo: { kind: 'texture', tiles, triangleTile },
  };
}

/** The OBJ's polygons (fanned into triangles) with its MTL's textures (map_Kd, read beside it) or Kd colours. */
export async function readObj(path: string): Promise<MeshFile> {
  const folder = dirname(path);
  const positions: number[] = [], uvs: number[] = [], triangles: number[] = [], triangleUvs: number[] = [], triangleTile: number[] = [];
  const materialIndex = new Map<string, number>();
  let material = -1;
  let mtl = '';
  for (const line of (await readFile(path, 'utf8')).split('\n')) {
    const [key, ...rest] = line.trim().split(/\s+/);
    if (key === 'v') positions.push(...rest.map(Number));
    else if (key === 'vt') uvs.push(Number(rest[0]), Number(rest[1]));
    else if (key === 'mtllib') mtl = rest.join(' ');
    else if (key === 'usemtl') {
      if (!materialIndex.has(rest[0])) materialIndex.set(rest[0], materialIndex.size);
      material = materialIndex.get(rest[0])!;
    } else if (key === 'f') {
      const corners = rest.map((c) => c.split('/').map((x) => Number(x) - 1));
      for (let k = 1; k + 1 < corners.length; k++) {
        for (const c of [corners[0], corners[k], corners[k + 1]]) { triangles.push(c[0]); triangleUvs.push(c[1]); }
        triangleTile.push(material);
      }
    }
  }
  const tiles: RgbImage[] = [];
  let current = '';
  for (const line of (await readFile(join(folder, mtl), 'utf8')).split('\n')) {
    const [key, ...rest] = line.trim().split(/\s+/);
    if (key === 'newmtl') current = rest[0];
    const index = materialIndex.get(current);
    if (index === undefined) continue;
    if (key === 'Kd' && !tiles[index]) tiles[index] = plainTile(rest.map(Number));
    if (key === 'map_Kd') tiles[index] = await decodeImage(new Uint8Array(await readFile(join(folder, rest.join(' ')))));
  }
  return {
    mesh: { positions: Float32Array.from(positions), triangles: Uint32Array.from(triangles), uvs: Float32Array.from(uvs), triangleUvs: Uint32Array.from(triangleUvs) },
    albedo: { kind: 'texture', tiles, triangleTile },
  };
}
