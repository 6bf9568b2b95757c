/**
 * MediaPipe Iris on eye crops cut from the full-resolution image around the face-mesh eye corners.
 * The model was trained on the eye that appears on the image's left (the subject's right eye);
 * the other eye is mirrored before it goes in, and mirrored back by the same crop transform.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { sampleAffine, type Affine, type ImagePyramid } from './image-sampling.js';
import { eyeRoi, LEFT_EYE_CORNERS, RIGHT_EYE_CORNERS, roiAffine } from './roi.js';
import { toImage } from './facemesh.js';

/** The model returns 71 eye-contour points followed by 5 iris points (centre, then 4 on the rim). */
const CONTOUR_POINTS = 71;
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
   * right eye (mesh corners 33/133) then left eye (362/263), each centre first.
   */
  async run(pyramid: ImagePyramid, meshes: readonly Float32Array[]): Promise<Float32Array[]> {
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
      for (let eye = 0; eye < 2; eye++) {
        const e = 2 * f + eye;
        const irisCrop = data.subarray(e * stride + CONTOUR_POINTS * 3, (e + 1) * stride);
        const points = toImage(irisCrop, affines[e]!, 0);
        const [upper, lower] = eye === 0 ? RIGHT_EYELIDS : LEFT_EYELIDS;
        const z = (mesh[3 * upper + 2]! + mesh[3 * lower + 2]!) / 2;
        for (let p = 0; p < IRIS_POINTS; p++) points[3 * p + 2] = z;
        out.set(points, eye * IRIS_POINTS * 3);
      }
      return out;
    });
  }
}
