/** Node-only edge of the product: image files in, result folders out. */
export { InputError, isInputError, type InputErrorCode } from './errors.js';
export {
  readImage,
  decodeImage,
  DEFAULT_BACKGROUND,
  DEFAULT_MAX_DIMENSION,
  DEFAULT_MAX_INPUT_PIXELS,
  DEFAULT_MIN_DIMENSION,
  DECOMPRESSION_BOMB_PIXELS,
  type DecodedImage,
  type ImageInfo,
  type ReadImageOptions,
} from './read-image.js';
export { encodeJpeg, encodePng, writePng } from './write-image.js';
export { OutputStaging, createStaging, withStaging, removeOpenStagingsSync, MANIFEST_NAME } from './output-dir.js';
export type { Rgb8 } from './to-rgb8.js';
