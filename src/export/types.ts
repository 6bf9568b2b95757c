import type { Rgb } from '../base/colour.js';
import type { MorphableModel } from '../model/types.js';

/** What the mesh writers export. Lengths are in millimetres, in the head frame (see index.ts). */
export interface ExportMesh {
  /** Topology, UVs, materials and expression names come from here. */
  model: MorphableModel;
  /**
   * The shape to export, xyz per model vertex (mm): what OBJ and PLY write, and what the GLB shows at
   * its default morph weights. When expression deltas and weights are given it must include the
   * expression; the GLB stores `positions - sum_k weight_k * delta_k` as its base mesh.
   */
  positions: Float32Array;
  /** Expression deltas (mm), mode-major like `model.expressionBasis`; they become GLB morph targets. */
  expressionDeltas?: Float32Array;
  /** Expression weights included in `positions`, one per `model.expressionNames` entry (GLB `mesh.weights`). */
  expressionWeights?: ArrayLike<number>;
  /** The face texture laid out over M_Face's UV square, PNG or JPEG bytes; embedded into the GLB. */
  texture?: Uint8Array;
  /**
   * The face's tangent-space normal map over M_Face's UV square (glTF convention: +x along +u, +y
   * along +v, i.e. up in the image), PNG or JPEG bytes; the GLB gives it to M_Face as its normalTexture.
   */
  normalMap?: Uint8Array;
  /** The eye texture (pupil, iris, sclera over the inner eyeballs' UV square), PNG or JPEG bytes; embedded into the GLB. */
  eyeTexture?: Uint8Array;
  /** 8-bit sRGB colour per model vertex (3 bytes each), written to PLY when present. */
  vertexColours?: Uint8Array;
}

/** Options every mesh writer understands. */
export interface GeometryOptions {
  /** Materials whose polygons are left out. Default: HELPER_MATERIALS (eyelashes, eye blend, eye occlusion, lacrimal fluid). */
  excludeMaterials?: readonly string[];
  /** Colour of untextured skin (the whole skin without a texture, the back of the head with one). */
  skinColour?: Readonly<Rgb>;
}
