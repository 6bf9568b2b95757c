/**
 * KHR_mesh_quantization encodings of the GLB's vertex data (three.js and Blender read them): positions
 * and position deltas as 16-bit integer steps of a grid over a cube around the head (the mesh node
 * carries the cube's centre and the step, so viewers see millimetres again), normals as normalised
 * 16-bit integers, normal deltas as normalised bytes, UVs as normalised unsigned 16-bit integers.
 *
 * Positions are plain (not normalised) integers: gltf-validator 2.0.0-dev.3.10 compares the bounds of a
 * sparse normalised accessor with its normalised values and reports every morph target as an error,
 * while glTF wants the stored integers there. Normal deltas have no bounds, so they can be normalised.
 */

/** The cube the positions are stored in: position (mm) = centre + step * stored, stored in [-32767, 32767]. */
export interface QuantisationCube {
  centre: [number, number, number];
  /** mm per stored unit: the cube's half side / 32767. */
  step: number;
}

const SHORT_MAX = 32767;
const BYTE_MAX = 127;
const UNSIGNED_SHORT_MAX = 65535;

/**
 * The smallest cube around the given model vertices of `positions` (xyz per model vertex, mm), grown
 * by `margin` (mm), with a half side of at least `minHalfSide` (the largest delta stored must fit too).
 */
export function quantisationCube(positions: ArrayLike<number>, vertices: ArrayLike<number>, minHalfSide: number, margin: number): QuantisationCube {
  const lo = [Infinity, Infinity, Infinity], hi = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < vertices.length; i++) {
    const v = vertices[i];
    for (let c = 0; c < 3; c++) {
      const x = positions[3 * v + c];
      if (x < lo[c]) lo[c] = x;
      if (x > hi[c]) hi[c] = x;
    }
  }
  const centre: [number, number, number] = [0, 1, 2].map((c) => (lo[c] + hi[c]) / 2) as [number, number, number];
  const halfSide = Math.max(minHalfSide, ...[0, 1, 2].map((c) => (hi[c] - lo[c]) / 2 + margin), 1e-6);
  return { centre, step: halfSide / SHORT_MAX };
}

/** x in grid steps, rounded and clamped to the signed 16-bit range. */
export function encodeSteps(x: number, step: number): number {
  return Math.max(-SHORT_MAX, Math.min(SHORT_MAX, Math.round(x / step)));
}

/** glTF's normalised signed 16-bit encoding of x in [-1, 1] (clamped). */
export function encodeShort(x: number): number {
  return Math.max(-SHORT_MAX, Math.min(SHORT_MAX, Math.round(x * SHORT_MAX)));
}

/** glTF's normalised signed byte encoding of x in [-1, 1] (clamped). */
export function encodeByte(x: number): number {
  return Math.max(-BYTE_MAX, Math.min(BYTE_MAX, Math.round(x * BYTE_MAX)));
}

/** Positions (mm) of the given model vertices as stored in the cube. */
export function cubePositions(positions: ArrayLike<number>, vertices: ArrayLike<number>, cube: QuantisationCube): Int16Array {
  const out = new Int16Array(3 * vertices.length);
  for (let i = 0; i < vertices.length; i++) {
    const v = vertices[i];
    for (let c = 0; c < 3; c++) out[3 * i + c] = encodeSteps(positions[3 * v + c] - cube.centre[c], cube.step);
  }
  return out;
}

/** Unit vectors of the given model vertices, normalised 16-bit. */
export function shortVectors(values: ArrayLike<number>, vertices: ArrayLike<number>): Int16Array {
  const out = new Int16Array(3 * vertices.length);
  for (let i = 0; i < vertices.length; i++) {
    for (let c = 0; c < 3; c++) out[3 * i + c] = encodeShort(values[3 * vertices[i] + c]);
  }
  return out;
}

/** Values in [0, 1] as normalised unsigned 16-bit integers. */
export function unsignedShorts(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Math.round(Math.max(0, Math.min(1, values[i])) * UNSIGNED_SHORT_MAX);
  return out;
}

/** Per-vertex vec3 values (indexed by model vertex) gathered over a primitive's vertices. */
export function gatherInt16(values: Int16Array, vertices: ArrayLike<number>): Int16Array {
  return gatherVec3(values, vertices, new Int16Array(3 * vertices.length));
}
export function gatherInt8(values: Int8Array, vertices: ArrayLike<number>): Int8Array {
  return gatherVec3(values, vertices, new Int8Array(3 * vertices.length));
}

function gatherVec3<T extends Int8Array | Int16Array>(values: T, vertices: ArrayLike<number>, out: T): T {
  for (let i = 0; i < vertices.length; i++) {
    const v = 3 * vertices[i];
    out[3 * i] = values[v];
    out[3 * i + 1] = values[v + 1];
    out[3 * i + 2] = values[v + 2];
  }
  return out;
}
