/** Decoded 8-bit sRGB pixels, 3 channels, row-major, top row first. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** 16-bit grey pixels, row-major, top row first (height and displacement maps). */
export interface Grey16Image {
  width: number;
  height: number;
  data: Uint16Array;
}

/** 16-bit RGB pixels, row-major, top row first (the mid band's deformation map). */
export interface Rgb16Image {
  width: number;
  height: number;
  data: Uint16Array;
}

/** 8-bit RGBA pixels, used for pictures we draw (overlays, renders). */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * The four neighbours and fractions of a bilinear lookup at continuous pixel-index coordinates
 * (x, y) (pixel centres at integers), clamped to a width x height grid: i00 is the pixel index
 * (row-major) of the top-left neighbour, i10 its right, i01 its lower, i11 its diagonal neighbour.
 */
export interface BilinearTaps {
  i00: number;
  i10: number;
  i01: number;
  i11: number;
  fx: number;
  fy: number;
}

export function bilinearTaps(): BilinearTaps {
  return { i00: 0, i10: 0, i01: 0, i11: 0, fx: 0, fy: 0 };
}

/** Fills `out` with the clamped taps of (x, y) on a width x height grid and returns it. */
export function clampedTaps(out: BilinearTaps, x: number, y: number, width: number, height: number): BilinearTaps {
  const cx = Math.min(width - 1, Math.max(0, x)), cy = Math.min(height - 1, Math.max(0, y));
  const x0 = Math.floor(cx), y0 = Math.floor(cy);
  const x1 = Math.min(width - 1, x0 + 1), y1 = Math.min(height - 1, y0 + 1);
  out.i00 = y0 * width + x0; out.i10 = y0 * width + x1; out.i01 = y1 * width + x0; out.i11 = y1 * width + x1;
  out.fx = cx - x0; out.fy = cy - y0;
  return out;
}

/** Bilinear blend of four corner values (top-left, top-right, bottom-left, bottom-right). */
export function bilinear(v00: number, v10: number, v01: number, v11: number, fx: number, fy: number): number {
  const top = v00 + (v10 - v00) * fx;
  const bottom = v01 + (v11 - v01) * fx;
  return top + (bottom - top) * fy;
}

/** Images of one height side by side, left to right. */
export function sideBySide(panels: readonly RgbaImage[]): RgbaImage {
  const height = panels[0].height;
  const width = panels.reduce((w, p) => w + p.width, 0);
  const data = new Uint8Array(4 * width * height);
  let x0 = 0;
  for (const p of panels) {
    if (p.height !== height) throw new Error(`sideBySide: panel of height ${p.height} beside ${height}`);
    for (let y = 0; y < height; y++) data.set(p.data.subarray(4 * y * p.width, 4 * (y + 1) * p.width), 4 * (y * width + x0));
    x0 += p.width;
  }
  return { width, height, data };
}
