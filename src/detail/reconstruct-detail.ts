import { cameraToView } from '../base/camera.js';
import { LUMA } from '../base/colour.js';
import type { TexturedMesh } from '../base/mesh.js';
import { shBasisGradient, shShader, SH_COUNT } from '../lighting/sh.js';
import type { TriangleSelection } from '../render/rasterise.js';
import { boxBlur, dilate, erode } from '../skin/morphology.js';
import { smoothstep } from '../skin/mask.js';
import { observeTexels, type PhotoView } from '../texture/bake-photo.js';
import { pixelsPerTexel, sampleLinear, type ImageWeight } from '../texture/complete-albedo.js';
import { distanceToSource } from '../texture/distance.js';
import { textureLayout } from '../texture/mirror-map.js';
import { solveHeight } from './height-solve.js';
import { expandDetailOptions, type DetailOptions, type ExpandedDetailOptions } from './options.js';
import { cropPlane, frameSurface, texelFrames, uncropPlane, type TexelFrames, type TexelWindow } from './surface-frame.js';
import { nthSmallest } from '../base/select.js';

export interface DetailInput {
  /** The fitted, posed head in its photo. */
  view: PhotoView;
  /** The fitted SH lighting (27 coefficients, view frame, per channel) the photo was explained with. */
  sh: ArrayLike<number>;
  /** Skin weight at photo pixel coordinates: no detail where it is 0 (hair, brows, eyes, lips, glasses, hands, background). */
  skin?: ImageWeight;
  /** A left-right symmetric instance of the same mesh (ICT: the neutral mesh): the UV raster is cached on it. */
  symmetric: TexturedMesh;
  /** Triangles of the textured chart (ICT: the face region) and those that may hide them. */
  select: TriangleSelection;
  occluderSelect?: TriangleSelection;
  /** Millimetres per model unit. */
  millimetres: number;
}

/** The high-frequency band of one face: a height field along the normal over the face's UV square. */
export interface DetailResult {
  /** Texels per side of the solved grid (the UV square [0, 1]^2, row 0 at v = 1). */
  size: number;
  /** Displacement along the surface normal, mm, per texel; 0 outside the chart and where nothing was seen. */
  height: Float32Array;
  /**
   * What the detail does to the fitted shading, per texel: the factor exp(-l . grad h) the bumps
   * multiply the coarse surface's shading by under the fitted light (1 where flat). Dividing the
   * photo by it takes the shading of the detail out of the albedo (de-retouching).
   */
  shadingFactor: Float32Array;
  /** Weight of each texel's shading evidence in the solve (0-1): seen, on skin, achromatic. */
  evidence: Float32Array;
  /** The texel frames of the fitted mesh on the solved grid. */
  frames: TexelFrames;
  stats: { iterations: number; evidenceTexels: number; rmsMm: number; maxAbsMm: number };
  options: ExpandedDetailOptions;
}

/** Texels seen at a smaller cosine between normal and view ray give no evidence; full weight from FULL_COSINE. */
const MIN_COSINE = 0.25;
const FULL_COSINE = 0.5;
/** Photo samples with a channel at this sRGB code or above (in any bilinear tap) are clipped: no evidence. */
const CLIPPED = 250;
/** Log-luminance below which local fine variation counts as noise in the chroma ratio. */
const CHROMA_FLOOR = 0.01;
/** Variance of the log shading over the face below which the coarse chroma law is not measured. */
const MIN_SHADING_VARIANCE = 0.01;
/** Fine log-luminance change beyond which a texel's chroma ratio enters the fine chroma law. */
const CLEAR_LUMINANCE_CHANGE = 0.05;
/** Strength (norm) of the coarse chroma law from which it fully vouches for the fine one, and the cosine between them from 0 to full trust. */
const LAW_STRENGTH = 0.15;
const LAW_AGREEMENT = [0.5, 0.8] as const;
/** Decay lengths beyond the last evidence where the field is still solved (it has fallen to e^-3 there). */
const DOMAIN_DECAYS = 3;
/** Texels per side of the probe grid that measures the photo's resolution on the face. */
const PROBE_SIZE = 64;
/** Distance (mm, beyond the first texel) over which trust fades in from untrusted texels (skin edges, occluders). */
const EDGE_FADE_MM = 1.5;
/** Texels over which the detail fades to 0 toward the edges of the chart (its seams with other charts). */
const CHART_FADE_TEXELS = 6;

/**
 * HRN's high-frequency band from one photo's shading. Per texel of the face's UV square: the photo's
 * linear colour over the fitted SH shading of the coarse surface is the apparent albedo; its fine part
 * (the apparent albedo minus its weighted local mean over `bandWidth`) is split, in log RGB, into an
 * achromatic part (what shading does: every channel by one factor) and the rest. Where the rest is
 * small against the achromatic part, the achromatic part is taken as shading of fine geometry: it
 * must equal the change a height field h makes to the fitted shading, -l . grad h, with l the
 * light's log-shading gradient on the surface (a wrinkle is lit on one flank, shaded on the other).
 * Where the variation is chromatic (freckles, moles, lipstick, make-up, redness) it stays albedo and
 * gives no evidence. h is the least-squares integration of that evidence with membrane smoothness
 * and screening (solveHeight). Off skin and where the camera did not see there is no evidence, and h
 * decays smoothly to 0.
 */
export function reconstructDetail(input: DetailInput, options: DetailOptions = {}): DetailResult {
  const o = expandDetailOptions(options);
  const { view } = input;
  const S = o.solveSize || autoSolveSize(input, o);
  const layout = textureLayout(input.symmetric, { width: S, height: S, select: input.select });
  const seen = observeTexels(view, { width: S, height: S, uvFrame: layout.uvFrame, occluderSelect: input.occluderSelect, minCosine: MIN_COSINE });
  // Everything after works on the window of the grid around what the camera saw, with room for the
  // field to decay beyond it: for a face seen from the front about a third of the UV square.
  const surface = frameSurface(view, layout.uvFrame);
  const mmGuess = medianPositive(texelFrames(view, layout.uvFrame, input.millimetres, [0, 1], [0, 1], centreWindow(S), surface).mmX, undefined);
  const onSkin = new Float32Array(S * S);
  for (let p = 0; p < S * S; p++) {
    if (seen.cosine[p] > 0) onSkin[p] = input.skin ? input.skin(seen.pixel[2 * p], seen.pixel[2 * p + 1]) : 1;
  }
  const window = observedWindow(onSkin, S, Math.ceil((DOMAIN_DECAYS + 1) * o.bandWidth / mmGuess) + CHART_FADE_TEXELS);
  const W = window.width, H = window.height, N = W * H;
  const obs = { pixel: cropPlane(seen.pixel, S, window, 2), normal: cropPlane(seen.normal, S, window, 3), cosine: cropPlane(seen.cosine, S, window) };
  const frames = texelFrames(view, layout.uvFrame, input.millimetres, [0, 1], [0, 1], window, surface);
  const skinWeight = cropPlane(onSkin, S, window);
  const R = view.pose.rotation;
  // Photo pixels per texel: where texels are finer than pixels, neighbouring texels share their evidence.
  const footprint = cropPlane(pixelFootprint(seen.pixel, S), S, window);

  // Apparent albedo (log, per channel), the light's log-shading gradient along the texel axes, and trust.
  const logAlbedo = new Float32Array(3 * N);
  const a = new Float32Array(N), b = new Float32Array(N), trust = new Float32Array(N);
  const colour = new Float32Array(3), shade = new Float64Array(3), vn = new Float64Array(3), basisGradient = new Float64Array(3 * SH_COUNT);
  const lumaSh = new Float64Array(SH_COUNT);
  const logShade = new Float32Array(N), photoChroma = new Float32Array(3 * N), evidenceDensity = new Float32Array(N);
  for (let k = 0; k < SH_COUNT; k++) lumaSh[k] = LUMA[0] * input.sh[3 * k] + LUMA[1] * input.sh[3 * k + 1] + LUMA[2] * input.sh[3 * k + 2];
  const shadeOf = shShader(input.sh);
  for (let p = 0; p < N; p++) {
    const cos = obs.cosine[p];
    if (!(cos > 0) || !(frames.mmX[p] > 0)) continue;
    const x = obs.pixel[2 * p], y = obs.pixel[2 * p + 1];
    const skin = skinWeight[p];
    if (!(skin > 0)) continue;
    if (sampleLinear(view.photo, x - 0.5, y - 0.5, colour, 0) >= CLIPPED) continue;
    const nx = obs.normal[3 * p], ny = obs.normal[3 * p + 1], nz = obs.normal[3 * p + 2];
    cameraToView(vn, nx, ny, nz);
    shadeOf(vn[0], vn[1], vn[2], shade);
    const lum = LUMA[0] * shade[0] + LUMA[1] * shade[1] + LUMA[2] * shade[2];
    if (!(lum > 1e-3)) continue;
    for (let c = 0; c < 3; c++) logAlbedo[3 * p + c] = Math.log(Math.max(1e-3, colour[c]) / Math.max(1e-3, shade[c]));
    logShade[p] = Math.log(lum);
    for (let c = 0; c < 3; c++) photoChroma[3 * p + c] = Math.log(Math.max(1e-3, colour[c])) - Math.log(Math.max(1e-3, LUMA[0] * colour[0] + LUMA[1] * colour[1] + LUMA[2] * colour[2]));
    // d ln S / d n in the view frame, back to the camera frame (the flip is its own inverse), then the model frame.
    shBasisGradient(vn[0], vn[1], vn[2], basisGradient);
    let gx = 0, gy = 0, gz = 0;
    for (let k = 0; k < SH_COUNT; k++) {
      gx += lumaSh[k] * basisGradient[3 * k]; gy += lumaSh[k] * basisGradient[3 * k + 1]; gz += lumaSh[k] * basisGradient[3 * k + 2];
    }
    const cx = gx / lum, cy = -gy / lum, cz = -gz / lum;
    const mx = R[0] * cx + R[3] * cy + R[6] * cz, my = R[1] * cx + R[4] * cy + R[7] * cz, mz = R[2] * cx + R[5] * cy + R[8] * cz;
    const tX = frames.tangentX, tY = frames.tangentY;
    a[p] = (mx * tX[3 * p] + my * tX[3 * p + 1] + mz * tX[3 * p + 2]) / frames.mmX[p];
    b[p] = (mx * tY[3 * p] + my * tY[3 * p + 1] + mz * tY[3 * p + 2]) / frames.mmY[p];
    trust[p] = skin * Math.min(1, (cos - MIN_COSINE) / (FULL_COSINE - MIN_COSINE));
    evidenceDensity[p] = Math.min(1, footprint[p] * footprint[p]);
  }
  // Texels next to untrusted ones mix what lies beyond (brow, rim, silhouette) into their photo sample,
  // and the skin along an occluder (a hat's brim, a fringe) is in its shadow: trust fades in from there.
  // (Specks of a few texels are left out: a pore or a JPEG block is no occluder.)
  const untrustedArea = dilate(erode(mapPlane(trust, (t) => (t < 0.5 ? 1 : 0)), W, H, 2), W, H, 2);
  const fromEdge = distanceToSource(Uint8Array.from(untrustedArea as ArrayLike<number>), W, H);
  const fade = Math.max(1, EDGE_FADE_MM / mmGuess);
  const inner = mapPlane(trust, (t, p) => t * smoothstep(1, 1 + fade, fromEdge[p]));

  // How this photo's colour changes with shading alone, at the scale of the whole face.
  const coarseLaw = shadingChromaLaw(logShade, photoChroma, inner);
  // Fine variation, split into shading and albedo; then again with the local mean taken over what
  // was found to be shading only, so a mole's darkness does not leave a bright halo of fine variation
  // around it in the skin beside it.
  const mmPerTexel = medianPositive(frames.mmX, inner);
  const radius = Math.max(1, Math.round(o.bandWidth / mmPerTexel));
  const first = splitFineVariation(logAlbedo, inner, inner, W, H, radius, o, coarseLaw);
  const { achromatic, evidence } = splitFineVariation(logAlbedo, first.evidence, inner, W, H, radius, o, first.law);
  const target = mapPlane(achromatic, (g) => -g);
  let evidenceTexels = 0;
  for (let p = 0; p < N; p++) if (evidence[p] > 0.5) evidenceTexels++;

  // Solve where evidence is near; the field is 0 beyond (it has decayed by then).
  const decayTexels = o.bandWidth / mmPerTexel;
  const hasEvidence = Uint8Array.from(mapPlane(evidence, (e) => (e > 0 ? 1 : 0)) as ArrayLike<number>);
  const near = distanceToSource(hasEvidence, W, H);
  const domain = new Uint8Array(N);
  for (let p = 0; p < N; p++) domain[p] = frames.mmX[p] > 0 && near[p] <= DOMAIN_DECAYS * decayTexels ? 1 : 0;
  const solved = solveHeight({
    width: W, height: H, mmX: frames.mmX, mmY: frames.mmY, a, b, target, weight: mapPlane(evidence, (e, p) => e * evidenceDensity[p]),
    smoothness: o.smoothness, decay: o.bandWidth, domain, iterations: o.iterations,
  });
  const h = solved.height;

  // No step where the face's chart meets the next one.
  const outside = Uint8Array.from(mapPlane(frames.mmX, (m) => (m > 0 ? 0 : 1)) as ArrayLike<number>);
  const edge = distanceToSource(outside, W, H);
  let sum2 = 0, count = 0, maxAbs = 0;
  for (let p = 0; p < N; p++) {
    if (!domain[p]) { h[p] = 0; continue; }
    h[p] *= smoothstep(0, CHART_FADE_TEXELS, edge[p]);
    sum2 += h[p] * h[p]; count++;
    maxAbs = Math.max(maxAbs, Math.abs(h[p]));
  }

  const shadingFactor = new Float32Array(N).fill(1);
  for (let p = 0; p < N; p++) {
    if (!domain[p] || !(a[p] !== 0 || b[p] !== 0)) continue;
    const x = p % W;
    const dx = x > 0 && x + 1 < W ? (h[p + 1] - h[p - 1]) / 2 : 0, dy = p >= W && p + W < N ? (h[p + W] - h[p - W]) / 2 : 0;
    shadingFactor[p] = Math.exp(-(a[p] * dx + b[p] * dy));
  }
  const full = (plane: Float32Array, channels = 1, fill = 0) => uncropPlane(plane, S, S, window, channels, fill);
  return {
    size: S, height: full(h), shadingFactor: full(shadingFactor, 1, 1), evidence: full(evidence),
    frames: {
      width: S, height: S, normal: full(frames.normal, 3), tangentX: full(frames.tangentX, 3), tangentY: full(frames.tangentY, 3),
      mmX: full(frames.mmX), mmY: full(frames.mmY),
    },
    stats: { iterations: solved.iterations, evidenceTexels, rmsMm: count ? Math.sqrt(sum2 / count) : 0, maxAbsMm: maxAbs },
    options: o,
  };
}

/**
 * The fine part of the log apparent albedo (minus its local mean weighted by `meanWeight`, over about
 * `radius` texels), its achromatic part (luminance: what shading changes) and the evidence each texel
 * gives of shading: its trust, lowered where the fine variation has a colour of its own beyond the
 * photo's chroma noise (the median local chroma energy), relative to its achromatic part.
 */
function splitFineVariation(
  logAlbedo: Float32Array, meanWeight: Float32Array, inner: Float32Array, W: number, H: number, radius: number, o: ExpandedDetailOptions,
  law: ChromaLaw,
): { achromatic: Float32Array; evidence: Float32Array; law: ChromaLaw } {
  const N = W * H;
  const fine = new Float32Array(3 * N);
  const meanDenominator = blur3(meanWeight, W, H, radius);
  for (let c = 0; c < 3; c++) {
    const channel = new Float32Array(N);
    for (let p = 0; p < N; p++) channel[p] = meanWeight[p] * logAlbedo[3 * p + c];
    const mean = normalise(blur3(channel, W, H, radius), meanDenominator);
    for (let p = 0; p < N; p++) if (inner[p] > 0) fine[3 * p + c] = logAlbedo[3 * p + c] - mean[p];
  }
  const achromatic = new Float32Array(N), chroma = new Float32Array(3 * N);
  for (let p = 0; p < N; p++) {
    if (!(inner[p] > 0)) continue;
    const g = LUMA[0] * fine[3 * p] + LUMA[1] * fine[3 * p + 1] + LUMA[2] * fine[3 * p + 2];
    achromatic[p] = g;
    for (let c = 0; c < 3; c++) chroma[3 * p + c] = fine[3 * p + c] - g;
  }
  // The fine scale's own law, where the coarse one vouches for it (see fineChromaLaw).
  const fineLaw = fineChromaLaw(achromatic, chroma, inner, law);
  const achromaticEnergy = new Float32Array(N), chromaticEnergy = new Float32Array(N);
  for (let p = 0; p < N; p++) {
    if (!(inner[p] > 0)) continue;
    const g = achromatic[p];
    achromaticEnergy[p] = inner[p] * g * g;
    let q = 0;
    for (let c = 0; c < 3; c++) q += (chroma[3 * p + c] - fineLaw[c] * g) ** 2;
    chromaticEnergy[p] = inner[p] * q;
  }
  const innerDenominator = blur3(inner, W, H, 1);
  const localAchromatic = normalise(blur3(achromaticEnergy, W, H, 1), innerDenominator);
  const localChromatic = normalise(blur3(chromaticEnergy, W, H, 1), innerDenominator);
  // Chroma the photo carries everywhere (sensor noise, JPEG's coarse chroma) says nothing about albedo.
  const chromaNoise = medianPositive(localChromatic, inner);
  const ratio = new Float32Array(N), acceptance = new Float32Array(N);
  for (let p = 0; p < N; p++) {
    if (!(inner[p] > 0)) continue;
    ratio[p] = Math.sqrt(Math.max(0, localChromatic[p] - chromaNoise) / (localAchromatic[p] + CHROMA_FLOOR * CHROMA_FLOOR));
    acceptance[p] = 1 - smoothstep(o.chromaAccept, o.chromaReject, ratio[p]);
  }
  // A pigmented patch's faint rim is still the patch.
  const spread = erode(acceptance, W, H, 1);
  const evidence = mapPlane(inner, (t, p) => t * spread[p]);
  return { achromatic, evidence, law: fineLaw };
}

/** Change of log chroma (ln of each channel minus ln luminance) per unit change of ln luminance that shading makes. */
type ChromaLaw = [number, number, number];

/**
 * How a photo's colour changes with shading: ideally not at all (a grey light scales every channel
 * alike), but cameras' tone curves and skin's own scattering make shaded skin redder and more
 * saturated in a photo, in the very direction a brown pigment would. Measured over the whole face,
 * where shading varies far more than skin colour: the weighted regression of the photo's log chroma
 * on the log luminance of the fitted shading.
 */
function shadingChromaLaw(logShade: Float32Array, photoChroma: Float32Array, weight: Float32Array): ChromaLaw {
  let sw = 0, sx = 0, sxx = 0;
  const sy = [0, 0, 0], sxy = [0, 0, 0];
  for (let p = 0; p < weight.length; p++) {
    const w = weight[p];
    if (!(w > 0.5)) continue;
    const x = logShade[p];
    sw += w; sx += w * x; sxx += w * x * x;
    for (let c = 0; c < 3; c++) { sy[c] += w * photoChroma[3 * p + c]; sxy[c] += w * x * photoChroma[3 * p + c]; }
  }
  const variance = sw > 0 ? sxx / sw - (sx / sw) ** 2 : 0;
  if (!(variance > MIN_SHADING_VARIANCE)) return [0, 0, 0];
  return sy.map((_, c) => (sxy[c] / sw - (sx / sw) * (sy[c] / sw)) / variance) as ChromaLaw;
}

/**
 * The fine variation's own chroma law (per channel, the median ratio of chroma to luminance change
 * over texels with a clear luminance change), trusted as far as the coarse law vouches for it: in
 * proportion to the coarse law's strength and its agreement in direction. A photo whose shading is
 * grey at the coarse scale (a render) gets none, so every colourful fine variation counts as albedo.
 */
function fineChromaLaw(achromatic: Float32Array, chroma: Float32Array, weight: Float32Array, coarse: ChromaLaw): ChromaLaw {
  const ratios: number[][] = [[], [], []];
  for (let p = 0; p < weight.length; p++) {
    const g = achromatic[p];
    if (!(weight[p] > 0.5) || !(Math.abs(g) > CLEAR_LUMINANCE_CHANGE)) continue;
    for (let c = 0; c < 3; c++) ratios[c].push(chroma[3 * p + c] / g);
  }
  if (ratios[0].length < 100) return [0, 0, 0];
  const fine = ratios.map((r) => Float64Array.from(r).sort()[r.length >> 1]);
  const coarseNorm = Math.hypot(...coarse), fineNorm = Math.hypot(...fine);
  if (!(coarseNorm > 0 && fineNorm > 0)) return [0, 0, 0];
  const cosine = (fine[0] * coarse[0] + fine[1] * coarse[1] + fine[2] * coarse[2]) / (coarseNorm * fineNorm);
  const trust = Math.min(1, coarseNorm / LAW_STRENGTH) * smoothstep(LAW_AGREEMENT[0], LAW_AGREEMENT[1], cosine);
  return fine.map((k) => trust * k) as ChromaLaw;
}

/**
 * The solve size at which a texel covers one to two photo pixels on the face (finer texels would only
 * interpolate pixels, and single pixels carry more noise and JPEG blocking than skin): from the median
 * photo step between neighbouring texels of a coarse grid, the power of two below, within the options' range.
 */
function autoSolveSize(input: DetailInput, o: ExpandedDetailOptions): number {
  const C = PROBE_SIZE;
  const layout = textureLayout(input.symmetric, { width: C, height: C, select: input.select });
  const obs = observeTexels(input.view, { width: C, height: C, uvFrame: layout.uvFrame, occluderSelect: input.occluderSelect, minCosine: FULL_COSINE });
  const steps = pixelFootprint(obs.pixel, C).filter((f) => f > 0).sort();
  const step = steps.length ? steps[steps.length >> 1] : 1;
  const size = 2 ** Math.floor(Math.log2(C * step));
  return Math.min(o.maxSolveSize, Math.max(o.minSolveSize, size));
}

/** The bounding box of the texels with positive weight, grown by `margin` texels and clipped to the grid. */
function observedWindow(weight: Float32Array, S: number, margin: number): TexelWindow {
  let x0 = S, y0 = S, x1 = -1, y1 = -1;
  for (let p = 0; p < S * S; p++) {
    if (!(weight[p] > 0)) continue;
    const x = p % S, y = (p - x) / S;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  if (x1 < 0) return { x0: 0, y0: 0, width: 1, height: 1 };
  x0 = Math.max(0, x0 - margin); y0 = Math.max(0, y0 - margin);
  x1 = Math.min(S - 1, x1 + margin); y1 = Math.min(S - 1, y1 + margin);
  return { x0, y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

/** The middle quarter of an S-texel grid (where the face's surface metric is typical). */
function centreWindow(S: number): TexelWindow {
  return { x0: Math.floor(S * 3 / 8), y0: Math.floor(S * 3 / 8), width: Math.ceil(S / 4), height: Math.ceil(S / 4) };
}

/** Photo pixels per texel step at each observed texel (see pixelsPerTexel); 0 at unobserved ones. */
function pixelFootprint(pixel: Float32Array, S: number): Float32Array {
  const out = new Float32Array(S * S);
  for (let p = 0; p < S * S; p++) if (pixel[2 * p] === pixel[2 * p]) out[p] = pixelsPerTexel(pixel, p, S);
  return out;
}

/** f applied to every value of a plane (a loop: typed arrays' from(callback) is slow in V8). */
function mapPlane(plane: Float32Array, f: (v: number, p: number) => number): Float32Array {
  const out = new Float32Array(plane.length);
  for (let p = 0; p < plane.length; p++) out[p] = f(plane[p], p);
  return out;
}

/** Three box passes of `radius` (close to a Gaussian of sigma ~ radius + 0.5). */
function blur3(plane: Float32Array, W: number, H: number, radius: number): Float32Array {
  let out = plane;
  for (let k = 0; k < 3; k++) out = boxBlur(out, W, H, radius);
  return out;
}

/** Normalised convolution: a blurred weight x value over the blurred weight, in place on `numerator`. */
function normalise(numerator: Float32Array, denominator: Float32Array): Float32Array {
  for (let p = 0; p < numerator.length; p++) numerator[p] = denominator[p] > 1e-6 ? numerator[p] / denominator[p] : 0;
  return numerator;
}

function medianPositive(values: Float32Array, weight: Float32Array | undefined): number {
  const picked = new Float32Array(values.length);
  let count = 0;
  for (let p = 0; p < values.length; p++) if ((!weight || weight[p] > 0) && values[p] > 0) picked[count++] = values[p];
  if (count === 0) return 1;
  return nthSmallest(picked.subarray(0, count), count >> 1);
}
