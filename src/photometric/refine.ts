import type { RgbImage } from '../base/image.js';
import type { MorphableModel } from '../model/types.js';
import { instantiate } from '../model/instance.js';
import { cameraToView, projectPoints, type Camera } from '../base/camera.js';
import { fitResult, type FitResult } from '../fit/fit-result.js';
import { addParameterPriors, LandmarkTerm, turnedHeadLandmarkWeight, type LandmarkModel } from '../fit/landmark-term.js';
import { NormalEquations } from '../base/linalg.js';
import { runLevenbergMarquardt, type AccumulateMode } from '../fit/lm-solver.js';
import type { FitState } from '../fit/projection-jacobian.js';
import { vertexPoints, type SurfacePoints } from '../fit/surface-points.js';
import { shBasis, SH_COEFFICIENTS, SH_COUNT } from '../lighting/sh.js';
import { linearToSrgb, type Rgb } from '../base/colour.js';
import { rasterise } from '../render/rasterise.js';
import { displayMesh } from '../render/display-mesh.js';
import { meanTone, solveAlbedo, solveLighting, whiteLighting, type SampleObservations } from './appearance-solve.js';
import { faceSamples, type FaceSamples } from './face-samples.js';
import { photoField, sampleField, type PhotoField } from './photo-field.js';
import { pointBounds, type Rect } from '../base/rect.js';
import { PhotometricTerm } from './photometric-term.js';
import { lineariseNormals, sampleNormal, type SampleNormals } from './sample-normals.js';
import { expandPhotometricOptions, type PhotometricOptions } from './options.js';
import { priorWeights } from '../fit/options.js';

export type { PhotometricOptions } from './options.js';

/** Margin of the photo window the refinement reads around the landmarks' bounding box, as a fraction of its size. */
const FACE_WINDOW_MARGIN = 0.3;
/** The photo is blurred with sigma = face size / this (pixels), widening the basin of the image-gradient term. */
const BLUR_FACE_SIZE_DIVISOR = 160;
/** Starting guess of the face's mean linear albedo. */
const INITIAL_SKIN_TONE: Rgb = [0.4, 0.3, 0.25];
/** Lighting / single-tone albedo alternations before the first per-sample albedo solve. */
const LIGHTING_WARMUP_SOLVES = 4;
/** Per-sample albedo / lighting alternations per round. */
const APPEARANCE_SOLVES_PER_ROUND = 2;
/** Cauchy scale of the appearance residuals, in units of the expected luminance error sigma. */
const ROBUST_SCALE_SIGMAS = 3;
/** A sample is hidden when the rendered depth at its pixel lies this fraction nearer the camera. */
const OCCLUSION_DEPTH_TOLERANCE = 0.004;
/** Sample weight ramps from 0 at this cosine between normal and view ray to 1 at MIN_COSINE + COSINE_RAMP. */
const MIN_COSINE = 0.15;
const COSINE_RAMP = 0.35;
/**
 * A refinement has run away from the photo when its last appearance explains the skin it shares with
 * the landmark fit's this much worse and its landmark error has grown this much. Measured: two faces
 * of the sample photos whose heads turned 10-15 degrees off their landmarks, 1.32 and 1.46 on the
 * skin, x3.8 and x5 on the landmarks; the others' skin at most 0.95 (a profile the refinement got
 * right, x5.3 on the landmarks it rightly left). Clean synthetic faces (seed 1, 27): skin at most
 * 0.97 but one at 1.38 whose shape the refinement improved, its landmark error x1.14 (at most x1.8).
 */
const DIVERGED_ERROR_RATIO = 1.25;
const DIVERGED_LANDMARK_RATIO = 2;

/** The photometric refinement's result: the landmark fit's record (for the refined state) and the appearance it solved. */
export interface PhotometricResult extends FitResult {
  /** SH lighting in the view frame (see src/lighting/sh.ts), per channel, as fitted. */
  sh: Float64Array;
  /** Its white version (see whiteLighting): what the texture divides out. */
  shWhite: Float64Array;
  samples: FaceSamples;
  /** Linear RGB albedo per sample. */
  sampleAlbedo: Float64Array;
  /** Mean linear RGB albedo of the observed skin. */
  skinTone: Rgb;
  /** Mean absolute difference (8-bit sRGB units, over channels) between model and photo on the skin samples. */
  photometricError: { landmarkFit: number; refined: number };
  /** Number of samples the photometric term used in the last round. */
  sampleCount: number;
  /** The refinement ran away from the photo (see DIVERGED_ERROR_RATIO): this is the landmark fit's geometry with its appearance. */
  diverged?: boolean;
}

/**
 * Analysis-by-synthesis refinement of a landmark fit (GANFIT/DECA-style, our optimiser): each
 * round solves SH lighting and a regularised per-sample albedo for the current geometry, then
 * runs Levenberg-Marquardt on pose, focal length, identity and expression against photometric
 * residuals on visible skin plus the landmark, eye-closure and prior terms of the landmark fit.
 */
export function refinePhotometric(
  model: MorphableModel, lm: LandmarkModel, photo: RgbImage, targets: Float32Array, fit: FitResult,
  options: PhotometricOptions = {},
): PhotometricResult {
  const f = new PhotometricFit(model, lm, photo, targets, fit, options);
  let start: RoundCheckpoint | undefined;
  for (let round = 0; round <= f.o.rounds; round++) {
    f.solveAppearance();
    if (round === 0) start = f.checkpoint();
    if (round === f.o.rounds) break;
    f.refine();
  }
  const end = f.result();
  if (ranAway([start!], [{ result: end, fit: f.sampleFit() }])) return { ...start!.result, diverged: true };
  return end;
}

/** A round's result (copied) and its per-sample skin errors, to compare the last round against. */
export interface RoundCheckpoint {
  result: PhotometricResult;
  fit: { errors: Float64Array; weight: Float64Array };
}

/**
 * Each round lowers its own objective under the appearance it started from; when the appearance
 * solved at the new geometry explains the skin both states see worse, and the head has left its
 * landmarks too, the rounds have run away from the photo. Several photos of one face (one identity)
 * are judged together: their skin samples and landmark errors pooled.
 */
export function ranAway(starts: readonly RoundCheckpoint[], ends: readonly RoundCheckpoint[]): boolean {
  let skinStart = 0, skinEnd = 0, landmarksStart = 0, landmarksEnd = 0;
  for (let v = 0; v < starts.length; v++) {
    const a = starts[v].fit, b = ends[v].fit;
    for (let i = 0; i < a.errors.length; i++) {
      const both = Math.min(a.weight[i], b.weight[i]);
      if (both <= 0) continue;
      skinStart += both * a.errors[i];
      skinEnd += both * b.errors[i];
    }
    landmarksStart += starts[v].result.residualPx;
    landmarksEnd += ends[v].result.residualPx;
  }
  return skinEnd > DIVERGED_ERROR_RATIO * skinStart && landmarksEnd > DIVERGED_LANDMARK_RATIO * landmarksStart;
}

/**
 * One face's photometric refinement, step by step (refinePhotometric runs it; a multi-view fit
 * shares the identity of several): solveAppearance observes the samples under the current geometry
 * and solves lighting and albedo, then refine (or a caller's joint solve through addData) moves the
 * geometry against them.
 */
export class PhotometricFit {
  readonly o: ReturnType<typeof expandPhotometricOptions>;
  readonly term: LandmarkTerm;
  readonly state: FitState;
  readonly weights: FitResult['priors'];
  readonly landmarkWeight: number;
  iterations = 0;
  private readonly image: { width: number; height: number };
  private readonly samples: FaceSamples;
  private readonly points: SurfacePoints;
  private readonly rect: Rect;
  private readonly field: PhotoField;
  private readonly priors: Parameters<typeof addParameterPriors>[4];
  private readonly albedo: Float64Array;
  private sh: Float64Array = new Float64Array(SH_COEFFICIENTS);
  private tone: Rgb = [...INITIAL_SKIN_TONE];
  private landmarkFitError = NaN;
  private sampleCount = 0;
  private rounds = 0;
  private obs?: SampleObservations;
  private normals?: SampleNormals;
  private photometric?: PhotometricTerm;

  constructor(
    private readonly model: MorphableModel, lm: LandmarkModel, private readonly photo: RgbImage, targets: Float32Array, fit: FitResult,
    options: PhotometricOptions = {},
  ) {
    const o = this.o = expandPhotometricOptions(options);
    const K = lm.identityCount;
    this.image = { width: photo.width, height: photo.height };
    this.term = new LandmarkTerm(lm, targets, this.image, {
      sigma: o.landmarkSigma, gapSigma: o.gapSigma, eyeWeight: o.eyeWeight, lipWeight: o.lipWeight, robustScale: o.robustScale,
      farSideSigmaGrowth: o.farSideSigmaGrowth,
    });
    this.samples = faceSamples(model, o.spacing);
    this.points = samplePoints(model, this.samples, K);
    this.rect = faceRect(targets, photo, FACE_WINDOW_MARGIN);
    this.field = photoField(photo, this.rect, this.term.faceSize / BLUR_FACE_SIZE_DIVISOR);
    this.state = {
      rotation: Float64Array.from(fit.state.rotation), translation: Float64Array.from(fit.state.translation),
      focal: fit.state.focal, coeffs: Float64Array.from(fit.state.coeffs),
    };
    const focal0 = o.focal ?? Math.max(photo.width, photo.height);
    this.weights = priorWeights(o);
    this.priors = {
      identityPrior: this.weights.identity, expressionPrior: this.weights.expression, focal0, focalSigmaLog: o.focalSigmaLog,
      asymmetry: lm.asymmetry, asymmetryPrior: this.weights.asymmetry,
    };
    this.landmarkWeight = turnedHeadLandmarkWeight(fit.state.rotation, o.yawSigmaGrowth);
    this.albedo = new Float64Array(3 * this.samples.vertices.length);
  }

  get layout() {
    return this.term.layout;
  }

  /**
   * Lighting and per-sample albedo for the current geometry, and the photometric term the next
   * geometry step uses (`shared`: not yet, shareAlbedo finishes it).
   */
  solveAppearance(shared = false): void {
    const { model, samples, state, photo, albedo } = this;
    const view = observeSamples(model, samples, state, this.layout.identityCount, photo, this.field, this.rect, this.o.skin);
    const obs = this.obs = view.obs;
    this.normals = view.normals;
    if (this.rounds === 0) {
      // Lighting first, against one albedo for the whole face, so it takes the smooth fall-off.
      for (let k = 0; k < LIGHTING_WARMUP_SOLVES; k++) {
        fillAlbedo(albedo, this.tone);
        this.sh = solveLighting(obs, albedo);
        this.tone = meanTone(obs, shadingOf(obs, this.sh));
      }
      fillAlbedo(albedo, this.tone);
    }
    // A shared albedo is solved by shareAlbedo, from the photos' own only in the first round.
    if (shared && this.rounds > 0) return;
    for (let k = 0; k < APPEARANCE_SOLVES_PER_ROUND; k++) {
      solveAlbedo(samples, [{ obs, shading: shadingOf(obs, this.sh) }], albedo, this.tone);
      this.sh = solveLighting(obs, albedo);
    }
    fixGauge([obs], [this.sh], albedo, this.tone);
    if (!shared) this.finishAppearance();
  }

  /**
   * Several photos of one face (after each one's solveAppearance(true)): one albedo for all, each
   * photo its own lighting (which takes its exposure and white balance), by alternation from the
   * photos' own albedos. Shading that one photo's albedo would absorb must then be explained by the
   * shape under the other photos' light.
   */
  static shareAlbedo(fits: readonly PhotometricFit[]): void {
    const { samples } = fits[0];
    const S = samples.vertices.length;
    const albedo = new Float64Array(3 * S), total = new Float64Array(S);
    for (const f of fits) {
      for (let i = 0; i < S; i++) {
        const w = f.obs!.weight[i];
        total[i] += w;
        for (let c = 0; c < 3; c++) albedo[3 * i + c] += w * f.albedo[3 * i + c];
      }
    }
    const tone: Rgb = [0, 0, 0];
    for (const f of fits) for (let c = 0; c < 3; c++) tone[c] += f.tone[c] / fits.length;
    for (let i = 0; i < S; i++) for (let c = 0; c < 3; c++) albedo[3 * i + c] = total[i] > 0 ? albedo[3 * i + c] / total[i] : tone[c];
    for (let k = 0; k < APPEARANCE_SOLVES_PER_ROUND; k++) {
      solveAlbedo(samples, fits.map((f) => ({ obs: f.obs!, shading: shadingOf(f.obs!, f.sh) })), albedo, tone);
      for (const f of fits) f.sh = solveLighting(f.obs!, albedo);
    }
    fixGauge(fits.map((f) => f.obs!), fits.map((f) => f.sh), albedo, tone);
    for (const f of fits) {
      f.albedo.set(albedo);
      f.tone = [...tone];
      f.finishAppearance();
    }
  }

  /** This round's robust sample weights and the photometric term the next geometry step uses. */
  private finishAppearance(): void {
    const { obs, albedo, photo } = this;
    robustWeights(obs!, albedo, this.sh, ROBUST_SCALE_SIGMAS * this.o.sigma);
    if (this.rounds === 0) this.landmarkFitError = photometricError(obs!, albedo, this.sh);
    this.rounds++;
    this.photometric = new PhotometricTerm({
      field: this.field, points: this.points, layout: this.layout, normals: this.normals!, albedo, sh: this.sh, weight: obs!.weight,
      cx: photo.width / 2, cy: photo.height / 2, sigma: this.o.sigma,
    });
  }

  /** For a shared identity solve (see SharedIdentityView): the landmark rows' robust weights follow every iteration, as in refine. */
  beginData(s: FitState): void {
    this.term.beginIteration(s, true);
  }

  /** The landmark and photometric terms at `s` (this face's data), scaled by `weight`; no priors. */
  addData(ne: NormalEquations, s: FitState, active: Uint8Array, mode: AccumulateMode, weight = 1): void {
    this.term.add(ne, s, active, mode, this.landmarkWeight * weight);
    this.photometric!.add(ne, s, active, mode, this.o.photometricWeight * weight);
  }

  /** Levenberg-Marquardt on the parameters in `active` (default all) against this round's appearance, with the priors. */
  refine(active: Uint8Array = this.layout.all()): void {
    const { layout } = this;
    this.sampleCount = this.photometric!.sampleCount;
    const problem = {
      layout,
      beginIteration: (s: FitState) => this.beginData(s),
      accumulate: (s: FitState, act: Uint8Array, mode: AccumulateMode) => {
        const ne = new NormalEquations(layout.size, mode === 'gradient');
        this.addData(ne, s, act, mode);
        addParameterPriors(ne, s, act, layout, this.priors);
        ne.symmetrise();
        return ne;
      },
    };
    const o = this.o;
    this.iterations += runLevenbergMarquardt(problem, this.state, active, { maxIterations: o.iterations, relativeTolerance: o.tolerance, hessianRefresh: o.hessianRefresh });
  }

  /** This round's per-sample errors (see sampleErrors) and sample weights, copied. */
  sampleFit(): { errors: Float64Array; weight: Float64Array } {
    return { errors: sampleErrors(this.obs!, this.albedo, this.sh), weight: Float64Array.from(this.obs!.weight) };
  }

  /** This round's result (a snapshot) and per-sample errors, for ranAway. */
  checkpoint(): RoundCheckpoint {
    return { result: this.snapshot(), fit: this.sampleFit() };
  }

  /**
   * result() with its own copies of the state and albedo, which later rounds change in place, and the
   * sample count of this round's photometric term (result() reports the last refined round's).
   */
  snapshot(): PhotometricResult {
    const r = this.result();
    const state: FitState = { ...r.state, rotation: Float64Array.from(r.state.rotation), translation: Float64Array.from(r.state.translation), coeffs: Float64Array.from(r.state.coeffs) };
    return {
      ...r, state, pose: { rotation: state.rotation, translation: state.translation }, sampleAlbedo: Float64Array.from(r.sampleAlbedo),
      sampleCount: this.photometric!.sampleCount,
    };
  }

  result(): PhotometricResult {
    const { obs, albedo, sh } = this;
    return {
      ...fitResult(this.term, this.state, this.image, this.iterations, this.weights),
      sh,
      shWhite: whiteLighting(sh),
      samples: this.samples,
      sampleAlbedo: albedo,
      skinTone: this.tone,
      photometricError: { landmarkFit: this.landmarkFitError, refined: photometricError(obs!, albedo, sh) },
      sampleCount: this.sampleCount,
    };
  }
}

const pointCache = new WeakMap<FaceSamples, Map<number, SurfacePoints>>();
function samplePoints(model: MorphableModel, samples: FaceSamples, K: number): SurfacePoints {
  let m = pointCache.get(samples);
  if (!m) pointCache.set(samples, m = new Map());
  let p = m.get(K);
  if (!p) m.set(K, p = vertexPoints(model, samples.vertices, K));
  return p;
}

/** Landmark bounding box grown by `margin` of its size on every side, clipped to the photo. */
function faceRect(targets: Float32Array, photo: RgbImage, margin: number): Rect {
  const b = pointBounds(targets, 2), x0 = b.x, y0 = b.y, x1 = b.x + b.width, y1 = b.y + b.height;
  const mx = margin * b.width, my = margin * b.height;
  const x = Math.max(0, Math.floor(x0 - mx)), y = Math.max(0, Math.floor(y0 - my));
  return { x, y, width: Math.min(photo.width, Math.ceil(x1 + mx)) - x, height: Math.min(photo.height, Math.ceil(y1 + my)) - y };
}

/**
 * Samples as the camera sees them for the current geometry: visibility against the whole head's
 * z-buffer, frontality and skin weight, the photo colour at each projection and the SH basis of
 * each normal; plus the normals linearised for the geometry step.
 */
function observeSamples(
  model: MorphableModel, samples: FaceSamples, state: FitState, K: number, photo: RgbImage, field: PhotoField, rect: Rect,
  skin: ((x: number, y: number) => number) | undefined,
): { obs: SampleObservations; normals: SampleNormals } {
  const identity = new Float32Array(model.identityCount);
  identity.set(state.coeffs.subarray(0, K));
  const positions = instantiate(model, { identity, expression: Float32Array.from(state.coeffs.subarray(K)) });
  const normals = lineariseNormals(model, samples, positions, K, state.coeffs);
  const pose = { rotation: state.rotation, translation: state.translation };
  const crop: Camera = { focal: state.focal, cx: photo.width / 2 - rect.x, cy: photo.height / 2 - rect.y, width: rect.width, height: rect.height };
  const screen = projectPoints(positions, pose, crop);
  const frame = rasterise(screen, model.triangles, rect.width, rect.height, { select: displayMesh(model).select });
  const S = samples.vertices.length;
  const obs: SampleObservations = { basis: new Float64Array(SH_COUNT * S), colour: new Float64Array(3 * S), weight: new Float64Array(S) };
  const R = state.rotation, t = state.translation;
  const n = new Float64Array(3), px = new Float64Array(5), vn = new Float64Array(3);
  for (let i = 0; i < S; i++) {
    const v = samples.vertices[i];
    const u = screen[3 * v], w = screen[3 * v + 1], z = screen[3 * v + 2];
    const xi = Math.floor(u), yi = Math.floor(w);
    if (xi < 0 || yi < 0 || xi >= rect.width || yi >= rect.height) continue;
    if (frame.depth[yi * rect.width + xi] < z * (1 - OCCLUSION_DEPTH_TOLERANCE)) continue;
    sampleNormal(normals, i, state.coeffs, n);
    const nx = R[0] * n[0] + R[1] * n[1] + R[2] * n[2];
    const ny = R[3] * n[0] + R[4] * n[1] + R[5] * n[2];
    const nz = R[6] * n[0] + R[7] * n[1] + R[8] * n[2];
    const p = positions;
    const X = R[0] * p[3 * v] + R[1] * p[3 * v + 1] + R[2] * p[3 * v + 2] + t[0];
    const Y = R[3] * p[3 * v] + R[4] * p[3 * v + 1] + R[5] * p[3 * v + 2] + t[1];
    const Z = R[6] * p[3 * v] + R[7] * p[3 * v + 1] + R[8] * p[3 * v + 2] + t[2];
    const cos = -(nx * X + ny * Y + nz * Z) / Math.hypot(X, Y, Z);
    const frontal = Math.min(1, Math.max(0, (cos - MIN_COSINE) / COSINE_RAMP));
    if (frontal <= 0) continue;
    const U = u + rect.x, V = w + rect.y;
    if (!sampleField(field, U, V, px)) continue;
    const sk = skin ? skin(U, V) : 1;
    if (sk <= 0) continue;
    obs.weight[i] = frontal * sk;
    obs.colour.set(px.subarray(0, 3), 3 * i);
    cameraToView(vn, nx, ny, nz);
    shBasis(vn[0], vn[1], vn[2], obs.basis, SH_COUNT * i);
  }
  return { obs, normals };
}

function shadingOf(obs: SampleObservations, sh: Float64Array): Float64Array {
  const S = obs.weight.length;
  const out = new Float64Array(3 * S);
  for (let i = 0; i < S; i++) {
    for (let c = 0; c < 3; c++) {
      let s = 0;
      for (let k = 0; k < SH_COUNT; k++) s += sh[3 * k + c] * obs.basis[SH_COUNT * i + k];
      out[3 * i + c] = s;
    }
  }
  return out;
}

/**
 * Albedo times lighting is all a photo shows, so each channel's scale is a free choice: take the
 * one whose mean shading over the observed samples (of every photo sharing the albedo) is 1 (white
 * light), so the albedo keeps the skin's colour and brightness as photographed.
 */
function fixGauge(obs: readonly SampleObservations[], sh: readonly Float64Array[], albedo: Float64Array, tone: number[]): void {
  const shading = obs.map((o, v) => shadingOf(o, sh[v]));
  for (let c = 0; c < 3; c++) {
    let sum = 0, wsum = 0;
    obs.forEach((o, v) => {
      for (let i = 0; i < o.weight.length; i++) { sum += o.weight[i] * shading[v][3 * i + c]; wsum += o.weight[i]; }
    });
    const mean = wsum > 0 ? sum / wsum : 1;
    if (!(mean > 1e-6)) continue;
    for (const s of sh) for (let k = 0; k < SH_COUNT; k++) s[3 * k + c] /= mean;
    for (let i = c; i < albedo.length; i += 3) albedo[i] *= mean;
    tone[c] *= mean;
  }
}

function fillAlbedo(albedo: Float64Array, tone: ArrayLike<number>): void {
  for (let i = 0; i < albedo.length; i += 3) { albedo[i] = tone[0]; albedo[i + 1] = tone[1]; albedo[i + 2] = tone[2]; }
}

/** Cauchy down-weighting of samples the appearance model cannot explain (highlights, cast shadows, stray occluders). */
function robustWeights(obs: SampleObservations, albedo: Float64Array, sh: Float64Array, scale: number): void {
  const shading = shadingOf(obs, sh);
  for (let i = 0; i < obs.weight.length; i++) {
    if (obs.weight[i] <= 0) continue;
    let d2 = 0;
    for (let c = 0; c < 3; c++) d2 += (albedo[3 * i + c] * shading[3 * i + c] - obs.colour[3 * i + c]) ** 2;
    obs.weight[i] /= 1 + d2 / 3 / (scale * scale);
  }
}

/** Weighted mean absolute model-photo difference over the samples, in 8-bit sRGB units. */
function photometricError(obs: SampleObservations, albedo: Float64Array, sh: Float64Array): number {
  return meanError(sampleErrors(obs, albedo, sh), obs.weight);
}

/** Per sample, the mean absolute difference over channels between model and photo, 8-bit sRGB units (0 where unseen). */
function sampleErrors(obs: SampleObservations, albedo: Float64Array, sh: Float64Array): Float64Array {
  const shading = shadingOf(obs, sh);
  const out = new Float64Array(obs.weight.length);
  for (let i = 0; i < obs.weight.length; i++) {
    if (obs.weight[i] <= 0) continue;
    let d = 0;
    for (let c = 0; c < 3; c++) d += Math.abs(linearToSrgb(albedo[3 * i + c] * shading[3 * i + c]) - linearToSrgb(obs.colour[3 * i + c]));
    out[i] = (d / 3) * 255;
  }
  return out;
}

/** The weighted mean of per-sample errors (NaN without weight). */
function meanError(errors: Float64Array, weight: ArrayLike<number>): number {
  let sum = 0, wsum = 0;
  for (let i = 0; i < errors.length; i++) {
    if (weight[i] <= 0) continue;
    sum += weight[i] * errors[i];
    wsum += weight[i];
  }
  return wsum > 0 ? sum / wsum : NaN;
}
