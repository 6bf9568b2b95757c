import { pointBounds } from '../base/rect.js';
import { texturedMesh } from '../base/mesh.js';
import { sideBySide, type RgbImage, type RgbaImage } from '../base/image.js';
import { resampleWindow } from '../base/resample.js';
import { projectPoints, type Camera } from '../base/camera.js';
import type { MorphableModel } from '../model/types.js';
import { ALL_468, correspondencePoints } from '../correspondence/landmark-model.js';
import { cosineSimilarity, type FaceEmbedder } from '../identity/index.js';
import { shFromLight } from '../lighting/sh.js';
import { spreadSampleAlbedo } from '../photometric/face-samples.js';
import { errorHeatMap } from '../photometric/error-map.js';
import { displayMesh } from '../render/display-mesh.js';
import { faceTriangleMask, normalDetail } from '../detail/index.js';
import { renderPlain } from '../render/overlay.js';
import { renderTextured } from '../render/textured.js';
import { sampleSkin } from '../skin/index.js';
import type { FaceReconstruction } from './reconstruct.js';

/** A square window around one face, `size` pixels, with the camera that renders into it. */
export interface FaceWindow {
  x: number;
  y: number;
  /** Window pixels per photo pixel. */
  scale: number;
  size: number;
  camera: Camera;
}

/** Side of the face pictures, pixels. */
const FACE_WINDOW_SIZE = 320;
/** The window's side as a multiple of the larger side of the landmarks' bounding box. */
const FACE_WINDOW_SCALE = 1.35;

export function faceWindow(face: FaceReconstruction, size = FACE_WINDOW_SIZE): FaceWindow {
  const lm = face.detection.landmarks;
  const b = pointBounds(lm, 3);
  const side = FACE_WINDOW_SCALE * Math.max(b.width, b.height);
  const x = b.x + (b.width - side) / 2, y = b.y + (b.height - side) / 2, scale = size / side;
  const camera: Camera = {
    focal: face.camera.focal * scale, cx: (face.camera.cx - x) * scale, cy: (face.camera.cy - y) * scale, width: size, height: size,
  };
  return { x, y, scale, size, camera };
}

/** The photo's window, the textured reconstruction (face texture over the shaded head) and the shaded geometry in it. */
export interface FaceViews {
  window: FaceWindow;
  photo: RgbImage;
  textured: RgbaImage;
  geometry: RgbaImage;
}

/** How faceViews textures the head. */
export interface FaceViewLook {
  /** Lighting of the texture. Default: a white environment, i.e. the texture as it is, for textures baked from a photo. */
  sh?: ArrayLike<number>;
  /**
   * sRGB8 colour of the rest of the head and neck, as the exported meshes give it; without it only
   * the face is textured, over the gray-shaded head.
   */
  headColour?: readonly [number, number, number];
  size?: number;
}

/** Renders a reconstruction into its face window: `texture` is the face tile's albedo (see FaceViewLook). */
export function faceViews(model: MorphableModel, photo: RgbImage, face: FaceReconstruction, texture: RgbImage, look: FaceViewLook = {}): FaceViews {
  const size = look.size ?? FACE_WINDOW_SIZE;
  const window = faceWindow(face, size);
  const { camera } = window;
  // With the detail band, both renders show its fine relief over the mesh.
  const detail = face.detail && normalDetail(face.detail, faceTriangleMask(model));
  const geometry = renderPlain(model, [{ positions: face.positions, pose: face.pose, camera, detail }], camera);
  const { face: faceRegion, headAndNeck } = model.triangleRegions;
  const lighting = look.sh ?? shFromLight([0, 0, 1], [1, 1, 1], [0, 0, 0]);
  // With a head colour the head and neck are shown too: they read another UV tile, which is absent,
  // so they take the fallback colour. Then the whole gray head is drawn for depth (eyes and mouth
  // hide the inside of the skull behind them), but only the skin is shown, over the gray render.
  const select = look.headColour ? displayMesh(model).select : [faceRegion];
  const visible = look.headColour ? [faceRegion, headAndNeck] : undefined;
  const albedo = { kind: 'texture' as const, tiles: [texture], fallback: look.headColour };
  const textured = renderTextured({ ...texturedMesh(model, face.positions), select, detail }, face.pose, camera, albedo, lighting, { supersample: 2, visible });
  return { window, photo: resampleWindow(photo, window.x, window.y, window.scale, size, size), textured: over(textured.image, geometry), geometry };
}

export interface ComparePicture {
  image: RgbaImage;
  /** Mean per-pixel error (8-bit sRGB units) of the fitted appearance on the skin mask, as the heat map shows it. */
  skinError: number;
}

/**
 * One face, four panels: the photo | the reconstruction textured with the completed albedo and lit
 * by the fitted SH lighting | the shaded geometry | the error of the fitted appearance model
 * (regularised albedo x lighting, the thing the fit minimises) on the skin mask.
 */
export function comparePicture(model: MorphableModel, views: FaceViews, face: FaceReconstruction): ComparePicture {
  const { photometric, skin } = face;
  if (!photometric || !skin) throw new Error('comparePicture needs a photometric reconstruction');
  const { window, photo } = views;
  const mesh = { ...texturedMesh(model, face.positions), select: [model.triangleRegions.face] as const };
  const appearance = renderTextured(mesh, face.pose, window.camera, {
    kind: 'vertex', colours: spreadSampleAlbedo(model, photometric.samples, photometric.sampleAlbedo, photometric.skinTone),
  }, photometric.sh);
  const onSkin = (x: number, y: number) => (sampleSkin(skin, window.x + (x + 0.5) / window.scale, window.y + (y + 0.5) / window.scale) >= 0.5 ? 1 : 0);
  const heat = errorHeatMap(appearance.image, photo, onSkin);
  return { image: sideBySide([opaque(photo), views.textured, views.geometry, heat.image]), skinError: heat.meanError };
}

/**
 * Cosine similarity of face-recognition embeddings: the photo's face vs the textured reconstruction
 * rendered in the same pose, each aligned on its own landmarks (detected; projected from the mesh).
 */
export async function identitySimilarity(embedder: FaceEmbedder, views: FaceViews, face: FaceReconstruction): Promise<number> {
  const { window } = views;
  const detected = Float32Array.from(face.detection.landmarks, (v, i) => (i % 3 === 0 ? (v - window.x) * window.scale : i % 3 === 1 ? (v - window.y) * window.scale : v));
  const [a, b] = await embedder.embedMany([
    { image: views.photo, landmarks: detected },
    { image: views.textured, landmarks: projectPoints(correspondencePoints(face.positions, ALL_468), face.pose, window.camera), stride: 3 },
  ]);
  return cosineSimilarity(a, b);
}

export function opaque(image: RgbImage): RgbaImage {
  const data = new Uint8Array(4 * image.width * image.height);
  for (let p = 0; p < image.width * image.height; p++) { data.set(image.data.subarray(3 * p, 3 * p + 3), 4 * p); data[4 * p + 3] = 255; }
  return { width: image.width, height: image.height, data };
}

/** Alpha-composites `top` over an opaque `bottom` of the same size. */
export function over(top: RgbaImage, bottom: RgbaImage): RgbaImage {
  const data = Uint8Array.from(bottom.data);
  for (let p = 0; p < top.width * top.height; p++) {
    const a = top.data[4 * p + 3] / 255;
    if (a === 0) continue;
    for (let c = 0; c < 3; c++) data[4 * p + c] = Math.round(a * top.data[4 * p + c] + (1 - a) * bottom.data[4 * p + c]);
  }
  return { width: top.width, height: top.height, data };
}
