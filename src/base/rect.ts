/** An axis-aligned rectangle in pixels: top-left corner (x, y), width and height. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Axis-aligned bounds of the points (x, y) stored `stride` numbers apart (x, y, z: stride 3);
 * points with a non-finite coordinate are skipped.
 */
export function pointBounds(points: ArrayLike<number>, stride: number): Rect {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (let i = 0; i + 1 < points.length; i += stride) {
    const x = points[i], y = points[i + 1];
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}
