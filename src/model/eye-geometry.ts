import type { MorphableModel } from './types.js';

/**
 * The ICT-FaceKit eyes, one definition for the renderer and every exporter.
 *
 * Each eye is an outer sclera shell (M_Sclera*) with a corneal bulge over an inner eyeball
 * (M_Iris*) whose front carries the iris. Upstream renders the cornea transparent with its own eye
 * shader; any other viewer draws the shell opaque and shows a blank white eye. So the cornea is cut
 * out of the shell, and the inner eyeball is painted (pupil, iris, sclera) by its UVs.
 *
 * Both parts have polar UV layouts around (0.5, 0.5), measured on the neutral mesh:
 * - shell: its vertex rings near the axis lie at UV radius 0.106 (5.5 mm from the eye's axis, 10.3 mm
 *   in front of its centre), 0.122 (6.2 mm, 9.8 mm) and 0.138 (6.9 mm, 9.2 mm). A polygon is cut when all
 *   its corners lie within CORNEA_UV_RADIUS, so the hole's rim is the 0.122 ring, just outside the iris's
 *   edge (6.0 mm, 9.6 mm). Cut at the 0.106 ring, the rim stood 0.7 mm in front of the iris and hid its
 *   outer half millimetre behind white: every eye stared;
 * - inner eyeball: 3D radius is about 15 mm x UV radius over its flat front. The pupil is a hole of
 *   UV radius 0.08 (1.35 mm); the iris disc is flat out to about 0.4 (5.9 mm) and bends back beyond;
 *   the UV islands outside radius 0.5 lie 1-3 mm deep inside the eye, seen only through the pupil.
 */
export const CORNEA_UV_RADIUS = 0.13;
export const PUPIL_UV_RADIUS = 0.12;
export const IRIS_UV_RADIUS = 0.4;
export const EYE_FRONT_UV_RADIUS = 0.5;

export type InnerEyeSurface = 'pupil' | 'iris' | 'sclera';

/** What the inner eyeball shows at texture coordinate (u, v) (v up, as in OBJ). */
export function innerEyeSurface(u: number, v: number): InnerEyeSurface {
  const r = Math.hypot(u - 0.5, v - 0.5);
  if (r < PUPIL_UV_RADIUS || r > EYE_FRONT_UV_RADIUS) return 'pupil';
  return r < IRIS_UV_RADIUS ? 'iris' : 'sclera';
}

export interface EyeParts {
  /** One byte per polygon: 1 = the cornea of a sclera shell, which no mesh we draw or export keeps. */
  corneaPolygons: Uint8Array;
  /** The same per triangle. */
  corneaTriangles: Uint8Array;
  /** One byte per triangle: 1 = the inner eyeball (iris carrier), painted by innerEyeSurface. */
  innerEye: Uint8Array;
}

const cache = new WeakMap<MorphableModel, EyeParts>();

/** The eye parts of a model, found once per model (treat the arrays as read-only). */
export function eyeParts(model: MorphableModel): EyeParts {
  let parts = cache.get(model);
  if (!parts) cache.set(model, (parts = findEyeParts(model)));
  return parts;
}

function findEyeParts(model: MorphableModel): EyeParts {
  const triangleCount = model.triangles.length / 3;
  const corneaPolygons = new Uint8Array(model.polygonStart.length - 1);
  const corneaTriangles = new Uint8Array(triangleCount);
  const innerEye = new Uint8Array(triangleCount);
  const uvRadius = (uv: number) => Math.hypot(model.uvs[2 * uv] - 0.5, model.uvs[2 * uv + 1] - 0.5);
  for (const side of ['Left', 'Right']) {
    const range = model.triangleRegions[`eyeball${side}`];
    const inner = model.regions[`iris${side}`];
    if (!range || !inner) continue;
    const isInner = new Uint8Array(model.vertexCount);
    for (const i of inner) isInner[i] = 1;
    for (let t = range[0]; t < range[1]; t++) {
      if (isInner[model.triangles[3 * t]]) {
        innerEye[t] = 1;
        continue;
      }
      const p = model.trianglePolygon[t];
      let cornea = true;
      for (let c = model.polygonStart[p]; c < model.polygonStart[p + 1] && cornea; c++) {
        cornea = !isInner[model.polygonVertices[c]] && uvRadius(model.polygonUvs[c]) < CORNEA_UV_RADIUS;
      }
      if (cornea) corneaPolygons[p] = 1;
    }
  }
  for (let t = 0; t < triangleCount; t++) corneaTriangles[t] = corneaPolygons[model.trianglePolygon[t]];
  return { corneaPolygons, corneaTriangles, innerEye };
}
