/**
 * Closest point on a triangle mesh (point-to-triangle distance), accelerated by a bounding-volume
 * hierarchy over the triangles: the scan-to-mesh distance of the NoW and REALY protocols.
 */

export interface ClosestPoint {
  distance: number;
  triangle: number;
  /** Barycentrics of the closest point in its triangle. */
  b0: number;
  b1: number;
  b2: number;
  x: number;
  y: number;
  z: number;
}

const LEAF_SIZE = 4;

export class TriangleBvh {
  readonly positions: Float32Array;
  readonly triangles: Uint32Array;
  /** Triangle indices ordered so that each node covers a contiguous range. */
  private readonly order: Uint32Array;
  /** Per node: min xyz, max xyz. */
  private readonly boxes: Float64Array;
  /** Per node: [left child or -1 for a leaf, right child, start, end). */
  private readonly nodes: Int32Array;
  private nodeCount = 0;
  private readonly stack = new Int32Array(256);

  /** `select`: the triangle indices to include (default all). */
  constructor(positions: Float32Array, triangles: Uint32Array, select?: ArrayLike<number>) {
    this.positions = positions;
    this.triangles = triangles;
    const T = select ? select.length : triangles.length / 3;
    this.order = select ? Uint32Array.from(select) : Uint32Array.from({ length: T }, (_, i) => i);
    const maxNodes = 2 * T + 1;
    this.boxes = new Float64Array(6 * maxNodes);
    this.nodes = new Int32Array(4 * maxNodes);
    const centroids = new Float64Array(triangles.length);
    for (let k = 0; k < T; k++) {
      const t = this.order[k];
      for (let c = 0; c < 3; c++) {
        centroids[3 * t + c] = (positions[3 * triangles[3 * t] + c] + positions[3 * triangles[3 * t + 1] + c] + positions[3 * triangles[3 * t + 2] + c]) / 3;
      }
    }
    if (T > 0) this.build(0, T, centroids);
  }

  private build(start: number, end: number, centroids: Float64Array): number {
    const node = this.nodeCount++;
    const P = this.positions, tri = this.triangles, box = this.boxes;
    let x0 = Infinity, y0 = Infinity, z0 = Infinity, x1 = -Infinity, y1 = -Infinity, z1 = -Infinity;
    let cx0 = Infinity, cy0 = Infinity, cz0 = Infinity, cx1 = -Infinity, cy1 = -Infinity, cz1 = -Infinity;
    for (let k = start; k < end; k++) {
      const t = this.order[k];
      for (let j = 0; j < 3; j++) {
        const v = 3 * tri[3 * t + j];
        x0 = Math.min(x0, P[v]); y0 = Math.min(y0, P[v + 1]); z0 = Math.min(z0, P[v + 2]);
        x1 = Math.max(x1, P[v]); y1 = Math.max(y1, P[v + 1]); z1 = Math.max(z1, P[v + 2]);
      }
      const c = 3 * t;
      cx0 = Math.min(cx0, centroids[c]); cy0 = Math.min(cy0, centroids[c + 1]); cz0 = Math.min(cz0, centroids[c + 2]);
      cx1 = Math.max(cx1, centroids[c]); cy1 = Math.max(cy1, centroids[c + 1]); cz1 = Math.max(cz1, centroids[c + 2]);
    }
    box.set([x0, y0, z0, x1, y1, z1], 6 * node);
    if (end - start <= LEAF_SIZE) {
      this.nodes.set([-1, -1, start, end], 4 * node);
      return node;
    }
    const ext = [cx1 - cx0, cy1 - cy0, cz1 - cz0];
    const axis = ext[0] >= ext[1] && ext[0] >= ext[2] ? 0 : ext[1] >= ext[2] ? 1 : 2;
    // Median split along the widest axis of the centroids.
    const part = this.order.subarray(start, end);
    const sorted = Array.from(part).sort((a, b) => centroids[3 * a + axis] - centroids[3 * b + axis]);
    part.set(sorted);
    const mid = (start + end) >> 1;
    const left = this.build(start, mid, centroids);
    const right = this.build(mid, end, centroids);
    this.nodes.set([left, right, start, end], 4 * node);
    return node;
  }

  /** The closest surface point to (x, y, z); distance Infinity if the mesh is empty. */
  closest(x: number, y: number, z: number, out?: ClosestPoint): ClosestPoint {
    const best: ClosestPoint = out ?? { distance: Infinity, triangle: -1, b0: 0, b1: 0, b2: 0, x: 0, y: 0, z: 0 };
    best.distance = Infinity; best.triangle = -1;
    if (this.nodeCount === 0) return best;
    let bestD2 = Infinity;
    const stack = this.stack;
    let top = 0;
    stack[top++] = 0;
    const box = this.boxes, nodes = this.nodes;
    const r = scratch;
    while (top > 0) {
      const n = stack[--top];
      if (boxDistance2(box, n, x, y, z) >= bestD2) continue;
      const left = nodes[4 * n];
      if (left < 0) {
        for (let k = nodes[4 * n + 2]; k < nodes[4 * n + 3]; k++) {
          const t = this.order[k];
          closestOnTriangle(this.positions, this.triangles, t, x, y, z, r);
          const d2 = (r[0] - x) ** 2 + (r[1] - y) ** 2 + (r[2] - z) ** 2;
          if (d2 < bestD2) {
            bestD2 = d2;
            best.triangle = t; best.x = r[0]; best.y = r[1]; best.z = r[2]; best.b0 = r[3]; best.b1 = r[4]; best.b2 = r[5];
          }
        }
        continue;
      }
      const right = nodes[4 * n + 1];
      // Visit the nearer child first (pushed last).
      if (boxDistance2(box, left, x, y, z) < boxDistance2(box, right, x, y, z)) { stack[top++] = right; stack[top++] = left; }
      else { stack[top++] = left; stack[top++] = right; }
    }
    best.distance = Math.sqrt(bestD2);
    return best;
  }
}

const scratch = new Float64Array(6);

function boxDistance2(box: Float64Array, n: number, x: number, y: number, z: number): number {
  const o = 6 * n;
  const dx = Math.max(box[o] - x, 0, x - box[o + 3]);
  const dy = Math.max(box[o + 1] - y, 0, y - box[o + 4]);
  const dz = Math.max(box[o + 2] - z, 0, z - box[o + 5]);
  return dx * dx + dy * dy + dz * dz;
}

/**
 * Closest point of triangle t to p (Ericson, Real-Time Collision Detection 5.1.5), written to
 * out[0..2] with its barycentrics in out[3..5].
 */
export function closestOnTriangle(P: Float32Array, tri: Uint32Array, t: number, px: number, py: number, pz: number, out: Float64Array): void {
  const ia = 3 * tri[3 * t], ib = 3 * tri[3 * t + 1], ic = 3 * tri[3 * t + 2];
  const ax = P[ia], ay = P[ia + 1], az = P[ia + 2];
  const abx = P[ib] - ax, aby = P[ib + 1] - ay, abz = P[ib + 2] - az;
  const acx = P[ic] - ax, acy = P[ic + 1] - ay, acz = P[ic + 2] - az;
  const apx = px - ax, apy = py - ay, apz = pz - az;
  let u: number, v: number, w: number; // barycentrics of a, b, c
  const d1 = abx * apx + aby * apy + abz * apz, d2 = acx * apx + acy * apy + acz * apz;
  const bpx = px - P[ib], bpy = py - P[ib + 1], bpz = pz - P[ib + 2];
  const d3 = abx * bpx + aby * bpy + abz * bpz, d4 = acx * bpx + acy * bpy + acz * bpz;
  const cpx = px - P[ic], cpy = py - P[ic + 1], cpz = pz - P[ic + 2];
  const d5 = abx * cpx + aby * cpy + abz * cpz, d6 = acx * cpx + acy * cpy + acz * cpz;
  const vc = d1 * d4 - d3 * d2, vb = d5 * d2 - d1 * d6, va = d3 * d6 - d5 * d4;
  if (d1 <= 0 && d2 <= 0) { u = 1; v = 0; w = 0; }
  else if (d3 >= 0 && d4 <= d3) { u = 0; v = 1; w = 0; }
  else if (vc <= 0 && d1 >= 0 && d3 <= 0) { v = d1 / (d1 - d3); u = 1 - v; w = 0; }
  else if (d6 >= 0 && d5 <= d6) { u = 0; v = 0; w = 1; }
  else if (vb <= 0 && d2 >= 0 && d6 <= 0) { w = d2 / (d2 - d6); u = 1 - w; v = 0; }
  else if (va <= 0 && d4 - d3 >= 0 && d5 - d6 >= 0) { w = (d4 - d3) / ((d4 - d3) + (d5 - d6)); u = 0; v = 1 - w; }
  else { const denom = 1 / (va + vb + vc); v = vb * denom; w = vc * denom; u = 1 - v - w; }
  out[0] = ax + v * abx + w * acx; out[1] = ay + v * aby + w * acy; out[2] = az + v * abz + w * acz;
  out[3] = u; out[4] = v; out[5] = w;
}
