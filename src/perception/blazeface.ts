/**
 * Runs the BlazeFace detector (MediaPipe's face_detection "back"/full-range model, trained on
 * 256x256 inputs, and the compatible 128x128 "front" model) and decodes its anchor-relative output.
 *
 * The network is fully convolutional up to two reshapes, but the converted graph fixes its input
 * at 1xNxNx3. `BlazeFace.fromGraphModel` re-loads it with a free input height and width and reads
 * the last convolutions directly, so one run can look at a whole picture of any size (multiple of
 * `stride`) instead of at many overlapping NxN tiles.
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';

/** Number of keypoints BlazeFace predicts per face. */
export const BLAZEFACE_KEYPOINTS = 6;

/**
 * Keypoint order of BlazeFace (sides are the subject's own: the right eye is on the image's left
 * in a frontal picture).
 */
export const BlazeFaceKeypoint = { rightEye: 0, leftEye: 1, noseTip: 2, mouth: 3, rightEar: 4, leftEar: 5 } as const;

/** One raw detection in the detector input's pixel frame. */
export interface RawDetection {
  cx: number;
  cy: number;
  width: number;
  height: number;
  /** x, y pairs for the 6 keypoints. */
  keypoints: Float32Array;
  score: number;
}

/** The two anchor layers: a fine grid (cell = inputSize/16) with 2 anchors per cell, a coarse one (cell = inputSize/8) with 6. */
const LAYERS = [{ cellsPerInput: 16, perCell: 2 }, { cellsPerInput: 8, perCell: 6 }] as const;
const REGRESSORS = 16;

/**
 * Anchor centres, in input pixels, for an input of `height` x `width` (multiples of inputSize/8):
 * the fine grid row by row, then the coarse grid (896 anchors for a trainingSize square). All
 * anchors have unit size: the regressors carry absolute box sizes in input pixels.
 */
export function blazeFaceAnchors(inputSize: number, height = inputSize, width = inputSize): Float32Array {
  const out: number[] = [];
  for (const { cellsPerInput, perCell } of LAYERS) {
    const cell = inputSize / cellsPerInput;
    for (let y = 0; y < Math.ceil(height / cell); y++) {
      for (let x = 0; x < Math.ceil(width / cell); x++) {
        for (let n = 0; n < perCell; n++) out.push((x + 0.5) * cell, (y + 0.5) * cell);
      }
    }
  }
  return new Float32Array(out);
}

export class BlazeFace {
  /** Number of model runs so far (for timing reports). */
  runs = 0;
  /** Input pixels processed so far (a run's cost grows with its input area). */
  pixels = 0;
  private readonly anchors = new Map<string, Float32Array>();

  private constructor(
    private readonly model: GraphModel,
    /** Names of the four last convolutions (scores and regressors of both anchor layers). */
    private readonly heads: string[],
    /** Side of the square input the model was trained on (256 back, 128 front). */
    readonly inputSize: number,
  ) {}

  /** Input height and width must be multiples of this. */
  get stride(): number {
    return this.inputSize / LAYERS[1].cellsPerInput;
  }

  /**
   * A detector built from a converted BlazeFace graph (input 1xNxNx3, four reshaped outputs). The
   * graph is saved to memory and loaded again with a free input size; `model` is left untouched
   * and may be disposed.
   */
  static async fromGraphModel(model: GraphModel): Promise<BlazeFace> {
    const shape = model.inputs[0]?.shape;
    const size = shape?.[1];
    if (!shape || shape.length !== 4 || size === undefined || size <= 0 || shape[2] !== size) {
      throw new Error(`unexpected BlazeFace input shape ${JSON.stringify(shape)}`);
    }
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    if (!artifacts?.modelTopology || artifacts.weightData === undefined) throw new Error('BlazeFace graph could not be saved to memory');
    const { weightData, ...rest } = artifacts;
    const copy = structuredClone(rest);
    const nodes = (copy.modelTopology as { node?: GraphNode[] }).node ?? [];
    const input = nodes.find((n) => n.op === 'Placeholder');
    const dims = input?.attr?.shape?.shape?.dim;
    if (!dims || dims.length !== 4) throw new Error('BlazeFace graph has no 4-D input placeholder');
    dims[1] = { size: '-1' };
    dims[2] = { size: '-1' };
    const free = await loadGraphModel(tf.io.fromMemory({ ...copy, weightData }));
    // Each output is a reshape (possibly behind identities) of a convolution; run up to those.
    const byName = new Map(nodes.map((n) => [n.name, n]));
    const heads = free.outputs.map((o) => {
      let node = byName.get(o.name.split(':')[0]!);
      while (node && (node.op === 'Identity' || node.op === 'Reshape')) node = byName.get(node.input?.[0]?.split(':')[0] ?? '');
      if (!node) throw new Error(`BlazeFace output ${o.name} does not come from a convolution`);
      return node.name;
    });
    return new BlazeFace(free, heads, size);
  }

  /**
   * Runs the model on one input of height x width x 3 floats in [-1, 1] (sides multiples of
   * `stride`) and returns every anchor whose score reaches `minScore`.
   */
  async detect(input: Float32Array, height: number, width: number, minScore: number): Promise<RawDetection[]> {
    if (height % this.stride || width % this.stride) throw new Error(`BlazeFace input ${width}x${height} is not a multiple of ${this.stride}`);
    this.runs++;
    this.pixels += height * width;
    const x = tf.tensor4d(input, [1, height, width, 3]);
    const outputs = this.model.execute(x, this.heads) as tf.Tensor[];
    x.dispose();
    try {
      const pick = (channels: number): tf.Tensor => {
        const t = outputs.find((o) => o.shape[3] === channels);
        if (!t) throw new Error(`BlazeFace head with ${channels} channels missing (got ${outputs.map((o) => o.shape.join('x')).join(', ')})`);
        return t;
      };
      const [fine, coarse] = LAYERS.map((l) => ({ scores: pick(l.perCell), regressors: pick(l.perCell * REGRESSORS) }));
      const [s0, s1, r0, r1] = await Promise.all([fine!.scores, coarse!.scores, fine!.regressors, coarse!.regressors].map((t) => t.data<'float32'>()));
      return this.decode(this.anchorsFor(height, width), [s0!, s1!], [r0!, r1!], minScore);
    } finally {
      tf.dispose(outputs);
    }
  }

  /** Frees the model's weights. */
  dispose(): void {
    this.model.dispose();
  }

  private anchorsFor(height: number, width: number): Float32Array {
    const key = `${height}x${width}`;
    let a = this.anchors.get(key);
    if (!a) this.anchors.set(key, (a = blazeFaceAnchors(this.inputSize, height, width)));
    return a;
  }

  private decode(anchors: Float32Array, scores: Float32Array[], regressors: Float32Array[], minScore: number): RawDetection[] {
    // Compare logits instead of applying the sigmoid to every anchor.
    const minLogit = Math.log(minScore / (1 - minScore));
    const found: RawDetection[] = [];
    let i = 0;
    for (let layer = 0; layer < scores.length; layer++) {
      const s = scores[layer]!, reg = regressors[layer]!;
      for (let j = 0; j < s.length; j++, i++) {
        const logit = s[j]!;
        if (!(logit >= minLogit)) continue;
        const ax = anchors[2 * i]!, ay = anchors[2 * i + 1]!;
        const r = REGRESSORS * j;
        const keypoints = new Float32Array(2 * BLAZEFACE_KEYPOINTS);
        for (let k = 0; k < BLAZEFACE_KEYPOINTS; k++) {
          keypoints[2 * k] = ax + reg[r + 4 + 2 * k]!;
          keypoints[2 * k + 1] = ay + reg[r + 5 + 2 * k]!;
        }
        found.push({
          cx: ax + reg[r]!,
          cy: ay + reg[r + 1]!,
          width: reg[r + 2]!,
          height: reg[r + 3]!,
          keypoints,
          score: sigmoid(Math.max(-100, Math.min(100, logit))),
        });
      }
    }
    return found;
  }
}

/** The parts of a graph node (model.json topology) that are read or changed here. */
interface GraphNode {
  name: string;
  op: string;
  input?: string[];
  attr?: { shape?: { shape?: { dim?: Array<{ size: string }> } } };
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
