/**
 * Reads exported GLB and OBJ files back from disk into one textured mesh each, the way a viewer sees
 * them (every primitive or group, its material's texture or plain colour), for the project's own
 * renderer. Test-only: enough of glTF 2.0 and OBJ/MTL for our own exports, not a general reader.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import type { RgbImage } from '../../src/base/image.js';
import { linearToSrgb } from '../../src/base/colour.js';
import type { RenderMesh, TextureAlbedo } from '../../src/render/textured.js';

export interface MeshFile {
  /** Positions as stored (our exports: millimetres), v up UVs, one tile per material. */
  mesh: RenderMesh;
  albedo: TextureAlbedo;
}

async function decodePng(bytes: Uint8Array): Promise<RgbImage> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

function plainTile(srgb: readonly number[]): RgbImage {
  return { width: 1, height: 1, data: Uint8Array.from(srgb.slice(0, 3).map((c) => Math.round(255 * c))) };
}

const COMPONENTS: Record<string, number> = { SCALAR: 1, VEC2: 2, VEC3: 3, VEC4: 4 };

/** The GLB's mesh at its base shape (morph targets at zero; our tests export neutral expressions). */
export async function readGlb(path: string): Promise<MeshFile> {
  const file = new Uint8Array(await readFile(path));
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (view.getUint32(0, true) !== 0x46546c67) throw new Error(`${path}: not a GLB`);
  const jsonLength = view.getUint32(12, true);
  const doc = JSON.parse(new TextDecoder().decode(file.subarray(20, 20 + jsonLength)));
  const binStart = 20 + jsonLength + 8;
  const bufferView = (i: number) => {
    const bv = doc.bufferViews[i];
    return file.slice(binStart + (bv.byteOffset ?? 0), binStart + (bv.byteOffset ?? 0) + bv.byteLength);
  };
  const accessor = (i: number): Float32Array | Uint32Array => {
    const a = doc.accessors[i];
    const bytes = bufferView(a.bufferView);
    const n = a.count * COMPONENTS[a.type];
    if (a.componentType === 5126) return new Float32Array(bytes.buffer, 0, n);
    if (a.componentType === 5123) return Uint32Array.from(new Uint16Array(bytes.buffer, 0, n));
    if (a.componentType === 5125) return new Uint32Array(bytes.buffer, 0, n);
    throw new Error(`componentType ${a.componentType}`);
  };
  const images = await Promise.all((doc.images ?? []).map((im: { bufferView: number }) => decodePng(bufferView(im.bufferView))));
  const tiles: RgbImage[] = doc.materials.map((m: { pbrMetallicRoughness: { baseColorTexture?: { index: number }; baseColorFactor?: number[] } }) => {
    const pbr = m.pbrMetallicRoughness;
    if (pbr.baseColorTexture) return images[doc.textures[pbr.baseColorTexture.index].source];
    return plainTile((pbr.baseColorFactor ?? [1, 1, 1]).map(linearToSrgb));
  });
  const positions: number[] = [], uvs: number[] = [], triangles: number[] = [], triangleTile: number[] = [];
  for (const p of doc.meshes[0].primitives) {
    const base = positions.length / 3;
    positions.push(...accessor(p.attributes.POSITION));
    const uv = accessor(p.attributes.TEXCOORD_0);
    for (let i = 0; i < uv.length; i += 2) uvs.push(uv[i], 1 - uv[i + 1]);
    const indices = accessor(p.indices);
    for (const i of indices) triangles.push(base + i);
    for (let t = 0; t < indices.length / 3; t++) triangleTile.push(p.material);
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
    if (key === 'map_Kd') tiles[index] = await decodePng(new Uint8Array(await readFile(join(folder, rest.join(' ')))));
  }
  return {
    mesh: { positions: Float32Array.from(positions), triangles: Uint32Array.from(triangles), uvs: Float32Array.from(uvs), triangleUvs: Uint32Array.from(triangleUvs) },
    albedo: { kind: 'texture', tiles, triangleTile },
  };
}
