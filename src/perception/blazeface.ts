/**
 * Runs the BlazeFace detector (MediaPipe's face_detection "back"/full-image model, 256x256, and
 * compatible 128x128 "front" model) on one square input and decodes its anchor-relative output.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';

/** Number of keypoints BlazeFace predicts per face. */
export const BLAZEFACE_KEYPOINTS = 6;

/**
 * Keypoint order of BlazeFace (sides are the subject's own: the right eye is on the image's left
 * in a frontal picture).
 */
export const BlazeFaceKeypoint = { rightEye: 0, leftEye: 1, noseTip: 2, mouth: 3, rightEar: 4, leftEar: 5 } as const;

/** One raw detection in the detector input's pixel frame (0..inputSize). */
export interface RawDetection {
  cx: number;
  cy: number;
  width: number;
  height: number;
  /** x, y pairs for the 6 keypoints. */
  keypoints: Float32Array;
  score: number;
}

/**
 * Anchor centres in input pixels. Both BlazeFace variants use two feature maps: a 16x16 grid with
 * 2 anchors per cell, then an 8x8 grid with 6 anchors per cell (896 anchors), all of unit size
 * (the regressors carry absolute box sizes in input pixels).
 */
export function blazeFaceAnchors(inputSize: number): Float32Array {
  const layers = [{ cells: 16, perCell: 2 }, { cells: 8, perCell: 6 }];
  const out = new Float32Array(896 * 2);
  let i = 0;
  for (const { cells, perCell } of layers) {
    const stride = inputSize / cells;
    for (let y = 0; y < cells; y++) {
      for (let x = 0; x < cells; x++) {
        for (let n = 0; n < perCell; n++) {
          out[i++] = (x + 0.5) * stride;
          out[i++] = (y + 0.5) * stride;
        }
      }
    }
  }
  return out;
}

export class BlazeFace {
  readonly inputSize: number;
  /** Number of model runs so far (for timing reports). */
  runs = 0;
  private readonly anchors: Float32Array;

  constructor(private readonly model: GraphModel) {
    const shape = model.inputs[0]?.shape;
    const size = shape?.[1];
    if (!shape || shape.length !== 4 || size === undefined || size <= 0 || shape[2] !== size) {
      throw new Error(`unexpected BlazeFace input shape ${JSON.stringify(shape)}`);
    }
    this.inputSize = size;
    this.anchors = blazeFaceAnchors(size);
  }

  /**
   * Runs the model on one input of inputSize x inputSize x 3 floats in [-1, 1] and returns every
   * anchor whose score reaches `minScore`.
   */
  async detect(input: Float32Array, minScore: number): Promise<RawDetection[]> {
    const size = this.inputSize;
    this.runs++;
    const x = tf.tensor4d(input, [1, size, size, 3]);
    const outputs = this.model.execute(x) as tf.Tensor[];
    x.dispose();
    try {
      const { scores, regressors } = await readOutputs(outputs);
      return this.decode(scores, regressors, minScore);
    } finally {
      tf.dispose(outputs);
    }
  }

  private decode(scores: Float32Array, regressors: Float32Array, minScore: number): RawDetection[] {
    // Compare logits instead of applying the sigmoid to all 896 anchors.
    const minLogit = Math.log(minScore / (1 - minScore));
    const found: RawDetection[] = [];
    for (let i = 0; i < scores.length; i++) {
      const logit = scores[i]!;
      if (!(logit >= minLogit)) continue;
      const ax = this.anchors[2 * i]!, ay = this.anchors[2 * i + 1]!;
      const r = 16 * i;
      const keypoints = new Float32Array(2 * BLAZEFACE_KEYPOINTS);
      for (let k = 0; k < BLAZEFACE_KEYPOINTS; k++) {
        keypoints[2 * k] = ax + regressors[r + 4 + 2 * k]!;
        keypoints[2 * k + 1] = ay + regressors[r + 5 + 2 * k]!;
      }
      found.push({
        cx: ax + regressors[r]!,
        cy: ay + regressors[r + 1]!,
        width: regressors[r + 2]!,
        height: regressors[r + 3]!,
        keypoints,
        score: sigmoid(Math.max(-100, Math.min(100, logit))),
      });
    }
    return found;
  }
}

/**
 * The converted model has four outputs: scores (1x512x1, 1x384x1) and regressors (1x512x16,
 * 1x384x16) for the two anchor layers. They are told apart by shape and joined in anchor order.
 */
async function readOutputs(outputs: tf.Tensor[]): Promise<{ scores: Float32Array; regressors: Float32Array }> {
  const pick = (anchors: number, channels: number): tf.Tensor => {
    const t = outputs.find((o) => o.shape[1] === anchors && o.shape[2] === channels);
    if (!t) throw new Error(`BlazeFace output 1x${anchors}x${channels} missing (got ${outputs.map((o) => o.shape.join('x')).join(', ')})`);
    return t;
  };
  const [s0, s1, r0, r1] = await Promise.all([pick(512, 1), pick(384, 1), pick(512, 16), pick(384, 16)].map((t) => t.data<'float32'>()));
  const scores = new Float32Array(896);
  scores.set(s0!, 0);
  scores.set(s1!, 512);
  const regressors = new Float32Array(896 * 16);
  regressors.set(r0!, 0);
  regressors.set(r1!, 512 * 16);
  return { scores, regressors };
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
