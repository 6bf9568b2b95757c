import { crc32, deflateRawSync } from 'node:zlib';

/** One archive member. Directory names end with '/' and have no data. */
export interface ZipMember {
  name: string;
  data?: Uint8Array;
  /** Deflate `data` (method 8) instead of storing it (method 0). */
  deflate?: boolean;
  /** Already deflated bytes with the CRC-32 and size of what they inflate to (see rawDeflateOfGzip). */
  deflated?: { bytes: Uint8Array; crc32: number; size: number };
}

/**
 * A minimal zip writer for tests: stored or deflated members, sizes in the local headers (no data
 * descriptors), no zip64, an archive comment like GitHub's (the commit id). Local headers carry an
 * extended-timestamp extra field that the central directory does not, so a reader has to take the
 * data offset from the local header.
 */
export function writeZip(members: ZipMember[], comment = ''): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const name = Buffer.from(m.name, 'utf8');
    const data = m.data ?? new Uint8Array(0);
    const crc = m.deflated ? m.deflated.crc32 : crc32(data);
    const size = m.deflated ? m.deflated.size : data.length;
    const body = m.deflated ? m.deflated.bytes : m.deflate ? deflateRawSync(data) : data;
    const method = m.deflated || m.deflate ? 8 : 0;
    const local = Buffer.alloc(30 + 9);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // names are UTF-8
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0, 10); // time 00:00
    local.writeUInt16LE(0x21, 12); // date 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(9, 28);
    local.writeUInt16LE(0x5455, 30); // "UT": flags 1 (mtime), mtime 0
    local.writeUInt16LE(5, 32);
    local.writeUInt8(1, 34);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(0x0314, 4); // made by: Unix, 2.0
    local.copy(entry, 6, 4, 28); // version needed .. name length, as in the local header; no extra field
    entry.writeUInt32LE((m.name.endsWith('/') ? 0o40755 : 0o100644) * 0x10000, 38);
    entry.writeUInt32LE(offset, 42);
    central.push(entry, name);
    parts.push(local.subarray(0, 30), name, local.subarray(30), Buffer.from(body.buffer, body.byteOffset, body.byteLength));
    offset += local.length + name.length + body.length;
  }
  const directory = Buffer.concat(central);
  const commentBytes = Buffer.from(comment, 'utf8');
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(commentBytes.length, 20);
  return Buffer.concat([...parts, directory, end, commentBytes]);
}

/** The raw deflate stream inside a .gz file, with its CRC-32 and size, so it can go into a zip without recompressing. */
export function rawDeflateOfGzip(gz: Uint8Array): { bytes: Uint8Array; crc32: number; size: number } {
  const view = new DataView(gz.buffer, gz.byteOffset, gz.byteLength);
  if (gz[0] !== 0x1f || gz[1] !== 0x8b || gz[2] !== 8) throw new Error('not a gzip file');
  const flags = gz[3];
  let p = 10;
  if (flags & 4) p += 2 + view.getUint16(p, true); // FEXTRA
  if (flags & 8) p = gz.indexOf(0, p) + 1; // FNAME
  if (flags & 16) p = gz.indexOf(0, p) + 1; // FCOMMENT
  if (flags & 2) p += 2; // FHCRC
  return { bytes: gz.subarray(p, gz.length - 8), crc32: view.getUint32(gz.length - 8, true), size: view.getUint32(gz.length - 4, true) };
}
