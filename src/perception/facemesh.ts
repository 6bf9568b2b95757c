/**
 * MediaPipe FaceMesh (468 points) on face crops: samples each region from the full-resolution
 * image, runs all crops as one batch and maps the points back to image pixels.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { applyAffine, sampleAffine, type Affine, type ImagePyramid } from '../base/image-sampling.js';
import { roiAffine, type Roi } from './roi.js';

export const MESH_POINTS = 468;

export interface MeshResult {
  /** 468 x (x, y, z) in image pixels; z in the same pixel scale, smaller = nearer the camera. */
  points: Float32Array;
  /** Probability that the crop holds a face. */
  score: number;
}

export class FaceMesh {
  readonly inputSize: number;

  constructor(private readonly model: GraphModel) {
    const size = model.inputs[0]?.shape?.[1];
    if (size === undefined || size <= 0) throw new Error('unexpected FaceMesh input shape');
    this.inputSize = size;
  }

  async run(pyramid: ImagePyramid, rois: readonly Roi[]): Promise<MeshResult[]> {
    if (rois.length === 0) return [];
    const size = this.inputSize;
    const pixels = size * size * 3;
    const input = new Float32Array(rois.length * pixels);
    const affines = rois.map((roi) => roiAffine(roi, size));
    affines.forEach((affine, i) => sampleAffine(pyramid, affine, size, size, { out: input, offset: i * pixels, scale: 1 / 255, bias: 0, border: 'edge' }));
    const x = tf.tensor4d(input, [rois.length, size, size, 3]);
    const outputs = this.model.execute(x) as tf.Tensor[];
    x.dispose();
    try {
      const meshT = outputs.find((t) => t.shape[1] === MESH_POINTS * 3);
      const flagT = outputs.find((t) => t.shape[1] === 1);
      if (!meshT || !flagT) throw new Error(`unexpected FaceMesh outputs ${outputs.map((t) => t.shape.join('x')).join(', ')}`);
      const [mesh, flags] = await Promise.all([meshT.data<'float32'>(), flagT.data<'float32'>()]);
      return rois.map((roi, i) => ({
        points: toImage(mesh.subarray(i * MESH_POINTS * 3, (i + 1) * MESH_POINTS * 3), affines[i]!, roi.size / size),
        score: flags[i]!, // the converted model already applies the sigmoid
      }));
    } finally {
      tf.dispose(outputs);
    }
  }
}

/** Crop-pixel points (x, y, z) to image pixels; z is scaled like x and y. */
export function toImage(crop: Float32Array, affine: Affine, zScale: number): Float32Array {
  const out = new Float32Array(crop.length);
  for (let i = 0; i < crop.length; i += 3) {
    const [x, y] = applyAffine(affine, crop[i]!, crop[i + 1]!);
    out[i] = x;
    out[i + 1] = y;
    out[i + 2] = crop[i + 2]! * zScale;
  }
  return out;
}
