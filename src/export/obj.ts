import type { ExportMesh, GeometryOptions } from './types.js';
import { HEAD_FRAME_DESCRIPTION } from './frame.js';
import { foldUdim, materialLook, materialTexture } from './materials.js';
import { checkExportMesh, selectGeometry, selectionNormals } from './selection.js';

export interface ObjOptions extends GeometryOptions {
  /** File name of the material library the OBJ refers to (`mtllib`). */
  mtlName: string;
  /** File name of the face texture, used as M_Face's `map_Kd`; without it the face gets the skin colour. */
  textureName?: string;
  /** File name of the eye texture, used as the inner eyeballs' `map_Kd`; without it they get the iris colour. */
  eyeTextureName?: string;
  /**
   * File name of M_Face's tangent-space normal map (glTF convention, +y = +v): written as `norm`
   * (read by three.js' MTLLoader) and as `map_Bump` (which Blender's OBJ importer reads as a normal map).
   */
  normalMapName?: string;
}

/**
 * Wavefront OBJ of the mesh: the model's original quads and triangles, its UVs (UDIM tiles folded into
 * each material's unit square), vertex normals, one group per material.
 */
export function toObj(mesh: ExportMesh, opts: ObjOptions): string {
  const { model, positions } = mesh;
  checkExportMesh(mesh);
  const sel = selectGeometry(model, opts.excludeMaterials);
  const normals = selectionNormals(positions, sel);
  const lines: string[] = [
    '# facerecon export',
    `# ${HEAD_FRAME_DESCRIPTION}`,
    `mtllib ${opts.mtlName}`,
    'o head',
  ];
  for (const v of sel.vertices) {
    lines.push(`v ${positions[3 * v].toFixed(4)} ${positions[3 * v + 1].toFixed(4)} ${positions[3 * v + 2].toFixed(4)}`);
  }
  for (const t of sel.uvs) {
    lines.push(`vt ${foldUdim(model.uvs[2 * t]).toFixed(6)} ${model.uvs[2 * t + 1].toFixed(6)}`);
  }
  for (const v of sel.vertices) {
    lines.push(`vn ${normals[3 * v].toFixed(5)} ${normals[3 * v + 1].toFixed(5)} ${normals[3 * v + 2].toFixed(5)}`);
  }
  sel.materials.forEach((m, g) => {
    const name = model.materials[m];
    lines.push(`g ${name}`, `usemtl ${name}`);
    const [start, end] = sel.polygonGroups[g];
    for (let i = start; i < end; i++) {
      const p = sel.polygons[i];
      let face = 'f';
      for (let c = model.polygonStart[p]; c < model.polygonStart[p + 1]; c++) {
        const v = sel.vertexIndex[model.polygonVertices[c]] + 1;
        const t = sel.uvIndex[model.polygonUvs[c]] + 1;
        face += ` ${v}/${t}/${v}`;
      }
      lines.push(face);
    }
  });
  lines.push('');
  return lines.join('\n');
}

/** The material library for `toObj`: the face and the eyes textured when their texture names are given, plain colours elsewhere. */
export function toMtl(mesh: ExportMesh, opts: Omit<ObjOptions, 'mtlName'> = {}): string {
  const { model } = mesh;
  const sel = selectGeometry(model, opts.excludeMaterials);
  const lines = ['# facerecon export'];
  for (const m of sel.materials) {
    const name = model.materials[m];
    const look = materialLook(name, opts.skinColour);
    const texture = materialTexture(name);
    const map = texture === 'face' ? opts.textureName : texture === 'eyes' ? opts.eyeTextureName : undefined;
    const textured = map !== undefined;
    const kd = textured ? [1, 1, 1] : look.colour;
    lines.push(
      '',
      `newmtl ${name}`,
      'Ka 0.000 0.000 0.000',
      `Kd ${kd.map((c) => c.toFixed(3)).join(' ')}`,
      `Ks ${look.specular.toFixed(3)} ${look.specular.toFixed(3)} ${look.specular.toFixed(3)}`,
      `Ns ${look.shininess.toFixed(1)}`,
      `d ${look.opacity.toFixed(3)}`,
      'illum 2',
    );
    if (textured) lines.push(`map_Kd ${map}`);
    if (texture === 'face' && opts.normalMapName) lines.push(`norm ${opts.normalMapName}`, `map_Bump -bm 1.000 ${opts.normalMapName}`);
  }
  lines.push('');
  return lines.join('\n');
}
