/**
 * The synthetic ground-truth set on disk: bench/data/<seed>/face-NNNN.{png,json,f32} + manifest.json
 * (the clean kind), bench/data/realistic-<seed>/ (the realistic kind).
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RgbImage } from '../../src/base/image.js';
import { readImage } from '../../src/io/read-image.js';
import { writePng } from '../../src/io/write-image.js';
import type { MorphableModel } from '../../src/model/types.js';
import { albedoLayout } from '../synthetic/albedo.js';
import type { TrueDisplacement } from '../synthetic/fine-detail.js';
import { makeFacePicture, realisticPicture, type FacePictureOptions, type FacePictureTruth, type PictureKind } from '../synthetic/face-picture.js';

export interface Manifest {
  seed: number;
  /** Absent in sets written before the realistic kind existed: clean. */
  kind?: PictureKind;
  count: number;
  model: string;
  pictures: string[];
  note: string;
}

export interface StoredPicture {
  name: string;
  image: RgbImage;
  truth: FacePictureTruth;
  /** True vertex positions, model frame, millimetres. */
  positionsMm: Float32Array;
  /** The true fine detail (sets written before it existed have none). */
  displacement?: TrueDisplacement;
}

export function datasetDir(root: string, seed: number, kind: PictureKind = 'clean'): string {
  return join(root, kind === 'clean' ? String(seed) : `${kind}-${seed}`);
}

/**
 * Generates pictures start .. start+count-1 of the set made from `seed` into `dir` (deterministic;
 * several processes may fill disjoint ranges of one set). The manifest lists every complete picture
 * in the folder.
 */
export async function writeDataset(
  model: MorphableModel, dir: string, seed: number, count: number, options: FacePictureOptions = {}, progress?: (done: number) => void, start = 0,
): Promise<Manifest> {
  await mkdir(dir, { recursive: true });
  const layout = albedoLayout(model);
  const kind = options.kind ?? 'clean';
  for (let i = start; i < start + count; i++) {
    const name = `face-${String(i).padStart(4, '0')}`;
    const pic = kind !== 'clean' ? await realisticPicture(model, layout, seed, i, options) : makeFacePicture(model, layout, seed, i, options);
    const mm = Float32Array.from(pic.positions, (v) => v * model.unitsToMillimetres);
    await writePng(join(dir, `${name}.png`), pic.image);
    await writeFile(join(dir, `${name}.f32`), new Uint8Array(mm.buffer));
    const truth = { ...pic.truth };
    if (pic.displacement && truth.detail) {
      const file = `${name}.detail.f32`;
      truth.detail = { ...truth.detail, file, format: `float32 little-endian, ${pic.displacement.size} x ${pic.displacement.size} texels of the face UV square (row 0 at v = 1), mm along the normal` };
      await writeFile(join(dir, file), new Uint8Array(pic.displacement.height.buffer, pic.displacement.height.byteOffset, pic.displacement.height.byteLength));
    }
    await writeFile(join(dir, `${name}.json`), JSON.stringify({ ...truth, positions: { file: `${name}.f32`, format: 'float32 little-endian xyz per vertex, model frame, mm', vertexCount: model.vertexCount } }, null, 1));
    progress?.(i - start + 1);
  }
  const files = new Set(await readdir(dir));
  const pictures = [...files].filter((f) => /^face-\d+\.json$/.test(f)).map((f) => f.slice(0, -5))
    .filter((n) => files.has(`${n}.png`) && files.has(`${n}.f32`)).sort();
  const manifest: Manifest = {
    seed, ...(kind === 'clean' ? {} : { kind }), count: pictures.length, model: model.name, pictures,
    note: 'Synthetic faces with known 3D surface, written by `npm run bench:make`; read by `npm run bench`.',
  };
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 1));
  return manifest;
}

export async function readManifest(dir: string): Promise<Manifest> {
  return JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Manifest;
}

export async function readPicture(dir: string, name: string): Promise<StoredPicture> {
  const { image } = await readImage(join(dir, `${name}.png`));
  const truth = JSON.parse(await readFile(join(dir, `${name}.json`), 'utf8')) as FacePictureTruth;
  const bytes = await readFile(join(dir, `${name}.f32`));
  const positionsMm = floats(bytes);
  const displacement = truth.detail?.file ? { size: truth.detail.size, height: floats(await readFile(join(dir, truth.detail.file))) } : undefined;
  return { name, image, truth, positionsMm, displacement };
}

function floats(bytes: Uint8Array): Float32Array {
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}
