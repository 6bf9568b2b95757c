import type { ExportMesh, GeometryOptions } from './types.js';
import { HEAD_FRAME_DESCRIPTION } from './frame.js';
import { foldUdim, materialLook, materialTexture } from './materials.js';
import { checkExportMesh, selectGeometry, selectionNormals } from './selection.js';
import type { DisplacedMesh } from './displaced-mesh.js';
import type { MorphableModel } from '../model/types.js';

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

/**
 * Wavefront OBJ of a displaced mesh (see displacedMesh) as ASCII bytes: triangles, one group per
 * material, normals indexed like the vertices. Written digit by digit: as a million strings joined,
 * the 30 MB took seconds, mostly in the garbage collector.
 */
export function displacedObj(model: MorphableModel, mesh: DisplacedMesh, mtlName: string): Uint8Array {
  const { positions, normals, uvs, corners, cornerUvs } = mesh;
  const w = new AsciiWriter(64 * (positions.length / 3) + 40 * (corners.length / 3));
  w.text(`# facerecon export: the head with its detail displacement as geometry\n# ${HEAD_FRAME_DESCRIPTION}\nmtllib ${mtlName}\no head\n`);
  const numbers = (tag: string, values: Float32Array, stride: number, digits: number) => {
    for (let i = 0; i < values.length; i += stride) {
      w.text(tag);
      for (let c = 0; c < stride; c++) { w.byte(SPACE); w.fixed(values[i + c], digits); }
      w.byte(NEWLINE);
    }
  };
  numbers('v', positions, 3, 3);
  numbers('vt', uvs, 2, 5);
  numbers('vn', normals, 3, 4);
  mesh.materials.forEach((m, g) => {
    const name = model.materials[m];
    w.text(`g ${name}\nusemtl ${name}\n`);
    const [start, end] = mesh.groups[g];
    for (let i = 3 * start; i < 3 * end; i += 3) {
      w.byte(F);
      for (let k = 0; k < 3; k++) {
        const v = corners[i + k] + 1;
        w.byte(SPACE); w.int(v); w.byte(SLASH); w.int(cornerUvs[i + k] + 1); w.byte(SLASH); w.int(v);
      }
      w.byte(NEWLINE);
    }
  });
  return w.bytes();
}

const SPACE = 32, NEWLINE = 10, SLASH = 47, F = 102, MINUS = 45, POINT = 46, ZERO = 48;
const POWERS_OF_TEN = [1, 10, 100, 1000, 10000, 100000, 1000000];

/** ASCII text into a growing byte buffer. */
class AsciiWriter {
  private buffer: Uint8Array;
  private length = 0;
  private readonly digits = new Uint8Array(24);

  constructor(estimate: number) {
    this.buffer = new Uint8Array(Math.max(1024, estimate));
  }

  byte(b: number): void {
    if (this.length === this.buffer.length) this.grow(1);
    this.buffer[this.length++] = b;
  }

  text(s: string): void {
    this.grow(s.length);
    for (let i = 0; i < s.length; i++) this.buffer[this.length++] = s.charCodeAt(i) & 0x7f;
  }

  /** A non-negative integer below 2^53. */
  int(n: number): void {
    this.grow(17);
    let count = 0;
    do {
      this.digits[count++] = ZERO + (n % 10);
      n = Math.floor(n / 10);
    } while (n > 0);
    while (count > 0) this.buffer[this.length++] = this.digits[--count];
  }

  /** As x.toFixed(digits) for |x| < 1e9, but no sign on a value that rounds to zero. */
  fixed(x: number, digits: number): void {
    const r = Math.round(Math.abs(x) * POWERS_OF_TEN[digits]);
    if (x < 0 && r !== 0) this.byte(MINUS);
    this.int(Math.floor(r / POWERS_OF_TEN[digits]));
    this.byte(POINT);
    let fraction = r % POWERS_OF_TEN[digits];
    this.grow(digits);
    for (let d = digits - 1; d >= 0; d--) {
      this.buffer[this.length + d] = ZERO + (fraction % 10);
      fraction = Math.floor(fraction / 10);
    }
    this.length += digits;
  }

  bytes(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }

  private grow(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    const next = new Uint8Array(Math.max(2 * this.buffer.length, this.length + extra));
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
  }
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
