import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import type { RgbImage } from '../src/base/image.js';
import { InputError, type InputErrorCode } from '../src/io/errors.js';
import { createStaging, MANIFEST_NAME, removeOpenStagingsSync, withStaging } from '../src/io/output-dir.js';
import { decodeImage, readImage } from '../src/io/read-image.js';
import { toRgb8 } from '../src/io/to-rgb8.js';
import { encodePng, writePng } from '../src/io/write-image.js';
import { sampleImage } from './helpers/shared-data.js';

const ASTRONAUT = sampleImage('astronaut.png');
const GRACE_HOPPER = sampleImage('grace_hopper.jpg');

let dir = '';
const at = (name: string): string => join(dir, name);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'facerecon-io-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

// ---------- helpers ----------

type Rgb = [number, number, number];

function pixel(image: RgbImage, x: number, y: number): Rgb {
  const i = (y * image.width + x) * 3;
  return [image.data[i]!, image.data[i + 1]!, image.data[i + 2]!];
}

function assertNear(actual: Rgb, expected: Rgb, tolerance: number, what: string): void {
  const ok = actual.every((v, c) => Math.abs(v - expected[c]!) <= tolerance);
  assert.ok(ok, `${what}: got [${actual}], expected [${expected}] ±${tolerance}`);
}

/** Rejects with an InputError of this code (and, if given, exactly this message or matching it). */
async function assertInputError(
  promise: Promise<unknown>,
  code: InputErrorCode,
  message?: string | RegExp,
): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof InputError, `expected InputError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.ok(!error.message.includes('\n'), 'message must be one line');
    if (typeof message === 'string') assert.equal(error.message, message);
    else if (message) assert.match(error.message, message);
    return true;
  });
}

/** Solid-colour blocks, for building test images with known content. */
function block(width: number, height: number, r: number, g: number, b: number) {
  return { input: { create: { width, height, channels: 3 as const, background: { r, g, b } } } };
}

/** A PNG that is only a header claiming width x height (no real pixel data). */
function pngHeaderOnly(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(16))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function rawRgb(path: string): Promise<Uint8Array> {
  return new Uint8Array(await sharp(path).raw().toBuffer());
}

async function leftovers(parent: string): Promise<string[]> {
  return (await readdir(parent)).filter((name) => name.includes('.tmp-'));
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

// ---------- reading real photos ----------

describe('readImage: real photos', () => {
  test('astronaut.png decodes to the exact pixels, with full info', async () => {
    const { image, info } = await readImage(ASTRONAUT);
    assert.deepEqual(info, {
      path: ASTRONAUT,
      format: 'png',
      originalWidth: 512,
      originalHeight: 512,
      channels: 3,
      bitDepth: 8,
      colourSpace: 'srgb',
      hasAlpha: false,
      scale: 1,
    });
    assert.equal(image.width, 512);
    assert.equal(image.height, 512);
    assert.equal(Object.getPrototypeOf(image.data), Uint8Array.prototype, 'a plain Uint8Array, not a Buffer');
    assert.deepEqual([image.data.byteOffset, image.data.buffer.byteLength], [0, 512 * 512 * 3]);
    assert.deepEqual(image.data, await rawRgb(ASTRONAUT));
  });

  test('grace_hopper.jpg decodes to the exact pixels', async () => {
    const { image, info } = await readImage(GRACE_HOPPER);
    assert.equal(info.format, 'jpeg');
    assert.equal(info.orientation, undefined);
    assert.deepEqual([image.width, image.height, info.originalWidth, info.originalHeight], [512, 600, 512, 600]);
    assert.deepEqual(image.data, await rawRgb(GRACE_HOPPER));
  });

  test('decodeImage gives the same result from memory, named as given', async () => {
    const fromFile = await readImage(GRACE_HOPPER);
    const fromMemory = await decodeImage(new Uint8Array(await readFile(GRACE_HOPPER)), 'upload.jpg');
    assert.deepEqual(fromMemory.image, fromFile.image);
    assert.deepEqual(fromMemory.info, { ...fromFile.info, path: 'upload.jpg' });
  });

  test('maxDimension downscales with the reported scale and keeps the content', async () => {
    const full = await readImage(ASTRONAUT);
    const { image, info } = await readImage(ASTRONAUT, { maxDimension: 200 });
    assert.deepEqual([image.width, image.height], [200, 200]);
    assert.equal(info.scale, 200 / 512);
    assert.deepEqual([info.originalWidth, info.originalHeight], [512, 512]);
    const mean = (img: RgbImage, c: number) => {
      let sum = 0;
      for (let i = c; i < img.data.length; i += 3) sum += img.data[i]!;
      return sum / (img.width * img.height);
    };
    for (let c = 0; c < 3; c++) assert.ok(Math.abs(mean(image, c) - mean(full.image, c)) < 2, `channel ${c} mean`);
  });
});

// ---------- awkward but valid inputs ----------

describe('readImage: awkward valid inputs', () => {
  // Upright picture 128 wide x 96 high: top-left quadrant green, top-right red, bottom half blue.
  const upright = () =>
    sharp({ create: { width: 128, height: 96, channels: 3, background: { r: 0, g: 0, b: 255 } } })
      .composite([
        { ...block(64, 48, 0, 255, 0), left: 0, top: 0 },
        { ...block(64, 48, 255, 0, 0), left: 64, top: 0 },
      ])
      .png()
      .toBuffer();

  test('EXIF orientation 6 is applied: pixels come out upright', async () => {
    // Stored turned a quarter to the left (96x128); orientation 6 says "turn right to view".
    const path = at('orientation6.jpg');
    await sharp(await upright()).rotate(-90).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toFile(path);
    const stored = await sharp(path).metadata();
    assert.deepEqual([stored.width, stored.height, stored.orientation], [96, 128, 6]);

    const { image, info } = await readImage(path);
    assert.equal(info.orientation, 6);
    assert.deepEqual([info.originalWidth, info.originalHeight, image.width, image.height], [128, 96, 128, 96]);
    assertNear(pixel(image, 16, 12), [0, 255, 0], 30, 'top-left is green');
    assertNear(pixel(image, 112, 12), [255, 0, 0], 30, 'top-right is red');
    assertNear(pixel(image, 64, 80), [0, 0, 255], 30, 'bottom is blue');

    // Downscaling happens after orientation: the long side is the upright width.
    const small = await readImage(path, { maxDimension: 64, minDimension: 32 });
    assert.deepEqual([small.image.width, small.image.height, small.info.scale], [64, 48, 0.5]);
    assertNear(pixel(small.image, 8, 6), [0, 255, 0], 30, 'small top-left is green');
    assertNear(pixel(small.image, 56, 6), [255, 0, 0], 30, 'small top-right is red');
    assertNear(pixel(small.image, 32, 40), [0, 0, 255], 30, 'small bottom is blue');
  });

  const greyGradient = () => {
    const grey = new Uint8Array(256 * 64);
    for (let y = 0; y < 64; y++) for (let x = 0; x < 256; x++) grey[y * 256 + x] = x;
    return sharp(grey, { raw: { width: 256, height: 64, channels: 1 } }).toColourspace('b-w');
  };

  test('greyscale PNG expands to RGB with R = G = B = the grey value', async () => {
    const path = at('grey.png');
    await greyGradient().png().toFile(path);
    assert.equal((await sharp(path).metadata()).channels, 1);
    const { image, info } = await readImage(path);
    assert.deepEqual([info.channels, info.colourSpace, info.bitDepth], [1, 'b-w', 8]);
    for (let y = 0; y < 64; y += 21) for (let x = 0; x < 256; x++) assert.deepEqual(pixel(image, x, y), [x, x, x]);
  });

  test('greyscale JPEG expands to RGB with equal channels', async () => {
    const path = at('grey.jpg');
    await greyGradient().jpeg({ quality: 100 }).toFile(path);
    assert.equal((await sharp(path).metadata()).channels, 1);
    const { image, info } = await readImage(path);
    assert.equal(info.channels, 1);
    for (let x = 0; x < 256; x++) {
      const [r, g, b] = pixel(image, x, 32);
      assert.ok(r === g && g === b, `x=${x}: [${r},${g},${b}] is not grey`);
      assert.ok(Math.abs(r - x) <= 3, `x=${x}: grey ${r}`);
    }
  });

  // 128x64 RGBA: x < 32 transparent red, 32..63 half-transparent black, x >= 64 opaque blue.
  const writeRgba = async (path: string) => {
    const rgba = new Uint8Array(128 * 64 * 4);
    for (let y = 0; y < 64; y++) {
      for (let x = 0; x < 128; x++) {
        const px = x < 32 ? [255, 0, 0, 0] : x < 64 ? [0, 0, 0, 128] : [0, 0, 255, 255];
        rgba.set(px, (y * 128 + x) * 4);
      }
    }
    await sharp(rgba, { raw: { width: 128, height: 64, channels: 4 } }).png().toFile(path);
  };

  test('RGBA PNG is flattened onto white by default', async () => {
    const path = at('rgba.png');
    await writeRgba(path);
    const { image, info } = await readImage(path);
    assert.deepEqual([info.channels, info.hasAlpha], [4, true]);
    assert.deepEqual(pixel(image, 5, 5), [255, 255, 255], 'transparent -> white, hidden red gone');
    assert.deepEqual(pixel(image, 40, 5), [127, 127, 127], 'black at alpha 128 over white');
    assert.deepEqual(pixel(image, 100, 5), [0, 0, 255], 'opaque stays');
  });

  test('RGBA PNG is flattened onto a chosen background', async () => {
    const path = at('rgba-grey.png');
    await writeRgba(path);
    const { image } = await readImage(path, { background: { r: 128, g: 128, b: 128 } });
    assert.deepEqual(pixel(image, 5, 5), [128, 128, 128]);
    assert.deepEqual(pixel(image, 40, 5), [64, 64, 64]); // round(128 * 127 / 255)
    assert.deepEqual(pixel(image, 100, 5), [0, 0, 255]);
  });

  test('16-bit PNG is rounded to the nearest 8-bit level, not truncated', async () => {
    // Per column x: R = x·257 (exactly level x), G = x·256 (high byte only), B = x·256 + 255.
    const w = 256;
    const h = 64;
    const samples = new Uint16Array(w * h * 3);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) samples.set([x * 257, x * 256, x * 256 + 255], (y * w + x) * 3);
    }
    const path = at('gradient16.png');
    await sharp(samples, { raw: { width: w, height: h, channels: 3 } }).toColourspace('rgb16').png().toFile(path);
    assert.equal((await sharp(path).metadata()).depth, 'ushort');

    const { image, info } = await readImage(path);
    assert.deepEqual([info.bitDepth, info.colourSpace], [16, 'rgb16']);
    const to8 = (v: number) => Math.round((v * 255) / 65535);
    for (let x = 0; x < w; x++) {
      assert.deepEqual(pixel(image, x, 7), [x, to8(x * 256), to8(x * 256 + 255)], `column ${x}`);
    }
    // The cases that tell right from wrong: low byte alone would give 255 and 0, high byte 0 and 255.
    assert.equal(pixel(image, 0, 0)[2], 1, '255/65535 -> 1');
    assert.equal(pixel(image, 255, 0)[1], 254, '65280/65535 -> 254');
  });

  test('16-bit RGBA PNG: transparency goes to pure white, colours rounded', async () => {
    const samples = new Uint16Array(64 * 64 * 4);
    for (let i = 0; i < 64 * 64; i++) {
      samples.set(i % 64 < 32 ? [0, 0, 0, 0] : [65535, 32768, 255, 65535], i * 4);
    }
    const path = at('rgba16.png');
    await sharp(samples, { raw: { width: 64, height: 64, channels: 4 } }).toColourspace('rgb16').png().toFile(path);
    const { image, info } = await readImage(path);
    assert.deepEqual([info.bitDepth, info.hasAlpha], [16, true]);
    assert.deepEqual(pixel(image, 3, 3), [255, 255, 255]);
    assert.deepEqual(pixel(image, 60, 3), [255, 128, 1]);
  });

  test('16-bit greyscale PNG expands to RGB with rounding', async () => {
    const path = at('grey16.png');
    await sharp(new Uint16Array(64 * 64).fill(65280), { raw: { width: 64, height: 64, channels: 1 } })
      .toColourspace('grey16')
      .png()
      .toFile(path);
    const { image, info } = await readImage(path);
    assert.deepEqual([info.channels, info.bitDepth, info.colourSpace], [1, 16, 'grey16']);
    assert.deepEqual(pixel(image, 10, 10), [254, 254, 254]); // 65280 / 257 = 254.0 (a shift by 8 gives 255)
  });

  test('1-bit palette PNG decodes to its exact palette colours', async () => {
    const path = at('palette.png');
    await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 255, g: 0, b: 0 } } })
      .composite([{ ...block(32, 64, 0, 0, 255), left: 32, top: 0 }])
      .png({ palette: true, colours: 2, dither: 0 })
      .toFile(path);
    const meta = await sharp(path).metadata();
    assert.deepEqual([meta.isPalette, meta.bitsPerSample], [true, 1]);
    const { image, info } = await readImage(path);
    assert.equal(info.bitDepth, 1);
    assert.deepEqual(pixel(image, 5, 5), [255, 0, 0]);
    assert.deepEqual(pixel(image, 50, 60), [0, 0, 255]);
  });

  test('CMYK JPEG is converted to RGB', async () => {
    const path = at('cmyk.jpg');
    await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 255, g: 0, b: 0 } } })
      .toColourspace('cmyk')
      .jpeg()
      .toFile(path);
    const { image, info } = await readImage(path);
    assert.deepEqual([info.colourSpace, info.channels], ['cmyk', 4]);
    assertNear(pixel(image, 32, 32), [255, 0, 0], 40, 'red survives CMYK');
  });

  test('embedded colour profiles are converted to sRGB (8-bit and 16-bit)', async () => {
    const red = () => sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 255, g: 0, b: 0 } } });
    const jpeg = at('p3.jpg');
    const png16 = at('p3-16.png');
    await red().withIccProfile('p3').jpeg({ quality: 100 }).toFile(jpeg);
    await red().toColourspace('rgb16').withIccProfile('p3').png().toFile(png16);
    for (const path of [jpeg, png16]) {
      // Unconverted, sRGB red stored as Display P3 would read as roughly [234, 51, 35].
      const { image } = await readImage(path);
      assertNear(pixel(image, 32, 32), [255, 0, 0], 8, basename(path));
    }
  });

  test('images over the max dimension are downscaled with the right scale', async () => {
    const path = at('wide.png');
    await sharp({ create: { width: 5000, height: 1250, channels: 3, background: { r: 255, g: 0, b: 0 } } })
      .composite([{ ...block(2500, 1250, 0, 0, 255), left: 2500, top: 0 }])
      .png()
      .toFile(path);
    const { image, info } = await readImage(path);
    assert.deepEqual([image.width, image.height], [4096, 1024]);
    assert.equal(info.scale, 4096 / 5000);
    assert.deepEqual([info.originalWidth, info.originalHeight], [5000, 1250]);
    assert.equal(image.data.length, 4096 * 1024 * 3);
    // Original x = 2000 (red) and 3000 (blue) land at x·scale.
    assert.deepEqual(pixel(image, Math.round(2000 * info.scale), 512), [255, 0, 0]);
    assert.deepEqual(pixel(image, Math.round(3000 * info.scale), 512), [0, 0, 255]);
  });
});

// ---------- rejected inputs ----------

describe('readImage: rejected inputs', () => {
  test('a text file named .jpg is not an image', async () => {
    const path = at('notes.jpg');
    await writeFile(path, 'these are my notes, not a photo\n');
    await assertInputError(readImage(path), 'not-image', `${path}: not an image (could not decode)`);
  });

  test('a truncated JPEG is not an image', async () => {
    const path = at('truncated.jpg');
    const bytes = await readFile(GRACE_HOPPER);
    await writeFile(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await assertInputError(readImage(path), 'not-image', `${path}: not an image (jpeg data is truncated or corrupt)`);
  });

  test('an empty file is not an image', async () => {
    const path = at('empty.png');
    await writeFile(path, '');
    await assertInputError(readImage(path), 'not-image', `${path}: not an image (file is empty)`);
    await assertInputError(decodeImage(new Uint8Array(0), 'blob'), 'not-image', 'blob: not an image (file is empty)');
  });

  test('garbage bytes in memory are not an image', async () => {
    await assertInputError(
      decodeImage(new TextEncoder().encode('hello'), 'upload.bin'),
      'not-image',
      'upload.bin: not an image (could not decode)',
    );
  });

  test('a missing path is unreadable', async () => {
    const path = at('no-such-photo.jpg');
    await assertInputError(readImage(path), 'unreadable', `${path}: cannot read file (no such file)`);
  });

  test('a directory is unreadable', async () => {
    await assertInputError(readImage(dir), 'unreadable', `${dir}: cannot read file (it is a directory)`);
  });

  test('SVG is refused as an unsupported format', async () => {
    const path = at('drawing.svg');
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><rect width="100" height="100"/></svg>';
    await writeFile(path, svg);
    await assertInputError(readImage(path), 'unsupported-format', /unsupported image format 'svg'/);
  });

  test('a 20x20 image is too small', async () => {
    const path = at('tiny.png');
    await sharp(block(20, 20, 9, 9, 9).input).png().toFile(path);
    await assertInputError(
      readImage(path),
      'too-small',
      `${path}: image is too small (20x20 px; need at least 64 px on each side)`,
    );
  });

  test('a thin strip is too small even if long', async () => {
    const path = at('strip.png');
    await sharp(block(1000, 40, 9, 9, 9).input).png().toFile(path);
    await assertInputError(readImage(path), 'too-small', /1000x40 px/);
  });

  test('an image that would be too thin after downscaling is refused', async () => {
    const path = at('banner.png');
    await sharp(block(8000, 70, 9, 9, 9).input).png().toFile(path);
    await assertInputError(readImage(path), 'too-small', /too elongated .*leaves 4096x36/);
  });

  test('a decompression-bomb header is refused before decoding, whatever the limit', async () => {
    const path = at('bomb.png');
    await writeFile(path, pngHeaderOnly(20000, 20000));
    const expected = /20000x20000 px, 400\.0 megapixels; the safety limit is 268\.4 megapixels/;
    await assertInputError(readImage(path), 'too-large', expected);
    await assertInputError(readImage(path, { maxInputPixels: 1_000_000_000 }), 'too-large', expected);
  });

  test('more than 50 megapixels is refused by default, and the limit is configurable', async () => {
    const path = at('big.png');
    await writeFile(path, pngHeaderOnly(8000, 8000));
    await assertInputError(
      readImage(path),
      'too-large',
      `${path}: image is too large (8000x8000 px, 64.0 megapixels; the limit is 50.0 megapixels)`,
    );
    // With a higher limit it gets past the size check and fails on its missing pixel data.
    await assertInputError(readImage(path, { maxInputPixels: 70_000_000 }), 'not-image', /truncated or corrupt/);
    await assertInputError(readImage(ASTRONAUT, { maxInputPixels: 200_000 }), 'too-large', /512x512 px/);
  });

  test('bad options are programming errors, not input errors', async () => {
    await assert.rejects(readImage(ASTRONAUT, { maxDimension: 0 }), RangeError);
    await assert.rejects(readImage(ASTRONAUT, { minDimension: 500, maxDimension: 400 }), RangeError);
    await assert.rejects(readImage(ASTRONAUT, { background: { r: 256, g: 0, b: 0 } }), RangeError);
  });
});

// ---------- pixel conversion ----------

describe('toRgb8', () => {
  test('8-bit RGB passes through without copying', () => {
    const samples = new Uint8Array([1, 2, 3, 4, 5, 6]);
    const white = { r: 255, g: 255, b: 255 };
    assert.equal(toRgb8({ width: 2, height: 1, channels: 3, bitDepth: 8, samples }, white), samples);
  });

  test('rounds 16-bit and alpha-composites to the nearest level', () => {
    const black = { r: 0, g: 0, b: 0 };
    const red = { r: 255, g: 0, b: 0 };
    const rgb16 = new Uint16Array([128, 129, 65535]);
    assert.deepEqual(
      toRgb8({ width: 1, height: 1, channels: 3, bitDepth: 16, samples: rgb16 }, black),
      new Uint8Array([0, 1, 255]), // 128/257 = 0.498, 129/257 = 0.502
    );
    // Magenta at alpha 32768/65535 over red: R stays 255, G stays 0, B = 32768/257 = 127.5 -> 128.
    const rgba16 = new Uint16Array([65535, 0, 65535, 32768]);
    assert.deepEqual(
      toRgb8({ width: 1, height: 1, channels: 4, bitDepth: 16, samples: rgba16 }, red),
      new Uint8Array([255, 0, 128]),
    );
    // 8-bit: black at alpha 128 over white = 255·127/255 = 127; over red keeps G, B at 0.
    const rgba8 = new Uint8Array([0, 0, 0, 128]);
    assert.deepEqual(
      toRgb8({ width: 1, height: 1, channels: 4, bitDepth: 8, samples: rgba8 }, red),
      new Uint8Array([127, 0, 0]),
    );
    assert.throws(() => toRgb8({ width: 2, height: 1, channels: 3, bitDepth: 8, samples: new Uint8Array(3) }, black));
  });
});

// ---------- writing PNGs ----------

describe('encodePng / writePng', () => {
  const rgb: RgbImage = {
    width: 3,
    height: 2,
    data: new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
  };
  const rgba = { width: 2, height: 1, data: new Uint8Array([10, 20, 30, 0, 40, 50, 60, 255]) };

  test('RGB round-trips exactly', async () => {
    const png = await encodePng(rgb);
    assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height, info.channels], [3, 2, 3]);
    assert.deepEqual(new Uint8Array(data), rgb.data);
  });

  test('RGBA keeps its alpha channel', async () => {
    const { data, info } = await sharp(await encodePng(rgba)).raw().toBuffer({ resolveWithObject: true });
    assert.equal(info.channels, 4);
    assert.deepEqual(new Uint8Array(data), rgba.data);
  });

  test('a data length that is neither RGB nor RGBA is refused', async () => {
    await assert.rejects(encodePng({ width: 2, height: 2, data: new Uint8Array(8) }), RangeError);
    await assert.rejects(encodePng({ width: 0, height: 2, data: new Uint8Array(0) }), RangeError);
  });

  test('writePng writes a file readImage reads back', async () => {
    const image: RgbImage = { width: 64, height: 64, data: new Uint8Array(64 * 64 * 3).fill(77) };
    const path = at('written.png');
    await writePng(path, image);
    const back = await readImage(path);
    assert.deepEqual(back.image, image);
  });
});

// ---------- atomic output folders ----------

describe('output staging', () => {
  test('commit moves every file into a new folder at once, creating parents', async () => {
    const parent = at('results');
    const out = join(parent, 'run1');
    const stage = await createStaging(out);
    assert.ok(basename(stage.tempDir).startsWith(`run1.tmp-${process.pid}-`));
    assert.equal(dirname(stage.tempDir), parent);
    await stage.write('face0/mesh.obj', 'v 0 0 0\n');
    await stage.write('face0/texture.png', new Uint8Array([1, 2, 3]));
    await stage.write('summary.json', '{"faces":1}');
    assert.equal(await exists(out), false, 'nothing visible before commit');
    assert.deepEqual(stage.paths, ['face0/mesh.obj', 'face0/texture.png', 'summary.json']);

    await stage.commit();
    const manifest = JSON.parse(await readFile(join(out, MANIFEST_NAME), 'utf8'));
    assert.deepEqual(manifest, { generator: 'facerecon', files: ['face0/mesh.obj', 'face0/texture.png', MANIFEST_NAME, 'summary.json'] });
    assert.equal(await readFile(join(out, 'face0/mesh.obj'), 'utf8'), 'v 0 0 0\n');
    assert.deepEqual([...(await readFile(join(out, 'face0/texture.png')))], [1, 2, 3]);
    assert.equal(await readFile(join(out, 'summary.json'), 'utf8'), '{"faces":1}');
    assert.deepEqual(await readdir(parent), ['run1']);
    await assert.rejects(stage.write('late.txt', 'x'), /after commit/);
    await stage.abort(); // no-op after commit
    assert.equal(await exists(join(out, 'summary.json')), true);
  });

  test('abort removes everything, including parent folders it created', async () => {
    const root = at('abort-root');
    const out = join(root, 'nested', 'run');
    const stage = await createStaging(out);
    await stage.write('a/b.txt', 'partial');
    await stage.abort();
    await stage.abort(); // idempotent
    assert.equal(await exists(root), false);
    await assert.rejects(stage.commit(), /after abort/);
  });

  test('withStaging commits on success and returns the result', async () => {
    const out = at('with-ok');
    const result = await withStaging(out, async (stage) => {
      await stage.write('x.txt', 'x');
      return 42;
    });
    assert.equal(result, 42);
    assert.equal(await readFile(join(out, 'x.txt'), 'utf8'), 'x');
    assert.deepEqual(await leftovers(dir), []);
  });

  test('withStaging: a throw leaves no output and no temporary folder', async () => {
    const out = at('with-throw');
    const failure = new Error('fitting failed');
    await assert.rejects(
      withStaging(out, async (stage) => {
        await stage.write('face0/mesh.obj', 'v 0 0 0');
        throw failure;
      }),
      (error) => error === failure,
    );
    assert.equal(await exists(out), false);
    assert.deepEqual(await leftovers(dir), []);
  });

  /** An earlier run's results (three faces, listed in its manifest) and a file the user added. */
  const existingOutput = async (name: string) => {
    const out = at(name);
    await withStaging(out, async (stage) => {
      await stage.write('summary.json', 'old summary');
      for (const k of [0, 1, 2]) await stage.write(`face${k}/mesh.obj`, `old mesh ${k}`);
    });
    await writeFile(join(out, 'notes.txt'), 'user notes');
    await writeFile(join(out, 'face2', 'notes.txt'), 'user notes on face 2');
    return out;
  };

  test('a re-run into our earlier results replaces them wholly; files the user added stay', async () => {
    const out = await existingOutput('existing-ok');
    await withStaging(out, async (stage) => {
      await stage.write('summary.json', 'new summary');
      await stage.write('face0/mesh.obj', 'new mesh');
    });
    assert.equal(await readFile(join(out, 'summary.json'), 'utf8'), 'new summary');
    assert.equal(await readFile(join(out, 'face0/mesh.obj'), 'utf8'), 'new mesh');
    assert.equal(await exists(join(out, 'face1')), false, 'no stale face1 beside the new face0');
    assert.equal(await exists(join(out, 'face2/mesh.obj')), false);
    assert.equal(await readFile(join(out, 'face2/notes.txt'), 'utf8'), 'user notes on face 2');
    assert.equal(await readFile(join(out, 'notes.txt'), 'utf8'), 'user notes');
    const manifest = JSON.parse(await readFile(join(out, MANIFEST_NAME), 'utf8'));
    assert.deepEqual(manifest.files, ['face0/mesh.obj', MANIFEST_NAME, 'summary.json']);
    assert.deepEqual(await leftovers(dir), []);
  });

  test('a non-empty folder that is not ours is refused before anything is written; an empty one is used', async () => {
    const out = at('not-ours');
    await mkdir(out);
    await writeFile(join(out, 'thesis.tex'), 'years of work');
    await assertInputError(
      createStaging(out), 'output-not-ours',
      `${out}: folder is not empty and holds no facerecon results (no ${MANIFEST_NAME}); choose another --out or empty it`,
    );
    assert.deepEqual(await readdir(out), ['thesis.tex']);
    await writeFile(join(out, MANIFEST_NAME), '{"generator": "someone else", "files": ["thesis.tex"]}');
    await assert.rejects(createStaging(out), /holds no facerecon results/);
    assert.deepEqual(await leftovers(dir), []);

    const empty = at('empty');
    await mkdir(empty);
    await withStaging(empty, (stage) => stage.write('a.txt', 'a'));
    assert.deepEqual((await readdir(empty)).sort(), ['a.txt', MANIFEST_NAME]);
  });

  test('removeOpenStagingsSync (for signal handlers) removes every open temporary folder and the parents they made', async () => {
    const committed = await createStaging(at('kept'));
    await committed.write('a.txt', 'a');
    await committed.commit();
    const stages = [await createStaging(at('signal-a')), await createStaging(join(at('signal-new'), 'deep', 'b'))];
    for (const stage of stages) await stage.write('face0/mesh.obj', 'partial');
    removeOpenStagingsSync();
    assert.deepEqual(await leftovers(dir), []);
    assert.equal(await exists(at('signal-a')), false);
    assert.equal(await exists(at('signal-new')), false);
    assert.equal(await readFile(join(at('kept'), 'a.txt'), 'utf8'), 'a');
    await assert.rejects(stages[0].commit(), /after abort/);
  });

  test('an existing folder is untouched when the run fails', async () => {
    const out = await existingOutput('existing-fail');
    await assert.rejects(
      withStaging(out, async (stage) => {
        await stage.write('summary.json', 'new summary');
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(await readFile(join(out, 'summary.json'), 'utf8'), 'old summary');
    assert.equal(await readFile(join(out, 'face1/mesh.obj'), 'utf8'), 'old mesh 1');
    assert.deepEqual(await leftovers(dir), []);
  });

  test('an output path that is a file is refused before anything is written', async () => {
    const out = at('output-is-a-file');
    await writeFile(out, 'not a folder');
    await assertInputError(createStaging(out), 'output-not-directory', `${out}: exists and is not a folder`);
    assert.deepEqual(await leftovers(dir), []);
  });

  test('conflicts inside an existing folder are found before anything is moved', async () => {
    const out = at('conflict');
    await withStaging(out, (stage) => stage.write('x.txt', 'an earlier run'));
    await mkdir(join(out, 'summary.json'), { recursive: true }); // a folder where a file goes
    await writeFile(join(out, 'face0'), 'a file where a folder goes');
    for (const [file, message] of [
      ['face0/mesh.obj', `${join(out, 'face0')}: exists and is not a folder`],
      ['summary.json', `${join(out, 'summary.json')}: is a folder, cannot replace it with a file`],
    ] as const) {
      const stage = await createStaging(out);
      await stage.write('aaa-first.txt', 'would be moved first');
      await stage.write(file, 'data');
      await assertInputError(stage.commit(), 'output-not-directory', message);
      assert.equal(await exists(join(out, 'aaa-first.txt')), false, 'nothing moved');
    }
    assert.deepEqual(await leftovers(dir), []);
  });

  test('file names must stay inside the output folder', async () => {
    const stage = await createStaging(at('names'));
    for (const bad of ['', '.', '..', '../escape.txt', 'a/../../escape.txt', '/etc/passwd', 'dir/']) {
      await assert.rejects(stage.write(bad, 'x'), RangeError, `'${bad}' should be refused`);
    }
    await stage.write('./a//b.txt', 'ok');
    assert.deepEqual(stage.paths, ['a/b.txt']);
    await stage.abort();
    assert.deepEqual(await leftovers(dir), []);
  });
});
