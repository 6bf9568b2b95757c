/** Minimal Wavefront OBJ reader for model files: positions, texture coordinates, polygons, materials. */
export interface ObjMesh {
  positions: Float32Array;
  uvs: Float32Array;
  polygonStart: Uint32Array;
  polygonVertices: Uint32Array;
  polygonUvs: Uint32Array;
  polygonMaterial: Uint8Array;
  materials: string[];
}

/** Reads only the `v` lines: what a blendshape or identity file contributes. */
export function parseObjPositions(text: string, expectedCount?: number): Float32Array {
  const out = new Float32Array((expectedCount ?? 1024) * 3);
  let buf = out;
  let n = 0;
  let pos = 0;
  const len = text.length;
  while (pos < len) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = len;
    if (text.charCodeAt(pos) === 118 /* v */ && text.charCodeAt(pos + 1) === 32) {
      if (n + 3 > buf.length) {
        const grown = new Float32Array(buf.length * 2);
        grown.set(buf);
        buf = grown;
      }
      // Three whitespace-separated numbers, cut out by hand: a regex split per line was most of the import time.
      let at = pos + 2;
      for (let c = 0; c < 3; c++) {
        while (at < end && isBlank(text.charCodeAt(at))) at++;
        let stop = at;
        while (stop < end && !isBlank(text.charCodeAt(stop))) stop++;
        buf[n++] = at < stop ? parseDecimal(text, at, stop) : NaN;
        at = stop;
      }
    }
    pos = end + 1;
  }
  if (expectedCount !== undefined && n !== expectedCount * 3) {
    throw new Error(`expected ${expectedCount} vertices, found ${n / 3}`);
  }
  return buf.length === n ? buf : buf.slice(0, n);
}

const POWERS_OF_TEN = Array.from({ length: 16 }, (_, k) => 10 ** k);

/**
 * The number in text[from, to). Plain decimals of at most 15 digits take the fast path: the digits
 * as an exact integer divided by an exact power of ten, one correctly rounded operation, so the
 * result equals Number()'s. Anything else (exponents, longer digit strings) goes to Number().
 */
function parseDecimal(text: string, from: number, to: number): number {
  let at = from, sign = 1;
  const first = text.charCodeAt(at);
  if (first === 45 /* - */) { sign = -1; at++; } else if (first === 43 /* + */) at++;
  let mantissa = 0, digits = 0, decimals = -1;
  for (; at < to; at++) {
    const c = text.charCodeAt(at);
    if (c >= 48 && c <= 57) { mantissa = mantissa * 10 + (c - 48); digits++; if (decimals >= 0) decimals++; }
    else if (c === 46 /* . */ && decimals < 0) decimals = 0;
    else break;
  }
  if (at < to || digits === 0 || digits > 15) return Number(text.slice(from, to));
  return sign * (decimals > 0 ? mantissa / POWERS_OF_TEN[decimals]! : mantissa);
}

/** Space, tab or carriage return (a CRLF file's line ends in one). */
function isBlank(code: number): boolean {
  return code === 32 || code === 9 || code === 13;
}

export function parseObj(text: string): ObjMesh {
  const positions: number[] = [];
  const uvs: number[] = [];
  const polygonStart: number[] = [0];
  const polygonVertices: number[] = [];
  const polygonUvs: number[] = [];
  const polygonMaterial: number[] = [];
  const materials: string[] = [];
  let material = -1;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('v ')) {
      const p = line.slice(2).trim().split(/\s+/);
      positions.push(Number(p[0]), Number(p[1]), Number(p[2]));
    } else if (line.startsWith('vt ')) {
      const p = line.slice(3).trim().split(/\s+/);
      uvs.push(Number(p[0]), Number(p[1]));
    } else if (line.startsWith('f ')) {
      for (const corner of line.slice(2).trim().split(/\s+/)) {
        const [v, t] = corner.split('/');
        polygonVertices.push(Number(v) - 1);
        polygonUvs.push(t ? Number(t) - 1 : 0);
      }
      polygonStart.push(polygonVertices.length);
      if (material < 0) {
        materials.push('default');
        material = 0;
      }
      polygonMaterial.push(material);
    } else if (line.startsWith('usemtl ')) {
      const name = line.slice(7).trim();
      material = materials.indexOf(name);
      if (material < 0) material = materials.push(name) - 1;
    }
  }
  return {
    positions: Float32Array.from(positions),
    uvs: Float32Array.from(uvs),
    polygonStart: Uint32Array.from(polygonStart),
    polygonVertices: Uint32Array.from(polygonVertices),
    polygonUvs: Uint32Array.from(polygonUvs),
    polygonMaterial: Uint8Array.from(polygonMaterial),
    materials,
  };
}

/** Fan-triangulates polygons (the model's quads are planar enough for a fan). */
export function triangulate(mesh: ObjMesh): { triangles: Uint32Array; triangleUvs: Uint32Array; trianglePolygon: Uint32Array } {
  const count = mesh.polygonStart.length - 1;
  let total = 0;
  for (let p = 0; p < count; p++) total += mesh.polygonStart[p + 1] - mesh.polygonStart[p] - 2;
  const triangles = new Uint32Array(total * 3);
  const triangleUvs = new Uint32Array(total * 3);
  const trianglePolygon = new Uint32Array(total);
  let t = 0;
  for (let p = 0; p < count; p++) {
    const s = mesh.polygonStart[p];
    const e = mesh.polygonStart[p + 1];
    for (let k = s + 1; k + 1 < e; k++) {
      triangles.set([mesh.polygonVertices[s], mesh.polygonVertices[k], mesh.polygonVertices[k + 1]], t * 3);
      triangleUvs.set([mesh.polygonUvs[s], mesh.polygonUvs[k], mesh.polygonUvs[k + 1]], t * 3);
      trianglePolygon[t++] = p;
    }
  }
  return { triangles, triangleUvs, trianglePolygon };
}
