import type { MorphableModel } from '../model/types.js';

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

/**
 * ICT eyes: an outer sclera shell with a corneal bulge over an inner eyeball that carries the iris
 * relief. The shell's UV layout is polar around (0.5, 0.5) with the cornea inside UV radius ~0.11;
 * iris and pupil radii are fractions of the shell's width.
 */
const CORNEA_UV_RADIUS = 0.115;
const IRIS_FRACTION = 0.2;
const PUPIL_FRACTION = 0.06;

export interface DisplayMesh {
  /** One byte per triangle, 1 = draw. */
  select: Uint8Array;
  /** sRGB albedo, 3 bytes per triangle. */
  colors: Uint8Array;
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
  const colors = new Uint8Array(3 * n);
  const materialColors = model.materials.map(materialColor);
  for (let t = 0; t < n; t++) colors.set(materialColors[model.polygonMaterial[model.trianglePolygon[t]]], 3 * t);
  for (const side of ['Left', 'Right']) openCornea(model, side, select, colors);
  return { select, colors };
}

function materialColor(name: string): readonly [number, number, number] {
  const n = name.toLowerCase();
  if (n.includes('sclera')) return SCLERA;
  if (n.includes('iris')) return SCLERA; // the inner eyeball; its front is recoloured in openCornea
  if (n.includes('teeth')) return [230, 225, 205];
  if (n.includes('gum') || n.includes('tongue')) return [190, 95, 95];
  return SKIN;
}

/**
 * Upstream renders the shell's cornea transparent to show the iris beneath. Untextured, we cut the
 * cornea out of the shell and paint the inner eyeball's front as iris and pupil instead.
 */
function openCornea(model: MorphableModel, side: string, select: Uint8Array, colors: Uint8Array): void {
  const range = model.triangleRegions[`eyeball${side}`];
  const inner = model.regions[`iris${side}`];
  if (!range || !inner) return;
  const P = model.neutral, UV = model.uvs, tri = model.triangles, triUv = model.triangleUvs;
  const isInner = new Uint8Array(model.vertexCount);
  for (const i of inner) isInner[i] = 1;
  const uvRadius = (c: number) => Math.hypot(UV[2 * triUv[c]] - 0.5, UV[2 * triUv[c] + 1] - 0.5);

  // Cornea centre: the shell corner nearest the UV centre. The neutral eyes look along +z.
  let centre = -1, best = Infinity, minX = Infinity, maxX = -Infinity;
  for (let c = 3 * range[0]; c < 3 * range[1]; c++) {
    const i = tri[c];
    if (isInner[i]) continue;
    minX = Math.min(minX, P[3 * i]); maxX = Math.max(maxX, P[3 * i]);
    const r = uvRadius(c);
    if (r < best) { best = r; centre = i; }
  }
  if (centre < 0) return;
  const irisRadius = IRIS_FRACTION * (maxX - minX), pupilRadius = PUPIL_FRACTION * (maxX - minX);
  const ax = P[3 * centre], ay = P[3 * centre + 1], az = P[3 * centre + 2];

  for (let t = range[0]; t < range[1]; t++) {
    const c = 3 * t;
    if (!isInner[tri[c]]) {
      if (uvRadius(c) < CORNEA_UV_RADIUS && uvRadius(c + 1) < CORNEA_UV_RADIUS && uvRadius(c + 2) < CORNEA_UV_RADIUS) select[t] = 0;
      continue;
    }
    let cx = 0, cy = 0, cz = 0;
    for (let k = 0; k < 3; k++) { cx += P[3 * tri[c + k]] / 3; cy += P[3 * tri[c + k] + 1] / 3; cz += P[3 * tri[c + k] + 2] / 3; }
    // Seen through the cut, the inner eyeball's front within the disc is iris; the inside seen through its pupil hole is dark.
    const r = Math.hypot(cx - ax, cy - ay);
    const inside = az - cz > 1.5 * irisRadius;
    if (r < irisRadius) colors.set(r < pupilRadius || inside ? PUPIL : IRIS, 3 * t);
  }
}
