/**
 * A video clip for the live mode's test: a photo's head, reconstructed (landmark fit, the photo as
 * its face texture) and rendered turning from side to side, yaw = yaw0 + amplitude sin(2 pi t / period),
 * written as a YUV4MPEG2 file (what Chromium's fake camera plays, looping, at the file's rate).
 */
import { writeFile } from 'node:fs/promises';
import { createReconstructor, poseAngles } from '../../src/node.js';
import type { Camera, RgbImage } from '../../src/index.js';
import { rotationFromAngles } from '../../src/base/camera.js';
import { texturedMesh } from '../../src/base/mesh.js';
import { shFromLight } from '../../src/lighting/sh.js';
import { displayMesh } from '../../src/render/display-mesh.js';
import { renderPlain } from '../../src/render/overlay.js';
import { compositeOver, renderTextured } from '../../src/render/textured.js';
import { bakePhoto } from '../../src/texture/bake-photo.js';

export interface TurningHeadClip {
  frames: number;
  fps: number;
  periodSeconds: number;
  /** Yaw of the photo's head (degrees) and the swing's amplitude around it. */
  yaw0: number;
  amplitude: number;
}

export async function writeTurningHeadClip(
  path: string, photo: string, { frames = 48, fps = 12, amplitude = 25, size = 320 } = {},
): Promise<TurningHeadClip> {
  const recon = await createReconstructor({ identitySimilarity: false });
  const { model } = recon;
  const result = await recon.reconstruct(photo, { photometric: false });
  recon.dispose();
  const face = result.faces[0];
  if (!face) throw new Error(`no face in ${photo}`);
  const texture = bakePhoto({ ...texturedMesh(model, face.positions), photo: result.image, camera: face.camera, pose: face.pose }, {
    width: 512, height: 512, uRange: [0, 1], vRange: [0, 1],
    bakeSelect: [model.triangleRegions.face], occluderSelect: displayMesh(model).select,
  }).filled;
  // The head centred in a square frame, its face about a third of the frame wide.
  const focal = (face.camera.focal * 0.33 * size) / face.fit.faceSize;
  const camera: Camera = { focal, cx: size / 2, cy: size / 2, width: size, height: size };
  const translation = Float64Array.from([0, 0, face.pose.translation[2]!]);
  const { yaw: yaw0, pitch, roll } = poseAngles(face.pose.rotation);
  const mesh = { ...texturedMesh(model, face.positions), select: [model.triangleRegions.face] as const };
  const white = shFromLight([0, 0, 1], [1, 1, 1], [0, 0, 0]);
  const chunks: Uint8Array[] = [new TextEncoder().encode(`YUV4MPEG2 W${size} H${size} F${fps}:1 Ip A1:1 C420jpeg\n`)];
  for (let i = 0; i < frames; i++) {
    const pose = { rotation: rotationFromAngles(yaw0 + amplitude * Math.sin((2 * Math.PI * i) / frames), pitch, roll), translation };
    const head = renderPlain(model, [{ positions: face.positions, pose, camera }], camera, { background: [96, 104, 112] });
    const skin = renderTextured(mesh, pose, camera, { kind: 'texture', tiles: [texture] }, white);
    chunks.push(new TextEncoder().encode('FRAME\n'), yuv420(compositeOver(skin.image, dropAlpha(head))));
  }
  await writeFile(path, Buffer.concat(chunks));
  return { frames, fps, periodSeconds: frames / fps, yaw0, amplitude };
}

function dropAlpha(image: { width: number; height: number; data: Uint8Array }): RgbImage {
  const n = image.width * image.height;
  const data = new Uint8Array(3 * n);
  for (let p = 0; p < n; p++) for (let c = 0; c < 3; c++) data[3 * p + c] = image.data[4 * p + c]!;
  return { width: image.width, height: image.height, data };
}

/** Full-range BT.601 (JPEG) Y plane, then U and V averaged over 2x2 blocks. */
function yuv420({ width: w, height: h, data }: RgbImage): Uint8Array {
  const out = new Uint8Array(w * h + 2 * (w / 2) * (h / 2));
  const u = w * h, v = u + (w / 2) * (h / 2);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = 3 * (y * w + x);
      out[y * w + x] = Math.round(0.299 * data[p]! + 0.587 * data[p + 1]! + 0.114 * data[p + 2]!);
    }
  }
  for (let y = 0; y < h; y += 2) {
    for (let x = 0; x < w; x += 2) {
      let cb = 0, cr = 0;
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) {
        const p = 3 * ((y + dy) * w + x + dx);
        const [r, g, b] = [data[p]!, data[p + 1]!, data[p + 2]!];
        cb += 128 - 0.168736 * r - 0.331264 * g + 0.5 * b;
        cr += 128 + 0.5 * r - 0.418688 * g - 0.081312 * b;
      }
      const q = (y / 2) * (w / 2) + x / 2;
      out[u + q] = Math.max(0, Math.min(255, Math.round(cb / 4)));
      out[v + q] = Math.max(0, Math.min(255, Math.round(cr / 4)));
    }
  }
  return out;
}
