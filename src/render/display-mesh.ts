import type { MorphableModel } from '../model/types.js';
import { IRIS_UV_RADIUS, eyeParts, innerEyeSurface } from '../model/eye-geometry.js';

/**
 * Which triangles of a model to show untextured, and in what plain colour. Decided once on the
 * neutral mesh; the choice is per triangle, so it holds for every instance of the model.
 */

/** Helper geometry that only makes sense textured (lashes, tear film, eye blend/occlusion shells). */
const HIDDEN_REGIONS = ['eyelashes', 'eyeBlend', 'eyeOcclusion', 'lacrimalFluid'];

const SKIN = [205, 188, 175] as const;
const SCLERA = [235, 232, 228] as const;
const IRIS = [92, 68, 50] as const;
const PUPIL = [22, 20, 20] as const;
const EYE_COLOURS = { pupil: PUPIL, iris: IRIS, sclera: SCLERA } as const;

export interface DisplayMesh {
  /** One byte per triangle, 1 = draw. */
  select: Uint8Array;
  /** sRGB albedo, 3 bytes per triangle. */
  colours: Uint8Array;
}

const cache = new WeakMap<MorphableModel, DisplayMesh>();

/** The display choice for a model, built once per model (treat the arrays as read-only). */
export function displayMesh(model: MorphableModel): DisplayMesh {
  let display = cache.get(model);
  if (!display) cache.set(model, (display = buildDisplayMesh(model)));
  return display;
}

function buildDisplayMesh(model: MorphableModel): DisplayMesh {
  const n = model.triangles.length / 3;
  const select = new Uint8Array(n).fill(1);
  for (const name of HIDDEN_REGIONS) {
    const range = model.triangleRegions[name];
    if (range) select.fill(0, range[0], range[1]);
  }
  const colours = new Uint8Array(3 * n);
  const materialColours = model.materials.map(materialColour);
  for (let t = 0; t < n; t++) colours.set(materialColours[model.polygonMaterial[model.trianglePolygon[t]]], 3 * t);
  openCornea(model, select, colours);
  return { select, colours };
}

function materialColour(name: string): readonly [number, number, number] {
  const n = name.toLowerCase();
  if (n.includes('sclera')) return SCLERA;
  if (n.includes('teeth')) return [230, 225, 205];
  if (n.includes('gum') || n.includes('tongue')) return [190, 95, 95];
  return SKIN;
}

/**
 * The cornea is cut out of the eye's shell (src/model/eye-geometry.ts), and the inner eyeball seen through the
 * cut is coloured by what its UVs carry: pupil, iris or sclera.
 */
function openCornea(model: MorphableModel, select: Uint8Array, colours: Uint8Array): void {
  const { corneaTriangles, innerEye } = eyeParts(model);
  const UV = model.uvs, triUv = model.triangleUvs;
  for (let t = 0; t < corneaTriangles.length; t++) {
    if (corneaTriangles[t]) select[t] = 0;
    if (!innerEye[t]) continue;
    let u = 0, v = 0, innermost = Infinity;
    for (let c = 3 * t; c < 3 * t + 3; c++) {
      u += UV[2 * triUv[c]] / 3;
      v += UV[2 * triUv[c] + 1] / 3;
      innermost = Math.min(innermost, Math.hypot(UV[2 * triUv[c]] - 0.5, UV[2 * triUv[c] + 1] - 0.5));
    }
    // The iris edge falls inside a ring of triangles; by their centres they would alternate iris and
    // sclera (a saw-tooth edge). A triangle that reaches into the iris is iris, so the edge follows the ring.
    const surface = innerEyeSurface(u, v);
    colours.set(EYE_COLOURS[surface === 'sclera' && innermost < IRIS_UV_RADIUS ? 'iris' : surface], 3 * t);
  }
}
