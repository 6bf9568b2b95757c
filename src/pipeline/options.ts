import { checkKeys, OptionError } from '../base/options.js';
import type { OptionsRecord } from '../export/params.js';
import { DETECT_DEFAULTS, expandDetectOptions, type DetectOptions, type ExpandedDetectOptions } from '../perception/options.js';
import { expandFitOptions, FIT_DEFAULTS, sharedFitOptions, type ExpandedFitOptions, type FitOptions } from '../fit/options.js';
import {
  expandPhotometricOptions, PHOTOMETRIC_DEFAULTS, type ExpandedPhotometricOptions, type PhotometricOptions,
} from '../photometric/options.js';
import { expandDetailOptions, type DetailOptions, type ExpandedDetailOptions } from '../detail/options.js';
import { expandMidBandOptions, type ExpandedMidBandOptions, type MidBandOptions } from '../detail/mid-options.js';

/**
 * The options of one reconstruction, one branch per stage. Every branch and value is optional;
 * `expandReconstructOptions` fills in RECONSTRUCT_DEFAULTS and checks the values.
 */
export interface ReconstructOptions {
  detection?: DetectOptions;
  fit?: FitOptions;
  /**
   * Photometric refinement after the landmark fit (default on); false = landmark fit only. The
   * options it shares with the landmark fit (SharedFitOptions: focal, priors, ...) default to `fit`'s.
   * Its skin weights come from the reconstruction's skin mask.
   */
  photometric?: boolean | Omit<PhotometricOptions, 'skin'>;
  /**
   * The high-frequency detail band after the photometric refinement (needs it): a displacement map
   * from the photo's shading, see src/detail. Default false (the coarse head alone): on the sample
   * photos it shows folds but not yet every detail it should (see README), so it is asked for.
   */
  detail?: boolean | DetailOptions;
  /**
   * The mid-frequency band (a deformation map of xyz offsets over the face, see src/detail/mid-band.ts)
   * after the photometric refinement and before the detail band; the offsets go into every output
   * mesh. Default: on when `detail` is.
   */
  mid?: boolean | MidBandOptions;
}

export interface ExpandedReconstructOptions {
  detection: ExpandedDetectOptions;
  fit: ExpandedFitOptions;
  photometric: Omit<ExpandedPhotometricOptions, 'skin'> | false;
  detail: ExpandedDetailOptions | false;
  mid: ExpandedMidBandOptions | false;
}

export const RECONSTRUCT_DEFAULTS: ExpandedReconstructOptions = {
  detection: DETECT_DEFAULTS, fit: FIT_DEFAULTS, photometric: withoutSkin(PHOTOMETRIC_DEFAULTS), detail: false, mid: false,
};

/** RECONSTRUCT_DEFAULTS overlaid with `options`, every value checked; errors name the option ("fit.iterations"). */
export function expandReconstructOptions(options: ReconstructOptions = {}): ExpandedReconstructOptions {
  checkKeys('', options, Object.keys(RECONSTRUCT_DEFAULTS));
  const fit = expandFitOptions(options.fit ?? {}, 'fit');
  const p = options.photometric ?? true;
  if (typeof p !== 'boolean' && (typeof p !== 'object' || p === null || Array.isArray(p))) {
    throw new OptionError('photometric', 'photometric must be true, false or an object of options');
  }
  if (typeof p === 'object' && 'skin' in p) {
    throw new OptionError('photometric.skin', 'photometric.skin is not an option here: the reconstruction takes it from its skin mask');
  }
  const photometric = p !== false && withoutSkin(expandPhotometricOptions(p === true ? {} : p, 'photometric', sharedFitOptions(fit)));
  const d = options.detail ?? false;
  if (typeof d !== 'boolean' && (typeof d !== 'object' || d === null || Array.isArray(d))) {
    throw new OptionError('detail', 'detail must be true, false or an object of options');
  }
  // The band reads the photometric stage's lighting: without it there is no detail.
  const detail = d !== false && photometric !== false && expandDetailOptions(d === true ? {} : d, 'detail');
  const m = options.mid ?? detail !== false;
  if (typeof m !== 'boolean' && (typeof m !== 'object' || m === null || Array.isArray(m))) {
    throw new OptionError('mid', 'mid must be true, false or an object of options');
  }
  const mid = m !== false && photometric !== false && expandMidBandOptions(m === true ? {} : m, 'mid');
  return { detection: expandDetectOptions(options.detection ?? {}, 'detection'), fit, photometric, detail, mid };
}

function withoutSkin({ skin: _, ...rest }: ExpandedPhotometricOptions): Omit<ExpandedPhotometricOptions, 'skin'> {
  return rest;
}

/** Plain JSON for params.json: the expanded options, which can be passed back as ReconstructOptions. */
export function optionsRecord(o: ExpandedReconstructOptions): OptionsRecord {
  const plain = (branch: object) => Object.fromEntries(Object.entries(branch)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => [k, typeof v === 'object' && v !== null ? Array.from(v as ArrayLike<number>) : v]));
  return { detection: plain(o.detection), fit: plain(o.fit), photometric: o.photometric && plain(o.photometric), detail: o.detail && plain(o.detail), mid: o.mid && plain(o.mid) };
}
