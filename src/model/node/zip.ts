import * as zlib from 'node:zlib';

export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflated. */
  method: number;
  crc32: number;
  /** Uncompressed size. */
  size: number;
  /** The member's bytes as they are in the archive (a raw deflate stream when method is 8). */
  raw: () => Uint8Array;
  /** The member's contents, checked against the archive's size and CRC-32. */
  data: () => Uint8Array;
}

/**
 * Reads the central directory of a zip archive (stored or deflated entries, no zip64).
 * A truncated or damaged archive throws an error saying so, never a bare RangeError.
 */
export function readZip(bytes: Uint8Array): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (start: number, length: number, what: string) => {
    if (start + length > bytes.length) throw new Error(`truncated or damaged zip archive (${what} lies past its end)`);
  };
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 65557); i--) {
    if (view.getUint32(i, true) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw new Error('not a zip archive, or a truncated one (no end of central directory)');
  const count = view.getUint16(eocd + 10, true);
  let p = view.getUint32(eocd + 16, true);
  need(p, view.getUint32(eocd + 12, true), 'the central directory');
  const decoder = new TextDecoder();
  const entries: ZipEntry[] = [];
  for (let n = 0; n < count; n++) {
    need(p, 46, 'the central directory');
    if (view.getUint32(p, true) !== 0x02014b50) throw new Error('damaged zip archive (bad central directory entry)');
    const method = view.getUint16(p + 10, true);
    const crc32 = view.getUint32(p + 16, true);
    const compressedSize = view.getUint32(p + 20, true);
    const size = view.getUint32(p + 24, true);
    const nameLength = view.getUint16(p + 28, true);
    const extraLength = view.getUint16(p + 30, true);
    const commentLength = view.getUint16(p + 32, true);
    const localOffset = view.getUint32(p + 42, true);
    need(p + 46, nameLength + extraLength + commentLength, 'the central directory');
    const name = decoder.decode(bytes.subarray(p + 46, p + 46 + nameLength));
    p += 46 + nameLength + extraLength + commentLength;
    const raw = () => {
      need(localOffset, 30, name);
      if (view.getUint32(localOffset, true) !== 0x04034b50) throw new Error(`damaged zip archive (bad local header of ${name})`);
      const start = localOffset + 30 + view.getUint16(localOffset + 26, true) + view.getUint16(localOffset + 28, true);
      need(start, compressedSize, name);
      return bytes.subarray(start, start + compressedSize);
    };
    const data = () => {
      let out: Uint8Array;
      if (method === 0) out = raw();
      else if (method === 8) {
        try {
          out = new Uint8Array(zlib.inflateRawSync(raw()));
        } catch (err) {
          throw new Error(`damaged zip member ${name} (${(err as Error).message})`);
        }
      } else throw new Error(`unsupported zip compression method ${method} for ${name}`);
      if (out.length !== size) throw new Error(`damaged zip member ${name} (it inflates to ${out.length} bytes instead of ${size})`);
      if (crc32Of(out) !== crc32) throw new Error(`damaged zip member ${name} (CRC-32 mismatch)`);
      return out;
    };
    entries.push({ name, method, crc32, size, raw, data });
  }
  return entries;
}

let crcTable: Uint32Array | undefined;

/** CRC-32 (zip/gzip polynomial); zlib.crc32 where Node has it (20.15+), a table otherwise. */
export function crc32Of(bytes: Uint8Array): number {
  if (typeof zlib.crc32 === 'function') return zlib.crc32(bytes) >>> 0;
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
