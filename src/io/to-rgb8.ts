/**
 * Final step of decoding: interleaved sRGB samples (8- or 16-bit, with or without alpha)
 * to the 8-bit RGB the rest of the product works on. Pure, no I/O.
 *
 * Done here rather than in libvips because libvips narrows 16-bit to 8-bit with `>> 8`
 * (65280 -> 255, 255 -> 0) and flattens 16-bit alpha against a background scaled by 256,
 * not 257 (white comes out as 254). Here every value is rounded to the nearest level.
 */

export interface Rgb8 {
  r: number;
  g: number;
  b: number;
}

export interface RawPixels {
  width: number;
  height: number;
  /** 3 = RGB, 4 = RGBA (straight, not premultiplied, alpha). */
  channels: 3 | 4;
  /** 8: one byte per sample; 16: `samples` is a Uint16Array. */
  bitDepth: 8 | 16;
  samples: Uint8Array | Uint16Array;
}

/**
 * Converts to 8-bit RGB. Alpha is composited onto `background`:
 * out = round((c·a + bg·(max − a)) / max), and 16-bit values map to round(v·255/65535).
 * Returns `samples` itself (not a copy) when it already is 8-bit RGB.
 */
export function toRgb8(pixels: RawPixels, background: Rgb8): Uint8Array {
  const { width, height, channels, bitDepth, samples } = pixels;
  const count = width * height;
  if (samples.length !== count * channels) {
    throw new RangeError(`toRgb8: expected ${count * channels} samples, got ${samples.length}`);
  }
  if ((bitDepth === 8) !== samples instanceof Uint8Array) {
    throw new TypeError(`toRgb8: ${bitDepth}-bit samples must be a ${bitDepth === 8 ? 'Uint8Array' : 'Uint16Array'}`);
  }
  if (bitDepth === 8 && channels === 3) return samples as Uint8Array;

  const out = new Uint8Array(count * 3);
  const bg = [background.r, background.g, background.b];
  if (bitDepth === 8) {
    // 255 is odd, so x/255 is never exactly .5 and floor((x + 127) / 255) rounds to nearest.
    for (let i = 0, o = 0; o < out.length; i += 4, o += 3) {
      const a = samples[i + 3]!;
      for (let c = 0; c < 3; c++) {
        out[o + c] = Math.floor((samples[i + c]! * a + bg[c]! * (255 - a) + 127) / 255);
      }
    }
  } else if (channels === 3) {
    for (let i = 0; i < out.length; i++) out[i] = Math.floor((samples[i]! + 128) / 257);
  } else {
    // Composite in 16 bits against the background at full 16-bit precision (bg·257),
    // then narrow: one division by 65535·257, never exactly at .5 because it is odd.
    const divisor = 65535 * 257;
    for (let i = 0, o = 0; o < out.length; i += 4, o += 3) {
      const a = samples[i + 3]!;
      for (let c = 0; c < 3; c++) {
        out[o + c] = Math.round((samples[i + c]! * a + bg[c]! * 257 * (65535 - a)) / divisor);
      }
    }
  }
  return out;
}
