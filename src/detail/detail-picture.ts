import { rotationFromAngles, type Camera } from '../base/camera.js';
import type { RgbaImage } from '../base/image.js';
import type { MorphableModel } from '../model/types.js';
import type { NormalDetail } from '../render/normal-detail.js';
import { renderPlain } from '../render/overlay.js';

/** Side of one panel of detail.png, pixels. */
const PANEL = 512;

/** One column of detail.png: a head, and the fine detail drawn on it if any. */
export interface DetailPictureColumn {
  positions: Float32Array;
  detail?: NormalDetail;
}

/**
 * detail.png: the fitted head gray-shaded, one column per stage (coarse, + mid band, + detail band),
 * seen from the front (top row) and at three-quarters (bottom row), close enough that the face fills the panel.
 */
export function detailPicture(model: MorphableModel, columns: readonly DetailPictureColumn[]): RgbaImage {
  const C = columns.length;
  const out = new Uint8Array(4 * 2 * C * PANEL * PANEL);
  const camera: Camera = { focal: 1500, cx: PANEL / 2, cy: PANEL / 2, width: PANEL, height: PANEL };
  [0, 35].forEach((yaw, row) => {
    columns.forEach(({ positions, detail }, column) => {
      const pose = { rotation: rotationFromAngles(yaw, 0, 0), translation: Float64Array.from([0, -2.5, 62]) };
      const panel = renderPlain(model, [{ positions, pose, detail }], camera);
      for (let y = 0; y < PANEL; y++) {
        const o = 4 * ((row * PANEL + y) * C * PANEL + column * PANEL);
        out.set(panel.data.subarray(4 * y * PANEL, 4 * (y + 1) * PANEL), o);
      }
    });
  });
  return { width: C * PANEL, height: 2 * PANEL, data: out };
}
