/**
 * MediaPipe face-mesh index sets for the parts of the face that are not bare skin, checked by
 * drawing them on the sample detections. "Right" is the subject's right (the image's left side).
 */

/** Outer lip contour, from the right mouth corner (61) over the upper lip and back under the lower lip. */
export const LIPS_OUTER = [61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146];

/** Inner lip contour (the mouth opening), from the right mouth corner (78) along the upper lip and back along the lower. */
export const LIPS_INNER = [78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95];

/** Eye openings (lid margins), outer corner first, upper lid then lower lid. */
export const RIGHT_EYE = [33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7];
export const LEFT_EYE = [263, 466, 388, 387, 386, 385, 384, 398, 362, 382, 381, 380, 374, 373, 390, 249];

/** Eyebrows: upper edge from the outer end inwards, then the lower edge back out. */
export const RIGHT_EYEBROW = [70, 63, 105, 66, 107, 55, 65, 52, 53, 46];
export const LEFT_EYEBROW = [300, 293, 334, 296, 336, 285, 295, 282, 283, 276];

/** Nostril openings under the nose tip, mirror images of each other (64↔294, 79↔309, ...). */
export const RIGHT_NOSTRIL = [64, 79, 20, 242, 141, 94, 2, 97, 98];
export const LEFT_NOSTRIL = [294, 309, 250, 462, 370, 94, 2, 326, 327];

/** Eye corners (outer, inner) per eye. */
export const RIGHT_EYE_CORNERS = [33, 133] as const;
export const LEFT_EYE_CORNERS = [263, 362] as const;

/** Forehead top and chin: their distance is the face-size unit used for all margins. */
export const FOREHEAD_TOP = 10;
export const CHIN = 152;

/**
 * Seed points on skin that is almost never covered: forehead centre and sides, nose ridge and
 * tip, cheeks under the eyes, lower cheeks. Hair, glasses or a beard may cover some of them; the
 * robust colour estimate tolerates that.
 */
export const SKIN_SEEDS = [151, 108, 337, 195, 5, 4, 50, 280, 205, 425, 101, 330];

/** Points of a landmark polygon as x, y pairs in image pixels. */
export function landmarkPolygon(landmarks: Float32Array, indices: readonly number[]): Float64Array {
  const out = new Float64Array(indices.length * 2);
  indices.forEach((i, k) => {
    out[2 * k] = landmarks[3 * i]!;
    out[2 * k + 1] = landmarks[3 * i + 1]!;
  });
  return out;
}

/**
 * Offsets a simple polygon outwards by `distance` pixels (inwards if negative): every vertex moves
 * along the bisector of its two edges' normals so that both edges shift by `distance` (the shift
 * is capped at twice the distance at sharp corners). Works for thin shapes such as eyebrows.
 */
export function growPolygon(polygon: Float64Array, distance: number): Float64Array {
  const n = polygon.length / 2;
  let area2 = 0;
  for (let k = 0, p = n - 1; k < n; p = k++) area2 += polygon[2 * p]! * polygon[2 * k + 1]! - polygon[2 * k]! * polygon[2 * p + 1]!;
  // With y down, (dy, -dx) points out of an edge (dx, dy) of a polygon whose shoelace sum is positive.
  const sign = area2 > 0 ? 1 : -1;
  const out = new Float64Array(polygon.length);
  for (let k = 0; k < n; k++) {
    const p = (k + n - 1) % n, q = (k + 1) % n;
    const normal = (a: number, b: number): [number, number] => {
      const dx = polygon[2 * b]! - polygon[2 * a]!, dy = polygon[2 * b + 1]! - polygon[2 * a + 1]!;
      const len = Math.hypot(dx, dy) || 1;
      return [(sign * dy) / len, (-sign * dx) / len];
    };
    const [ax, ay] = normal(p, k), [bx, by] = normal(k, q);
    let mx = ax + bx, my = ay + by;
    const ml = Math.hypot(mx, my);
    if (ml < 1e-9) {
      mx = ax;
      my = ay;
    } else {
      mx /= ml;
      my /= ml;
    }
    const cosHalf = Math.max(0.5, mx * ax + my * ay);
    out[2 * k] = polygon[2 * k]! + (mx * distance) / cosHalf;
    out[2 * k + 1] = polygon[2 * k + 1]! + (my * distance) / cosHalf;
  }
  return out;
}

export function landmarkPoint(landmarks: Float32Array, i: number): [number, number] {
  return [landmarks[3 * i]!, landmarks[3 * i + 1]!];
}

/** Forehead top to chin distance in pixels: the face-size unit of all margins (at least 1). */
export function faceHeight(landmarks: Float32Array): number {
  const [tx, ty] = landmarkPoint(landmarks, FOREHEAD_TOP), [cx, cy] = landmarkPoint(landmarks, CHIN);
  return Math.max(1, Math.hypot(tx - cx, ty - cy));
}
