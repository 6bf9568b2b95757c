import type { Camera } from '../base/camera.js';
import type { RgbaImage } from '../base/image.js';
import type { RasterFrame } from './rasterise.js';
import { pixelNormal } from './interpolate.js';

/** Lambert + ambient + Blinn-Phong highlight; directions in the camera frame (x right, y down, z forward). */
export interface ShadingLight {
  /** Unit-free direction from the surface toward the light. */
  direction: readonly [number, number, number];
  ambient: number;
  diffuse: number;
  specular: number;
  shininess: number;
}

/** Key light above-left of the camera, slightly in front of the face. */
export const DEFAULT_LIGHT: ShadingLight = { direction: [-0.35, -0.45, -1], ambient: 0.28, diffuse: 0.72, specular: 0.18, shininess: 24 };

export interface ShadedMesh {
  triangles: Uint32Array;
  /** Unit vertex normals in the camera frame (see `cameraNormals`). */
  normals: Float32Array;
  /** sRGB albedo, 3 bytes per triangle; `colour` is used when absent. */
  triangleColours?: Uint8Array;
  colour?: readonly [number, number, number];
  /** The camera this mesh was projected with, if not the frame's (same pixel grid, own focal/centre). */
  camera?: Camera;
  /** Tilts a pixel's interpolated camera-frame normal (fine detail, see normalTilt). */
  tilt?: (triangle: number, b1: number, b2: number, normal: Float64Array) => void;
}

/** Rotates model-frame unit normals into the camera frame (row-major 3x3 rotation). */
export function cameraNormals(modelNormals: Float32Array, rotation: ArrayLike<number>, out?: Float32Array): Float32Array {
  const r = out ?? new Float32Array(modelNormals.length);
  const R = rotation;
  for (let i = 0; i < modelNormals.length; i += 3) {
    const x = modelNormals[i], y = modelNormals[i + 1], z = modelNormals[i + 2];
    r[i] = R[0] * x + R[1] * y + R[2] * z;
    r[i + 1] = R[3] * x + R[4] * y + R[5] * z;
    r[i + 2] = R[6] * x + R[7] * y + R[8] * z;
  }
  return r;
}

/**
 * Shades every covered pixel of a frame with interpolated vertex normals. `meshes[k]` is the mesh
 * rasterised with `meshIndex: k`. Lighting is two-sided (a normal facing away from the viewer is
 * flipped) so open parts such as the mouth interior do not turn black. Alpha is 255 where covered.
 */
export function shadeFrame(frame: RasterFrame, meshes: readonly ShadedMesh[], camera: Camera, light: ShadingLight = DEFAULT_LIGHT): RgbaImage {
  const { width: W, height: H, triangleId, meshIndex } = frame;
  const unit = new Float64Array(3);
  const data = new Uint8Array(W * H * 4);
  const [lx0, ly0, lz0] = light.direction;
  const ll = Math.hypot(lx0, ly0, lz0);
  const lx = lx0 / ll, ly = ly0 / ll, lz = lz0 / ll;

  for (let y = 0, p = 0; y < H; y++) {
    for (let x = 0; x < W; x++, p++) {
      const t = triangleId[p];
      if (t < 0) continue;
      const mesh = meshes[meshIndex[p]];
      const cam = mesh.camera ?? camera;
      pixelNormal(frame, p, mesh.triangles, mesh.normals, unit);
      mesh.tilt?.(t, frame.barycentric[2 * p], frame.barycentric[2 * p + 1], unit);
      let nx = unit[0], ny = unit[1], nz = unit[2];

      // View direction: from the surface back along the pixel's ray toward the camera centre.
      let vx = (cam.cx - x - 0.5) / cam.focal, vy = (cam.cy - y - 0.5) / cam.focal, vz = -1;
      const vl = Math.sqrt(vx * vx + vy * vy + vz * vz);
      vx /= vl; vy /= vl; vz /= vl;
      if (nx * vx + ny * vy + nz * vz < 0) { nx = -nx; ny = -ny; nz = -nz; }

      const diffuse = Math.max(0, nx * lx + ny * ly + nz * lz);
      let hx = lx + vx, hy = ly + vy, hz = lz + vz;
      const hl = Math.sqrt(hx * hx + hy * hy + hz * hz) || 1;
      hx /= hl; hy /= hl; hz /= hl;
      const specular = diffuse > 0 ? Math.pow(Math.max(0, nx * hx + ny * hy + nz * hz), light.shininess) : 0;
      const k = light.ambient + light.diffuse * diffuse;
      const s = 255 * light.specular * specular;

      const colours = mesh.triangleColours;
      const c = mesh.colour ?? NEUTRAL_GREY;
      const r = colours ? colours[3 * t] : c[0], g = colours ? colours[3 * t + 1] : c[1], b = colours ? colours[3 * t + 2] : c[2];
      const o = 4 * p;
      data[o] = clampByte(r * k + s);
      data[o + 1] = clampByte(g * k + s);
      data[o + 2] = clampByte(b * k + s);
      data[o + 3] = 255;
    }
  }
  return { width: W, height: H, data };
}

const NEUTRAL_GREY = [190, 190, 190] as const;

function clampByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}
