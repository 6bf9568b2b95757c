import { projectPoints, type Camera, type HeadPose } from '../base/camera.js';
import { vertexNormals } from '../base/normals.js';
import type { RgbImage, RgbaImage } from '../base/image.js';
import type { MorphableModel } from '../model/types.js';
import { displayMesh } from './display-mesh.js';
import { drawPoints, type PointSet } from './points.js';
import { createRasterFrame, rasteriseInto, type RasterFrame, type TriangleSelection } from './rasterise.js';
import { normalTilt, type NormalDetail } from './normal-detail.js';
import { cameraNormals, shadeFrame, type ShadedMesh, type ShadingLight } from './shade.js';

/** One fitted head in a photo: model-frame vertex positions and its pose in the shared camera. */
export interface PlacedFace {
  positions: Float32Array;
  pose: HeadPose;
  /** This face's own camera (faces fitted independently have their own focal length); default the shared one. */
  camera?: Camera;
  /** Fine detail shown per pixel over the mesh (see NormalDetail). */
  detail?: NormalDetail;
}

export interface FaceRenderOptions {
  /** Triangles to draw; default `displayMesh(model).select`. */
  select?: TriangleSelection;
  light?: ShadingLight;
  /** Dots drawn on top, e.g. detected landmarks in green and model landmarks in red. */
  points?: readonly PointSet[];
}

export interface RenderedFaces {
  /** Shared z-buffer; `meshIndex` is the index into the faces list. */
  frame: RasterFrame;
  /** Shaded pixels, alpha 255 where a face was drawn. */
  shaded: RgbaImage;
}

/** Rasterises and shades several faces into one shared z-buffer. */
export function renderFaces(model: MorphableModel, faces: readonly PlacedFace[], camera: Camera, options: FaceRenderOptions = {}): RenderedFaces {
  const frame = createRasterFrame(camera.width, camera.height);
  const display = displayMesh(model);
  const select = options.select ?? display.select;
  const triangleColours = display.colours;
  const meshes: ShadedMesh[] = faces.map((face, k) => {
    const screen = projectPoints(face.positions, face.pose, face.camera ?? camera);
    rasteriseInto(frame, screen, model.triangles, { select, meshIndex: k });
    const normals = cameraNormals(vertexNormals(face.positions, model.triangles), face.pose.rotation);
    const tilt = face.detail && normalTilt(face.detail, model.uvs, model.triangleUvs, face.pose.rotation);
    return { triangles: model.triangles, normals, triangleColours, camera: face.camera, tilt };
  });
  return { frame, shaded: shadeFrame(frame, meshes, camera, options.light) };
}

export interface OverlayOptions extends FaceRenderOptions {
  /** Opacity of the mesh over the photo. Default 0.7. */
  opacity?: number;
}

/** The photo with the shaded faces alpha-blended on top (and any points), as an opaque RGBA picture. */
export function overlayFaces(photo: RgbImage, model: MorphableModel, faces: readonly PlacedFace[], camera: Camera, options: OverlayOptions = {}): RgbaImage {
  if (photo.width !== camera.width || photo.height !== camera.height) {
    throw new Error(`photo is ${photo.width}x${photo.height} but the camera is ${camera.width}x${camera.height}`);
  }
  const { shaded } = renderFaces(model, faces, camera, options);
  const opacity = options.opacity ?? 0.7;
  const out = new Uint8Array(photo.width * photo.height * 4);
  const src = photo.data, mesh = shaded.data;
  for (let p = 0, n = photo.width * photo.height; p < n; p++) {
    const a = (mesh[4 * p + 3] / 255) * opacity;
    for (let c = 0; c < 3; c++) out[4 * p + c] = Math.round(src[3 * p + c] * (1 - a) + mesh[4 * p + c] * a);
    out[4 * p + 3] = 255;
  }
  const image = { width: photo.width, height: photo.height, data: out };
  for (const set of options.points ?? []) drawPoints(image, set);
  return image;
}

export interface PlainRenderOptions extends FaceRenderOptions {
  background?: readonly [number, number, number];
}

/** The shaded faces on a flat background, as an opaque RGBA picture. */
export function renderPlain(model: MorphableModel, faces: readonly PlacedFace[], camera: Camera, options: PlainRenderOptions = {}): RgbaImage {
  const { shaded } = renderFaces(model, faces, camera, options);
  const [br, bg, bb] = options.background ?? [64, 68, 76];
  const data = shaded.data;
  for (let o = 0; o < data.length; o += 4) {
    if (data[o + 3] === 0) { data[o] = br; data[o + 1] = bg; data[o + 2] = bb; data[o + 3] = 255; }
  }
  for (const set of options.points ?? []) drawPoints(shaded, set);
  return shaded;
}
