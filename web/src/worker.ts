/**
 * The reconstruction, off the page's thread: TensorFlow.js networks (WebGPU, else WebGL, else wasm), the ICT
 * model from the build's compact binary (kept in the browser's cache storage), the core's
 * reconstruction and its output files (head.glb, mesh.obj + mesh.mtl + maps, params.json).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import '@tensorflow/tfjs-backend-webgl';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import {
  createFaceDetector, createFaceEmbedder, deserialiseModel, PersonError, landmarkTargets, mediapipeLandmarkModel, PoseExpressionTracker, reconstructorFrom,
  type FaceDetector, type ImageReconstruction, type LandmarkModel, type ModelLoader, type MorphableModel, type OutputName,
  type PersonReconstruction, type Reconstructor, type RgbImage,
} from '../../src/index.js';
import { encodeJpeg, encodePng } from './encode.js';
import type { FromWorker, StageId, ToWorker } from './protocol.js';

/** Same limits as the command line's image reader (src/io/read-image.ts). */
const MAX_DIMENSION = 4096;
const MIN_DIMENSION = 64;
const MAX_PIXELS = 50_000_000;
/** The files the page offers: the GLB, the OBJ with its material and maps, params.json (always written). */
const PAGE_OUTPUTS: OutputName[] = ['head.glb', 'mesh.obj', 'albedo.png', 'eyes.png'];
/** With the detail band, its normal map too (the GLB embeds it; displacement.png is 16-bit, which the page does not encode). */
const DETAIL_OUTPUTS: OutputName[] = [...PAGE_OUTPUTS, 'normal.png'];
const CACHE_NAME = 'facerecon-model';

const post = (message: FromWorker, transfer: Transferable[] = []) => self.postMessage(message, { transfer });

class InputProblem extends Error {}

interface Loaded { recon: Reconstructor; detector: FaceDetector; landmarks: LandmarkModel; model: MorphableModel; loadModel: ModelLoader }
let ready: Promise<Loaded> | undefined;
/** The reconstructor with the face recognition network, which several photos of one person need; loaded when first needed. */
let personReady: Promise<Reconstructor> | undefined;
interface Original { width: number; height: number; scale: number }
/**
 * The last head: its identity (live mode's), and for one photo's reconstruction the reconstruction
 * and the photo's size (the detail band is added to it on demand).
 */
let last: { identity: Float32Array; image?: { result: ImageReconstruction; original: Original } } | undefined;
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
    return softwareName(renderer);
  } catch {
    return undefined;
  }
}

/** The software renderer a GPU description names (SwiftShader, llvmpipe, ...), else undefined. */
function softwareName(renderer: string): string | undefined {
  const found = /swiftshader|llvmpipe|softpipe|lavapipe|software/i.exec(renderer)?.[0];
  return found && (found.toLowerCase() === 'swiftshader' ? 'SwiftShader' : found.toLowerCase());
}

/**
 * WebGPU's adapter: none (no navigator.gpu, or no adapter: Chromium without a GPU unless started with
 * --enable-unsafe-webgpu), or one, software (SwiftShader: then wasm is faster, as with WebGL) or not.
 */
async function webGpuAdapter(): Promise<{ software?: string } | undefined> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<GpuAdapter | null> } }).gpu;
  const adapter = await gpu?.requestAdapter().catch(() => null);
  if (!adapter) return undefined;
  const { vendor = '', architecture = '', description = '', isFallbackAdapter = false } = adapter.info ?? {};
  return { software: softwareName(`${vendor} ${architecture} ${description}`) ?? (isFallbackAdapter || adapter.isFallbackAdapter ? 'a fallback adapter' : undefined) };
}
interface GpuAdapter { info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean }; isFallbackAdapter?: boolean }

/**
 * The backends to try, in the page's order, with what is missing left out and software GPU
 * backends after wasm; and what the page reports about them (e.g. "WebGPU: no adapter").
 */
async function backendOrder(requested: string[]): Promise<{ backends: string[]; notes: string[] }> {
  const notes: string[] = [];
  const software = new Map<string, string>();
  let backends = requested;
  if (requested.includes('webgpu')) {
    const adapter = await webGpuAdapter();
    if (!adapter) {
      backends = backends.filter((b) => b !== 'webgpu');
      notes.push('WebGPU: no adapter here');
    } else if (adapter.software) software.set('WebGPU', adapter.software);
  }
  if (requested.includes('webgl')) {
    const renderer = softwareWebGl();
    if (renderer) software.set('WebGL', renderer);
  }
  // Only when there is a choice: a page asked for one backend gets it.
  if (software.size > 0 && requested.includes('wasm') && requested.length > 1) {
    const slow = new Set([...software.keys()].map((name) => name.toLowerCase()));
    backends = [...backends.filter((b) => !slow.has(b)), ...backends.filter((b) => slow.has(b))];
  }
  if (software.size > 0) notes.push(`${[...software.keys()].join(' and ')} ${software.size > 1 ? 'are' : 'is'} software here: ${[...new Set(software.values())].join(', ')}`);
  if (backends.length === 0) throw new Error(`no TensorFlow.js backend to run on (${notes.join('; ')})`);
  return { backends, notes };
}

async function load(base: string, requested: string[]): Promise<Loaded> {
  const { backends, notes } = await backendOrder(requested);
  const model = await timed('model', async () => deserialiseModel(new Uint8Array(await fetchCached(new URL('ict.frm', base).href))));
  const loadModel: ModelLoader = (name) => loadGraphModel(new URL(`models/${name}.json`, base).href);
  const detector = await timed('networks', () => createFaceDetector({ loadModel, backends, wasmPath: new URL('tfjs-wasm/', base).href }));
  post({ type: 'ready', backend: tf.getBackend() + (notes.length > 0 ? ` (${notes.join('; ')})` : '') });
  const landmarks = mediapipeLandmarkModel(model);
  return { recon: reconstructorFrom({ model, detector, landmarks }), detector, landmarks, model, loadModel };
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

/** Tells the page as each of the core's stages begins, and closes the one before (finish: the last one). */
function stageReporter(): { onStage: (stage: StageId, face: number) => void; finish: () => void } {
  let current: { stage: StageId; face: number; t0: number } | undefined;
  const finish = () => {
    if (current) post({ type: 'stage', stage: current.stage, face: current.face, state: 'done', ms: performance.now() - current.t0 });
    current = undefined;
  };
  return {
    finish,
    onStage: (stage, face) => {
      finish();
      current = { stage, face, t0: performance.now() };
      post({ type: 'stage', stage, face, state: 'start' });
    },
  };
}

async function reconstruct(file: Blob, name: string): Promise<void> {
  const { recon } = await ready!;
  const { image, original } = await timed('decode', () => decode(file, name));
  const stages = stageReporter();
  const result = await recon.reconstruct(image, {}, stages.onStage);
  stages.finish();
  if (result.faces.length === 0) throw new InputProblem(`no face found in ${name}: choose a photo with a face turned less than about 60° from the camera`);
  last = { identity: result.faces[0]!.identity, image: { result, original } };
  await postResult(result, original, PAGE_OUTPUTS);
}

/** The files of a reconstruction, built in the worker, as a result message. */
async function postResult(result: ImageReconstruction, original: Original, outputs: OutputName[]): Promise<void> {
  const { recon } = await ready!;
  const files = await timed('outputs', () => recon.outputFiles(result, encodePng, { outputs, encodeJpeg, original }));
  post({
    type: 'result', files, faces: result.faces.length, width: original.width, height: original.height, scale: original.scale,
    timings: result.timings as Record<string, number>, detail: result.options.detail !== false, head: 'face0/',
  }, transferables(files));
}

const transferables = (files: Record<string, Uint8Array | string>) =>
  Object.values(files).flatMap((data) => (typeof data === 'string' ? [] : [data.buffer as ArrayBuffer]));

/** The last reconstruction with the mid and detail bands (as the command line's --detail), and its files. */
async function detail(): Promise<void> {
  const { recon } = await ready!;
  if (!last?.image) throw new InputProblem('reconstruct a photo first: the detail band is added to that head');
  const { result, original } = last.image;
  const detailed = await timed('detail', () => recon.addDetail(result));
  await postResult(detailed, original, DETAIL_OUTPUTS);
}

/**
 * Several photos of one person, as the command line's --person: one head with a shared identity; a
 * photo of someone else (face recognition), without a face or whose fit fails is left out, with why.
 */
async function person(photos: { file: Blob; name: string }[]): Promise<void> {
  const { model, detector, landmarks, loadModel } = await ready!;
  personReady ??= timed('embedder', async () => reconstructorFrom({ model, detector, landmarks, embedder: await createFaceEmbedder(loadModel) }));
  const recon = await personReady.catch((err: unknown) => {
    personReady = undefined;
    throw err;
  });
  const decoded: { name: string; image: RgbImage; original: Original }[] = [];
  for (const { file, name } of photos) decoded.push({ name, ...(await timed('decode', () => decode(file, name))) });
  const stages = stageReporter();
  let result: PersonReconstruction;
  try {
    result = await recon.reconstructPerson(decoded, {}, stages.onStage);
  } catch (err) {
    throw err instanceof PersonError ? new InputProblem(err.message) : err;
  } finally {
    stages.finish();
  }
  last = { identity: result.identity };
  const originals = Object.fromEntries(decoded.map((d) => [d.name, d.original]));
  const files = await timed('outputs', () => recon.personOutputFiles(result, encodePng, { outputs: PAGE_OUTPUTS, encodeJpeg, originals }));
  const texture = decoded.find((d) => d.name === result.views[0]!.name)!.original;
  post({
    type: 'result', files, faces: 1, width: texture.width, height: texture.height, scale: texture.scale,
    timings: result.timings as Record<string, number>, detail: false, head: '',
    person: { used: result.views.map((v) => v.name), rejected: result.rejected.map(({ name, reason }) => ({ name, reason })) },
  }, transferables(files));
}

/**
 * One camera frame: the face mesh on the crop of the previous frame's landmarks (a full detection
 * when there are none or the face was lost), then the tracker's pose and expression solve.
 */
async function liveFrame(frame: { width: number; height: number; rgba: Uint8ClampedArray }): Promise<void> {
  const t0 = performance.now();
  const { detector, landmarks } = await ready!;
  if (!last) throw new InputProblem('reconstruct a photo first: live mode moves that head');
  live ??= { tracker: new PoseExpressionTracker(landmarks, last.identity) };
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
    } else if (message.type === 'person') {
      live = undefined;
      await person(message.photos);
    } else if (message.type === 'detail') {
      await detail();
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
