import type { Buffer, Document, Node, Scene } from '@gltf-transform/core';
import { FRONTAL } from '../base/camera.js';
import * as mat3 from '../base/mat3.js';
import type { ExpressionClip } from './glb.js';

/**
 * A head pose (row-major rotation head -> camera frame, translation in millimetres, camera frame: x
 * right, y down, z forward) as a GLB node's rotation (quaternion x, y, z, w) and translation (mm) in
 * the camera's view frame (y and z flipped; glTF's own axes): a frontal head gets the identity rotation.
 */
export function animationPose(rotation: ArrayLike<number>, translationMm: ArrayLike<number>): { rotation: number[]; translation: number[] } {
  const view = mat3.multiply(mat3.create(), FRONTAL, rotation);
  return { rotation: mat3.toQuaternion(view), translation: [translationMm[0], -translationMm[1], -translationMm[2]] };
}

/**
 * Adds `clip` as one glTF animation, linear between keyframes: the morph weights on `nodes.mesh`
 * (`targetWeights` maps the model's weights to the file's targets, `targetCount` of them) and, when the
 * clip has a pose track, rotation and translation on `nodes.pose` (translations times `unitScale`, the
 * pose node's parent units per millimetre: 0.001 when the scene is in metres; the node's own transform
 * is set to the first keyframe's); the clip's camera as a node of `scene` at its origin.
 */
export function addClip(
  doc: Document, buffer: Buffer, scene: Scene, nodes: { mesh: Node; pose: Node }, clip: ExpressionClip,
  targetWeights: (modelWeights: ArrayLike<number>) => ArrayLike<number>, targetCount: number, unitScale: number,
): void {
  const n = clip.times.length;
  const check = (what: string, count: number) => { if (count !== n) throw new Error(`clip ${clip.name}: ${n} times but ${count} ${what}`); };
  check('keyframes', clip.weights.length);
  for (let i = 1; i < n; i++) if (!(clip.times[i] > clip.times[i - 1])) throw new Error(`clip ${clip.name}: keyframe times must increase`);
  const accessor = (array: Float32Array, type: 'SCALAR' | 'VEC3' | 'VEC4') => doc.createAccessor().setType(type).setArray(array).setBuffer(buffer);
  const input = accessor(Float32Array.from(clip.times), 'SCALAR');
  const animation = doc.createAnimation(clip.name);
  const channel = (node: Node, path: 'weights' | 'rotation' | 'translation', output: Float32Array, type: 'SCALAR' | 'VEC3' | 'VEC4') => {
    const sampler = doc.createAnimationSampler().setInput(input).setOutput(accessor(output, type)).setInterpolation('LINEAR');
    animation.addSampler(sampler).addChannel(doc.createAnimationChannel().setTargetNode(node).setTargetPath(path).setSampler(sampler));
  };
  const weights = new Float32Array(n * targetCount);
  clip.weights.forEach((w, i) => weights.set(targetWeights(w), i * targetCount));
  channel(nodes.mesh, 'weights', weights, 'SCALAR');
  if (clip.pose) {
    check('rotations', clip.pose.rotations.length);
    check('translations', clip.pose.translationsMm.length);
    const rotations = Float32Array.from(clip.pose.rotations.flatMap((q) => Array.from(q)));
    const translations = Float32Array.from(clip.pose.translationsMm.flatMap((t) => Array.from(t, (v) => v * unitScale)));
    channel(nodes.pose, 'rotation', rotations, 'VEC4');
    channel(nodes.pose, 'translation', translations, 'VEC3');
    nodes.pose.setRotation(Array.from(rotations.subarray(0, 4)) as [number, number, number, number])
      .setTranslation(Array.from(translations.subarray(0, 3)) as [number, number, number]);
  }
  if (clip.camera) {
    const camera = doc.createCamera('camera').setType('perspective').setYFov(clip.camera.yfov)
      .setAspectRatio(clip.camera.aspectRatio).setZNear(10 * unitScale);
    scene.addChild(doc.createNode('camera').setCamera(camera));
  }
}
