/** 2D Delaunay triangulation (Bowyer-Watson), counter-clockwise triangles. Fine for a few thousand points. */
export function delaunay2d(xy: ArrayLike<number>): Uint32Array {
  const n = xy.length / 2;
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    minX = Math.min(minX, xy[2 * i]); maxX = Math.max(maxX, xy[2 * i]);
    minY = Math.min(minY, xy[2 * i + 1]); maxY = Math.max(maxY, xy[2 * i + 1]);
  }
  const d = Math.max(maxX - minX, maxY - minY) * 20, cx = (minX + maxX) / 2, cy = (minY + maxY) / 2;
  const px = [...Array.from({ length: n }, (_, i) => xy[2 * i]), cx - d, cx + d, cx];
  const py = [...Array.from({ length: n }, (_, i) => xy[2 * i + 1]), cy - d, cy - d, cy + d];
  type Tri = { a: number; b: number; c: number; ux: number; uy: number; r2: number };
  const make = (a: number, b: number, c: number): Tri => {
    // Counter-clockwise order, with its circumcircle.
    const cross = (px[b] - px[a]) * (py[c] - py[a]) - (py[b] - py[a]) * (px[c] - px[a]);
    if (cross < 0) { const s = b; b = c; c = s; }
    const ax = px[a], ay = py[a], bx = px[b], by = py[b], qx = px[c], qy = py[c];
    const D = 2 * (ax * (by - qy) + bx * (qy - ay) + qx * (ay - by));
    const ux = ((ax * ax + ay * ay) * (by - qy) + (bx * bx + by * by) * (qy - ay) + (qx * qx + qy * qy) * (ay - by)) / D;
    const uy = ((ax * ax + ay * ay) * (qx - bx) + (bx * bx + by * by) * (ax - qx) + (qx * qx + qy * qy) * (bx - ax)) / D;
    return { a, b, c, ux, uy, r2: (ax - ux) ** 2 + (ay - uy) ** 2 };
  };
  let tris: Tri[] = [make(n, n + 1, n + 2)];
  for (let i = 0; i < n; i++) {
    const x = px[i], y = py[i];
    const bad: Tri[] = [], keep: Tri[] = [];
    for (const t of tris) ((x - t.ux) ** 2 + (y - t.uy) ** 2 < t.r2 ? bad : keep).push(t);
    const edges = new Map<string, [number, number]>();
    for (const t of bad) {
      for (const [p, q] of [[t.a, t.b], [t.b, t.c], [t.c, t.a]]) {
        const key = p < q ? `${p},${q}` : `${q},${p}`;
        if (edges.has(key)) edges.delete(key); else edges.set(key, [p, q]);
      }
    }
    for (const [p, q] of edges.values()) keep.push(make(p, q, i));
    tris = keep;
  }
  return Uint32Array.from(tris.filter((t) => t.a < n && t.b < n && t.c < n).flatMap((t) => [t.a, t.b, t.c]));
}
