import { rotationFromAngles, type Camera } from '../base/camera.js';
import type { RgbaImage } from '../base/image.js';
import type { MorphableModel } from '../model/types.js';
import type { NormalDetail } from '../render/normal-detail.js';
import { renderPlain } from '../render/overlay.js';

/** Side of one panel of detail.png, pixels. */
const PANEL = 512;

/**
 * detail.png: the fitted head gray-shaded, coarse (left) and with the detail band (right), seen from
 * the front (top row) and at three-quarters (bottom row), close enough that the face fills the panel.
 */
export function detailPicture(model: MorphableModel, positions: Float32Array, detail: NormalDetail): RgbaImage {
  const out = new Uint8Array(4 * 4 * PANEL * PANEL);
  const camera: Camera = { focal: 1500, cx: PANEL / 2, cy: PANEL / 2, width: PANEL, height: PANEL };
  [0, 35].forEach((yaw, row) => {
    [false, true].forEach((withDetail, column) => {
      const pose = { rotation: rotationFromAngles(yaw, 0, 0), translation: Float64Array.from([0, -2.5, 62]) };
      const panel = renderPlain(model, [{ positions, pose, detail: withDetail ? detail : undefined }], camera);
      for (let y = 0; y < PANEL; y++) {
        const o = 4 * ((row * PANEL + y) * 2 * PANEL + column * PANEL);
        out.set(panel.data.subarray(4 * y * PANEL, 4 * (y + 1) * PANEL), o);
      }
    });
  });
  return { width: 2 * PANEL, height: 2 * PANEL, data: out };
}
