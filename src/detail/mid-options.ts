import { checkKeys, checkNumber, withDefaults } from '../base/options.js';

/** Settings of the mid-frequency band (see reconstructMidBand). Lengths are millimetres. */
export interface MidBandOptions {
  /** Control points per side of the grid over the face's UV square (about 6 mm apart at 32); the map is their bilinear upsampling. */
  controlSize?: number;
  /** Texels per side of the deformation map (deformation.png). */
  mapSize?: number;
  /** Distance from the face region's outer border over which the offsets fade in from 0. */
  fadeMm?: number;
  /** Expected luminance error of the shading residual (linear units) and the term's weight per sample. */
  photometricSigma?: number;
  photometricWeight?: number;
  /**
   * Blur of the photo (Gaussian sigma) as a fraction of the face size: about a pixel, against noise,
   * while the shading at a sample stays its own (a wider blur mixes in the eyes, nostrils and outline).
   */
  photoBlur?: number;
  /** Distance between shading samples on the face, mm. */
  sampleSpacingMm?: number;
  /** Scale of the albedo held fixed under the shading (a Gaussian over the face, mm): finer albedo would soak up the shape. */
  albedoScaleMm?: number;
  /** Expected landmark error, fraction of the face size. */
  landmarkSigma?: number;
  /** Expected error of the face outline (outline landmarks and photo edges), fraction of the face size. */
  contourSigma?: number;
  /** Search range for the photo's edge beside the projected outline, fraction of the face size. */
  edgeSearch?: number;
  /** Expected size of the Laplacian of the offsets over the mesh (mm): smaller = smoother. */
  smoothnessMm?: number;
  /** Expected size of an offset along the coarse surface's normal, and across it (mm). */
  magnitudeMm?: number;
  tangentialMm?: number;
  /** Expected left-right difference of mirrored offsets (mm). */
  symmetryMm?: number;
  /** Gauss-Newton iterations, and CG iterations per step. */
  iterations?: number;
  cgIterations?: number;
}

export type ExpandedMidBandOptions = Required<MidBandOptions>;

export const MID_BAND_DEFAULTS: ExpandedMidBandOptions = {
  controlSize: 32,
  mapSize: 128,
  fadeMm: 12,
  photometricSigma: 0.004,
  photometricWeight: 0.15,
  photoBlur: 0.0025,
  sampleSpacingMm: 2,
  albedoScaleMm: 15,
  landmarkSigma: 0.05,
  contourSigma: 0.05,
  edgeSearch: 0.04,
  smoothnessMm: 0.2,
  magnitudeMm: 3,
  tangentialMm: 0.7,
  symmetryMm: 6,
  iterations: 3,
  cgIterations: 150,
};

export function expandMidBandOptions(options: MidBandOptions = {}, path = 'mid'): ExpandedMidBandOptions {
  checkKeys(path, options, Object.keys(MID_BAND_DEFAULTS));
  const o = withDefaults(MID_BAND_DEFAULTS, options);
  const p = (k: string) => `${path}.${k}`;
  checkNumber(p('controlSize'), o.controlSize, { min: 4, max: 256, integer: true });
  checkNumber(p('mapSize'), o.mapSize, { min: 16, max: 4096, integer: true });
  for (const k of ['fadeMm', 'photometricSigma', 'sampleSpacingMm', 'albedoScaleMm', 'landmarkSigma', 'contourSigma', 'smoothnessMm', 'magnitudeMm', 'tangentialMm', 'symmetryMm'] as const) {
    checkNumber(p(k), o[k], { min: 0, exclusive: true });
  }
  checkNumber(p('photometricWeight'), o.photometricWeight, { min: 0 });
  checkNumber(p('edgeSearch'), o.edgeSearch, { min: 0 });
  checkNumber(p('photoBlur'), o.photoBlur, { min: 0, max: 0.1 });
  checkNumber(p('iterations'), o.iterations, { min: 0, integer: true });
  checkNumber(p('cgIterations'), o.cgIterations, { min: 1, integer: true });
  return o;
}
