import { checkBoolean, checkKeys, checkNumber, withDefaults } from '../base/options.js';

/** Per-call detection settings (FaceDetector.detect, and `detection` in a reconstruction). */
export interface DetectOptions {
  /** Return at most this many faces (the largest). Default: all. */
  maxFaces?: number;
  /** Smallest face (detector box side, image pixels) to look for; see src/perception/index.ts. */
  minFaceSize?: number;
  /** Also search the whole image turned by 90, 180 and 270 degrees (finds the upside-down faces the default misses; 2x-4x slower). */
  allRotations?: boolean;
}

export type ExpandedDetectOptions = Required<Omit<DetectOptions, 'maxFaces'>> & Pick<DetectOptions, 'maxFaces'>;

export const DETECT_DEFAULTS: ExpandedDetectOptions = { maxFaces: undefined, minFaceSize: 32, allRotations: false };

/**
 * `inherited` (a detector's own defaults), then `options`, over DETECT_DEFAULTS, every value
 * checked; errors name the option under `path`.
 */
export function expandDetectOptions(
  options: DetectOptions = {}, path = 'detection', inherited: DetectOptions = {},
): ExpandedDetectOptions {
  checkKeys(path, options, Object.keys(DETECT_DEFAULTS));
  const o = withDefaults(withDefaults(DETECT_DEFAULTS, inherited), options);
  if (o.maxFaces !== undefined) checkNumber(`${path}.maxFaces`, o.maxFaces, { min: 1, integer: true });
  checkNumber(`${path}.minFaceSize`, o.minFaceSize, { min: 0, exclusive: true });
  checkBoolean(`${path}.allRotations`, o.allRotations);
  return o;
}
