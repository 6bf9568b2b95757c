/** Units and frame shared by every export (see index.ts). */

export const EXPORT_UNITS = 'mm';

export const HEAD_FRAME_DESCRIPTION =
  "millimetres; head frame: x = subject's left, y = up, z = out of the face; origin = the morphable model's origin";

/** File names of the export set; texture.png and eyes.png are written by the caller. */
export const EXPORT_FILE_NAMES = {
  obj: 'mesh.obj',
  mtl: 'mesh.mtl',
  ply: 'mesh.ply',
  glb: 'head.glb',
  texture: 'texture.png',
  eyeTexture: 'eyes.png',
  params: 'params.json',
} as const;
