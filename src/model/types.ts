/**
 * A linear morphable head model as facerecon uses it. Everything is typed arrays so the
 * same object works in Node and in a browser. Positions are in the model's own units
 * (`unitsToMillimetres` converts); the frame is the model's: y up, +z out of the face.
 */
export interface MorphableModel {
  name: string;
  vertexCount: number;
  /** Neutral mesh, xyz per vertex. */
  neutral: Float32Array;
  unitsToMillimetres: number;

  /** Original polygons (quads and triangles), kept for export: polygon p uses corners polygonStart[p]..polygonStart[p+1]. */
  polygonStart: Uint32Array;
  polygonVertices: Uint32Array;
  polygonUvs: Uint32Array;
  polygonMaterial: Uint8Array;
  materials: string[];
  /** UV coordinates (u, v per entry; v up as in OBJ). */
  uvs: Float32Array;

  /** Triangulation of the polygons: 3 vertex indices and 3 uv indices per triangle. */
  triangles: Uint32Array;
  triangleUvs: Uint32Array;
  /** Index of the polygon each triangle came from. */
  trianglePolygon: Uint32Array;

  /** Identity modes, mode-major: identityBasis[k * 3V + 3i + c]. One unit of weight = one standard deviation. */
  identityCount: number;
  identityBasis: Float32Array;
  /** RMS displacement of each identity mode over the face area (model units), measured at import. */
  identityModeRms: Float32Array;

  /** Expression blendshapes as deltas from neutral, mode-major like identityBasis; weights in [0, 1]. */
  expressionNames: string[];
  expressionBasis: Float32Array;

  /** Named vertex sets: face, narrowFace, headAndNeck, mouthSocket, eyeSockets, gums, teeth, eyeballs, ... */
  regions: Record<string, Uint32Array>;
  /** Named triangle ranges [start, end) over `triangles`, same names as regions where they apply. */
  triangleRegions: Record<string, [number, number]>;

  /** The 68 Multi-PIE landmarks as vertex indices. */
  landmarks68: Uint32Array;
  /** Jawline candidates (model README): right/left and their extended supersets. */
  jawline: { right: Uint32Array; left: Uint32Array; rightExtended: Uint32Array; leftExtended: Uint32Array };
}

/** Coefficients of a model instance. */
export interface ModelCoefficients {
  identity: Float32Array;
  expression: Float32Array;
}
