import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readZip } from './zip.js';

/** The upstream ICT-FaceKit repository archive (MIT licence). */
export const ICT_FACEKIT_URL = 'https://github.com/ICT-VGL/ICT-FaceKit/archive/refs/heads/master.zip';

/**
 * Downloads the upstream archive and extracts its FaceXModel folder (plus README and LICENSE)
 * into `<targetDir>/FaceXModel`. Writes into a temporary folder first so an interrupted
 * download never leaves a half model behind.
 */
export async function downloadIctFaceKit(
  targetDir: string,
  url = ICT_FACEKIT_URL,
  onProgress?: (receivedBytes: number, totalBytes: number) => void,
): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (err) {
    throw new Error(`could not download the ICT-FaceKit model from ${url}: ${(err as Error).message}. ` +
      'Pass --model <folder> or set FACERECON_MODEL to a local copy of ICT-FaceKit.');
  }
  if (!response.ok || !response.body) {
    throw new Error(`could not download the ICT-FaceKit model from ${url}: HTTP ${response.status}`);
  }
  const total = Number(response.headers.get('content-length') ?? 0);
  const parts: Uint8Array[] = [];
  let received = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    received += value.length;
    onProgress?.(received, Math.max(total, received));
  }
  onProgress?.(received, received);
  const archive = new Uint8Array(received);
  let p = 0;
  for (const part of parts) { archive.set(part, p); p += part.length; }

  const entries = readZip(archive).filter((e) => /(^|\/)(FaceXModel\/[^/]+|README\.md|LICENSE)$/.test(e.name));
  if (!entries.some((e) => e.name.endsWith('FaceXModel/generic_neutral_mesh.obj'))) {
    throw new Error(`the archive from ${url} does not contain FaceXModel/generic_neutral_mesh.obj`);
  }
  const staging = `${targetDir}.tmp-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(join(staging, 'FaceXModel'), { recursive: true });
  for (const e of entries) {
    const rel = e.name.slice(e.name.indexOf(e.name.includes('FaceXModel/') ? 'FaceXModel/' : e.name.split('/').pop()!));
    await writeFile(join(staging, rel), e.data());
  }
  await rm(targetDir, { recursive: true, force: true });
  await rename(staging, targetDir);
  return targetDir;
}
