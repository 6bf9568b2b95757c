import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { readZip, type ZipEntry } from './zip.js';

/** The upstream ICT-FaceKit repository archive (MIT licence). */
export const ICT_FACEKIT_URL = 'https://github.com/ICT-VGL/ICT-FaceKit/archive/refs/heads/master.zip';

/** What a user can do instead; every download error ends with it. */
export const LOCAL_COPY_HINT = 'To use a local copy instead, clone or unzip https://github.com/ICT-VGL/ICT-FaceKit and pass ' +
  '--model <folder> or set FACERECON_MODEL=<folder> (FACERECON_MODEL_URL sets another download address).';

/**
 * Downloads the upstream archive and extracts its FaceXModel folder (plus README, LICENSE and
 * CREDITS) into `<targetDir>/FaceXModel`. Every member is checked against its CRC-32 before
 * anything is written, and the folder appears only once complete. Deflated .obj members are kept
 * as .obj.gz (the same deflate stream in a gzip wrapper): a third of the disk space, no recompression.
 */
export async function downloadIctFaceKit(
  targetDir: string,
  url = ICT_FACEKIT_URL,
  onProgress?: (receivedBytes: number, totalBytes: number) => void,
): Promise<string> {
  const archive = await fetchArchive(url, onProgress);
  let files: { path: string; bytes: Uint8Array }[];
  try {
    files = modelFiles(readZip(archive));
  } catch (err) {
    throw new Error(`the file downloaded from ${url} is not a usable ICT-FaceKit archive: ${(err as Error).message}.\n${LOCAL_COPY_HINT}`);
  }
  const staging = `${targetDir}.tmp-${process.pid}`;
  try {
    await rm(staging, { recursive: true, force: true });
    for (const f of files) {
      await mkdir(dirname(join(staging, f.path)), { recursive: true });
      await writeFile(join(staging, f.path), f.bytes);
    }
    await rm(targetDir, { recursive: true, force: true });
    await rename(staging, targetDir);
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
  return targetDir;
}

async function fetchArchive(url: string, onProgress?: (received: number, total: number) => void): Promise<Uint8Array> {
  const failure = (reason: string) => new Error(`could not download the ICT-FaceKit model from ${url}: ${reason}.\n${LOCAL_COPY_HINT}`);
  let response: Response;
  try {
    response = await fetch(url);
  } catch (err) {
    throw failure(describe(err));
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw failure(`HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
  }
  // fetch decodes a Content-Encoding, after which Content-Length no longer counts the bytes we see.
  const encoded = (response.headers.get('content-encoding') ?? 'identity') !== 'identity';
  const total = encoded ? 0 : Number(response.headers.get('content-length')) || 0;
  const parts: Uint8Array[] = [];
  let received = 0;
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      received += value.length;
      onProgress?.(received, total);
    }
  } catch (err) {
    const mb = (n: number) => (n / 1e6).toFixed(1);
    throw failure(`the transfer was interrupted after ${mb(received)}${total ? ` of ${mb(total)}` : ''} MB (${describe(err)})`);
  }
  if (total && received !== total) throw failure(`the transfer ended after ${received} of ${total} bytes (incomplete)`);
  onProgress?.(received, received);
  const archive = new Uint8Array(received);
  let p = 0;
  for (const part of parts) { archive.set(part, p); p += part.length; }
  return archive;
}

/** fetch reports network failures as "fetch failed" with the reason in `cause`. */
function describe(err: unknown): string {
  const e = err as Error & { cause?: { message?: string } };
  return e.cause?.message ? `${e.message}: ${e.cause.message}` : e.message;
}

/**
 * The model's files in the archive, relative to the folder holding FaceXModel (GitHub puts
 * everything under `ICT-FaceKit-master/`; a mirror may not), verified and ready to write.
 */
function modelFiles(entries: ZipEntry[]): { path: string; bytes: Uint8Array }[] {
  const neutral = entries.find((e) => /(^|\/)FaceXModel\/generic_neutral_mesh\.obj(\.gz)?$/.test(e.name));
  if (!neutral) throw new Error('it does not contain FaceXModel/generic_neutral_mesh.obj');
  const root = neutral.name.slice(0, neutral.name.lastIndexOf('FaceXModel/'));
  // Only plain file names: nothing from sub-folders, no "..", no backslashes (Windows paths).
  const wanted = /^(FaceXModel\/(?!\.\.?$)[^/\\]+|README\.md|LICENSE|CREDITS\.md)$/;
  const files: { path: string; bytes: Uint8Array }[] = [];
  for (const e of entries) {
    const path = e.name.slice(root.length);
    if (!e.name.startsWith(root) || !wanted.test(path)) continue;
    const bytes = e.data();
    if (e.method === 8 && path.endsWith('.obj')) files.push({ path: `${path}.gz`, bytes: gzipOfDeflated(e.raw(), e.crc32, e.size) });
    else files.push({ path, bytes });
  }
  if (!files.some((f) => f.path === 'FaceXModel/vertex_indices.json')) throw new Error('it does not contain FaceXModel/vertex_indices.json');
  return files;
}

/** A gzip file around a raw deflate stream whose CRC-32 and size are known (RFC 1952). */
function gzipOfDeflated(deflated: Uint8Array, crc32: number, size: number): Uint8Array {
  const out = new Uint8Array(10 + deflated.length + 8);
  out.set([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
  out.set(deflated, 10);
  const view = new DataView(out.buffer);
  view.setUint32(10 + deflated.length, crc32, true);
  view.setUint32(14 + deflated.length, size >>> 0, true);
  return out;
}
