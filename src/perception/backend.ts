/**
 * TensorFlow.js backend selection, done once per process / page.
 * Registers the wasm and cpu backends; a browser app that also imports
 * @tensorflow/tfjs-backend-webgpu or -webgl gets those tried first.
 */
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-cpu';

export interface BackendOptions {
  /** Backends to try, in order; the first one that is registered and initialises wins. */
  backends?: readonly string[];
  /**
   * Where the wasm backend fetches its .wasm binaries: a folder path (Node) or URL prefix (browser),
   * ending in '/'. Node needs it (see `nodeWasmPath()`); browsers default to the script's folder.
   */
  wasmPath?: string;
}

export const DEFAULT_BACKENDS: readonly string[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

let initialised: Promise<string> | undefined;

/**
 * Selects a backend and resolves to its name. Only the first call does work (its options win);
 * later calls return the same promise.
 */
export function initBackend(options: BackendOptions = {}): Promise<string> {
  initialised ??= selectBackend(options).catch((err: unknown) => {
    initialised = undefined;
    throw err;
  });
  return initialised;
}

async function selectBackend({ backends = DEFAULT_BACKENDS, wasmPath }: BackendOptions): Promise<string> {
  if (wasmPath !== undefined) setWasmPaths(wasmPath);
  const failures: string[] = [];
  for (const name of backends) {
    if (!tf.findBackendFactory(name)) continue;
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
      failures.push(`${name}: failed to initialise`);
    } catch (err) {
      failures.push(`${name}: ${(err as Error).message}`);
    }
  }
  throw new Error(`no TensorFlow.js backend could be initialised (${failures.join('; ') || `none of ${backends.join(', ')} is registered`})`);
}
