/**
 * Exports of a reconstructed head: OBJ + MTL, binary PLY, GLB (with ARKit-named morph targets) and
 * params.json.
 *
 * Units and frame of every export: MILLIMETRES, in the head frame of the morphable model:
 *   x = the subject's left, y = up, z = out of the face (right-handed; glTF's own convention of
 *   +y up, +z forward matches), origin = the model's origin.
 * Model units are converted with `model.unitsToMillimetres` (ICT-FaceKit: centimetres, x10).
 * The GLB's vertex data are millimetres too; its node carries scale 0.001 (glTF is in metres) so
 * viewers show a life-size head (GlbOptions.metresNodeScale).
 *
 * This folder is isomorphic: typed arrays and strings in, file contents (string or Uint8Array) out,
 * no Node APIs (the GLB is written by glTF Transform in memory). Writing files (and texture.png) is the caller's job.
 */
import type { MorphableModel } from '../model/types.js';
import type { ExportMesh, GeometryOptions } from './types.js';
import { EXPORT_FILE_NAMES } from './frame.js';
import { toGlb, type GlbOptions } from './glb.js';
import { displacedObj, toMtl, toObj } from './obj.js';
import { plyFile, toPly } from './ply.js';
import { displacedMesh, type DisplacedMeshOptions } from './displaced-mesh.js';

export type { ExportMesh, GeometryOptions } from './types.js';
export type { Rgb } from '../base/colour.js';
export { toObj, toMtl, type ObjOptions } from './obj.js';
export { toPly, plyFile, type PlyOptions, type PlyMesh } from './ply.js';
export { displacedMesh, type DisplacedMesh, type DisplacedMeshOptions } from './displaced-mesh.js';
export { displacedObj } from './obj.js';
export { toGlb, basePositions, POSITION_DELTA_FLOOR_MM, NORMAL_DELTA_FLOOR, type GlbOptions, type ExpressionClip } from './glb.js';
export { animationPose } from './glb-animation.js';
export { buildFaceParams, faceParamsJson, type FaceParams, type FaceParamsInput } from './params.js';
export { arkitName, arkit52Sources, ARKIT_BLENDSHAPES, ARKIT_SPLIT_SHAPES } from './arkit.js';
export { EXPRESSION_PRESETS, expressionFromNames, presetExpression, expressionClip, CLIP_EXPRESSIONS } from './expressions.js';
export { HELPER_MATERIALS, TEXTURED_MATERIAL, EYE_TEXTURED_MATERIALS, DEFAULT_SKIN_COLOUR } from './materials.js';
export { EXPORT_FILE_NAMES, EXPORT_UNITS, HEAD_FRAME_DESCRIPTION } from './frame.js';

export interface ExportFiles {
  'mesh.obj': string;
  'mesh.mtl': string;
  'mesh.ply': Uint8Array;
  'head.glb': Uint8Array;
}

export interface ExportOptions extends GeometryOptions, Pick<GlbOptions, 'morphNormals' | 'metresNodeScale' | 'arkit52' | 'clip'> {
  /** 8-bit sRGB colour per model vertex for the PLY. */
  vertexColours?: Uint8Array;
  /** File name the MTL gives the texture (the caller writes it); default texture.png. */
  textureName?: string;
  /** The eye texture, PNG or JPEG (inner eyeballs' UV square; see src/texture/eye-texture.ts); the MTL refers to it as `eyeTextureName`, the GLB embeds it. */
  eyeTexture?: Uint8Array;
  /** File name the MTL gives the eye texture (the caller writes it); default eyes.png. */
  eyeTextureName?: string;
  /** Filled with each writer's milliseconds (obj: OBJ and MTL, ply, glb), added to what it holds. */
  timings?: Record<string, number>;
  /** The face's tangent-space normal map, PNG or JPEG (see ExportMesh.normalMap): the GLB embeds it as M_Face's normalTexture. */
  normalMap?: Uint8Array;
  /** File name of the face's normal map (the caller writes it): the MTL's `norm` and `map_Bump` of M_Face. */
  normalMapName?: string;
}

/**
 * All mesh files of one reconstruction.
 * @param positionsModelUnits the fitted shape (identity and expression applied), model units, model frame
 * @param expressionWeights the fitted expression weights (included in the positions); they become the GLB's morph weights
 * @param texture the face texture (M_Face's UV square), PNG or JPEG; the GLB embeds it, and the MTL refers to the
 *   file the caller writes by `options.textureName`
 */
export async function buildExports<F extends keyof ExportFiles = keyof ExportFiles>(
  model: MorphableModel,
  positionsModelUnits: Float32Array,
  expressionWeights: ArrayLike<number>,
  texture?: Uint8Array,
  options: ExportOptions & { files?: readonly F[] } = {},
): Promise<Pick<ExportFiles, F>> {
  // options.files: build only these (the others are neither built nor returned).
  const wanted = new Set<keyof ExportFiles>(options.files ?? ['mesh.obj', 'mesh.mtl', 'mesh.ply', 'head.glb']);
  const files: Partial<ExportFiles> = {};
  if (wanted.size === 0) return files as Pick<ExportFiles, F>;
  const mesh = exportMeshFromModel(model, positionsModelUnits, expressionWeights, texture);
  if (options.vertexColours) mesh.vertexColours = options.vertexColours;
  if (options.eyeTexture) mesh.eyeTexture = options.eyeTexture;
  if (options.normalMap) mesh.normalMap = options.normalMap;
  const geometry: GeometryOptions = { excludeMaterials: options.excludeMaterials, skinColour: options.skinColour };
  const textureName = texture ? options.textureName ?? EXPORT_FILE_NAMES.texture : undefined;
  const eyeTextureName = options.eyeTexture ? options.eyeTextureName ?? EXPORT_FILE_NAMES.eyeTexture : undefined;
  const timings = options.timings ?? {};
  const timed = async <T>(writer: string, write: () => T | Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const out = await write();
    timings[writer] = (timings[writer] ?? 0) + performance.now() - t0;
    return out;
  };
  if (wanted.has('mesh.obj')) files['mesh.obj'] = await timed('obj', () => toObj(mesh, { ...geometry, mtlName: EXPORT_FILE_NAMES.mtl, textureName, eyeTextureName }));
  if (wanted.has('mesh.mtl')) files['mesh.mtl'] = await timed('obj', () => toMtl(mesh, { ...geometry, textureName, eyeTextureName, normalMapName: options.normalMapName }));
  if (wanted.has('mesh.ply')) files['mesh.ply'] = await timed('ply', () => toPly(mesh, geometry));
  if (wanted.has('head.glb')) {
    files['head.glb'] = await timed('glb', () => toGlb(mesh, {
      ...geometry, morphNormals: options.morphNormals, metresNodeScale: options.metresNodeScale, arkit52: options.arkit52, clip: options.clip,
    }));
  }
  return files as Pick<ExportFiles, F>;
}

export interface DetailMeshFiles {
  'detail-mesh.obj': Uint8Array;
  'detail-mesh.mtl': string;
  'detail-mesh.ply': Uint8Array;
}

/**
 * The head with its detail as geometry (see displacedMesh): OBJ + MTL (textured like mesh.obj, without
 * the normal map, whose relief the geometry now carries) and PLY, those in `options.files`.
 */
export function buildDetailMeshExports<F extends keyof DetailMeshFiles>(
  model: MorphableModel, positionsModelUnits: Float32Array,
  options: Pick<DisplacedMeshOptions, 'segments' | 'displaced' | 'height' | 'skinColour' | 'excludeMaterials'>
    & Pick<ExportOptions, 'textureName' | 'eyeTextureName'> & { files: readonly F[] },
): Pick<DetailMeshFiles, F> {
  const wanted = new Set<keyof DetailMeshFiles>(options.files);
  const files: Partial<DetailMeshFiles> = {};
  if (wanted.size === 0) return files as Pick<DetailMeshFiles, F>;
  const mesh = exportMeshFromModel(model, positionsModelUnits);
  const displaced = displacedMesh(mesh, options);
  const mtlName = 'detail-mesh.mtl';
  if (wanted.has('detail-mesh.obj')) files['detail-mesh.obj'] = displacedObj(model, displaced, mtlName);
  if (wanted.has('detail-mesh.mtl')) {
    files['detail-mesh.mtl'] = toMtl(mesh, { excludeMaterials: options.excludeMaterials, skinColour: options.skinColour, textureName: options.textureName, eyeTextureName: options.eyeTextureName });
  }
  if (wanted.has('detail-mesh.ply')) files['detail-mesh.ply'] = plyFile({ positions: displaced.positions, normals: displaced.normals, triangles: displaced.corners });
  return files as Pick<DetailMeshFiles, F>;
}

/** An ExportMesh in millimetres from model-unit positions, with the model's expression basis as deltas. */
export function exportMeshFromModel(
  model: MorphableModel,
  positionsModelUnits: Float32Array,
  expressionWeights?: ArrayLike<number>,
  texture?: Uint8Array,
): ExportMesh {
  const mesh: ExportMesh = {
    model,
    positions: toMillimetres(positionsModelUnits, model.unitsToMillimetres),
    expressionDeltas: expressionDeltasMm(model),
  };
  if (expressionWeights) mesh.expressionWeights = expressionWeights;
  if (texture) mesh.texture = texture;
  return mesh;
}

const deltasMm = new WeakMap<MorphableModel, Float32Array>();

/** The model's expression basis in millimetres, made once per model (read-only). */
function expressionDeltasMm(model: MorphableModel): Float32Array {
  let deltas = deltasMm.get(model);
  if (!deltas) deltasMm.set(model, (deltas = toMillimetres(model.expressionBasis, model.unitsToMillimetres)));
  return deltas;
}

function toMillimetres(values: Float32Array, scale: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] * scale;
  return out;
}
