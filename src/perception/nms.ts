/** Non-maximum suppression over axis-aligned boxes. */
import type { Rect } from '../base/rect.js';


export type OverlapMeasure = (a: Rect, b: Rect) => number;

function intersection(a: Rect, b: Rect): number {
  const ix = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const iy = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return ix > 0 && iy > 0 ? ix * iy : 0;
}

export function intersectionOverUnion(a: Rect, b: Rect): number {
  const inter = intersection(a, b);
  return inter > 0 ? inter / (a.width * a.height + b.width * b.height - inter) : 0;
}

/** Share of the smaller box covered by the other one (1 when one box holds the other). */
export function intersectionOverSmaller(a: Rect, b: Rect): number {
  const inter = intersection(a, b);
  return inter > 0 ? inter / Math.min(a.width * a.height, b.width * b.height) : 0;
}

/**
 * Groups items whose boxes overlap the group's best-scoring member by more than `threshold`
 * (measured by `overlap`, IoU by default), best first, and returns the groups (each sorted by
 * score, its leader first).
 */
export function clusterByOverlap<T>(
  items: readonly T[],
  box: (t: T) => Rect,
  score: (t: T) => number,
  threshold: number,
  overlap: OverlapMeasure = intersectionOverUnion,
): T[][] {
  const remaining = [...items].sort((a, b) => score(b) - score(a));
  const groups: T[][] = [];
  while (remaining.length > 0) {
    const leader = remaining.shift()!;
    const leaderBox = box(leader);
    const group = [leader];
    for (let i = 0; i < remaining.length; i++) {
      if (overlap(leaderBox, box(remaining[i]!)) > threshold) {
        group.push(remaining[i]!);
        remaining.splice(i--, 1);
      }
    }
    groups.push(group);
  }
  return groups;
}
