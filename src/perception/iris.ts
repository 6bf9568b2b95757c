/**
 * MediaPipe Iris on eye crops cut from the full-resolution image around the face-mesh eye corners.
 * The model was trained on the eye that appears on the image's left (the subject's right eye);
 * the other eye is mirrored before it goes in, and mirrored back by the same crop transform.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { sampleAffine, type Affine, type ImagePyramid } from '../base/image-sampling.js';
import { eyeRoi, LEFT_EYE_CORNERS, RIGHT_EYE_CORNERS, roiAffine } from './roi.js';
import { toImage } from './facemesh.js';

/** The model returns 71 eye-contour points followed by 5 iris points (centre, then 4 on the rim). */
const CONTOUR_POINTS = 71;
/**
 * The first 16 contour points trace the eyelid margins: 9 along the lower lid from the outer corner
 * to the inner one, then 7 along the upper lid from outer to inner. These are the face-mesh points
 * they stand for (MediaPipe's iris-refined face mesh replaces those mesh points by them), subject's
 * right eye then left eye.
 */
export const IRIS_EYELID_MESH_INDICES = [
  33, 7, 163, 144, 145, 153, 154, 155, 133, 246, 161, 160, 159, 158, 157, 173,
  263, 249, 390, 373, 374, 380, 381, 382, 362, 466, 388, 387, 386, 385, 384, 398,
] as const;
const EYELID_POINTS = 16;
const IRIS_POINTS = 5;
/** Mesh points on the middle of the upper and lower eyelid, whose mean depth the iris points take. */
const RIGHT_EYELIDS = [159, 145] as const;
const LEFT_EYELIDS = [386, 374] as const;

export class Iris {
  readonly inputSize: number;

  constructor(private readonly model: GraphModel) {
    const size = model.inputs[0]?.shape?.[1];
    if (size === undefined || size <= 0) throw new Error('unexpected Iris input shape');
    this.inputSize = size;
  }

  /**
   * For each face mesh (468 x 3, image pixels), returns 10 iris points x, y, z: the subject's
   * right eye (mesh corners 33/133) then left eye (362/263), each centre first; and the eyelid
   * margins, 32 points x, y, z at the mesh points IRIS_EYELID_MESH_INDICES (z from the mesh).
   */
  async run(pyramid: ImagePyramid, meshes: readonly Float32Array[]): Promise<{ irises: Float32Array; eyelids: Float32Array }[]> {
    if (meshes.length === 0) return [];
    const size = this.inputSize;
    const pixels = size * size * 3;
    const affines: Affine[] = [];
    for (const mesh of meshes) {
      affines.push(roiAffine(eyeRoi(mesh, RIGHT_EYE_CORNERS), size, false));
      affines.push(roiAffine(eyeRoi(mesh, LEFT_EYE_CORNERS), size, true));
    }
    const input = new Float32Array(affines.length * pixels);
    affines.forEach((affine, i) => sampleAffine(pyramid, affine, size, size, { out: input, offset: i * pixels, scale: 1 / 255, bias: 0, border: 'edge' }));
    const x = tf.tensor4d(input, [affines.length, size, size, 3]);
    const output = this.model.execute(x) as tf.Tensor;
    x.dispose();
    let data: Float32Array;
    try {
      data = await output.data<'float32'>();
    } finally {
      output.dispose();
    }
    const stride = (CONTOUR_POINTS + IRIS_POINTS) * 3;
    if (data.length !== affines.length * stride) throw new Error(`unexpected Iris output of ${data.length} values`);
    return meshes.map((mesh, f) => {
      const out = new Float32Array(2 * IRIS_POINTS * 3);
      const eyelids = new Float32Array(2 * EYELID_POINTS * 3);
      for (let eye = 0; eye < 2; eye++) {
        const e = 2 * f + eye;
        const lids = toImage(data.subarray(e * stride, e * stride + EYELID_POINTS * 3), affines[e]!, 0);
        for (let p = 0; p < EYELID_POINTS; p++) lids[3 * p + 2] = mesh[3 * IRIS_EYELID_MESH_INDICES[eye * EYELID_POINTS + p]! + 2]!;
        eyelids.set(lids, eye * EYELID_POINTS * 3);
        const irisCrop = data.subarray(e * stride + CONTOUR_POINTS * 3, (e + 1) * stride);
        const points = toImage(irisCrop, affines[e]!, 0);
        const [upper, lower] = eye === 0 ? RIGHT_EYELIDS : LEFT_EYELIDS;
        const z = (mesh[3 * upper + 2]! + mesh[3 * lower + 2]!) / 2;
        for (let p = 0; p < IRIS_POINTS; p++) points[3 * p + 2] = z;
        out.set(points, eye * IRIS_POINTS * 3);
      }
      return { irises: out, eyelids };
    });
  }
}
