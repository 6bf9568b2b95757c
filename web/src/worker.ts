/**
 * The reconstruction, off the page's thread: TensorFlow.js networks (WebGL, else wasm), the ICT
 * model from the build's compact binary (kept in the browser's cache storage), the core's
 * reconstruction and its output files (head.glb, mesh.obj + mesh.mtl + maps, params.json).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgl';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import {
  createFaceDetector, deserialiseModel, landmarkTargets, mediapipeLandmarkModel, PoseExpressionTracker, reconstructorFrom,
  type FaceDetector, type LandmarkModel, type OutputName, type Reconstructor, type RgbImage,
} from '../../src/index.js';
import { encodeJpeg, encodePng } from './encode.js';
import type { FromWorker, StageId, ToWorker } from './protocol.js';

/** Same limits as the command line's image reader (src/io/read-image.ts). */
const MAX_DIMENSION = 4096;
const MIN_DIMENSION = 64;
const MAX_PIXELS = 50_000_000;
/** The files the page offers: the GLB, the OBJ with its material and maps, params.json (always written). */
const PAGE_OUTPUTS: OutputName[] = ['head.glb', 'mesh.obj', 'albedo.png', 'eyes.png'];
const CACHE_NAME = 'facerecon-model';

const post = (message: FromWorker, transfer: Transferable[] = []) => self.postMessage(message, { transfer });

class InputProblem extends Error {}

interface Loaded { recon: Reconstructor; detector: FaceDetector; landmarks: LandmarkModel }
let ready: Promise<Loaded> | undefined;
/** The identity of the last reconstruction's first face: live mode's head. */
let lastIdentity: Float32Array | undefined;
let live: { tracker: PoseExpressionTracker; previous?: Float32Array } | undefined;

async function timed<T>(stage: StageId, work: () => Promise<T> | T, face = -1): Promise<T> {
  post({ type: 'stage', stage, face, state: 'start' });
  const t0 = performance.now();
  const value = await work();
  post({ type: 'stage', stage, face, state: 'done', ms: performance.now() - t0 });
  return value;
}

/** The model file, from the browser's cache storage after the first visit. */
async function fetchCached(url: string): Promise<ArrayBuffer> {
  const cache = 'caches' in self ? await caches.open(CACHE_NAME).catch(() => undefined) : undefined;
  const hit = await cache?.match(url);
  if (hit) return hit.arrayBuffer();
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status} ${response.statusText}`);
  await cache?.put(url, response.clone()).catch(() => undefined);
  return response.arrayBuffer();
}

/**
 * The renderer behind WebGL when it is a software one (SwiftShader, llvmpipe), else undefined. There
 * the wasm backend is much faster: on headless Chromium without a GPU, the astronaut's detection and
 * landmarks took 19.4 s on SwiftShader WebGL and 0.45 s on wasm.
 */
function softwareWebGl(): string | undefined {
  try {
    const gl = new OffscreenCanvas(1, 1).getContext('webgl2');
    if (!gl) return undefined;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return /swiftshader|llvmpipe|softpipe|software/i.exec(renderer)?.[0];
  } catch {
    return undefined;
  }
}

async function load(base: string, requested: string[]): Promise<Loaded> {
  const software = requested.includes('webgl') && requested.includes('wasm') ? softwareWebGl() : undefined;
  const backends = software ? ['wasm', ...requested.filter((b) => b !== 'wasm')] : requested;
  const model = await timed('model', async () => deserialiseModel(new Uint8Array(await fetchCached(new URL('ict.frm', base).href))));
  const detector = await timed('networks', () => createFaceDetector({
    loadModel: (name) => loadGraphModel(new URL(`models/${name}.json`, base).href),
    backends, wasmPath: new URL('tfjs-wasm/', base).href,
  }));
  post({ type: 'ready', backend: tf.getBackend() + (software && tf.getBackend() === 'wasm' ? ` (WebGL is software here: ${software})` : '') });
  const landmarks = mediapipeLandmarkModel(model);
  return { recon: reconstructorFrom({ model, detector, landmarks }), detector, landmarks };
}

/** The photo as 8-bit RGB, alpha flattened onto white, downscaled to 4096 px on the long side as the CLI does. */
async function decode(file: Blob, name: string): Promise<{ image: RgbImage; original: { width: number; height: number; scale: number } }> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch {
    throw new InputProblem(`${name} is not an image this browser can read (choose a JPEG, PNG or WebP photo)`);
  }
  const { width, height } = bitmap;
  if (Math.min(width, height) < MIN_DIMENSION) throw new InputProblem(`${name} is too small (${width}x${height} px; at least ${MIN_DIMENSION} px a side)`);
  if (width * height > MAX_PIXELS) throw new InputProblem(`${name} is too large (${width}x${height} px; at most ${MAX_PIXELS / 1e6} megapixels)`);
  const scale = Math.min(1, MAX_DIMENSION / Math.max(width, height));
  const image = bitmapPixels(bitmap, Math.round(width * scale), Math.round(height * scale));
  bitmap.close();
  return { image, original: { width, height, scale } };
}

/** A bitmap's pixels at w x h as 8-bit RGB, transparency flattened onto white. */
function bitmapPixels(bitmap: ImageBitmap, w: number, h: number): RgbImage {
  const canvas = new OffscreenCanvas(w, h);
  const context = canvas.getContext('2d', { willReadFrequently: true })!;
  context.fillStyle = '#fff';
  context.fillRect(0, 0, w, h);
  context.imageSmoothingQuality = 'high';
  context.drawImage(bitmap, 0, 0, w, h);
  return rgbFromRgba(context.getImageData(0, 0, w, h).data, w, h);
}

function rgbFromRgba(rgba: Uint8ClampedArray, width: number, height: number): RgbImage {
  const data = new Uint8Array(3 * width * height);
  for (let i = 0; i < width * height; i++) {
    data[3 * i] = rgba[4 * i]!;
    data[3 * i + 1] = rgba[4 * i + 1]!;
    data[3 * i + 2] = rgba[4 * i + 2]!;
  }
  return { width, height, data };
}

async function reconstruct(file: Blob, name: string): Promise<void> {
  const { recon } = await ready!;
  const { image, original } = await timed('decode', () => decode(file, name));
  let current: { stage: StageId; face: number; t0: number } | undefined;
  const finish = () => {
    if (current) post({ type: 'stage', stage: current.stage, face: current.face, state: 'done', ms: performance.now() - current.t0 });
    current = undefined;
  };
  const result = await recon.reconstruct(image, {}, (stage, face) => {
    finish();
    current = { stage, face, t0: performance.now() };
    post({ type: 'stage', stage, face, state: 'start' });
  });
  finish();
  if (result.faces.length === 0) throw new InputProblem(`no face found in ${name}: choose a photo with a face turned less than about 60° from the camera`);
  lastIdentity = result.faces[0]!.identity;
  const files = await timed('outputs', () => recon.outputFiles(result, encodePng, { outputs: PAGE_OUTPUTS, encodeJpeg, original }));
  const transfer = Object.values(files).flatMap((data) => (typeof data === 'string' ? [] : [data.buffer as ArrayBuffer]));
  post({
    type: 'result', files, faces: result.faces.length, width: original.width, height: original.height, scale: original.scale,
    timings: result.timings as Record<string, number>,
  }, transfer);
}

/**
 * One camera frame: the face mesh on the crop of the previous frame's landmarks (a full detection
 * when there are none or the face was lost), then the tracker's pose and expression solve.
 */
async function liveFrame(frame: { width: number; height: number; rgba: Uint8ClampedArray }): Promise<void> {
  const t0 = performance.now();
  const { detector, landmarks } = await ready!;
  if (!lastIdentity) throw new InputProblem('reconstruct a photo first: live mode moves that head');
  live ??= { tracker: new PoseExpressionTracker(landmarks, lastIdentity) };
  const image = rgbFromRgba(frame.rgba, frame.width, frame.height);
  const t1 = performance.now();
  let points = live.previous && (await detector.track(image, live.previous))?.landmarks;
  const detected = !points;
  if (!points) {
    live.tracker.reset();
    points = (await detector.detect(image, { maxFaces: 1 }))[0]?.landmarks;
  }
  live.previous = points;
  const t2 = performance.now();
  const pose = points && live.tracker.update(landmarkTargets({ landmarks: points }), image, t0);
  const t3 = performance.now();
  post({
    type: 'pose', found: pose !== undefined, detected, expression: pose?.expression, yaw: pose?.yaw, pitch: pose?.pitch, roll: pose?.roll,
    ms: t3 - t0, landmarksMs: t2 - t1, solveMs: t3 - t2,
  });
}

self.onmessage = async (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  try {
    if (message.type === 'init') {
      ready = load(message.base, message.backends);
      await ready;
    } else if (message.type === 'reconstruct') {
      live = undefined;
      await reconstruct(message.file, message.name);
    } else if (message.type === 'live-start') {
      live = undefined;
    } else {
      await liveFrame(message);
    }
  } catch (err) {
    const input = err instanceof InputProblem;
    post({ type: 'error', kind: input ? 'input' : 'failure', message: input ? err.message : `${(err as Error).message ?? err}` });
  }
};
