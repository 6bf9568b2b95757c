import { EXPORT_UNITS, HEAD_FRAME_DESCRIPTION } from './frame.js';

/** params.json: the fitted coefficients, pose, camera and fit statistics of one reconstruction. */
export interface FaceParams {
  model: string;
  units: typeof EXPORT_UNITS;
  /** Head frame, camera frame and how they relate. */
  frame: string;
  /** Identity weights (one unit = one standard deviation of the mode). */
  identity: number[];
  /**
   * The identity against the model's prior: Mahalanobis norm of the fitted weights, the prior's 99th
   * percentile for that many modes, the largest weight in standard deviations; `flagged` when the
   * norm is beyond the percentile or a weight beyond 3 sigma (an implausible head: distrust it).
   */
  identityPrior?: IdentityPriorParams;
  /**
   * How far the landmarks were trusted: the face's confidence in [0.2, 1] and its components (each
   * the ratio of the landmarks' nominal to expected error from one cause: blur, size, disagreement
   * between two crops), the raw evidence, and the factor the identity and expression priors were
   * weighted by (confidence^-2 by default): weak evidence gives a plainer head.
   */
  confidence?: ConfidenceParams;
  /** Expression blendshape weights in [0, 1], by ICT name. */
  expression: Record<string, number>;
  pose: {
    yawDeg: number;
    pitchDeg: number;
    rollDeg: number;
    /** Row-major 3x3 rotation, rows of the matrix: head frame -> camera frame. */
    rotation: number[][];
    translationMm: [number, number, number];
  };
  /** The input photo: its size and the scale it was reconstructed at. Every pixel quantity here is in its pixels. */
  image: ImageParams;
  camera: { focalPx: number; cx: number; cy: number; width: number; height: number };
  fit: { residualPx: number; residualNormalised: number; landmarkCount: number; iterations: number };
  /** Wall time per pipeline stage, milliseconds. */
  timingsMs: Record<string, number>;
  detection?: { box: { x: number; y: number; width: number; height: number }; score: number };
  photometric?: PhotometricParams;
  /**
   * Cosine similarity of face-recognition embeddings (faceres): the photo's face vs the textured
   * reconstruction rendered in the same pose. Different people score about 0.2-0.65 with this model.
   */
  identitySimilarity?: number;
  eyes?: EyeParams;
  /** The high-frequency detail band (displacement along the normal over the face's UV square), when it ran. */
  detail?: DetailParams;
  /** The mid-frequency band (xyz offsets over the face's UV square, in every mesh), when it ran. */
  mid?: MidParams;
  /** The reconstruction options used, defaults filled in (detection, fit, photometric or false). */
  options?: OptionsRecord;
}

/** The input photo as given, and the copy the reconstruction ran on. */
export interface ImageParams {
  /** Size of the photo as given (upright, after EXIF orientation). */
  width: number;
  height: number;
  /** Reconstructed at this scale (processed size = size x scale; 1 = the photo itself; images over 4096 px are downscaled). */
  scale: number;
  processedWidth: number;
  processedHeight: number;
}

/** The eyes' texture (eyes.png): iris colour measured in the photo, or the neutral fallback. */
export interface EyeParams {
  /** sRGB in [0, 1]. */
  irisColour: [number, number, number];
  /** Photo pixels the colour was measured on (both eyes); 0 = not seen well enough, the fallback colour. */
  irisPixels: number;
}

export interface ConfidenceParams {
  value: number;
  sharpness: number;
  size: number;
  agreement: number;
  evidence: { sharpness: number; faceSizePx: number; disagreement: number };
  priorScale: number;
}

export interface IdentityPriorParams { modes: number; mahalanobisNorm: number; normLimit99: number; largestSigma: number; largestMode: number; flagged: boolean }
/** A JSON copy of an options tree, one object per stage (false: the stage was off). */
export type OptionsRecord = Record<string, Record<string, unknown> | false>;

/** The mid band of one face. */
export interface MidParams {
  /**
   * deformation.png (16-bit RGB, the face's UV square like albedo.png, row 0 at v = 1): the x, y, z
   * offset in millimetres (head frame) is offset + scale * code per channel. Absent when not written.
   */
  deformation?: { file: string; scale: number; offset: number; unit: 'mm' };
  mapSize: number;
  /** The offsets' RMS and largest length over the face region's vertices (mm). */
  rmsMm: number;
  maxAbsMm: number;
  /** Evidence used: shading samples on seen skin, landmarks, outline points, photo edges found beside them. */
  samples: number;
  landmarks: number;
  contourPoints: number;
  edges: number;
}

/** The detail band of one face. */
export interface DetailParams {
  /**
   * displacement.png (16-bit grey, the face's UV square like albedo.png, row 0 at v = 1): the
   * displacement along the surface normal in millimetres is offset + scale * code. Absent when not written.
   */
  displacement?: { file: string; scale: number; offset: number; unit: 'mm' };
  /** Tangent-space normal map of the displaced surface (glTF convention: +x = +u, +y = +v; flat = (128, 128, 255)); absent when not written. */
  normalMap?: string;
  /** Texels per side of the grid the displacement was solved on (the maps are interpolated up to mapSize). */
  solveSize: number;
  mapSize: number;
  /** Texels whose shading evidence was mostly trusted, and the displacement's RMS and largest magnitude over the solved region (mm). */
  evidenceTexels: number;
  rmsMm: number;
  maxAbsMm: number;
}

/** The photometric refinement's view of one face. */
export interface PhotometricParams {
  /** Second-order SH lighting, 9 coefficients per channel (sh[3k + c]), in the view frame: x right, y up, z toward the camera. */
  lightingSh: number[];
  /** Dominant light direction (unit vector, view frame). */
  lightDirection: [number, number, number];
  /** Mean skin albedo, sRGB in [0, 1]. */
  skinTone: [number, number, number];
  /** Mean |model - photo| over the skin samples, 8-bit sRGB units: with the landmark fit's geometry, and after refinement. */
  skinErrorLandmarkFit: number;
  skinErrorRefined: number;
  /** The same per pixel of the skin mask (as compare.png shows), after refinement. */
  skinErrorPixels?: number;
  sampleCount: number;
  /** Landmark residual of the landmark fit alone (the `fit` block holds the final one). */
  landmarkFitResidualPx: number;
  skinCoverage: number;
  glasses: boolean;
  /** Present (true) when the refinement ran away from the photo and the landmark fit's geometry was kept. */
  diverged?: boolean;
}

/** What the caller knows after a fit; `buildFaceParams` rounds it into a FaceParams. */
export interface FaceParamsInput {
  model: { name: string; expressionNames: readonly string[] };
  identity: ArrayLike<number>;
  expression: ArrayLike<number>;
  angles: { yaw: number; pitch: number; roll: number };
  /** Row-major 3x3 (9 numbers), head frame -> camera frame. */
  rotation: ArrayLike<number>;
  translationMm: ArrayLike<number>;
  camera: { focal: number; cx: number; cy: number; width: number; height: number };
  /**
   * The photo as given, when the reconstruction ran on a downscaled copy: processed = original x scale.
   * Every pixel quantity of the input (camera, residuals, detection box) is in the copy's pixels;
   * params.json gives them in the original's. Default: the camera's image, scale 1.
   */
  image?: { width: number; height: number; scale: number };
  fit: { residualPx: number; residualNormalised: number; landmarkCount: number; iterations: number };
  timingsMs: Record<string, number>;
  detection?: { box: { x: number; y: number; width: number; height: number }; score: number };
  photometric?: PhotometricParams;
  identitySimilarity?: number;
  eyes?: { irisColour: readonly number[]; irisPixels: number };
  detail?: DetailParams;
  mid?: MidParams;
  identityPrior?: IdentityPriorParams;
  /** As ConfidenceParams, evidence.faceSizePx in the processed image's pixels. */
  confidence?: ConfidenceParams;
  options?: OptionsRecord;
}

export const PARAMS_FRAME_DESCRIPTION =
  `head: ${HEAD_FRAME_DESCRIPTION}. camera: OpenCV (x right, y down, z forward), millimetres; ` +
  'p_camera = rotation * p_head + translationMm; pixel of the photo as given (image.width x image.height) = (focalPx * x / z + cx, focalPx * y / z + cy). ' +
  'Angles relative to a frontal view: yaw about the head y axis (positive = face turned toward its own left), pitch about x, roll about z.';

export function buildFaceParams(input: FaceParamsInput): FaceParams {
  const { model } = input;
  if (input.expression.length !== model.expressionNames.length) {
    throw new Error(`expression has ${input.expression.length} weights, the model has ${model.expressionNames.length} shapes`);
  }
  if (input.rotation.length !== 9) throw new Error('rotation must have 9 entries (row-major 3x3)');
  if (input.translationMm.length !== 3) throw new Error('translationMm must have 3 entries');
  const r = input.rotation;
  const image = input.image ?? { width: input.camera.width, height: input.camera.height, scale: 1 };
  if (!(image.scale > 0 && image.scale <= 1)) throw new Error(`image scale must be in (0, 1], got ${image.scale}`);
  /** A processed-image pixel quantity in original pixels. */
  const px = (x: number) => x / image.scale;
  const params: FaceParams = {
    model: model.name,
    units: EXPORT_UNITS,
    frame: PARAMS_FRAME_DESCRIPTION,
    identity: Array.from(input.identity, (x) => round(x, 4)),
    expression: Object.fromEntries(model.expressionNames.map((name, k) => [name, round(input.expression[k], 4)])),
    pose: {
      yawDeg: round(input.angles.yaw, 3),
      pitchDeg: round(input.angles.pitch, 3),
      rollDeg: round(input.angles.roll, 3),
      rotation: [0, 1, 2].map((i) => [0, 1, 2].map((j) => round(r[3 * i + j], 6))),
      translationMm: [round(input.translationMm[0], 3), round(input.translationMm[1], 3), round(input.translationMm[2], 3)],
    },
    image: {
      width: image.width,
      height: image.height,
      scale: round(image.scale, 6),
      processedWidth: input.camera.width,
      processedHeight: input.camera.height,
    },
    camera: {
      focalPx: round(px(input.camera.focal), 3),
      cx: round(px(input.camera.cx), 3),
      cy: round(px(input.camera.cy), 3),
      width: image.width,
      height: image.height,
    },
    fit: {
      residualPx: round(px(input.fit.residualPx), 4),
      residualNormalised: round(input.fit.residualNormalised, 6),
      landmarkCount: input.fit.landmarkCount,
      iterations: input.fit.iterations,
    },
    timingsMs: Object.fromEntries(Object.entries(input.timingsMs).map(([stage, ms]) => [stage, round(ms, 1)])),
  };
  if (input.detection) {
    const b = input.detection.box;
    params.detection = {
      box: { x: round(px(b.x), 2), y: round(px(b.y), 2), width: round(px(b.width), 2), height: round(px(b.height), 2) },
      score: round(input.detection.score, 4),
    };
  }
  if (input.identityPrior) {
    const p = input.identityPrior;
    params.identityPrior = {
      modes: p.modes, mahalanobisNorm: round(p.mahalanobisNorm, 3), normLimit99: round(p.normLimit99, 3),
      largestSigma: round(p.largestSigma, 3), largestMode: p.largestMode, flagged: p.flagged,
    };
  }
  if (input.confidence) {
    const c = input.confidence, e = c.evidence;
    params.confidence = {
      value: round(c.value, 4), sharpness: round(c.sharpness, 4), size: round(c.size, 4), agreement: round(c.agreement, 4),
      evidence: { sharpness: round(e.sharpness, 4), faceSizePx: round(px(e.faceSizePx), 2), disagreement: round(e.disagreement, 5) },
      priorScale: round(c.priorScale, 4),
    };
  }
  if (input.identitySimilarity !== undefined) params.identitySimilarity = round(input.identitySimilarity, 4);
  if (input.eyes) {
    const [r, g, b] = input.eyes.irisColour.map((c) => round(c, 4));
    params.eyes = { irisColour: [r, g, b], irisPixels: input.eyes.irisPixels };
  }
  if (input.photometric) {
    const p = input.photometric;
    params.photometric = {
      ...p,
      lightingSh: p.lightingSh.map((x) => round(x, 5)),
      lightDirection: p.lightDirection.map((x) => round(x, 4)) as [number, number, number],
      skinTone: p.skinTone.map((x) => round(x, 4)) as [number, number, number],
      skinErrorLandmarkFit: round(p.skinErrorLandmarkFit, 3),
      skinErrorRefined: round(p.skinErrorRefined, 3),
      ...(p.skinErrorPixels !== undefined ? { skinErrorPixels: round(p.skinErrorPixels, 3) } : {}),
      landmarkFitResidualPx: round(px(p.landmarkFitResidualPx), 4),
      skinCoverage: round(p.skinCoverage, 4),
    };
  }
  if (input.detail) {
    const d = input.detail;
    params.detail = {
      ...d,
      ...(d.displacement ? { displacement: mapCoding(d.displacement) } : {}),
      rmsMm: round(d.rmsMm, 4), maxAbsMm: round(d.maxAbsMm, 4),
    };
  }
  if (input.mid) {
    const m = input.mid;
    params.mid = {
      ...m,
      ...(m.deformation ? { deformation: mapCoding(m.deformation) } : {}),
      rmsMm: round(m.rmsMm, 4), maxAbsMm: round(m.maxAbsMm, 4),
    };
  }
  if (input.options) params.options = input.options;
  return params;
}

/** The text of params.json. */
export function faceParamsJson(params: FaceParams): string {
  return `${JSON.stringify(params, null, 2)}\n`;
}

/** Rounds to `decimals` places; non-finite numbers are an error (JSON would silently turn them into null). */
/** A 16-bit map's file entry with the scale and offset that turn its codes into millimetres, to 6 significant digits. */
function mapCoding<T extends { scale: number; offset: number }>(map: T): T {
  return { ...map, scale: Number(map.scale.toPrecision(6)), offset: Number(map.offset.toPrecision(6)) };
}

function round(x: number, decimals: number): number {
  if (!Number.isFinite(x)) throw new Error(`params.json: non-finite number ${x}`);
  const f = 10 ** decimals;
  const r = Math.round(x * f) / f;
  return r === 0 ? 0 : r;
}
