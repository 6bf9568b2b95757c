/** Decoded 8-bit sRGB pixels, 3 channels, row-major, top row first. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** 8-bit RGBA pixels, used for pictures we draw (overlays, renders). */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}
