/** Non-maximum suppression over axis-aligned boxes. */

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export type OverlapMeasure = (a: Box, b: Box) => number;

function intersection(a: Box, b: Box): number {
  const ix = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const iy = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return ix > 0 && iy > 0 ? ix * iy : 0;
}

export function intersectionOverUnion(a: Box, b: Box): number {
  const inter = intersection(a, b);
  return inter > 0 ? inter / (a.width * a.height + b.width * b.height - inter) : 0;
}

/** Share of the smaller box covered by the other one (1 when one box holds the other). */
export function intersectionOverSmaller(a: Box, b: Box): number {
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
  box: (t: T) => Box,
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
