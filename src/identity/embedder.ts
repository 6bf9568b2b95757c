/**
 * Identity embeddings of faces: aligned crop (align.ts) -> face-recognition network. Compare two
 * embeddings with `cosineSimilarity`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import type { RgbaImage, RgbImage } from '../base/image.js';
import { initBackend, type BackendOptions } from '../perception/backend.js';
import { ImagePyramid } from '../base/image-sampling.js';
import type { ModelLoader } from '../perception/types.js';
import { alignmentAffine, sampleAligned, toRgbOverGrey } from './align.js';
import { EMBEDDING_MODELS, type EmbeddingModelName, type EmbeddingModelSpec } from './embedding-models.js';

/** One face to embed: an RGB photo or an RGBA render (transparent pixels become grey, see `toRgbOverGrey`) and its 468 landmarks in that image. */
export interface FaceToEmbed {
  image: RgbImage | RgbaImage;
  /** 468 points, x and y in image pixels (continuous: pixel i spans [i, i+1)), `stride` numbers apart. */
  landmarks: ArrayLike<number>;
  /** Numbers per landmark: 3 for x, y, z (the detector's layout, default), 2 for x, y. */
  stride?: number;
}

export interface FaceEmbedder {
  readonly model: EmbeddingModelName;
  readonly inputSize: number;
  /** Length of the embeddings. */
  readonly dimensions: number;
  /** Embedding of one face. */
  embed(image: RgbImage | RgbaImage, landmarks: ArrayLike<number>, stride?: number): Promise<Float32Array>;
  /** Embeddings of several faces in one network run (cheaper per face than one run each). */
  embedMany(faces: readonly FaceToEmbed[]): Promise<Float32Array[]>;
  /** Frees the model's weights; the embedder cannot be used afterwards. */
  dispose(): void;
}

export interface FaceEmbedderOptions extends BackendOptions {
  /** Default 'faceres' (see index.ts for the comparison). */
  model?: EmbeddingModelName;
  /** Overrides of the model's input conventions, for experiments. */
  spec?: Partial<Omit<EmbeddingModelSpec, 'name' | 'dimensions'>>;
}

export async function createFaceEmbedder(loadModel: ModelLoader, options: FaceEmbedderOptions = {}): Promise<FaceEmbedder> {
  const backendOptions: BackendOptions = {};
  if (options.backends) backendOptions.backends = options.backends;
  if (options.wasmPath !== undefined) backendOptions.wasmPath = options.wasmPath;
  await initBackend(backendOptions);
  const spec: EmbeddingModelSpec = { ...EMBEDDING_MODELS[options.model ?? 'faceres'], ...options.spec };
  if (spec.template.size !== spec.inputSize) throw new Error(`template is for ${spec.template.size} px crops, the model takes ${spec.inputSize}`);
  const model = await loadModel(spec.name);
  let disposed = false;

  const embedMany = async (faces: readonly FaceToEmbed[]): Promise<Float32Array[]> => {
    if (disposed) throw new Error('face embedder was disposed');
    if (faces.length === 0) return [];
    const size = spec.inputSize, pixels = size * size * 3;
    const input = new Float32Array(faces.length * pixels);
    faces.forEach((face, i) => {
      const affine = alignmentAffine(face.landmarks, face.stride ?? 3, spec.template);
      sampleAligned(new ImagePyramid(toRgbOverGrey(face.image)), affine, size, input, i * pixels, spec.scale, spec.bias);
    });
    return runNetwork(model, input, faces.length, spec);
  };

  return {
    model: spec.name,
    inputSize: spec.inputSize,
    dimensions: spec.dimensions,
    async embed(image, landmarks, stride = 3) {
      return (await embedMany([{ image, landmarks, stride }]))[0]!;
    },
    embedMany,
    dispose() {
      if (disposed) return;
      disposed = true;
      model.dispose();
    },
  };
}

/** Runs the network on `count` crops laid out NHWC in `input`; one embedding per crop. */
export async function runNetwork(model: GraphModel, input: Float32Array, count: number, spec: EmbeddingModelSpec): Promise<Float32Array[]> {
  const size = spec.inputSize;
  const x = tf.tensor4d(input, [count, size, size, 3]);
  const result = model.execute(x);
  x.dispose();
  const outputs = Array.isArray(result) ? result : [result];
  try {
    const t = outputs.find((o) => o.shape[o.shape.length - 1] === spec.dimensions);
    if (!t) throw new Error(`${spec.name}: no output of length ${spec.dimensions} among ${outputs.map((o) => o.shape.join('x')).join(', ')}`);
    const data = await t.data<'float32'>();
    return Array.from({ length: count }, (_, i) => data.slice(i * spec.dimensions, (i + 1) * spec.dimensions));
  } finally {
    tf.dispose(outputs);
  }
}
