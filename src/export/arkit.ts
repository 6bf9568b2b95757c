/** The 52 blendshape names of Apple ARKit (ARFaceAnchor.BlendShapeLocation), as face-tracking tools use them. */
export const ARKIT_BLENDSHAPES: readonly string[] = [
  'browDownLeft', 'browDownRight', 'browInnerUp', 'browOuterUpLeft', 'browOuterUpRight',
  'cheekPuff', 'cheekSquintLeft', 'cheekSquintRight',
  'eyeBlinkLeft', 'eyeBlinkRight', 'eyeLookDownLeft', 'eyeLookDownRight', 'eyeLookInLeft', 'eyeLookInRight',
  'eyeLookOutLeft', 'eyeLookOutRight', 'eyeLookUpLeft', 'eyeLookUpRight', 'eyeSquintLeft', 'eyeSquintRight',
  'eyeWideLeft', 'eyeWideRight',
  'jawForward', 'jawLeft', 'jawOpen', 'jawRight',
  'mouthClose', 'mouthDimpleLeft', 'mouthDimpleRight', 'mouthFrownLeft', 'mouthFrownRight', 'mouthFunnel',
  'mouthLeft', 'mouthLowerDownLeft', 'mouthLowerDownRight', 'mouthPressLeft', 'mouthPressRight', 'mouthPucker',
  'mouthRight', 'mouthRollLower', 'mouthRollUpper', 'mouthShrugLower', 'mouthShrugUpper', 'mouthSmileLeft',
  'mouthSmileRight', 'mouthStretchLeft', 'mouthStretchRight', 'mouthUpperUpLeft', 'mouthUpperUpRight',
  'noseSneerLeft', 'noseSneerRight',
  'tongueOut',
];

/**
 * ARKit-style name of an ICT-FaceKit expression: the `_L` / `_R` suffix becomes `Left` / `Right`
 * (both mean the subject's side, as in ARKit; ICT's `_L` shapes move vertices at +x, the subject's left).
 *
 * 49 of ICT's 53 shapes map onto ARKit names exactly. ICT splits two ARKit shapes by side, and they keep
 * the split: browInnerUp_L/_R -> browInnerUpLeft/Right and cheekPuff_L/_R -> cheekPuffLeft/Right, so
 * an ARKit driver sets both halves to its browInnerUp (or cheekPuff) value. ARKit's tongueOut has no ICT shape.
 */
export function arkitName(ictName: string): string {
  return ictName.replace(/_L$/, 'Left').replace(/_R$/, 'Right');
}

/** ARKit names whose single shape ICT splits into a Left and a Right half. */
export const ARKIT_SPLIT_SHAPES: readonly string[] = ['browInnerUp', 'cheekPuff'];

/**
 * The ARKit-52 targets of a model's expressions: for each of ARKIT_BLENDSHAPES (in that order), the
 * model's expressions it is made of. ICT's split halves merge into one (browInnerUp = browInnerUp_L +
 * browInnerUp_R, cheekPuff = cheekPuff_L + cheekPuff_R: their deltas add, their weight is the halves'
 * mean); every other name is one ICT shape; tongueOut has none (an empty target, so rigs find all 52).
 */
export function arkit52Sources(expressionNames: readonly string[]): { name: string; sources: number[] }[] {
  return ARKIT_BLENDSHAPES.map((name) => ({
    name,
    sources: expressionNames.flatMap((ict, k) => (arkitName(ict) === name || ARKIT_SPLIT_SHAPES.includes(name) && arkitName(ict).replace(/(Left|Right)$/, '') === name ? [k] : [])),
  }));
}
