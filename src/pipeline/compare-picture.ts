import type { RgbImage, RgbaImage } from '../geometry/image.js';
import { resampleWindow } from '../geometry/resample.js';
import type { Camera } from '../fit/camera.js';
import type { MorphableModel } from '../model/types.js';
import { spreadSampleAlbedo } from '../photometric/face-samples.js';
import { errorHeatMap } from '../photometric/error-map.js';
import { renderPlain } from '../render/overlay.js';
import { renderTextured } from '../render/textured.js';
import { sampleSkin } from '../skin/index.js';
import type { FaceReconstruction } from './reconstruct.js';

export interface ComparePicture {
  image: RgbaImage;
  /** Mean per-pixel error (8-bit sRGB units) of the fitted appearance on the skin mask, as the heat map shows it. */
  skinError: number;
}

/**
 * One face, four panels of `size` pixels: the photo | the reconstruction textured with the
 * completed albedo and lit by the fitted SH lighting | the shaded geometry | the error of the fitted
 * appearance model (regularised albedo x lighting, the thing the fit minimises) on the skin mask.
 */
export function comparePicture(
  model: MorphableModel, photo: RgbImage, face: FaceReconstruction, albedo: RgbImage, size = 320,
): ComparePicture {
  const { photometric, skin } = face;
  if (!photometric || !skin) throw new Error('comparePicture needs a photometric reconstruction');
  const lm = face.detection.landmarks;
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (let i = 0; i < lm.length; i += 3) {
    x0 = Math.min(x0, lm[i]); x1 = Math.max(x1, lm[i]); y0 = Math.min(y0, lm[i + 1]); y1 = Math.max(y1, lm[i + 1]);
  }
  const side = 1.35 * Math.max(x1 - x0, y1 - y0);
  const wx = (x0 + x1 - side) / 2, wy = (y0 + y1 - side) / 2, scale = size / side;
  const camera: Camera = {
    focal: face.camera.focal * scale, cx: (face.camera.cx - wx) * scale, cy: (face.camera.cy - wy) * scale, width: size, height: size,
  };
  const crop = resampleWindow(photo, wx, wy, scale, size, size);
  const placed = { positions: face.positions, pose: face.pose, camera };
  const geometry = renderPlain(model, [placed], camera);

  const mesh = { positions: face.positions, triangles: model.triangles, uvs: model.uvs, triangleUvs: model.triangleUvs, select: [model.triangleRegions.face] as const };
  const textured = renderTextured(mesh, face.pose, camera, { kind: 'texture', tiles: [albedo] }, photometric.sh, { supersample: 2 });
  const appearance = renderTextured(mesh, face.pose, camera, {
    kind: 'vertex', colors: spreadSampleAlbedo(model, photometric.samples, photometric.sampleAlbedo, photometric.skinTone),
  }, photometric.sh);
  const heat = errorHeatMap(appearance.image, crop, (x, y) => (sampleSkin(skin, wx + (x + 0.5) / scale, wy + (y + 0.5) / scale) >= 0.5 ? 1 : 0));

  const panels = [opaque(crop), over(textured.image, geometry), geometry, heat.image];
  const image = { width: size * panels.length, height: size, data: new Uint8Array(4 * size * panels.length * size) };
  panels.forEach((p, k) => {
    for (let y = 0; y < size; y++) image.data.set(p.data.subarray(4 * y * size, 4 * (y + 1) * size), 4 * (y * image.width + k * size));
  });
  return { image, skinError: heat.meanError };
}

function opaque(image: RgbImage): RgbaImage {
  const data = new Uint8Array(4 * image.width * image.height);
  for (let p = 0; p < image.width * image.height; p++) { data.set(image.data.subarray(3 * p, 3 * p + 3), 4 * p); data[4 * p + 3] = 255; }
  return { width: image.width, height: image.height, data };
}

/** Alpha-composites `top` over an opaque `bottom` of the same size. */
function over(top: RgbaImage, bottom: RgbaImage): RgbaImage {
  const data = Uint8Array.from(bottom.data);
  for (let p = 0; p < top.width * top.height; p++) {
    const a = top.data[4 * p + 3] / 255;
    if (a === 0) continue;
    for (let c = 0; c < 3; c++) data[4 * p + c] = Math.round(a * top.data[4 * p + c] + (1 - a) * bottom.data[4 * p + c]);
  }
  return { width: top.width, height: top.height, data };
}
