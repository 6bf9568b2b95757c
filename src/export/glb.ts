import type { MorphableModel } from '../model/types.js';
import type { ExportMesh, GeometryOptions } from './types.js';
import { arkitName } from './arkit.js';
import { EXPORT_UNITS, HEAD_FRAME_DESCRIPTION } from './frame.js';
import { GlbBuilder } from './gltf-builder.js';
import { foldUdim, materialLook, materialTexture, type MaterialTexture } from './materials.js';
import { srgbToLinear } from '../base/colour.js';
import { checkExportMesh, type MeshSelection, selectGeometry, selectionNormals } from './selection.js';

export interface GlbOptions extends GeometryOptions {
  /** Also store per-target normal deltas so shading follows the expression (viewers that recompute normals ignore them). Default true. */
  morphNormals?: boolean;
  /** Scale the node by 0.001 so viewers (glTF is in metres) show a life-size head; vertex data stay in millimetres. Default true. */
  metresNodeScale?: boolean;
  /** Name of the node and the mesh. Default "head". */
  name?: string;
}

/** Normal-delta components below this are not stored (about 0.006 degrees). */
const NORMAL_DELTA_EPSILON = 1e-4;

/**
 * glTF 2.0 binary of the mesh: one primitive per material, vertices split at UV seams, the face texture
 * embedded when given, and the expressions as morph targets (position deltas in millimetres, sparse)
 * named in ARKit style in `mesh.extras.targetNames`, with `mesh.weights` = the fitted expression.
 * The base mesh is the shape without its expression: `positions - sum_k weight_k * delta_k`.
 */
export function toGlb(mesh: ExportMesh, opts: GlbOptions = {}): Uint8Array {
  checkExportMesh(mesh);
  const { model } = mesh;
  const name = opts.name ?? 'head';
  const sel = selectGeometry(model, opts.excludeMaterials);
  const base = basePositions(mesh);
  const baseNormals = selectionNormals(base, sel);
  const primitives = sel.materials.map((_, g) => splitAtUvSeams(model, sel, g));

  const gltf = new GlbBuilder('facerecon');
  const doc = gltf.document;
  doc.asset.extras = { units: EXPORT_UNITS, frame: HEAD_FRAME_DESCRIPTION, model: model.name };

  const textures = embedTextures(gltf, mesh, sel.materials.map((m) => materialTexture(model.materials[m])));
  doc.materials = sel.materials.map((m) => gltfMaterial(model.materials[m], textures, opts));

  const gltfPrimitives = primitives.map((p) => ({
    attributes: {
      POSITION: gltf.addFloatAttribute(gatherVec3(base, p.vertices), 'VEC3', true),
      NORMAL: gltf.addFloatAttribute(unitNormals(gatherVec3(baseNormals, p.vertices)), 'VEC3', false),
      TEXCOORD_0: gltf.addFloatAttribute(gltfUvs(model, p.uvs), 'VEC2', false),
    },
    indices: gltf.addIndices(p.indices, p.vertices.length),
    material: p.group,
    targets: [] as Record<string, number>[],
  }));

  const gltfMesh: Record<string, unknown> = { name, primitives: gltfPrimitives };
  if (mesh.expressionDeltas) {
    addMorphTargets(gltf, gltfPrimitives, primitives, mesh.expressionDeltas, base, baseNormals, sel, opts.morphNormals ?? true);
    const K = model.expressionNames.length;
    gltfMesh.weights = Array.from({ length: K }, (_, k) => mesh.expressionWeights?.[k] ?? 0);
    gltfMesh.extras = { targetNames: model.expressionNames.map(arkitName), ictTargetNames: model.expressionNames };
  }
  doc.meshes = [gltfMesh];
  const node: Record<string, unknown> = { name, mesh: 0 };
  if (opts.metresNodeScale ?? true) node.scale = [0.001, 0.001, 0.001];
  doc.nodes = [node];
  doc.scenes = [{ name: 'facerecon', nodes: [0] }];
  doc.scene = 0;
  return gltf.toGlb();
}

/** The shape without its expression (mm, per model vertex). */
export function basePositions(mesh: ExportMesh): Float32Array {
  const { positions, expressionDeltas: deltas, expressionWeights: weights } = mesh;
  if (!deltas || !weights) return positions;
  const n = positions.length;
  const acc = Float64Array.from(positions);
  for (let k = 0; k < weights.length; k++) {
    const w = weights[k];
    if (w === 0) continue;
    const off = k * n;
    for (let i = 0; i < n; i++) acc[i] -= w * deltas[off + i];
  }
  return Float32Array.from(acc);
}

/** One glTF primitive: the triangles of one material over vertices that each have a single UV. */
interface SplitPrimitive {
  /** Index into selection.materials (and into the glTF materials). */
  group: number;
  /** Model vertex and model UV of each primitive vertex. */
  vertices: Uint32Array;
  uvs: Uint32Array;
  indices: Uint32Array;
}

function splitAtUvSeams(model: MorphableModel, sel: MeshSelection, group: number): SplitPrimitive {
  const [start, end] = sel.triangleGroups[group];
  const uvCount = model.uvs.length / 2;
  const local = new Map<number, number>();
  const vertices: number[] = [];
  const uvs: number[] = [];
  const indices = new Uint32Array((end - start) * 3);
  for (let i = start; i < end; i++) {
    const t = sel.triangles[i];
    for (let c = 0; c < 3; c++) {
      const v = model.triangles[3 * t + c];
      const uv = model.triangleUvs[3 * t + c];
      const key = v * uvCount + uv;
      let index = local.get(key);
      if (index === undefined) {
        index = vertices.length;
        local.set(key, index);
        vertices.push(v);
        uvs.push(uv);
      }
      indices[3 * (i - start) + c] = index;
    }
  }
  return { group, vertices: Uint32Array.from(vertices), uvs: Uint32Array.from(uvs), indices };
}

function addMorphTargets(
  gltf: GlbBuilder,
  gltfPrimitives: { targets: Record<string, number>[] }[],
  primitives: SplitPrimitive[],
  deltas: Float32Array,
  base: Float32Array,
  baseNormals: Float32Array,
  sel: MeshSelection,
  withNormals: boolean,
): void {
  const n = base.length;
  const K = deltas.length / n;
  const shaped = new Float32Array(n);
  const normalDeltas = new Float32Array(n);
  for (let k = 0; k < K; k++) {
    const delta = deltas.subarray(k * n, (k + 1) * n);
    if (withNormals) {
      for (let i = 0; i < n; i++) shaped[i] = base[i] + delta[i];
      const normals = selectionNormals(shaped, sel);
      for (let i = 0; i < n; i++) normalDeltas[i] = normals[i] - baseNormals[i];
    }
    primitives.forEach((p, j) => {
      const target: Record<string, number> = { POSITION: sparseVec3(gltf, delta, p.vertices, 0) };
      if (withNormals) target.NORMAL = sparseVec3(gltf, normalDeltas, p.vertices, NORMAL_DELTA_EPSILON);
      gltfPrimitives[j].targets.push(target);
    });
  }
}

/** Sparse accessor of per-vertex vec3 values (indexed by model vertex) over a primitive's vertices; components with |x| <= epsilon count as zero. */
function sparseVec3(gltf: GlbBuilder, values: Float32Array, vertices: Uint32Array, epsilon: number): number {
  const indices: number[] = [];
  const kept: number[] = [];
  vertices.forEach((v, i) => {
    const x = values[3 * v], y = values[3 * v + 1], z = values[3 * v + 2];
    if (Math.abs(x) > epsilon || Math.abs(y) > epsilon || Math.abs(z) > epsilon) {
      indices.push(i);
      kept.push(x, y, z);
    }
  });
  return gltf.addSparseFloatAttribute(vertices.length, 'VEC3', indices, Float32Array.from(kept));
}

function gatherVec3(source: Float32Array, vertices: Uint32Array): Float32Array {
  const out = new Float32Array(vertices.length * 3);
  vertices.forEach((v, i) => out.set(source.subarray(3 * v, 3 * v + 3), 3 * i));
  return out;
}

/** glTF requires unit normals; a vertex whose triangles are all degenerate gets +z. */
function unitNormals(normals: Float32Array): Float32Array {
  for (let i = 0; i < normals.length; i += 3) {
    if (normals[i] === 0 && normals[i + 1] === 0 && normals[i + 2] === 0) normals[i + 2] = 1;
  }
  return normals;
}

/** UVs with UDIM tiles folded into the unit square and v flipped (glTF's origin is the image's top left). */
function gltfUvs(model: MorphableModel, uvs: Uint32Array): Float32Array {
  const out = new Float32Array(uvs.length * 2);
  uvs.forEach((t, i) => {
    out[2 * i] = foldUdim(model.uvs[2 * t]);
    out[2 * i + 1] = 1 - model.uvs[2 * t + 1];
  });
  return out;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** glTF texture index of each of the export's textures that is given and shown by a kept material. */
type TextureIndices = Partial<Record<MaterialTexture, number>>;

function embedTextures(gltf: GlbBuilder, mesh: ExportMesh, shown: (MaterialTexture | undefined)[]): TextureIndices {
  const pngs: [MaterialTexture, string, Uint8Array | undefined][] = [['face', 'texturePng', mesh.texturePng], ['eyes', 'eyeTexturePng', mesh.eyeTexturePng]];
  const doc = gltf.document;
  const images: Record<string, unknown>[] = [];
  const indices: TextureIndices = {};
  for (const [texture, field, png] of pngs) {
    if (png === undefined || !shown.includes(texture)) continue;
    if (png.length < 8 || PNG_SIGNATURE.some((b, i) => png[i] !== b)) throw new Error(`${field} is not a PNG file`);
    indices[texture] = images.push({ name: texture, bufferView: gltf.addBufferView(png), mimeType: 'image/png' }) - 1;
  }
  if (images.length === 0) return indices;
  doc.images = images;
  // LINEAR, LINEAR_MIPMAP_LINEAR, CLAMP_TO_EDGE
  doc.samplers = [{ magFilter: 9729, minFilter: 9987, wrapS: 33071, wrapT: 33071 }];
  doc.textures = images.map((_, source) => ({ sampler: 0, source }));
  return indices;
}

function gltfMaterial(name: string, textures: TextureIndices, opts: GlbOptions): Record<string, unknown> {
  const look = materialLook(name, opts.skinColour);
  const texture = materialTexture(name);
  const textureIndex = texture === undefined ? undefined : textures[texture];
  const withTexture = textureIndex !== undefined;
  const pbr: Record<string, unknown> = {
    baseColorFactor: withTexture ? [1, 1, 1, 1] : [...look.colour.map(srgbToLinear), look.opacity],
    metallicFactor: 0,
    roughnessFactor: look.roughness,
  };
  if (withTexture) pbr.baseColorTexture = { index: textureIndex };
  const material: Record<string, unknown> = { name, pbrMetallicRoughness: pbr };
  if (look.opacity < 1) material.alphaMode = 'BLEND';
  return material;
}
