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

/**
 * The surface's derivatives dP/du and dP/dv per UV entry (3 each, in the positions' units per UV
 * unit): found per triangle and averaged over each UV entry's triangles weighted by their UV area,
 * so charts that meet along a seam keep their own and slivers count little. Only the triangles
 * `used` marks count (all without it); UV entries of none are 0.
 */
export function uvGradients(mesh: TexturedMesh, used?: Uint8Array): { dPdu: Float64Array; dPdv: Float64Array } {
  const { positions, triangles, uvs, triangleUvs } = mesh;
  const uvCount = uvs.length / 2;
  const dPdu = new Float64Array(3 * uvCount), dPdv = new Float64Array(3 * uvCount);
  const weights = new Float64Array(uvCount);
  for (let t = 0; t < triangles.length / 3; t++) {
    if (used && !used[t]) continue;
    const a = 3 * triangles[3 * t], b = 3 * triangles[3 * t + 1], c = 3 * triangles[3 * t + 2];
    const corners = [triangleUvs[3 * t], triangleUvs[3 * t + 1], triangleUvs[3 * t + 2]];
    const [ta, tb, tc] = corners.map((j) => 2 * j);
    const du1 = uvs[tb] - uvs[ta], dv1 = uvs[tb + 1] - uvs[ta + 1], du2 = uvs[tc] - uvs[ta], dv2 = uvs[tc + 1] - uvs[ta + 1];
    const det = du1 * dv2 - du2 * dv1;
    if (!(Math.abs(det) > 1e-14)) continue;
    // dP/du = (e1 dv2 - e2 dv1) / det; each UV entry sums them weighted by the triangle's UV area
    // (|det|): the weight cancels the 1/det up to its sign.
    const r = Math.sign(det);
    for (let k = 0; k < 3; k++) {
      const e1 = positions[b + k] - positions[a + k], e2 = positions[c + k] - positions[a + k];
      const gu = (e1 * dv2 - e2 * dv1) * r, gv = (e2 * du1 - e1 * du2) * r;
      for (const j of corners) { dPdu[3 * j + k] += gu; dPdv[3 * j + k] += gv; }
    }
    for (const j of corners) weights[j] += Math.abs(det);
  }
  for (let j = 0; j < uvCount; j++) {
    if (!(weights[j] > 0)) continue;
    for (let k = 0; k < 3; k++) { dPdu[3 * j + k] /= weights[j]; dPdv[3 * j + k] /= weights[j]; }
  }
  return { dPdu, dPdv };
}
