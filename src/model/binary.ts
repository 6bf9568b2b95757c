import type { MorphableModel } from './types.js';

/**
 * Compact binary form of a MorphableModel: a JSON header followed by typed-array payloads.
 * Mode bases are stored as int16 with one scale per mode (quantisation step below 0.001 mm
 * for ICT), which halves the size (for a download), or as float32 (`quantiseModes: false`, the
 * local cache), which loads as views of the file's bytes with nothing to convert. Either reads back.
 */
const MAGIC = 'FRMODEL1';
const FORMAT_VERSION = 1;

type ArrayKind = 'f32' | 'u32' | 'u8' | 'i16modes';
interface Entry { key: string; kind: ArrayKind; offset: number; length: number; modes?: number; scales?: number[] }

const TYPED_KEYS: [keyof MorphableModel, ArrayKind][] = [
  ['neutral', 'f32'], ['polygonStart', 'u32'], ['polygonVertices', 'u32'], ['polygonUvs', 'u32'],
  ['polygonMaterial', 'u8'], ['uvs', 'f32'], ['triangles', 'u32'], ['triangleUvs', 'u32'],
  ['trianglePolygon', 'u32'], ['identityModeRms', 'f32'], ['landmarks68', 'u32'],
  ['identityBasis', 'i16modes'], ['expressionBasis', 'i16modes'],
];

export function serialiseModel(model: MorphableModel, sourceTag = '', options: { quantiseModes?: boolean } = {}): Uint8Array {
  const quantise = options.quantiseModes ?? true;
  const chunks: Uint8Array[] = [];
  const entries: Entry[] = [];
  let offset = 0;
  const add = (key: string, kind: ArrayKind, bytes: Uint8Array, length: number, extra?: Partial<Entry>) => {
    const pad = (4 - (offset % 4)) % 4;
    if (pad) { chunks.push(new Uint8Array(pad)); offset += pad; }
    entries.push({ key, kind, offset, length, ...extra });
    chunks.push(bytes);
    offset += bytes.byteLength;
  };
  const asBytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

  for (const [key, kind] of TYPED_KEYS) {
    const arr = model[key] as Float32Array | Uint32Array | Uint8Array;
    if (kind === 'i16modes' && quantise) {
      const modes = key === 'identityBasis' ? model.identityCount : model.expressionNames.length;
      const { data, scales } = quantiseModes(arr as Float32Array, modes);
      add(key, kind, asBytes(data), data.length, { modes, scales });
    } else {
      add(key, kind === 'i16modes' ? 'f32' : kind, asBytes(arr), arr.length);
    }
  }
  const regionEntries: Record<string, Entry> = {};
  for (const [name, idx] of Object.entries(model.regions)) {
    add(`region:${name}`, 'u32', asBytes(idx), idx.length);
    regionEntries[name] = entries[entries.length - 1];
  }
  for (const [name, idx] of Object.entries(model.jawline)) add(`jawline:${name}`, 'u32', asBytes(idx), idx.length);

  const header = {
    format: FORMAT_VERSION,
    sourceTag,
    name: model.name,
    vertexCount: model.vertexCount,
    unitsToMillimetres: model.unitsToMillimetres,
    materials: model.materials,
    identityCount: model.identityCount,
    expressionNames: model.expressionNames,
    triangleRegions: model.triangleRegions,
    entries,
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const prefix = new Uint8Array(16);
  prefix.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(prefix.buffer).setUint32(8, headerBytes.length, true);
  const payloadStart = align4(16 + headerBytes.length);
  const out = new Uint8Array(payloadStart + offset);
  out.set(prefix, 0);
  out.set(headerBytes, 16);
  let p = payloadStart;
  for (const c of chunks) { out.set(c, p); p += c.byteLength; }
  return out;
}

/** Bytes before the header: the magic and the header's length. */
export const MODEL_PREFIX_BYTES = 16;

/** What a model file says about itself before its arrays. */
export interface ModelHeader {
  format: number;
  /** What the model was imported from (the cache's key). */
  sourceTag: string;
  name: string;
  [key: string]: unknown;
}

/** Length of the JSON header after the prefix, or undefined when the bytes do not start a model file. */
export function modelHeaderLength(prefix: Uint8Array): number | undefined {
  if (prefix.length < MODEL_PREFIX_BYTES || new TextDecoder().decode(prefix.subarray(0, 8)) !== MAGIC) return undefined;
  return new DataView(prefix.buffer, prefix.byteOffset).getUint32(8, true);
}

/** The header of a serialised model (the prefix and header bytes suffice), or undefined when the bytes are not a current model file. */
export function readModelHeader(bytes: Uint8Array): ModelHeader | undefined {
  const header = readHeader(bytes);
  return header?.format === FORMAT_VERSION ? header : undefined;
}

export function deserialiseModel(bytes: Uint8Array): MorphableModel {
  const header = readHeader(bytes);
  if (!header || header.format !== FORMAT_VERSION) throw new Error('not a facerecon model file (or an older format)');
  const payloadStart = align4(MODEL_PREFIX_BYTES + modelHeaderLength(bytes)!);
  // Typed arrays need aligned offsets: the payload is viewed in place when it is 4-byte aligned in its buffer, else copied once.
  const aligned = (bytes.byteOffset + payloadStart) % 4 === 0;
  const payload = aligned ? bytes.buffer : new Uint8Array(bytes.subarray(payloadStart)).buffer; // (Buffer.slice would not copy)
  const base = aligned ? bytes.byteOffset + payloadStart : 0;
  const arrays: Record<string, ArrayBufferView> = {};
  for (const e of header.entries as Entry[]) {
    if (e.kind === 'f32') arrays[e.key] = new Float32Array(payload, base + e.offset, e.length);
    else if (e.kind === 'u32') arrays[e.key] = new Uint32Array(payload, base + e.offset, e.length);
    else if (e.kind === 'u8') arrays[e.key] = new Uint8Array(payload, base + e.offset, e.length);
    else arrays[e.key] = dequantiseModes(new Int16Array(payload, base + e.offset, e.length), e.scales!);
  }
  const pick = (prefix: string) => Object.fromEntries(
    Object.entries(arrays).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v as Uint32Array]),
  );
  const jaw = pick('jawline:');
  return {
    name: header.name,
    vertexCount: header.vertexCount,
    unitsToMillimetres: header.unitsToMillimetres,
    materials: header.materials,
    identityCount: header.identityCount,
    expressionNames: header.expressionNames,
    triangleRegions: header.triangleRegions,
    neutral: arrays.neutral as Float32Array,
    polygonStart: arrays.polygonStart as Uint32Array,
    polygonVertices: arrays.polygonVertices as Uint32Array,
    polygonUvs: arrays.polygonUvs as Uint32Array,
    polygonMaterial: arrays.polygonMaterial as Uint8Array,
    uvs: arrays.uvs as Float32Array,
    triangles: arrays.triangles as Uint32Array,
    triangleUvs: arrays.triangleUvs as Uint32Array,
    trianglePolygon: arrays.trianglePolygon as Uint32Array,
    identityModeRms: arrays.identityModeRms as Float32Array,
    landmarks68: arrays.landmarks68 as Uint32Array,
    identityBasis: arrays.identityBasis as Float32Array,
    expressionBasis: arrays.expressionBasis as Float32Array,
    regions: pick('region:'),
    jawline: { right: jaw.right, left: jaw.left, rightExtended: jaw.rightExtended, leftExtended: jaw.leftExtended },
  };
}

function readHeader(bytes: Uint8Array): any | undefined {
  const length = modelHeaderLength(bytes);
  if (length === undefined) return undefined;
  return JSON.parse(new TextDecoder().decode(bytes.subarray(MODEL_PREFIX_BYTES, MODEL_PREFIX_BYTES + length)));
}

function align4(n: number): number { return (n + 3) & ~3; }

function quantiseModes(basis: Float32Array, modes: number): { data: Int16Array; scales: number[] } {
  const per = basis.length / modes;
  const data = new Int16Array(basis.length);
  const scales: number[] = [];
  for (let k = 0; k < modes; k++) {
    let max = 0;
    for (let i = k * per; i < (k + 1) * per; i++) max = Math.max(max, Math.abs(basis[i]));
    const scale = max > 0 ? max / 32767 : 1;
    scales.push(scale);
    for (let i = k * per; i < (k + 1) * per; i++) data[i] = Math.round(basis[i] / scale);
  }
  return { data, scales };
}

function dequantiseModes(data: Int16Array, scales: number[]): Float32Array {
  const per = data.length / scales.length;
  const out = new Float32Array(data.length);
  for (let k = 0; k < scales.length; k++) {
    const s = scales[k];
    for (let i = k * per; i < (k + 1) * per; i++) out[i] = data[i] * s;
  }
  return out;
}
