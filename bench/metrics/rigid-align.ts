/**
 * Rigid (optionally similarity) Procrustes alignment of point set A onto B over the given
 * vertex indices (Kabsch/Umeyama with a 3x3 eigen-free SVD via polar iteration).
 */
export function alignRigid(
  A: Float32Array, B: Float32Array, indices: ArrayLike<number>, withScale = false,
): { rotation: Float64Array; translation: Float64Array; scale: number } {
  const n = indices.length;
  const ca = [0, 0, 0], cb = [0, 0, 0];
  for (let k = 0; k < n; k++) {
    const i = indices[k];
    for (let c = 0; c < 3; c++) { ca[c] += A[3 * i + c] / n; cb[c] += B[3 * i + c] / n; }
  }
  const H = new Float64Array(9);
  let varA = 0;
  for (let k = 0; k < n; k++) {
    const i = indices[k];
    const a = [A[3 * i] - ca[0], A[3 * i + 1] - ca[1], A[3 * i + 2] - ca[2]];
    const b = [B[3 * i] - cb[0], B[3 * i + 1] - cb[1], B[3 * i + 2] - cb[2]];
    varA += a[0] * a[0] + a[1] * a[1] + a[2] * a[2];
    for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) H[3 * r + c] += b[r] * a[c];
  }
  // Rotation = orthogonal polar factor of H (B ~ R A), with a determinant fix for reflections.
  const R = polarRotation(H);
  let scale = 1;
  if (withScale) {
    let tr = 0;
    for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) tr += R[3 * r + c] * H[3 * r + c];
    scale = tr / varA;
  }
  const translation = new Float64Array(3);
  for (let r = 0; r < 3; r++) translation[r] = cb[r] - scale * (R[3 * r] * ca[0] + R[3 * r + 1] * ca[1] + R[3 * r + 2] * ca[2]);
  return { rotation: R, translation, scale };
}

export function applyTransform(
  P: Float32Array, t: { rotation: Float64Array; translation: Float64Array; scale: number },
): Float32Array {
  const out = new Float32Array(P.length);
  const R = t.rotation;
  for (let i = 0; i < P.length; i += 3) {
    const x = P[i], y = P[i + 1], z = P[i + 2];
    for (let r = 0; r < 3; r++) out[i + r] = t.scale * (R[3 * r] * x + R[3 * r + 1] * y + R[3 * r + 2] * z) + t.translation[r];
  }
  return out;
}

/** Mean per-vertex distance between A and B over indices after aligning A rigidly onto B. */
export function alignedVertexError(A: Float32Array, B: Float32Array, indices: ArrayLike<number>, withScale = false): { mean: number; rms: number; max: number } {
  const aligned = applyTransform(A, alignRigid(A, B, indices, withScale));
  let sum = 0, sq = 0, max = 0;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    const d = Math.hypot(aligned[3 * i] - B[3 * i], aligned[3 * i + 1] - B[3 * i + 1], aligned[3 * i + 2] - B[3 * i + 2]);
    sum += d; sq += d * d; max = Math.max(max, d);
  }
  return { mean: sum / indices.length, rms: Math.sqrt(sq / indices.length), max };
}

/** Nearest rotation to M (Higham's polar iteration, then a reflection fix through the smallest singular direction). */
function polarRotation(M: Float64Array): Float64Array {
  let X = Float64Array.from(M);
  for (let it = 0; it < 100; it++) {
    const inv = inverse3(X);
    if (!inv) break;
    const next = new Float64Array(9);
    for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) next[3 * r + c] = 0.5 * (X[3 * r + c] + inv[3 * c + r]);
    let diff = 0;
    for (let k = 0; k < 9; k++) diff += Math.abs(next[k] - X[k]);
    X = next;
    if (diff < 1e-12) break;
  }
  if (det3(X) < 0) {
    // A reflection: flip the axis of least variance. Recompute via the symmetric part's eigen-direction.
    const S = new Float64Array(9);
    for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += X[3 * k + r] * M[3 * k + c];
      S[3 * r + c] = s;
    }
    const v = smallestEigenvector(S);
    for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += X[3 * r + k] * ((k === c ? 1 : 0) - 2 * v[k] * v[c]);
      X[3 * r + c] = s;
    }
  }
  return X;
}

function det3(m: ArrayLike<number>): number {
  return m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6]);
}

function inverse3(m: Float64Array): Float64Array | undefined {
  const d = det3(m);
  if (Math.abs(d) < 1e-300) return undefined;
  return Float64Array.from([
    (m[4] * m[8] - m[5] * m[7]) / d, (m[2] * m[7] - m[1] * m[8]) / d, (m[1] * m[5] - m[2] * m[4]) / d,
    (m[5] * m[6] - m[3] * m[8]) / d, (m[0] * m[8] - m[2] * m[6]) / d, (m[2] * m[3] - m[0] * m[5]) / d,
    (m[3] * m[7] - m[4] * m[6]) / d, (m[1] * m[6] - m[0] * m[7]) / d, (m[0] * m[4] - m[1] * m[3]) / d,
  ]);
}

function smallestEigenvector(S: Float64Array): number[] {
  // Inverse power iteration on the symmetric part with a small shift.
  const A = Float64Array.from(S);
  for (let r = 0; r < 3; r++) for (let c = r + 1; c < 3; c++) { const s = (A[3 * r + c] + A[3 * c + r]) / 2; A[3 * r + c] = A[3 * c + r] = s; }
  for (let k = 0; k < 9; k += 4) A[k] += 1e-9;
  const inv = inverse3(A) ?? A;
  let v = [1, 0.5, 0.25];
  for (let it = 0; it < 50; it++) {
    const w = [0, 1, 2].map((r) => inv[3 * r] * v[0] + inv[3 * r + 1] * v[1] + inv[3 * r + 2] * v[2]);
    const l = Math.hypot(...w) || 1;
    v = w.map((x) => x / l);
  }
  return v;
}
