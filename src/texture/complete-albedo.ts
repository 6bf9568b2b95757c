/**
 * Texture completion: a full UV albedo map from one photo, with the lighting divided out, the
 * hidden side taken from the mirrored visible side (matched in exposure), and what neither side
 * shows made of skin synthesised from the observed skin, all joined by gradient-domain blending.
 * See `completeAlbedo`.
 */
import { NormalEquations, solveSpd } from '../base/linalg.js';
import { nthSmallest } from '../base/select.js';
import { bilinear, bilinearTaps, clampedTaps, type RgbImage } from '../base/image.js';
import type { RasterFrame } from '../render/rasterise.js';
import { SH_COUNT, shBasis, shShade } from '../lighting/sh.js';
import { texturedMesh, type TexturedMesh } from '../base/mesh.js';
import { linearToSrgb8, luminance, SRGB8_TO_LINEAR, type Rgb } from '../base/colour.js';
import { observeTexels, type PhotoBakeOptions, type PhotoView } from './bake-photo.js';
import { distanceToSource } from './distance.js';
import { pushPullBlend, screenedMembrane } from './inpaint.js';
import { regionalSkinTone, synthesiseSkinDetail } from './skin-synthesis.js';
import { textureLayout } from './mirror-map.js';


/** Image-space weight in [0, 1] at pixel coordinates (x, y): pixel (i, j) spans [i, i+1) x [j, j+1), as projectPoints. */
export type ImageWeight = (x: number, y: number) => number;

export interface AlbedoLighting {
  /** Second-order SH lighting, 27 coefficients sh[3k + c] in the view frame (see src/lighting/sh.ts). */
  sh: ArrayLike<number>;
  /**
   * Rescale the lighting's channels so that its mean over the observed face is grey: the light's
   * colour that varies over the face (a coloured rim light) is divided out per channel, while the
   * face's overall colour balance stays that of the photo; the light's tint in any direction is
   * limited (see MAX_LIGHT_TINT), and what the limit leaves of a colour that changes with direction
   * is divided out of the skin (see removeLightChroma). Default false (the lighting as given).
   */
  whiteBalance?: boolean;
}

/**
 * Texture extent, baked and occluding triangles (for ICT: the face region), camera raster and
 * minimum cosine mean what they mean for `observeTexels`, with the same defaults.
 */
export interface AlbedoCompletionOptions
  extends Pick<PhotoBakeOptions, 'uRange' | 'vRange' | 'bakeSelect' | 'occluderSelect' | 'cameraFrame' | 'minCosine'> {
  /** Texture size in texels (square). The product uses 1024 or more. */
  size: number;
  /**
   * Left-right symmetric instance of the same mesh (for ICT the neutral mesh) that defines which
   * texel mirrors which. The map is cached per positions array, so pass the same array every time.
   * Default: the view's own positions (correct for near-symmetric faces, but rebuilt per call).
   */
  symmetric?: TexturedMesh;
  /**
   * Occluders in the photo: 1 where something that is not the face covers it (glasses, hands, hair
   * over the forehead), 0 where the face shows. Texels seen through an occluder count as unobserved
   * in proportion. Lips, brows and eyes are NOT occluders: they belong in the texture.
   */
  exclude?: ImageWeight;
  /**
   * Skin probability in the photo. Used only to estimate the skin tone that large holes are filled
   * toward; it does not remove lips or brows from the texture (use `exclude` for occluders).
   */
  skin?: ImageWeight;
  /** Linear RGB tone that large holes tend to. Default: the per-channel median of confidently observed skin. */
  skinTone?: readonly [number, number, number];
  /** Cosine at which an observation gets full weight; the weight ramps linearly from `minCosine`. Default 0.5. */
  fullCosine?: number;
  /** Observation weights fall smoothly to 0 over this many texels toward unobserved texels. Default size / 64. */
  featherTexels?: number;
  /**
   * Observation weights fall smoothly to 0 over this many photo pixels toward the edges of the UV
   * charts (silhouettes, eye and mouth openings), where the photo sample straddles what lies beyond. Default 1.5.
   */
  edgeFeatherPixels?: number;
  /** Distance (texels) over which the fill's match to the observed colour at its boundary fades into the synthesised skin. Default size / 16. */
  blendDecay?: number;
  /**
   * Width (texels) of the band along the charts' outer edge over which the albedo fades to the skin
   * tone, the colour the rest of the head is given, so the head shows no seam where the face texture
   * ends. Default size / 24; 0 for none.
   */
  edgeFadeTexels?: number;
  /** Seed of the skin synthesis' patch choice. Default 1. */
  seed?: number;
  /**
   * Per texel (size x size), the factor fine geometry the coarse mesh lacks multiplies its shading
   * by (see src/detail): the shading divided out includes it, so wrinkles' shading leaves the albedo
   * (de-retouching). Default none (1).
   */
  detailShading?: Float32Array;
}

export interface CompletedAlbedo {
  /** sRGB8 albedo, size x size; texels outside the charts are padded from their neighbours. */
  albedo: RgbImage;
  /** The same albedo in linear RGB, 3 floats per texel. */
  linear: Float32Array;
  /** The SH shading of each texel's normal, divided by `shadingScale` and sRGB-encoded, so it is viewable. */
  shading: RgbImage;
  /** Linear shading = (linear value of shading.png) * shadingScale. */
  shadingScale: number;
  /** Share of each texel's albedo taken from its own observation: frontality x (1 - exclude), feathered, and faded at the charts' outer edge (see edgeFadeTexels). */
  weight: Float32Array;
  /** Share taken from the mirrored texel; 1 - weight - mirrorWeight was inpainted. 0 outside the charts. */
  mirrorWeight: Float32Array;
  /** Linear RGB tone of the observed skin (the median; the fill follows regional medians around it). */
  skinTone: Rgb;
  /** The lighting divided out (white-balanced when asked): render the albedo under it to reproduce the photo. */
  lighting: Float64Array;
  /** Fractions of chart texels' albedo by source (they sum to 1): weight, mirrorWeight and the rest summed over the charts. */
  stats: { observed: number; mirrored: number; inpainted: number };
  uvFrame: RasterFrame;
}

/** Observed albedo up to this multiple of the skin tone's luminance is trusted fully, none beyond the second. */
const BRIGHT_ACCEPT = 1.8;
const BRIGHT_REJECT = 2.6;
/** ln-luminance contrast between observation and guide up to which the observation sets the blend fully, and beyond which not at all. */
const MISMATCH_ACCEPT = 0.6;
const MISMATCH_REJECT = 1.1;
/** Linear-chroma distance (ln R/G, ln B/G) of skin texels from the skin tone up to which they are trusted fully, and beyond which not at all. */
const TINT_ACCEPT = 0.35;
const TINT_REJECT = 0.7;
/** Largest ratio between a channel of the white-balanced lighting and its luminance (either way), over directions. */
const MAX_LIGHT_TINT = 1.35;
/**
 * sRGB8 code of a photo sample's brightest channel (over its bilinear taps) where trust starts to
 * fall, and where it is gone: a clipped channel has lost its value, so the colour is not the albedo's.
 */
const CLIP_ACCEPT = 244;
const CLIP_REJECT = 253;
/**
 * Trust in a texel with some channels clipped and at least one not, once the clipped channels are
 * recovered from an unclipped one through the skin's own chroma (a warm photo's red often clips
 * over the whole lit face while green and blue still hold the shading).
 */
const RECOVERED_TRUST = 0.8;
/** Cauchy scale (ln chroma units) of the robust fit of the skin's chroma against the normal, and its passes. */
const CHROMA_FIT_SCALE = 0.08;
const CHROMA_FIT_PASSES = 6;
/**
 * The chroma fit learns from every CHROMA_FIT_STRIDE-th texel along each axis: a smooth 9-term model is
 * set as well by a quarter of the skin's texels (some 30,000 at 1024 px), in a quarter of the time.
 */
const CHROMA_FIT_STRIDE = 2;
/** Terms of the light-colour model in the normal (x, y, z and their five independent products). */
const CHROMA_BASIS = 8;
/** Largest chroma change (ln units) the fitted light colour may make at any texel. */
const MAX_CHROMA_CORRECTION = 0.7;
/** Fewest texel pairs seen on both sides that set the exposure ratio between the two sides. */
const MIN_EXPOSURE_PAIRS = 400;
/** Largest exposure factor between the two sides of the face. */
const MAX_EXPOSURE_GAIN = 1.5;

/** A mid skin tone (linear RGB) for when nothing is observed at all. */
const DEFAULT_SKIN_TONE: Rgb = [0.45, 0.3, 0.24];

/**
 * Builds the full UV albedo of a face from one photo and its lighting.
 *
 * Per texel: albedo = linear photo colour / SH shading of the texel's normal, trusted by how
 * frontally it was seen, minus occluders and implausibly bright texels (highlights, clipped or
 * background pixels), feathered toward unobserved texels. Where that trust is partial, a guide
 * fills in: the mirrored texel's albedo (scaled by the exposure ratio of the two sides, measured
 * where both are seen), else skin synthesised from the observed skin (regional median tone times
 * fine detail copied from observed patches). The guide is then blended in the gradient domain:
 * a smooth screened-membrane offset makes it meet the observation at the boundary and fades with
 * distance, so the fill keeps the guide's texture without a step in colour.
 */
export function completeAlbedo(view: PhotoView, lighting: AlbedoLighting, options: AlbedoCompletionOptions): CompletedAlbedo {
  return completeAlbedoFromViews([{ view, lighting, exclude: options.exclude, skin: options.skin, detailShading: options.detailShading }], options);
}

/** One photo of the face for completeAlbedoFromViews: the posed mesh in it, its lighting, and its own occluders, skin and detail shading (see AlbedoCompletionOptions). */
export interface AlbedoView extends Pick<AlbedoCompletionOptions, 'exclude' | 'skin' | 'detailShading'> {
  view: PhotoView;
  lighting: AlbedoLighting;
}

/**
 * completeAlbedo from several photos of one face (same mesh and UV layout, each photo its own pose
 * and lighting). Each photo's albedo is its colour over its own lighting, trusted as in
 * completeAlbedo; the others' exposure and white balance are matched to the first photo's (per
 * channel, the median ratio where both see the texel well). The first photo (the most frontal) gives
 * each texel as much as its trust (frontality, occluders, skin plausibility, feathered); the rest of
 * the texel comes from the other photos that see it best, by trust times resolution (photo pixels
 * per texel against the best of them there), blended with smooth weights (their fourth powers, so no
 * seam where the best photo changes). The mirror and the synthesised skin fill only what no photo
 * saw; the synthesised skin (its regional tone and fine detail), the shading, the lighting returned
 * and the skin tone are the first photo's.
 */
export function completeAlbedoFromViews(views: readonly AlbedoView[], options: Omit<AlbedoCompletionOptions, 'exclude' | 'skin' | 'detailShading'>): CompletedAlbedo {
  if (views.length === 0) throw new Error('completeAlbedoFromViews: no views');
  const S = options.size, N = S * S;
  const symmetric = options.symmetric ?? texturedMesh(views[0].view, views[0].view.positions);
  const layout = textureLayout(symmetric, { width: S, height: S, uRange: options.uRange, vRange: options.vRange, select: options.bakeSelect });
  const chart = layout.uvFrame.triangleId;
  const observed = views.map((v) => observeAlbedo(v, options, layout.uvFrame));
  const { own, weight } = observed.length === 1 ? observed[0] : fuseObservations(observed, S);
  const { shade, dividedLighting, skinTone } = observed[0];
  let chartCount = 0;
  for (let p = 0; p < N; p++) if (chart[p] >= 0) chartCount++;

  // The mirror's trust and albedo per texel, its exposure matched to this side of the face.
  const mirrorAlbedo = new Float32Array(3 * N), mirrorTrust = new Float32Array(N);
  const mirrored: Rgb = [0, 0, 0];
  for (let p = 0; p < N; p++) {
    if (chart[p] < 0 || !(weight[p] < 1)) continue;
    mirrorTrust[p] = sampleMirror(own, weight, S, layout.mirror[2 * p], layout.mirror[2 * p + 1], mirrored);
    if (mirrorTrust[p] > 0) for (let c = 0; c < 3; c++) mirrorAlbedo[3 * p + c] = mirrored[c];
  }
  matchMirrorExposure(own, weight, mirrorAlbedo, mirrorTrust, S);

  // Skin synthesised from the first photo's observed skin alone: each other photo's albedo keeps a
  // low-frequency residual of its own lighting (brighter where it faced its camera, darker toward its
  // grazing side) that one gain per channel does not match, and the synthesised skin, most of the
  // face tile, would spread that residual from wherever the photo was the last to see the skin.
  const tone = regionalSkinTone(observed[0].own, observed[0].confidence, S, skinTone);
  const detail = synthesiseSkinDetail(observed[0].own, observed[0].confidence, S, { seed: options.seed });

  // Guide: the mirror where it is trusted, synthesised skin elsewhere, the synthesised skin first
  // joined to the mirror (so no step where one hands over to the other); then the offset that joins
  // the guide to the observation.
  const synthesised = new Float32Array(3 * N);
  for (let p = 0; p < N; p++) for (let c = 0; c < 3; c++) synthesised[3 * p + c] = tone[3 * p + c] * Math.exp(detail[3 * p + c]);
  const mirrorShare = new Float32Array(N);
  for (let p = 0; p < N; p++) mirrorShare[p] = mirrorTrust[p] * (1 - weight[p]);
  const toMirror = joiningOffset(mirrorAlbedo, mirrorShare, synthesised, S, options.blendDecay ?? S / 16);
  const guide = new Float32Array(3 * N);
  const mirrorWeight = new Float32Array(N);
  for (let p = 0; p < N; p++) {
    const m = mirrorTrust[p];
    for (let c = 0; c < 3; c++) guide[3 * p + c] = m * mirrorAlbedo[3 * p + c] + (1 - m) * Math.max(0, synthesised[3 * p + c] + toMirror[3 * p + c]);
    if (chart[p] >= 0) mirrorWeight[p] = (1 - weight[p]) * m;
  }
  const offset = joiningOffset(own, weight, guide, S, options.blendDecay ?? S / 16);
  const linear = new Float32Array(3 * N);
  for (let p = 0; p < N; p++) {
    const w = weight[p];
    for (let c = 0; c < 3; c++) linear[3 * p + c] = Math.max(0, w * own[3 * p + c] + (1 - w) * (guide[3 * p + c] + offset[3 * p + c]));
  }

  const edgeShare = fadeOuterEdge(linear, chart, S, skinTone, options.edgeFadeTexels ?? S / 24);

  // The shares of the faded texels' albedo that still come from the photo and the mirror.
  const ownShare = new Float32Array(N);
  let sumOwn = 0, sumMirror = 0;
  for (let p = 0; p < N; p++) {
    if (chart[p] < 0) continue;
    ownShare[p] = weight[p] * edgeShare[p];
    mirrorWeight[p] *= edgeShare[p];
    sumOwn += ownShare[p]; sumMirror += mirrorWeight[p];
  }

  const albedo = new Uint8Array(3 * N);
  for (let k = 0; k < 3 * N; k++) albedo[k] = linearToSrgb8(linear[k]);

  return {
    albedo: { width: S, height: S, data: albedo },
    linear,
    ...shadingImage(shade, chart, S),
    weight: ownShare,
    mirrorWeight,
    skinTone,
    lighting: dividedLighting,
    stats: chartCount
      ? { observed: sumOwn / chartCount, mirrored: sumMirror / chartCount, inpainted: Math.max(0, 1 - (sumOwn + sumMirror) / chartCount) }
      : { observed: 0, mirrored: 0, inpainted: 0 },
    uvFrame: layout.uvFrame,
  };
}

/** One photo's albedo over the UV layout: its colour over its lighting, and the trust in each texel (see completeAlbedo). */
interface ObservedAlbedo {
  own: Float32Array;
  weight: Float32Array;
  /** Trust times skin probability: what the skin synthesis learns from. */
  confidence: Float32Array;
  /** Photo position of each observed texel (NaN elsewhere). */
  pixel: Float32Array;
  shade: Float32Array;
  dividedLighting: Float64Array;
  skinTone: Rgb;
}

function observeAlbedo(
  { view, lighting, exclude, skin, detailShading }: AlbedoView, options: Omit<AlbedoCompletionOptions, 'exclude' | 'skin' | 'detailShading'>,
  uvFrame: RasterFrame,
): ObservedAlbedo {
  const S = options.size, N = S * S;
  const minCos = options.minCosine ?? 0.1;
  const fullCos = Math.max(minCos + 1e-6, options.fullCosine ?? 0.5);
  const feather = options.featherTexels ?? S / 64;
  const edgeFeather = options.edgeFeatherPixels ?? 1.5;
  const obs = observeTexels(view, {
    width: S, height: S, uvFrame, minCosine: minCos,
    occluderSelect: options.occluderSelect, cameraFrame: options.cameraFrame,
  });
  const chart = uvFrame.triangleId;

  // Shading of every chart texel; the photo's linear colour where observed.
  const shade = new Float32Array(3 * N);
  const photoLinear = new Float32Array(3 * N);
  const clipped = new Uint8Array(N);
  const peaks = new Uint8Array(3 * N);
  // The skin probability of each observed texel, looked up once.
  const skinAt = skin ? new Float32Array(N) : undefined;
  shadeChart(lighting.sh, obs.normal, chart, shade);
  for (let p = 0; p < N; p++) {
    if (!(obs.cosine[p] > 0)) continue;
    clipped[p] = sampleLinear(view.photo, obs.pixel[2 * p] - 0.5, obs.pixel[2 * p + 1] - 0.5, photoLinear, 3 * p, peaks);
    if (skinAt) skinAt[p] = skin!(obs.pixel[2 * p], obs.pixel[2 * p + 1]);
  }

  const dividedLighting = lighting.whiteBalance ? whiteBalancedLighting(lighting.sh, obs.normal, obs.cosine, chart, shade) : Float64Array.from(lighting.sh);

  // Dividing by a tiny shading amplifies noise: trust fades below a quarter of the typical shading.
  const typicalShade = medianOver(N, (p) => (obs.cosine[p] > 0 ? luminance(shade, 3 * p) : NaN));
  const own = new Float32Array(3 * N);
  const weight = new Float32Array(N);
  // Trust before the clipping test of the texels whose clipped channels can be recovered.
  const recoverable = new Float32Array(N);
  for (let p = 0; p < N; p++) {
    const cos = obs.cosine[p];
    if (!(cos > 0)) continue;
    let w = Math.min(1, (cos - minCos) / (fullCos - minCos));
    if (exclude) w *= 1 - clamp01(exclude(obs.pixel[2 * p], obs.pixel[2 * p + 1]));
    const lum = luminance(shade, 3 * p);
    w *= typicalShade > 0 ? clamp01((lum / typicalShade - 0.05) / 0.2) : 0;
    const clipTrust = 1 - smoothstep((clipped[p] - CLIP_ACCEPT) / (CLIP_REJECT - CLIP_ACCEPT));
    if (clipTrust < 1 && unclippedChannel(peaks, p) >= 0) recoverable[p] = w;
    w *= clipTrust;
    if (!(w > 0) && !recoverable[p]) continue;
    const detail = detailShading ? detailShading[p] : 1;
    for (let c = 0; c < 3; c++) own[3 * p + c] = clamp01(photoLinear[3 * p + c] / Math.max(shade[3 * p + c] * detail, 1e-4));
    weight[p] = w;
  }
  recoverClippedChannels(own, weight, recoverable, peaks, S);

  if (lighting.whiteBalance) removeLightChroma(own, weight, obs.normal, skinAt);

  // Far brighter than the skin is not albedo: a highlight, a clipped pixel, background beyond the silhouette.
  const skinTone: Rgb = options.skinTone ? [options.skinTone[0], options.skinTone[1], options.skinTone[2]] : estimateSkinTone(own, weight, skinAt);
  // And skin whose colour strays far from the skin tone is light the lighting did not explain (or no skin at all).
  const toneLuminance = luminance(Float32Array.from(skinTone), 0);
  const toneU = Math.log(Math.max(1e-4, skinTone[0]) / Math.max(1e-4, skinTone[1])), toneV = Math.log(Math.max(1e-4, skinTone[2]) / Math.max(1e-4, skinTone[1]));
  for (let p = 0; p < N; p++) {
    if (!(weight[p] > 0)) continue;
    const ratio = luminance(own, 3 * p) / Math.max(1e-4, toneLuminance);
    weight[p] *= 1 - smoothstep((ratio - BRIGHT_ACCEPT) / (BRIGHT_REJECT - BRIGHT_ACCEPT));
    if (!skinAt || skinAt[p] < 0.1) continue;
    const g = Math.max(1e-4, own[3 * p + 1]);
    const stray = Math.hypot(Math.log(Math.max(1e-4, own[3 * p]) / g) - toneU, Math.log(Math.max(1e-4, own[3 * p + 2]) / g) - toneV);
    weight[p] *= 1 - smoothstep((stray - TINT_ACCEPT) / (TINT_REJECT - TINT_ACCEPT));
  }

  // Feather toward chart texels that are not observed (hidden, grazing, occluded).
  const unobserved = new Uint8Array(N);
  for (let p = 0; p < N; p++) if (chart[p] >= 0 && weight[p] < 0.02) unobserved[p] = 1;
  const distance = distanceToSource(unobserved, S, S);
  // And, over a few texels, toward the chart's edges, where the bilinear photo sample reaches across
  // a silhouette or into the eye and mouth openings.
  const outside = new Uint8Array(N);
  for (let p = 0; p < N; p++) if (chart[p] < 0) outside[p] = 1;
  const edgeDistance = distanceToSource(outside, S, S);
  for (let p = 0; p < N; p++) {
    if (!(weight[p] > 0)) continue;
    const edgePixels = edgeDistance[p] * pixelsPerTexel(obs.pixel, p, S);
    weight[p] *= smoothstep(distance[p] / feather) * smoothstep(edgePixels / edgeFeather);
  }

  const confidence = new Float32Array(N);
  for (let p = 0; p < N; p++) {
    if (!(weight[p] > 0)) continue;
    confidence[p] = skinAt ? weight[p] * clamp01(skinAt[p]) : weight[p];
  }
  return { own, weight, confidence, pixel: obs.pixel, shade, dividedLighting, skinTone };
}

/** Largest exposure or white-balance factor between two photos of the face, per channel. */
const MAX_VIEW_GAIN = 2;
/** Power of each further photo's trust x resolution in its share of a texel: the best of them dominates, and the share changes smoothly. */
const VIEW_BLEND_POWER = 4;

/**
 * Several photos' albedo as one (see completeAlbedoFromViews): the first photo where it is trusted,
 * and what its trust leaves (1 - weight) from the others, exposure matched to it, each by its trust x
 * resolution to the VIEW_BLEND_POWER; the trust of the result is 1 - prod(1 - weight).
 */
function fuseObservations(observed: ObservedAlbedo[], S: number): Pick<ObservedAlbedo, 'own' | 'weight'> {
  const N = S * S;
  const [ref, ...others] = observed;
  const resolution = others.map((o) => {
    const r = new Float32Array(N);
    for (let p = 0; p < N; p++) if (o.weight[p] > 0) r[p] = pixelsPerTexel(o.pixel, p, S);
    return r;
  });
  const gains = others.map((o) => viewGain(ref, o));
  const own = Float32Array.from(ref.own), weight = Float32Array.from(ref.weight);
  const colour = new Float64Array(3);
  for (let p = 0; p < N; p++) {
    let best = 0;
    for (const r of resolution) best = Math.max(best, r[p]);
    if (!(best > 0)) continue;
    let blend = 0, unseen = 1;
    colour.fill(0);
    others.forEach((o, v) => {
      const w = o.weight[p];
      if (!(w > 0)) return;
      const q = (w * resolution[v][p] / best) ** VIEW_BLEND_POWER;
      for (let c = 0; c < 3; c++) colour[c] += q * o.own[3 * p + c] * gains[v][c];
      blend += q;
      unseen *= 1 - w;
    });
    if (!(blend > 0)) continue;
    const rest = 1 - ref.weight[p], share = rest * (1 - unseen);
    const total = ref.weight[p] + share;
    if (!(total > 0)) continue;
    for (let c = 0; c < 3; c++) own[3 * p + c] = (ref.weight[p] * ref.own[3 * p + c] + share * colour[c] / blend) / total;
    weight[p] = total;
  }
  return { own, weight };
}

/**
 * Fades the albedo to `tone` over `width` texels toward the outer edge of the charts (the outside
 * reached from the square's border, not the eye and mouth openings inside the face), in place;
 * returns the share of each texel's albedo kept (1 beyond the band).
 */
function fadeOuterEdge(linear: Float32Array, chart: Int32Array, S: number, tone: Rgb, width: number): Float32Array {
  const kept = new Float32Array(S * S).fill(1);
  if (!(width > 0)) return kept;
  const outer = new Uint8Array(S * S);
  const stack: number[] = [];
  const visit = (p: number) => { if (chart[p] < 0 && !outer[p]) { outer[p] = 1; stack.push(p); } };
  for (let i = 0; i < S; i++) { visit(i); visit((S - 1) * S + i); visit(i * S); visit(i * S + S - 1); }
  while (stack.length) {
    const p = stack.pop()!, x = p % S, y = (p - x) / S;
    if (x > 0) visit(p - 1);
    if (x < S - 1) visit(p + 1);
    if (y > 0) visit(p - S);
    if (y < S - 1) visit(p + S);
  }
  const distance = distanceToSource(outer, S, S);
  for (let p = 0; p < S * S; p++) {
    if (chart[p] < 0 || distance[p] >= width) continue;
    const t = smoothstep(distance[p] / width);
    for (let c = 0; c < 3; c++) linear[3 * p + c] = t * linear[3 * p + c] + (1 - t) * tone[c];
    kept[p] = t;
  }
  return kept;
}

/** Per channel, the factor that brings photo `o`'s albedo to the reference's: the median ratio where both see the texel well (1 with too few such texels). */
function viewGain(ref: ObservedAlbedo, o: ObservedAlbedo): number[] {
  const ratios: number[][] = [[], [], []];
  for (let p = 0; p < o.weight.length; p++) {
    if (ref.weight[p] < 0.5 || o.weight[p] < 0.5) continue;
    for (let c = 0; c < 3; c++) ratios[c].push(Math.log(Math.max(1e-3, ref.own[3 * p + c]) / Math.max(1e-3, o.own[3 * p + c])));
  }
  if (ratios[0].length < MIN_EXPOSURE_PAIRS) return [1, 1, 1];
  const limit = Math.log(MAX_VIEW_GAIN);
  return ratios.map((r) => Math.exp(Math.max(-limit, Math.min(limit, nthSmallest(Float64Array.from(r), r.length >> 1)))));
}

/**
 * The smooth offset that makes `guide` meet `target` where `share` (its trust, 0-1) is high, fading
 * with distance (screened membrane, see screenedMembrane). Only texels whose brightness is near the
 * guide's set it: brows, lips or a last strand of hair must not darken the fill around them.
 */
function joiningOffset(target: Float32Array, share: Float32Array, guide: Float32Array, S: number, decay: number): Float32Array {
  const N = S * S;
  const mismatch = new Float32Array(3 * N), mismatchWeight = new Float32Array(N);
  for (let p = 0; p < N; p++) {
    if (!(share[p] > 0)) continue;
    for (let c = 0; c < 3; c++) mismatch[3 * p + c] = target[3 * p + c] - guide[3 * p + c];
    const contrast = Math.abs(Math.log(Math.max(1e-4, luminance(target, 3 * p)) / Math.max(1e-4, luminance(guide, 3 * p))));
    mismatchWeight[p] = share[p] * (1 - smoothstep((contrast - MISMATCH_ACCEPT) / (MISMATCH_REJECT - MISMATCH_ACCEPT)));
  }
  return screenedMembrane(mismatch, mismatchWeight, S, S, { decay });
}

/** Photo pixels per texel step around observed texel p (the larger of the two axes), from its observed neighbours. */
export function pixelsPerTexel(pixel: Float32Array, p: number, S: number): number {
  const x = pixel[2 * p], y = pixel[2 * p + 1];
  let best = 0;
  for (const q of [p - 1, p + 1, p - S, p + S]) {
    if (q < 0 || q >= S * S) continue;
    const dx = pixel[2 * q] - x, dy = pixel[2 * q + 1] - y, d = Math.sqrt(dx * dx + dy * dy);
    if (d > best) best = d; // NaN (unobserved neighbour) never compares greater
  }
  return best > 0 ? best : 1;
}

const mirrorTaps = bilinearTaps();

/**
 * Trust-weighted bilinear sample of the observed albedo at continuous texel coordinates (normalised
 * convolution: the bilinear blend of trust x albedo over the blend of trust): writes the albedo of
 * the trusted neighbours to `out` and returns the interpolated trust.
 */
function sampleMirror(own: Float32Array, weight: Float32Array, S: number, x: number, y: number, out: Rgb): number {
  if (!(x === x)) return 0;
  const { i00, i10, i01, i11, fx, fy } = clampedTaps(mirrorTaps, x, y, S, S);
  const w00 = weight[i00], w10 = weight[i10], w01 = weight[i01], w11 = weight[i11];
  const trust = bilinear(w00, w10, w01, w11, fx, fy);
  if (trust <= 0) return 0;
  for (let c = 0; c < 3; c++) {
    out[c] = bilinear(w00 * own[3 * i00 + c], w10 * own[3 * i10 + c], w01 * own[3 * i01 + c], w11 * own[3 * i11 + c], fx, fy) / trust;
  }
  return trust;
}

/**
 * White balance for the per-channel lighting: scales each SH channel so that the shading's
 * frontality-weighted mean over the observed texels is grey at the same luminance, then pulls the
 * channels toward their common luminance just enough that no direction's light is tinted more
 * than MAX_LIGHT_TINT (where the fit saw little, at grazing and hidden normals, the channels' SH
 * extrapolate apart). Recomputes `shade` from the result, which is returned.
 */
function whiteBalancedLighting(sh: ArrayLike<number>, normal: Float32Array, cosine: Float32Array, chart: Int32Array, shade: Float32Array): Float64Array {
  const mean = [0, 0, 0];
  let total = 0;
  for (let p = 0; p < cosine.length; p++) {
    const w = cosine[p];
    if (!(w > 0)) continue;
    total += w;
    for (let c = 0; c < 3; c++) mean[c] += w * shade[3 * p + c];
  }
  const balanced = Float64Array.from(sh);
  if (!(total > 0) || !(mean[0] > 0 && mean[1] > 0 && mean[2] > 0)) return balanced;
  const grey = 0.2126 * mean[0] + 0.7152 * mean[1] + 0.0722 * mean[2];
  for (let k = 0; k < balanced.length; k++) balanced[k] *= grey / mean[k % 3];
  const luma = new Float64Array(balanced.length);
  for (let k = 0; k < balanced.length; k += 3) luma.fill(0.2126 * balanced[k] + 0.7152 * balanced[k + 1] + 0.0722 * balanced[k + 2], k, k + 3);
  const mix = (alpha: number) => balanced.map((v, k) => luma[k] + alpha * (v - luma[k]));
  let lo = 0, hi = 1;
  if (maxTint(mix(1)) > MAX_LIGHT_TINT) {
    for (let it = 0; it < 12; it++) {
      const mid = (lo + hi) / 2;
      if (maxTint(mix(mid)) > MAX_LIGHT_TINT) hi = mid; else lo = mid;
    }
  } else lo = 1;
  const result = mix(lo);
  shadeChart(result, normal, chart, shade);
  return result;
}

/**
 * shade = the SH shading (shShade, the same arithmetic) of each chart texel's camera-frame normal,
 * with the sums over the coefficients written out (shShade per texel was most of the shading time).
 */
function shadeChart(sh: ArrayLike<number>, normal: Float32Array, chart: Int32Array, shade: Float32Array): void {
  const L = Float64Array.from(sh);
  const b = new Float64Array(SH_COUNT);
  for (let p = 0; p < chart.length; p++) {
    if (chart[p] < 0) continue;
    shBasis(normal[3 * p], -normal[3 * p + 1], -normal[3 * p + 2], b);
    const b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3], b4 = b[4], b5 = b[5], b6 = b[6], b7 = b[7], b8 = b[8];
    for (let c = 0; c < 3; c++) {
      shade[3 * p + c] = 0 + L[c] * b0 + L[3 + c] * b1 + L[6 + c] * b2 + L[9 + c] * b3 + L[12 + c] * b4
        + L[15 + c] * b5 + L[18 + c] * b6 + L[21 + c] * b7 + L[24 + c] * b8;
    }
  }
}

/** Largest ratio between a channel of the SH shading and its luminance, either way, over the sphere's directions where the light is not faint. */
function maxTint(sh: ArrayLike<number>): number {
  const s3 = new Float64Array(3);
  let brightest = 0, worst = 1;
  const samples: number[][] = [];
  for (let i = 0; i < 24; i++) {
    const z = 1 - (2 * (i + 0.5)) / 24, r = Math.sqrt(1 - z * z);
    for (let j = 0; j < 24; j++) {
      const a = (2 * Math.PI * j) / 24;
      shShade(sh, r * Math.cos(a), r * Math.sin(a), z, s3);
      samples.push([s3[0], s3[1], s3[2]]);
      brightest = Math.max(brightest, 0.2126 * s3[0] + 0.7152 * s3[1] + 0.0722 * s3[2]);
    }
  }
  for (const [r, g, b] of samples) {
    const lum = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    if (lum < 0.2 * brightest) continue;
    for (const v of [r, g, b]) worst = Math.max(worst, Math.max(v, 1e-6) / lum, lum / Math.max(v, 1e-6));
  }
  return worst;
}

/**
 * Divides out what the lighting left of the light's colour: a light whose colour changes with
 * direction (a blue rim on one side, a warm lamp on the other) makes the skin's chroma (ln R/G,
 * ln B/G) depend on the surface normal, which the skin's own colour hardly does. A robust (Cauchy)
 * least-squares fit of each chroma against the normal to second order over confidently seen skin
 * gives that dependence; it is divided out of every observed texel (about its mean over the skin,
 * keeping the texel's luminance), so the whole face takes one skin colour. In place on `own`.
 */
function removeLightChroma(own: Float32Array, weight: Float32Array, normal: Float32Array, skinAt?: Float32Array): void {
  const N = weight.length, S = Math.round(Math.sqrt(N));
  // The skin the correction is centred on, and the part of it the fit learns from.
  const skin: number[] = [], picked: number[] = [];
  for (let p = 0; p < N; p++) {
    if (!(weight[p] >= 0.5)) continue;
    if (skinAt && skinAt[p] < 0.5) continue;
    skin.push(p);
    if ((p % S) % CHROMA_FIT_STRIDE === 0 && Math.floor(p / S) % CHROMA_FIT_STRIDE === 0) picked.push(p);
  }
  if (skin.length < 200 || picked.length < 2 * CHROMA_BASIS) return;
  // Basis: the normal's components and their products (a light's colour over directions, to second
  // order), each centred on its mean over the skin, so the correction leaves the skin's mean colour.
  const K = CHROMA_BASIS;
  const features = (p: number, out: Float64Array) => {
    const x = normal[3 * p], y = normal[3 * p + 1], z = normal[3 * p + 2];
    out[0] = x; out[1] = y; out[2] = z; out[3] = x * x; out[4] = y * y; out[5] = x * y; out[6] = x * z; out[7] = y * z;
  };
  const f = new Float64Array(K), mean = new Float64Array(K);
  for (const p of skin) {
    features(p, f);
    for (let k = 0; k < K; k++) mean[k] += f[k] / skin.length;
  }
  const m = picked.length;
  const M = K + 1, row = new Float64Array(M);
  const rowOf = (p: number) => {
    features(p, f);
    row[0] = 1;
    for (let k = 0; k < K; k++) row[k + 1] = f[k] - mean[k];
    return row;
  };
  // The picked texels' rows, column-major for NormalEquations.addRows, and their chroma.
  const design = new Float64Array(M * m), chroma = [new Float64Array(m), new Float64Array(m)];
  picked.forEach((p, i) => {
    const r = rowOf(p);
    for (let a = 0; a < M; a++) design[a * m + i] = r[a];
    const g = Math.max(1e-4, own[3 * p + 1]);
    chroma[0][i] = Math.log(Math.max(1e-4, own[3 * p]) / g);
    chroma[1][i] = Math.log(Math.max(1e-4, own[3 * p + 2]) / g);
  });
  const columns = Array.from({ length: M }, (_, a) => a);
  const w = new Float64Array(m), residual = new Float64Array(m);
  const fits = chroma.map((y) => {
    const robust = new Float64Array(m).fill(1);
    let x: Float64Array | undefined;
    for (let pass = 0; pass < CHROMA_FIT_PASSES; pass++) {
      for (let i = 0; i < m; i++) w[i] = weight[picked[i]] * robust[i];
      const eq = new NormalEquations(M);
      eq.addRows(design, y, w, m, columns);
      eq.symmetrise();
      const A = eq.JtJ;
      for (let a = 1; a < M; a++) A[(M + 1) * a] += 1e-3 * A[0];
      x = solveSpd(new Float64Array(M), A, eq.Jtr, M);
      if (!x) return undefined;
      // Each texel's residual, its terms subtracted in column order (a column at a time along the rows).
      residual.set(y);
      for (let a = 0; a < M; a++) {
        const xa = x[a], column = a * m;
        for (let i = 0; i < m; i++) residual[i] -= xa * design[column + i];
      }
      for (let i = 0; i < m; i++) robust[i] = 1 / (1 + (residual[i] / CHROMA_FIT_SCALE) ** 2);
    }
    return x;
  });
  const shift = (x: Float64Array | undefined, r: Float64Array) => {
    if (!x) return 1;
    let d = 0;
    for (let a = 1; a < M; a++) d += x[a] * r[a];
    return Math.exp(-Math.max(-MAX_CHROMA_CORRECTION, Math.min(MAX_CHROMA_CORRECTION, d)));
  };
  for (let p = 0; p < N; p++) {
    if (!(weight[p] > 0)) continue;
    const r = rowOf(p);
    const red = shift(fits[0], r), blue = shift(fits[1], r);
    const before = luminance(own, 3 * p);
    own[3 * p] *= red; own[3 * p + 2] *= blue;
    const after = luminance(own, 3 * p);
    if (after > 0) for (let c = 0; c < 3; c++) own[3 * p + c] = Math.min(1, own[3 * p + c] * before / after);
  }
}

/**
 * Matches the mirrored albedo to the exposure of the side it fills: per half of the texture (left
 * and right of the middle column), the median ln ratio of own to mirrored luminance where both are
 * well seen scales the mirrored values there, within MAX_EXPOSURE_GAIN either way. One factor for
 * all channels: colour differences between the sides are the light's (see removeLightChroma), and a
 * per-channel ratio from a few texels tints a whole side.
 */
function matchMirrorExposure(own: Float32Array, weight: Float32Array, mirror: Float32Array, trust: Float32Array, S: number): void {
  for (const side of [0, 1]) {
    const ratios: number[] = [];
    for (let p = 0; p < S * S; p++) {
      if ((p % S < S / 2 ? 0 : 1) !== side || weight[p] < 0.5 || trust[p] < 0.5) continue;
      ratios.push(Math.log(Math.max(1e-3, luminance(own, 3 * p)) / Math.max(1e-3, luminance(mirror, 3 * p))));
    }
    if (ratios.length < MIN_EXPOSURE_PAIRS) continue;
    const limit = Math.log(MAX_EXPOSURE_GAIN);
    const gain = Math.exp(Math.max(-limit, Math.min(limit, nthSmallest(Float64Array.from(ratios), ratios.length >> 1))));
    for (let p = 0; p < S * S; p++) {
      if ((p % S < S / 2 ? 0 : 1) !== side || !(trust[p] > 0)) continue;
      for (let c = 0; c < 3; c++) mirror[3 * p + c] *= gain;
    }
  }
}

/** The brightest channel of texel p below the clipping range when another channel is in it, else -1. */
function unclippedChannel(peaks: Uint8Array, p: number): number {
  let ref = -1, clippedCount = 0;
  for (let c = 0; c < 3; c++) {
    const code = peaks[3 * p + c];
    if (code >= CLIP_ACCEPT) clippedCount++;
    else if (ref < 0 || code > peaks[3 * p + ref]) ref = c;
  }
  return clippedCount > 0 ? ref : -1;
}

/**
 * Gives each recoverable texel (see unclippedChannel) its clipped channels from its brightest
 * unclipped one through the channel ratios of the unclipped albedo around it (ln R/G and ln B/G,
 * spread over the UV square by push-pull), never below what the photo showed, and RECOVERED_TRUST
 * of its trust. In place.
 */
function recoverClippedChannels(own: Float32Array, weight: Float32Array, recoverable: Float32Array, peaks: Uint8Array, S: number): void {
  const N = S * S;
  const ratios = new Float32Array(3 * N), known = new Float32Array(N), wanted = new Uint8Array(N);
  let any = false;
  for (let p = 0; p < N; p++) {
    if (recoverable[p] > 0) { any = true; wanted[p] = 1; }
    if (!(weight[p] > 0)) continue;
    const g = Math.max(1e-4, own[3 * p + 1]);
    ratios[3 * p] = Math.log(Math.max(1e-4, own[3 * p]) / g);
    ratios[3 * p + 2] = Math.log(Math.max(1e-4, own[3 * p + 2]) / g);
    known[p] = weight[p];
  }
  if (!any) return;
  // Only the recoverable texels read the spread ratios.
  pushPullBlend(ratios, known, S, S, { only: wanted });
  for (let p = 0; p < N; p++) {
    if (!(recoverable[p] > 0)) continue;
    const ref = unclippedChannel(peaks, p);
    const scale = own[3 * p + ref] / Math.exp(ratios[3 * p + ref]);
    for (let c = 0; c < 3; c++) {
      if (peaks[3 * p + c] >= CLIP_ACCEPT) own[3 * p + c] = clamp01(Math.max(own[3 * p + c], Math.exp(ratios[3 * p + c]) * scale));
    }
    weight[p] = Math.max(weight[p], recoverable[p] * RECOVERED_TRUST);
  }
}

/** Per-channel median of the confidently observed albedo, on skin where a skin weight is given. */
function estimateSkinTone(own: Float32Array, weight: Float32Array, skinAt?: Float32Array): Rgb {
  for (const threshold of [0.5, 0.1]) {
    const picked: number[] = [];
    for (let p = 0; p < weight.length; p++) {
      if (weight[p] < threshold) continue;
      if (skinAt && skinAt[p] < 0.5) continue;
      picked.push(p);
    }
    if (picked.length < 64) continue;
    const tone: Rgb = [0, 0, 0];
    for (let c = 0; c < 3; c++) tone[c] = medianOver(picked.length, (k) => own[3 * picked[k] + c]);
    return tone;
  }
  return [...DEFAULT_SKIN_TONE];
}

/** The shading of the chart texels, scaled to a maximum of 1 and padded outside the charts. */
function shadingImage(shade: Float32Array, chart: Int32Array, S: number): { shading: RgbImage; shadingScale: number } {
  const N = S * S;
  let max = 0;
  for (let p = 0; p < N; p++) if (chart[p] >= 0) max = Math.max(max, shade[3 * p], shade[3 * p + 1], shade[3 * p + 2]);
  const scale = max > 0 ? max : 1;
  const colour = new Float32Array(3 * N), known = new Float32Array(N);
  for (let p = 0; p < N; p++) {
    if (chart[p] < 0) continue;
    known[p] = 1;
    for (let c = 0; c < 3; c++) colour[3 * p + c] = Math.max(0, shade[3 * p + c]) / scale;
  }
  pushPullBlend(colour, known, S, S);
  const data = new Uint8Array(3 * N);
  for (let k = 0; k < 3 * N; k++) data[k] = linearToSrgb8(colour[k]);
  return { shading: { width: S, height: S, data }, shadingScale: scale };
}

/**
 * Bilinear sample of an sRGB8 image in linear light at continuous pixel-index coordinates, clamped
 * at the border; returns the brightest channel code among the taps (255: something is clipped), and
 * with `peaks` each channel's brightest code there, at the same offset as `out`.
 */
export function sampleLinear(image: RgbImage, x: number, y: number, out: Float32Array, o: number, peaks?: Uint8Array): number {
  const d = image.data, L = SRGB8_TO_LINEAR;
  const { i00, i10, i01, i11, fx, fy } = clampedTaps(taps, x, y, image.width, image.height);
  let brightest = 0;
  for (let k = 0; k < 3; k++) {
    const a = d[3 * i00 + k], b = d[3 * i10 + k], c = d[3 * i01 + k], e = d[3 * i11 + k];
    out[o + k] = bilinear(L[a], L[b], L[c], L[e], fx, fy);
    const peak = Math.max(a, b, c, e);
    if (peaks) peaks[o + k] = peak;
    brightest = Math.max(brightest, peak);
  }
  return brightest;
}
const taps = bilinearTaps();

/** Median of the finite values of `value(p)` for p < n, to 1/4096 of their range; 0 when there are none. */
function medianOver(n: number, value: (p: number) => number): number {
  let lo = Infinity, hi = -Infinity, count = 0;
  for (let p = 0; p < n; p++) {
    const v = value(p);
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    count++;
  }
  if (count === 0) return 0;
  if (!(hi > lo)) return lo;
  const bins = 4096, histogram = new Uint32Array(bins), scale = bins / (hi - lo);
  for (let p = 0; p < n; p++) {
    const v = value(p);
    if (Number.isFinite(v)) histogram[Math.min(bins - 1, Math.floor((v - lo) * scale))]++;
  }
  let seen = 0;
  for (let b = 0; b < bins; b++) {
    seen += histogram[b];
    if (2 * seen >= count) return lo + (b + 0.5) / scale;
  }
  return hi;
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

function smoothstep(t: number): number {
  if (t >= 1) return 1;
  if (t <= 0) return 0;
  return t * t * (3 - 2 * t);
}
