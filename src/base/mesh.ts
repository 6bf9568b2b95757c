/** A triangle mesh with a texture layout: the record rendering, texture baking and export share. */
export interface TexturedMesh {
  /** Model-frame vertex positions, xyz per vertex (y up, +z out of the face). */
  positions: Float32Array;
  /** 3 vertex indices per triangle. */
  triangles: Uint32Array;
  /** u, v per UV entry, v up as in OBJ. */
  uvs: Float32Array;
  /** 3 UV indices per triangle. */
  triangleUvs: Uint32Array;
}

/** The textured mesh of `topology` (e.g. the morphable model) with the given vertex positions. */
export function texturedMesh(topology: Omit<TexturedMesh, 'positions'>, positions: Float32Array): TexturedMesh {
  return { positions, triangles: topology.triangles, uvs: topology.uvs, triangleUvs: topology.triangleUvs };
}
