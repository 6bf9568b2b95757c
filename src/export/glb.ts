import { Document, Logger, WebIO, type Accessor } from '@gltf-transform/core';
import { KHRMeshQuantization } from '@gltf-transform/extensions';
import { texturedMesh, uvGradients } from '../base/mesh.js';
import type { MorphableModel } from '../model/types.js';
import type { ExportMesh, GeometryOptions } from './types.js';
import { arkit52Sources, arkitName } from './arkit.js';
import { EXPORT_UNITS, HEAD_FRAME_DESCRIPTION } from './frame.js';
import { foldUdim } from './materials.js';
import { embedImages, glbMaterial } from './glb-materials.js';
import { addClip } from './glb-animation.js';
import {
  cubePositions, encodeByte, encodeShort, encodeSteps, gatherInt16, gatherInt8, quantisationCube, shortVectors, unsignedShorts,
  type QuantisationCube,
} from './glb-quantise.js';
import { checkExportMesh, type MeshSelection, selectGeometry, selectionNormals } from './selection.js';

export interface GlbOptions extends GeometryOptions {
  /** Also store per-target normal deltas so shading follows the expression (viewers that recompute normals ignore them). Default true. */
  morphNormals?: boolean;
  /** Scale the root node by 0.001 so viewers (glTF is in metres) show a life-size head in metres. Default true. */
  metresNodeScale?: boolean;
  /** Name of the root node and the mesh. Default "head". */
  name?: string;
  /**
   * The morph targets under ARKit's 52 names (ICT's split halves merged, tongueOut an empty target;
   * see arkit52Sources) instead of one per model expression. Default false.
   */
  arkit52?: boolean;
  /** An animation clip of the morph weights, which glTF viewers play (see ExpressionClip). */
  clip?: ExpressionClip;
}

/** Keyframes of the expression weights, linearly interpolated: a glTF animation of the mesh's morph weights. */
export interface ExpressionClip {
  name: string;
  /** Seconds, increasing. */
  times: readonly number[];
  /** Per keyframe, one weight per model expression (model.expressionNames). */
  weights: readonly ArrayLike<number>[];
  /**
   * Per keyframe the head's pose as the filming camera saw it (see animationPose): the root node's
   * rotation (quaternion x, y, z, w) and translation (mm, the camera's view frame). Absent: the head stays put.
   */
  pose?: { rotations: readonly ArrayLike<number>[]; translationsMm: readonly ArrayLike<number>[] };
  /** The filming camera, a glTF camera node at the scene's origin: vertical field of view (radians) and width over height. */
  camera?: { yfov: number; aspectRatio: number };
}

/**
 * A morph target's position delta at a vertex is stored only where it moves the vertex by more than
 * this (mm, any axis): the expressions move thousands of vertices by a few micrometres, which no one
 * can see and which would double the file.
 */
export const POSITION_DELTA_FLOOR_MM = 0.02;
/** A normal delta is stored only where a component changes by more than this (about 0.6 degrees). */
export const NORMAL_DELTA_FLOOR = 0.01;

/**
 * glTF 2.0 binary of the mesh, built with glTF Transform: one primitive per material, vertices split
 * at UV seams, the textures embedded when given, and the expressions as sparse morph targets (position
 * and normal deltas) named in ARKit style in `mesh.extras.targetNames`, with `mesh.weights` = the
 * fitted expression. Vertex data are quantised (KHR_mesh_quantization): positions and position deltas
 * to 16-bit steps of a cube around the head (about 5 micrometres), which the mesh node's translation
 * and scale map back to millimetres; the root node's scale 0.001 turns those into metres.
 * The base mesh is the shape without its expression, `positions - sum_k weight_k * delta_k`.
 */
export async function toGlb(mesh: ExportMesh, opts: GlbOptions = {}): Promise<Uint8Array> {
  checkExportMesh(mesh);
  const { model } = mesh;
  const name = opts.name ?? 'head';
  const sel = selectGeometry(model, opts.excludeMaterials);
  const primitives = sel.materials.map((_, g) => splitAtUvSeams(model, sel, g));

  const doc = new Document().setLogger(new Logger(Logger.Verbosity.ERROR));
  doc.createExtension(KHRMeshQuantization).setRequired(true);
  const asset = doc.getRoot().getAsset();
  asset.generator = 'facerecon';
  asset.extras = { units: EXPORT_UNITS, frame: HEAD_FRAME_DESCRIPTION, model: model.name };
  const buffer = doc.createBuffer();

  const materialNames = sel.materials.map((m) => model.materials[m]);
  const textures = embedImages(doc, { face: mesh.texture, eyes: mesh.eyeTexture }, { face: mesh.normalMap }, materialNames);
  const materials = materialNames.map((m) => glbMaterial(doc, m, textures, opts));

  const base = basePositions(mesh);
  const targets = mesh.expressionDeltas && morphTargets(model, mesh.expressionDeltas, opts.arkit52 ?? false);
  const cube = headCube(base, targets?.deltas, sel.vertices);
  const deltas = targets && storedDeltas(targets.deltas, sel.vertices, model.vertexCount, cube.step);
  const allVertices = Uint32Array.from({ length: model.vertexCount }, (_, v) => v);
  const positions = cubePositions(base, allVertices, cube);
  const baseNormals = selectionNormals(base, sel);
  const normals = shortVectors(unitNormals(baseNormals), allVertices);
  const tangentFrame = mesh.normalMap && uvTangentFrame(base, model, sel);
  const accessor = (array: Int16Array | Int8Array | Uint16Array | Uint32Array, type: 'SCALAR' | 'VEC2' | 'VEC3' | 'VEC4', normalised = true) =>
    doc.createAccessor().setType(type).setArray(array).setNormalized(normalised && type !== 'SCALAR').setBuffer(buffer);

  const gltfMesh = doc.createMesh(name);
  const gltfPrimitives = primitives.map((p) => {
    const primitive = doc.createPrimitive()
      .setAttribute('POSITION', accessor(gatherInt16(positions, p.vertices), 'VEC3', false))
      .setAttribute('NORMAL', accessor(gatherInt16(normals, p.vertices), 'VEC3'))
      .setAttribute('TEXCOORD_0', accessor(unsignedShorts(gltfUvs(model, p.uvs)), 'VEC2'))
      .setIndices(accessor(p.vertices.length <= 0xffff ? Uint16Array.from(p.indices) : p.indices, 'SCALAR'))
      .setMaterial(materials[p.group]);
    if (tangentFrame && materials[p.group].getNormalTexture()) primitive.setAttribute('TANGENT', accessor(primitiveTangents(tangentFrame, baseNormals, p), 'VEC4'));
    gltfMesh.addPrimitive(primitive);
    return primitive;
  });

  if (targets && deltas) {
    const withNormals = opts.morphNormals ?? true;
    targets.names.forEach((targetName, k) => {
      const normalDeltas = withNormals ? morphNormalDeltas(base, targets.deltas, k, sel, baseNormals) : undefined;
      primitives.forEach((p, j) => {
        const target = doc.createPrimitiveTarget(targetName)
          .setAttribute('POSITION', sparse(accessor(gatherInt16(deltas[k], p.vertices), 'VEC3', false)));
        if (normalDeltas) target.setAttribute('NORMAL', sparse(accessor(gatherInt8(normalDeltas, p.vertices), 'VEC3')));
        gltfPrimitives[j].addTarget(target);
      });
    });
    gltfMesh.setWeights(targets.weights(mesh.expressionWeights ?? []));
    // The writer puts the targets' names into extras.targetNames, where three.js and Blender read them.
    gltfMesh.setExtras(targets.extras);
  }

  const root = doc.createNode(name);
  const metres = opts.metresNodeScale ?? true;
  if (metres) root.setScale([0.001, 0.001, 0.001]);
  // The quantisation grid back to millimetres.
  const meshNode = doc.createNode(`${name}-mesh`).setMesh(gltfMesh).setTranslation(cube.centre).setScale([cube.step, cube.step, cube.step]);
  root.addChild(meshNode);
  const scene = doc.createScene('facerecon').addChild(root);
  doc.getRoot().setDefaultScene(scene);
  if (opts.clip && targets) addClip(doc, buffer, scene, { mesh: meshNode, pose: root }, opts.clip, targets.weights, targets.names.length, metres ? 0.001 : 1);
  return writeGlb(doc);
}

/**
 * A sparse accessor whose elements glTF Transform's writer reads as stored. The writer (4.5.1) finds a
 * sparse accessor's non-zero elements through getElement, which decodes normalised integers to floats,
 * and copies what it read into an integer array: a normalised-byte normal delta of 0.3 (38) was
 * written as 0. Reading the stored integers writes them as they are, and without the per-element
 * property look-ups (about a second per head).
 */
function sparse(accessor: Accessor): Accessor {
  const array = accessor.getArray()!;
  const size = accessor.getElementSize();
  accessor.getElement = <T extends number[]>(index: number, target: T): T => {
    for (let i = 0; i < size; i++) target[i] = array[index * size + i];
    return target;
  };
  return accessor.setSparse(true);
}

let io: WebIO | undefined;

/** In memory, no file system: the same in Node and in a browser. */
function writeGlb(doc: Document): Promise<Uint8Array> {
  io ??= new WebIO().setLogger(new Logger(Logger.Verbosity.ERROR)).registerExtensions([KHRMeshQuantization]);
  return io.writeBinary(doc);
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

/** The cube the file stores positions and deltas in: around the base shape, with room for the largest delta. */
function headCube(base: Float32Array, deltas: Float32Array | undefined, vertices: Uint32Array): QuantisationCube {
  return quantisationCube(base, vertices, deltas ? largestDelta(deltas, vertices, base.length) : 0, 1);
}

const largestDeltas = new WeakMap<Float32Array, WeakMap<Uint32Array, number>>();

/** The largest delta component of any target at the given vertices (n numbers per target); the model's, so made once per selection. */
function largestDelta(deltas: Float32Array, vertices: Uint32Array, n: number): number {
  return cachedPair(largestDeltas, deltas, vertices, () => {
    let largest = 0;
    for (let k = 0; k < deltas.length / n; k++) {
      for (let j = 0; j < vertices.length; j++) {
        const i = k * n + 3 * vertices[j];
        largest = Math.max(largest, Math.abs(deltas[i]), Math.abs(deltas[i + 1]), Math.abs(deltas[i + 2]));
      }
    }
    return largest;
  });
}

/** cache's value for (a, b), made by `make` the first time: for what depends only on the model (its read-only arrays). */
function cachedPair<A extends object, B extends object, T>(cache: WeakMap<A, WeakMap<B, T>>, a: A, b: B, make: () => T): T {
  let byB = cache.get(a);
  if (!byB) cache.set(a, (byB = new WeakMap()));
  if (byB.has(b)) return byB.get(b)!;
  const value = make();
  byB.set(b, value);
  return value;
}

/** The GLB's morph targets: names, deltas (mm, target-major as the model's basis), their weights from the model's, and the mesh's extras. */
interface MorphTargets {
  names: string[];
  deltas: Float32Array;
  weights: (modelWeights: ArrayLike<number>) => number[];
  extras: Record<string, unknown>;
}

const arkit52Deltas = new WeakMap<Float32Array, Float32Array>();

/** One target per model expression (ARKit-style names), or the 52 ARKit targets (see arkit52Sources). */
function morphTargets(model: MorphableModel, deltas: Float32Array, arkit52: boolean): MorphTargets {
  if (!arkit52) {
    return {
      names: model.expressionNames.map(arkitName), deltas,
      weights: (w) => model.expressionNames.map((_, k) => w[k] ?? 0), extras: { ictTargetNames: model.expressionNames },
    };
  }
  const groups = arkit52Sources(model.expressionNames);
  const n = 3 * model.vertexCount;
  let merged = arkit52Deltas.get(deltas);
  if (!merged) {
    merged = new Float32Array(groups.length * n);
    groups.forEach(({ sources }, k) => {
      for (const s of sources) for (let i = 0; i < n; i++) merged![k * n + i] += deltas[s * n + i];
    });
    arkit52Deltas.set(deltas, merged);
  }
  return {
    names: groups.map((g) => g.name), deltas: merged,
    weights: (w) => groups.map(({ sources }) => (sources.length ? sources.reduce((sum, s) => sum + (w[s] ?? 0), 0) / sources.length : 0)),
    extras: { ictSources: Object.fromEntries(groups.map((g) => [g.name, g.sources.map((s) => model.expressionNames[s])])) },
  };
}

/** The position deltas as the file stores them: per target, in the cube's steps per model vertex, zero below the floor. */
function storedDeltas(deltas: Float32Array, vertices: Uint32Array, vertexCount: number, step: number): Int16Array[] {
  const n = 3 * vertexCount;
  return movingVertices(deltas, vertices, n).map((moving, k) => {
    const q = new Int16Array(n);
    for (let j = 0; j < moving.length; j++) {
      const v = moving[j], i = k * n + 3 * v;
      for (let c = 0; c < 3; c++) q[3 * v + c] = encodeSteps(deltas[i + c], step);
    }
    return q;
  });
}

const movingLists = new WeakMap<Float32Array, WeakMap<Uint32Array, Uint32Array[]>>();

/** Per target, the given vertices it moves by more than the floor (in their order); the model's, so made once per selection. */
function movingVertices(deltas: Float32Array, vertices: Uint32Array, n: number): Uint32Array[] {
  return cachedPair(movingLists, deltas, vertices, () => Array.from({ length: deltas.length / n }, (_, k) => vertices.filter((v) => {
    const i = k * n + 3 * v;
    return Math.abs(deltas[i]) > POSITION_DELTA_FLOOR_MM || Math.abs(deltas[i + 1]) > POSITION_DELTA_FLOOR_MM
      || Math.abs(deltas[i + 2]) > POSITION_DELTA_FLOOR_MM;
  })));
}

/**
 * Where expression target k changes normals: the vertices it moves and their neighbours (`affected`:
 * the vertices of any triangle through a moved vertex), the kept triangles through an affected
 * vertex (offsets into triangleVertices, in order), their corners, and the selection's affected vertices (in its
 * order). Depends only on the model and the selection, so it is made once per target.
 */
interface TargetSupport {
  affected: Uint8Array;
  triangles: Uint32Array;
  /** The vertices of those triangles. */
  corners: Uint32Array;
  vertices: Uint32Array;
}

const supports = new WeakMap<MeshSelection, WeakMap<Float32Array, TargetSupport[]>>();

function targetSupport(sel: MeshSelection, deltas: Float32Array, V: number): TargetSupport[] {
  return cachedPair(supports, sel, deltas, () => makeTargetSupport(sel, deltas, V));
}

function makeTargetSupport(sel: MeshSelection, deltas: Float32Array, V: number): TargetSupport[] {
  const tri = sel.triangleVertices, K = deltas.length / (3 * V);
  const list: TargetSupport[] = [];
  for (let k = 0; k < K; k++) {
    const off = 3 * V * k, moved = new Uint8Array(V), affected = new Uint8Array(V);
    for (let v = 0; v < V; v++) moved[v] = deltas[off + 3 * v] !== 0 || deltas[off + 3 * v + 1] !== 0 || deltas[off + 3 * v + 2] !== 0 ? 1 : 0;
    for (let t = 0; t < tri.length; t += 3) {
      if (moved[tri[t]] | moved[tri[t + 1]] | moved[tri[t + 2]]) affected[tri[t]] = affected[tri[t + 1]] = affected[tri[t + 2]] = 1;
    }
    const triangles: number[] = [], corner = new Uint8Array(V);
    for (let t = 0; t < tri.length; t += 3) {
      if (!(affected[tri[t]] | affected[tri[t + 1]] | affected[tri[t + 2]])) continue;
      triangles.push(t);
      corner[tri[t]] = corner[tri[t + 1]] = corner[tri[t + 2]] = 1;
    }
    const corners: number[] = [];
    for (let v = 0; v < V; v++) if (corner[v]) corners.push(v);
    list.push({ affected, triangles: Uint32Array.from(triangles), corners: Uint32Array.from(corners), vertices: sel.vertices.filter((v) => affected[v] === 1) });
  }
  return list;
}

/**
 * Normal deltas of target k (normalised bytes per model vertex, zero below the floor). Only the
 * vertices of triangles through a moved vertex change normal; theirs are computed as vertexNormals
 * computes them (float32 sums in triangle order over the shaped positions), the rest keep the base's.
 */
function morphNormalDeltas(base: Float32Array, deltas: Float32Array, k: number, sel: MeshSelection, baseNormals: Float32Array): Int8Array {
  const n = base.length, off = k * n, tri = sel.triangleVertices;
  const { affected, triangles, corners, vertices } = targetSupport(sel, deltas, n / 3)[k];
  // The shaped positions (float32, as vertexNormals sees them) of the listed triangles' corners, once per vertex.
  const at = new Float32Array(n);
  for (let j = 0; j < corners.length; j++) {
    const i = 3 * corners[j];
    at[i] = base[i] + deltas[off + i]; at[i + 1] = base[i + 1] + deltas[off + i + 1]; at[i + 2] = base[i + 2] + deltas[off + i + 2];
  }
  const sum = new Float32Array(n);
  for (let j = 0; j < triangles.length; j++) {
    const t = triangles[j];
    const va = tri[t], vb = tri[t + 1], vc = tri[t + 2];
    const a = 3 * va, b = 3 * vb, c = 3 * vc;
    const ax = at[a], ay = at[a + 1], az = at[a + 2];
    const ux = at[b] - ax, uy = at[b + 1] - ay, uz = at[b + 2] - az;
    const wx = at[c] - ax, wy = at[c + 1] - ay, wz = at[c + 2] - az;
    const nx = uy * wz - uz * wy, ny = uz * wx - ux * wz, nz = ux * wy - uy * wx;
    if (affected[va]) { sum[a] += nx; sum[a + 1] += ny; sum[a + 2] += nz; }
    if (affected[vb]) { sum[b] += nx; sum[b + 1] += ny; sum[b + 2] += nz; }
    if (affected[vc]) { sum[c] += nx; sum[c + 1] += ny; sum[c + 2] += nz; }
  }
  const out = new Int8Array(n);
  for (let j = 0; j < vertices.length; j++) {
    const i = 3 * vertices[j];
    const l = Math.sqrt(sum[i] * sum[i] + sum[i + 1] * sum[i + 1] + sum[i + 2] * sum[i + 2]);
    if (l > 0) { sum[i] /= l; sum[i + 1] /= l; sum[i + 2] /= l; }
    const dx = sum[i] - baseNormals[i], dy = sum[i + 1] - baseNormals[i + 1], dz = sum[i + 2] - baseNormals[i + 2];
    if (Math.abs(dx) <= NORMAL_DELTA_FLOOR && Math.abs(dy) <= NORMAL_DELTA_FLOOR && Math.abs(dz) <= NORMAL_DELTA_FLOOR) continue;
    out[i] = encodeByte(dx);
    out[i + 1] = encodeByte(dy);
    out[i + 2] = encodeByte(dz);
  }
  return out;
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

/**
 * The frame a normal map's tangent space is read in, per model UV entry: dP/du and dP/dv of the base
 * shape over the kept triangles (uvGradients). The detail band bakes its maps in these directions (its
 * texel frames, src/detail/surface-frame.ts), so the file carries them as TANGENT rather than leaving
 * viewers to derive MikkTSpace's, which split and average differently at seams and slivers.
 */
function uvTangentFrame(base: Float32Array, model: MorphableModel, sel: MeshSelection): { dPdu: Float64Array; dPdv: Float64Array } {
  const used = new Uint8Array(model.triangles.length / 3);
  for (const t of sel.triangles) used[t] = 1;
  return uvGradients(texturedMesh(model, base), used);
}

/**
 * glTF TANGENT (normalised 16-bit xyzw) of a primitive's vertices: dP/du made orthogonal to the vertex
 * normal, w = +-1 so that cross(normal, tangent) * w runs along +v of the model (up in the image, the
 * normal map's +y; glTF's own v is flipped). A vertex without a UV gradient gets any unit tangent.
 */
function primitiveTangents(frame: { dPdu: Float64Array; dPdv: Float64Array }, normals: Float32Array, p: SplitPrimitive): Int16Array {
  const out = new Int16Array(4 * p.vertices.length);
  for (let i = 0; i < p.vertices.length; i++) {
    const n = 3 * p.vertices[i], g = 3 * p.uvs[i];
    const nx = normals[n], ny = normals[n + 1], nz = normals[n + 2];
    let tx = frame.dPdu[g], ty = frame.dPdu[g + 1], tz = frame.dPdu[g + 2];
    const d = tx * nx + ty * ny + tz * nz;
    tx -= d * nx; ty -= d * ny; tz -= d * nz;
    let l = Math.hypot(tx, ty, tz);
    if (!(l > 1e-12)) {
      // Any direction orthogonal to the normal.
      [tx, ty, tz] = Math.abs(nx) < 0.9 ? [0, -nz, ny] : [nz, 0, -nx];
      l = Math.hypot(tx, ty, tz) || 1;
    }
    tx /= l; ty /= l; tz /= l;
    const bx = ny * tz - nz * ty, by = nz * tx - nx * tz, bz = nx * ty - ny * tx;
    const w = bx * frame.dPdv[g] + by * frame.dPdv[g + 1] + bz * frame.dPdv[g + 2] < 0 ? -1 : 1;
    out[4 * i] = encodeShort(tx); out[4 * i + 1] = encodeShort(ty); out[4 * i + 2] = encodeShort(tz); out[4 * i + 3] = encodeShort(w);
  }
  return out;
}

/** glTF requires unit normals; a vertex whose triangles are all degenerate gets +z. */
function unitNormals(normals: Float32Array): Float32Array {
  const out = Float32Array.from(normals);
  for (let i = 0; i < out.length; i += 3) {
    if (out[i] === 0 && out[i + 1] === 0 && out[i + 2] === 0) out[i + 2] = 1;
  }
  return out;
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

