/** A small writer for glTF 2.0 binary files (GLB): one buffer, accessors over it, and the JSON document. */

export const FLOAT = 5126;
export const UNSIGNED_SHORT = 5123;
export const UNSIGNED_INT = 5125;
export const ARRAY_BUFFER = 34962;
export const ELEMENT_ARRAY_BUFFER = 34963;

export type AccessorType = 'SCALAR' | 'VEC2' | 'VEC3';
const COMPONENTS: Record<AccessorType, number> = { SCALAR: 1, VEC2: 2, VEC3: 3 };

export interface GltfAccessor {
  bufferView?: number;
  componentType: number;
  count: number;
  type: AccessorType;
  min?: number[];
  max?: number[];
  sparse?: {
    count: number;
    indices: { bufferView: number; componentType: number };
    values: { bufferView: number };
  };
}

export interface GltfBufferView {
  buffer: 0;
  byteOffset: number;
  byteLength: number;
  target?: number;
}

/** The parts of the glTF document the builder owns; the caller fills in the rest. */
export interface GltfDocument {
  asset: { version: '2.0'; generator: string; extras?: Record<string, unknown> };
  buffers: { byteLength: number }[];
  bufferViews: GltfBufferView[];
  accessors: GltfAccessor[];
  [key: string]: unknown;
}

export class GlbBuilder {
  readonly document: GltfDocument;
  private readonly chunks: Uint8Array[] = [];
  private byteLength = 0;

  constructor(generator: string) {
    this.document = { asset: { version: '2.0', generator }, buffers: [], bufferViews: [], accessors: [] };
  }

  /** Appends bytes to the binary chunk (4-byte aligned) and returns the buffer view index. */
  addBufferView(data: ArrayBufferView, target?: number): number {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const view: GltfBufferView = { buffer: 0, byteOffset: this.byteLength, byteLength: bytes.length };
    if (target !== undefined) view.target = target;
    this.chunks.push(bytes);
    this.byteLength += bytes.length;
    const pad = padding(this.byteLength);
    if (pad) {
      this.chunks.push(new Uint8Array(pad));
      this.byteLength += pad;
    }
    return this.document.bufferViews.push(view) - 1;
  }

  /** A dense float vertex attribute; POSITION-like attributes get min/max. */
  addFloatAttribute(data: Float32Array, type: AccessorType, withBounds: boolean): number {
    const count = data.length / COMPONENTS[type];
    const accessor: GltfAccessor = { bufferView: this.addBufferView(data, ARRAY_BUFFER), componentType: FLOAT, count, type };
    if (withBounds) Object.assign(accessor, bounds(data, COMPONENTS[type], count));
    return this.addAccessor(accessor);
  }

  /** Triangle indices, 16-bit when the vertex count allows it. */
  addIndices(indices: ArrayLike<number>, vertexCount: number): number {
    const short = vertexCount <= 0xffff;
    const data = short ? Uint16Array.from(indices) : Uint32Array.from(indices);
    return this.addAccessor({
      bufferView: this.addBufferView(data, ELEMENT_ARRAY_BUFFER),
      componentType: short ? UNSIGNED_SHORT : UNSIGNED_INT,
      count: data.length,
      type: 'SCALAR',
    });
  }

  /**
   * A float accessor of `count` elements that are zero except at `indices` (strictly increasing),
   * whose values are `values`. With no indices it has no data at all (glTF reads it as zeros).
   */
  addSparseFloatAttribute(count: number, type: AccessorType, indices: ArrayLike<number>, values: Float32Array): number {
    const n = COMPONENTS[type];
    const b = bounds(values, n, indices.length);
    if (indices.length < count) {
      for (let c = 0; c < n; c++) {
        b.min[c] = Math.min(b.min[c], 0);
        b.max[c] = Math.max(b.max[c], 0);
      }
    }
    const accessor: GltfAccessor = { componentType: FLOAT, count, type, ...b };
    if (indices.length > 0) {
      const short = count <= 0xffff;
      accessor.sparse = {
        count: indices.length,
        indices: {
          bufferView: this.addBufferView(short ? Uint16Array.from(indices) : Uint32Array.from(indices)),
          componentType: short ? UNSIGNED_SHORT : UNSIGNED_INT,
        },
        values: { bufferView: this.addBufferView(values) },
      };
    }
    return this.addAccessor(accessor);
  }

  addAccessor(accessor: GltfAccessor): number {
    return this.document.accessors.push(accessor) - 1;
  }

  /** The finished GLB: 12-byte header, JSON chunk (space padded), BIN chunk (zero padded). */
  toGlb(): Uint8Array {
    this.document.buffers = [{ byteLength: this.byteLength }];
    const json = new TextEncoder().encode(JSON.stringify(this.document));
    const jsonLength = json.length + padding(json.length);
    const total = 12 + 8 + jsonLength + 8 + this.byteLength;
    const out = new Uint8Array(total);
    const view = new DataView(out.buffer);
    view.setUint32(0, 0x46546c67, true); // "glTF"
    view.setUint32(4, 2, true);
    view.setUint32(8, total, true);
    view.setUint32(12, jsonLength, true);
    view.setUint32(16, 0x4e4f534a, true); // "JSON"
    out.set(json, 20);
    out.fill(0x20, 20 + json.length, 20 + jsonLength);
    let o = 20 + jsonLength;
    view.setUint32(o, this.byteLength, true);
    view.setUint32(o + 4, 0x004e4942, true); // "BIN\0"
    o += 8;
    for (const chunk of this.chunks) {
      out.set(chunk, o);
      o += chunk.length;
    }
    return out;
  }
}

function padding(length: number): number {
  return (4 - (length % 4)) % 4;
}

/** Per-component min and max of `count` elements of `n` components (as float32, the way they are stored). */
function bounds(data: Float32Array, n: number, count: number): { min: number[]; max: number[] } {
  const min = new Array<number>(n).fill(Infinity);
  const max = new Array<number>(n).fill(-Infinity);
  for (let i = 0; i < count; i++) {
    for (let c = 0; c < n; c++) {
      const x = data[i * n + c];
      if (x < min[c]) min[c] = x;
      if (x > max[c]) max[c] = x;
    }
  }
  return { min, max };
}
