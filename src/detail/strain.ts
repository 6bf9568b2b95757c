/**
 * Local compression of the skin under a deformation (issue 13: wrinkles form across the direction in
 * which an expression compresses the skin). Per triangle, the deformation's principal stretches in the
 * surface, measured in the texture's parametrisation: with J = dP/d(u, v) of the rest surface and J' of
 * the deformed one, the metrics G = JᵀJ and G' = J'ᵀJ' give the generalised eigenproblem G' x = λ² G x.
 * Its smaller root λmin is the stretch along the most compressed material direction x (a UV vector),
 * 1 - λmin the compression there; a rigid motion gives λ = 1 in every direction.
 */
import { texturedMesh, type TexturedMesh } from '../base/mesh.js';
import type { MorphableModel } from '../model/types.js';
import { rasteriseUv, type UvRasterOptions } from '../texture/uv-raster.js';

/** Principal stretches per triangle and the direction of the smaller one. */
export interface TriangleStrain {
  /** Stretch along the most compressed direction (1 = unchanged, 0.8 = 20% shorter), per triangle. */
  minStretch: Float32Array;
  /** Stretch along the orthogonal principal direction, per triangle. */
  maxStretch: Float32Array;
  /** Unit UV vector (u right, v up) of the most compressed direction, 2 per triangle; its sign is arbitrary. */
  direction: Float32Array;
  /** 1 where the triangle's rest shape and UVs are not degenerate. */
  valid: Uint8Array;
}

/** The principal stretches of each triangle of `rest` deformed to `deformed` (same topology and UVs). */
export function triangleStrain(rest: TexturedMesh, deformed: Float32Array): TriangleStrain {
  const T = rest.triangles.length / 3;
  const out: TriangleStrain = {
    minStretch: new Float32Array(T).fill(1), maxStretch: new Float32Array(T).fill(1), direction: new Float32Array(2 * T), valid: new Uint8Array(T),
  };
  const J = new Float64Array(6), Jd = new Float64Array(6);
  for (let t = 0; t < T; t++) {
    if (!uvJacobian(rest.positions, rest, t, J) || !uvJacobian(deformed, rest, t, Jd)) continue;
    const g = metric(J), gd = metric(Jd);
    // G = L Lᵀ (Cholesky); M = L⁻¹ G' L⁻ᵀ is symmetric with the same eigenvalues as G⁻¹G'.
    const l11 = Math.sqrt(g[0]);
    const l21 = g[1] / l11;
    const l22sq = g[2] - l21 * l21;
    if (!(l11 > 0 && l22sq > 1e-18 * g[2])) continue;
    const l22 = Math.sqrt(l22sq);
    // L⁻¹ = [[1/l11, 0], [-l21/(l11 l22), 1/l22]]
    const a = 1 / l11, b = -l21 / (l11 * l22), c = 1 / l22;
    // M = L⁻¹ G' L⁻ᵀ
    const m11 = a * a * gd[0];
    const m12 = a * (b * gd[0] + c * gd[1]);
    const m22 = b * b * gd[0] + 2 * b * c * gd[1] + c * c * gd[2];
    const mean = (m11 + m22) / 2, radius = Math.hypot((m11 - m22) / 2, m12);
    const low = Math.max(0, mean - radius), high = mean + radius;
    // Eigenvector of M for `low`, then x = L⁻ᵀ w.
    let w1: number, w2: number;
    // A null vector of M - low I from whichever row is larger (both vanish only for M = low I: any direction).
    if (radius < 1e-15 * Math.max(1, mean)) { w1 = 1; w2 = 0; } else if (Math.abs(m11 - low) >= Math.abs(m22 - low)) { w1 = m12; w2 = low - m11; } else { w1 = low - m22; w2 = m12; }
    const x1 = a * w1 + b * w2, x2 = c * w2;
    const n = Math.hypot(x1, x2);
    out.minStretch[t] = Math.sqrt(low);
    out.maxStretch[t] = Math.sqrt(high);
    out.direction[2 * t] = x1 / n;
    out.direction[2 * t + 1] = x2 / n;
    out.valid[t] = 1;
  }
  return out;
}

/** dP/du and dP/dv of triangle t of `positions` over the mesh's UVs (columns of a 3x2 matrix, column-major); false when degenerate in UV. */
function uvJacobian(positions: Float32Array, mesh: TexturedMesh, t: number, J: Float64Array): boolean {
  const i0 = 3 * mesh.triangles[3 * t], i1 = 3 * mesh.triangles[3 * t + 1], i2 = 3 * mesh.triangles[3 * t + 2];
  const k0 = 2 * mesh.triangleUvs[3 * t], k1 = 2 * mesh.triangleUvs[3 * t + 1], k2 = 2 * mesh.triangleUvs[3 * t + 2];
  const du1 = mesh.uvs[k1] - mesh.uvs[k0], dv1 = mesh.uvs[k1 + 1] - mesh.uvs[k0 + 1];
  const du2 = mesh.uvs[k2] - mesh.uvs[k0], dv2 = mesh.uvs[k2 + 1] - mesh.uvs[k0 + 1];
  const det = du1 * dv2 - du2 * dv1;
  if (!(Math.abs(det) > 1e-14)) return false;
  for (let c = 0; c < 3; c++) {
    const e1 = positions[i1 + c] - positions[i0 + c], e2 = positions[i2 + c] - positions[i0 + c];
    J[c] = (e1 * dv2 - e2 * dv1) / det; // dP/du
    J[3 + c] = (e2 * du1 - e1 * du2) / det; // dP/dv
  }
  return true;
}

/** JᵀJ of a 3x2 column-major matrix: [g11, g12, g22]. */
function metric(J: Float64Array): [number, number, number] {
  return [
    J[0] * J[0] + J[1] * J[1] + J[2] * J[2],
    J[0] * J[3] + J[1] * J[4] + J[2] * J[5],
    J[3] * J[3] + J[4] * J[4] + J[5] * J[5],
  ];
}

/** Compression per texel of a UV square: magnitude and direction. */
export interface StrainMap {
  size: number;
  /** 1 - λmin where the skin is compressed, else 0; row 0 at v = vRange[1] (as the texture). */
  compression: Float32Array;
  /** Unit UV vector of the compression (u right, v up), 2 per texel; 0 where no triangle covers the texel. */
  direction: Float32Array;
}

/**
 * The triangles' strain drawn into a size x size UV square (each texel its triangle's value; the strain
 * of a linear deformation of a triangle is constant over it).
 */
export function strainMap(rest: TexturedMesh, strain: TriangleStrain, size: number, options: UvRasterOptions = {}): StrainMap {
  const frame = rasteriseUv(rest.uvs, rest.triangleUvs, size, size, options);
  const compression = new Float32Array(size * size), direction = new Float32Array(2 * size * size);
  for (let p = 0; p < size * size; p++) {
    const t = frame.triangleId[p];
    if (t < 0 || !strain.valid[t]) continue;
    compression[p] = Math.max(0, 1 - strain.minStretch[t]);
    direction[2 * p] = strain.direction[2 * t];
    direction[2 * p + 1] = strain.direction[2 * t + 1];
  }
  return { size, compression, direction };
}

/**
 * The compression expression k causes at `weight` on a head (`identityPositions`: the head without
 * expression, model units), over the face's UV square.
 */
export function blendshapeStrainMap(model: MorphableModel, identityPositions: Float32Array, k: number, size: number, weight = 1): StrainMap {
  const weights = new Float32Array(model.expressionNames.length);
  weights[k] = weight;
  return expressionStrainMap(model, identityPositions, weights, size);
}

/**
 * The compression a whole expression (weights per model expression) causes on a head without
 * expression, over the face's UV square: the strain of the blended deformation itself (compression
 * does not add up linearly over blendshapes).
 */
export function expressionStrainMap(model: MorphableModel, identityPositions: Float32Array, weights: ArrayLike<number>, size: number): StrainMap {
  const n = identityPositions.length;
  const deformed = Float32Array.from(identityPositions);
  const basis = model.expressionBasis;
  for (let k = 0; k < weights.length; k++) {
    const w = weights[k];
    if (w === 0) continue;
    for (let i = 0; i < n; i++) deformed[i] += w * basis[k * n + i];
  }
  const rest = texturedMesh(model, identityPositions);
  return strainMap(rest, triangleStrain(rest, deformed), size, { select: [model.triangleRegions.face] });
}
