import { cameraToView, projectPoint, projectPoints, type Camera, type HeadPose } from '../base/camera.js';
import { LUMA } from '../base/colour.js';
import type { RgbImage } from '../base/image.js';
import { pointBounds, type Rect } from '../base/rect.js';
import type { LandmarkModel } from '../fit/landmark-term.js';
import { shBasis, shBasisGradient, SH_COUNT } from '../lighting/sh.js';
import { vertexNormals } from '../base/normals.js';
import type { MorphableModel } from '../model/types.js';
import { faceSamples, type FaceSamples } from '../photometric/face-samples.js';
import { photoField, sampleField, type PhotoField } from '../photometric/photo-field.js';
import { sampleRing } from '../photometric/sample-normals.js';
import { displayMesh } from '../render/display-mesh.js';
import { rasterise } from '../render/rasterise.js';
import { mirrorPairs } from '../texture/mirror-map.js';
import { smoothAtPoints } from './point-smoothing.js';
import { axisMap, deformationGrid, deformationMap, vertexBlockNormal, type DeformationGrid } from './deformation-grid.js';
import { expandMidBandOptions, type ExpandedMidBandOptions, type MidBandOptions } from './mid-options.js';
import { concatRows, normalMatrix, perAxis, solveSparseLeastSquares, SparseRows, sumMatrices, type FrozenRows } from './sparse-least-squares.js';

export interface MidBandInput {
  model: MorphableModel;
  /** The coarse fitted head (identity and expression), model units, head frame. */
  positions: Float32Array;
  pose: HeadPose;
  camera: Camera;
  photo: RgbImage;
  /** The photometric refinement's SH lighting (27 coefficients, view frame) and its per-sample albedo. */
  sh: ArrayLike<number>;
  albedo: { samples: FaceSamples; sampleAlbedo: Float64Array };
  /** Skin weight at photo pixels: shading evidence only on skin. */
  skin?: (x: number, y: number) => number;
  /** The landmark model and the detected landmarks (pixels, NaN = missing). */
  landmarks: LandmarkModel;
  targets: Float32Array;
}

/** The mid-frequency band of one face: xyz offsets over the face's UV square, added to the coarse head. */
export interface MidBandResult {
  /** Texels per side of `map` (the UV square, row 0 at v = 1). */
  size: number;
  /** Offsets in millimetres, head frame, 3 per texel; 0 outside the face region and at its border. */
  map: Float32Array;
  /** The offsets of every model vertex (mm, 3 each; 0 off the face region). */
  vertexOffsets: Float32Array;
  /** The head with the band: coarse positions + offsets, model units. */
  positions: Float32Array;
  stats: {
    iterations: number; cgIterations: number; samples: number; landmarks: number; contourPoints: number; edges: number;
    costBefore: number; costAfter: number; rmsMm: number; maxAbsMm: number;
    /** Cost per term (shading, landmarks, outline, priors) before and after. */
    termsBefore: number[]; termsAfter: number[];
  };
  options: ExpandedMidBandOptions;
}

/** Samples hidden behind the rendered depth by more than this fraction, or seen at a cosine below MIN_COSINE, give no shading. */
const OCCLUSION_DEPTH_TOLERANCE = 0.004;
const MIN_COSINE = 0.2;
const COSINE_RAMP = 0.3;
/** Cauchy scale of the shading residuals, in sigmas. */
const ROBUST_SIGMAS = 3;
/** An edge beside the outline counts when its contrast along the outward direction is this many times the search segment's mean. */
const EDGE_PROMINENCE = 2.5;
/** Mirror images of the offsets: x flips. */
const MIRROR = [-1, 1, 1] as const;
/** Gauss-Newton steps are taken whole or halved down to this fraction. */
const SMALLEST_STEP = 0.2;

/**
 * HRN's mid-frequency band: a deformation map (xyz offsets, mm) over the face's UV square, fitted
 * after the photometric refinement by Gauss-Newton with analytic Jacobians, each step solved by our
 * sparse least squares (conjugate gradients on the normal equations over a coarse control grid,
 * upsampled to the map). Data: the luminance residual on skin under the fitted SH lighting with a
 * smooth albedo (shape from shading), the landmarks, and the face outline (the outline landmarks
 * along the outline's normal, and the photo's strongest edge beside the projected outline).
 * Priors: a Laplacian over the mesh, magnitude, soft left-right symmetry; the fade of the grid
 * (0 at the face region's border); unseen parts have no data and keep the coarse shape or its mirror.
 */
export function reconstructMidBand(input: MidBandInput, options: MidBandOptions = {}): MidBandResult {
  const o = expandMidBandOptions(options);
  const problem = new MidBandProblem(input, o);
  const unknowns = 3 * problem.grid.nodes.length;
  let x = new Float64Array(unknowns);
  problem.prepare(x);
  const termsBefore = problem.termCosts(x);
  const costBefore = termsBefore.reduce((a, b) => a + b, 0);
  let cost = costBefore, cgIterations = 0, iterations = 0;
  for (; iterations < o.iterations; iterations++) {
    const { step, iterations: it } = solveSparseLeastSquares(problem.rows(x), problem.grid.map, unknowns, 1e-6, o.cgIterations);
    cgIterations += it;
    // A shorter step where the linearisation overshoots.
    let accepted = false;
    for (let scale = 1; scale >= SMALLEST_STEP && !accepted; scale /= 2) {
      const next = Float64Array.from(x, (v, j) => v + scale * step[j]);
      const c = problem.cost(next);
      if (c < cost) { x = next; cost = c; accepted = true; }
    }
    if (!accepted) break;
    problem.prepare(x);
    cost = problem.cost(x);
  }
  const vertexOffsets = problem.vertexOffsets(x);
  const positions = problem.positionsAt(vertexOffsets);
  let sum2 = 0, maxAbs = 0;
  const g = problem.grid;
  for (let i = 0; i < g.vertices.length; i++) {
    const v = g.vertices[i];
    const m = Math.hypot(vertexOffsets[3 * v], vertexOffsets[3 * v + 1], vertexOffsets[3 * v + 2]);
    sum2 += m * m; maxAbs = Math.max(maxAbs, m);
  }
  return {
    size: o.mapSize, map: deformationMap(g, x, o.mapSize), vertexOffsets, positions,
    stats: {
      iterations, cgIterations, samples: problem.sampleCount, landmarks: problem.landmarkCount, contourPoints: problem.contourCount,
      edges: problem.edgeCount, costBefore, costAfter: cost, termsBefore, termsAfter: problem.termCosts(x), rmsMm: Math.sqrt(sum2 / g.vertices.length), maxAbsMm: maxAbs,
    },
    options: o,
  };
}

/**
 * The mid band's least-squares problem over the grid's unknowns x. `prepare(x)` makes the choices a
 * linearisation holds fixed (robust weights, which vertex is each outline point, the photo edges
 * beside them); `rows(x)` gives every term's residuals and their Jacobian over the vertex offsets
 * (mm) at x, so its Jacobian can be checked against finite differences of its residuals.
 */
export class MidBandProblem {
  readonly grid: DeformationGrid;
  private readonly samples: FaceSamples;
  private readonly sampleWeight: Float64Array;
  private readonly robust: Float64Array;
  /** Luminance albedo factors per sample (LUMA x smooth albedo, per channel). */
  private readonly albedo: Float64Array;
  private readonly field: PhotoField;
  private readonly faceSize: number;
  private readonly mm: number;
  private readonly fixedLandmarks: number[] = [];
  private contourVertex = new Int32Array(0);
  /** Per face vertex: the coarse surface's unit normal and two unit tangents (9 values). */
  private readonly vertexFrames: Float32Array;
  /**
   * The priors' rows: magnitude, Laplacian and symmetry (see magnitudeRows, shapePriors), linear in
   * the offsets, so built once with their normal matrix; their residuals = rows x offsets.
   */
  private readonly priors: FrozenRows;
  /** Per entry of the priors' rows: the index of its vertex offset in a model-wide offsets array. */
  private readonly priorOffsetIndex: Int32Array;
  private edgeTarget = new Float64Array(0);

  constructor(private readonly input: MidBandInput, private readonly o: ExpandedMidBandOptions) {
    const { model } = input;
    this.mm = model.unitsToMillimetres;
    this.grid = deformationGrid(model, o.controlSize, o.mapSize, o.fadeMm);
    this.samples = faceSamples(model, o.sampleSpacingMm / this.mm);
    const b = pointBounds(input.targets, 2);
    this.faceSize = Math.sqrt(Math.max(1, b.width * b.height));
    const rect = grownRect(b, 0.3, input.photo);
    this.field = photoField(input.photo, rect, this.faceSize * o.photoBlur);
    this.sampleWeight = this.visibleSkin(rect);
    this.robust = new Float64Array(this.sampleWeight.length).fill(1);
    this.albedo = smoothAlbedo(model, this.samples, input.albedo.samples, input.albedo.sampleAlbedo, o.albedoScaleMm / this.mm);
    const contour = new Set(input.landmarks.contour ? Array.from(input.landmarks.contour.landmark) : []);
    const { weights } = input.landmarks;
    for (let j = 0; j < weights.length; j++) {
      if (weights[j] > 0 && !contour.has(j) && Number.isFinite(input.targets[2 * j]) && Number.isFinite(input.targets[2 * j + 1])) this.fixedLandmarks.push(j);
    }
    this.vertexFrames = normalFrames(input.positions, model.triangles, this.grid.vertices);
    const unknowns = 3 * this.grid.nodes.length;
    this.priors = concatRows(this.magnitudeRows(), shapePriors(model, this.grid, o.smoothnessMm, o.symmetryMm));
    const vertices = this.grid.vertices;
    const columns = this.priors.columns;
    this.priorOffsetIndex = new Int32Array(columns.length);
    for (let k = 0; k < columns.length; k++) this.priorOffsetIndex[k] = 3 * vertices[Math.floor(columns[k] / 3)] + (columns[k] % 3);
  }

  get sampleCount(): number { let n = 0; for (const w of this.sampleWeight) if (w > 0) n++; return n; }
  get landmarkCount(): number { return this.fixedLandmarks.length; }
  get contourCount(): number { return this.contourVertex.length; }
  get edgeCount(): number { let n = 0; for (let i = 0; i < this.edgeTarget.length / 2; i++) if (Number.isFinite(this.edgeTarget[2 * i])) n++; return n; }

  /** Offsets (mm) of every model vertex at x. */
  vertexOffsets(x: Float64Array): Float32Array {
    const g = this.grid, { map } = g;
    const out = new Float32Array(3 * this.input.model.vertexCount);
    for (let i = 0; i < g.vertices.length; i++) {
      for (let c = 0; c < 3; c++) {
        const r = 3 * i + c;
        let s = 0;
        for (let k = map.start[r]; k < map.start[r + 1]; k++) s += map.values[k] * x[map.columns[k]];
        out[3 * g.vertices[i] + c] = s;
      }
    }
    return out;
  }

  /** The coarse positions plus offsets (mm), model units. */
  positionsAt(offsets: Float32Array): Float32Array {
    const out = Float32Array.from(this.input.positions);
    for (let i = 0; i < out.length; i++) out[i] += offsets[i] / this.mm;
    return out;
  }

  /** Fixes the linearisation's choices at x: the shading's robust weights, the outline vertices and the photo edges beside them. */
  prepare(x: Float64Array): void {
    const offsets = this.vertexOffsets(x);
    const p = this.positionsAt(offsets);
    this.robust.fill(1);
    if (this.o.photometricWeight > 0) {
      const shading = new SparseRows();
      this.shadingRows(p, shading, false);
      const residual = shading.freeze().residual;
      let q = 0;
      for (let i = 0; i < this.sampleWeight.length; i++) {
        if (this.sampleWeight[i] > 0 && this.evaluable[i]) this.robust[i] = 1 / (1 + (residual[q++] / ROBUST_SIGMAS) ** 2);
      }
    }
    this.chooseContour(p);
  }

  /** Every term's rows at x (shading, landmarks, outline, priors): residuals and their Jacobian over the vertex offsets (mm). */
  rows(x: Float64Array, jacobian = true): FrozenRows[] {
    const offsets = this.vertexOffsets(x);
    const p = this.positionsAt(offsets);
    const terms = [new SparseRows(), new SparseRows(), new SparseRows()];
    this.shadingRows(p, terms[0], jacobian);
    this.landmarkRows(p, terms[1]);
    this.contourRows(p, terms[2]);
    return [...terms.map((t) => t.freeze()), this.priorsAt(offsets)];
  }

  cost(x: Float64Array): number {
    return this.termCosts(x).reduce((a, b) => a + b, 0);
  }

  /** Weighted squared residuals per term (shading, landmarks, outline, priors). */
  termCosts(x: Float64Array): number[] {
    return this.rows(x, false).map((r) => r.residual.reduce((a, v, i) => a + r.weight[i] * v * v, 0));
  }

  /** Samples that landed inside the photo field at the last shading evaluation. */
  private evaluable = new Uint8Array(0);

  /**
   * Luminance residual per seen skin sample: albedo x SH shading of its normal minus the photo at its
   * projection, over sigma; with `jacobian` false the rows carry their residuals only (for costs).
   */
  private shadingRows(p: Float32Array, rows: SparseRows, jacobian = true): void {
    const { model, pose, camera, sh } = this.input;
    const s = this.samples, o = this.o, R = pose.rotation, tri = model.triangles, local = this.grid.localIndex;
    if (this.evaluable.length !== s.vertices.length) this.evaluable = new Uint8Array(s.vertices.length);
    const B = new Float64Array(SH_COUNT), dB = new Float64Array(3 * SH_COUNT), vn = new Float64Array(3), gc = new Float64Array(3), px = new Float64Array(5);
    const cols: number[] = [], vals: number[] = [];
    const ring: number[] = [], ringEdge: number[] = [], N = new Float64Array(3);
    const J = new Float64Array(6);
    const scale = 1 / (o.photometricSigma * this.mm);
    for (let i = 0; i < s.vertices.length; i++) {
      this.evaluable[i] = 0;
      const w = this.sampleWeight[i];
      if (!(w > 0)) continue;
      const v = s.vertices[i];
      const uv = projectWithJacobian(p, v, pose, camera, J);
      if (!sampleField(this.field, uv[0], uv[1], px)) continue;
      this.evaluable[i] = 1;
      sampleRing(s, i, p, tri, ring, ringEdge, N);
      const len = Math.hypot(N[0], N[1], N[2]) || 1;
      const n0 = N[0] / len, n1 = N[1] / len, n2 = N[2] / len;
      cameraToView(vn, R[0] * n0 + R[1] * n1 + R[2] * n2, R[3] * n0 + R[4] * n1 + R[5] * n2, R[6] * n0 + R[7] * n1 + R[8] * n2);
      shBasis(vn[0], vn[1], vn[2], B);
      if (jacobian) shBasisGradient(vn[0], vn[1], vn[2], dB);
      let modelLum = 0, gvx = 0, gvy = 0, gvz = 0;
      const a0 = this.albedo[3 * i], a1 = this.albedo[3 * i + 1], a2 = this.albedo[3 * i + 2];
      for (let k = 0; k < SH_COUNT; k++) {
        const e = a0 * sh[3 * k] + a1 * sh[3 * k + 1] + a2 * sh[3 * k + 2];
        modelLum += e * B[k];
        if (jacobian) { gvx += e * dB[3 * k]; gvy += e * dB[3 * k + 1]; gvz += e * dB[3 * k + 2]; }
      }
      const observed = LUMA[0] * px[0] + LUMA[1] * px[1] + LUMA[2] * px[2];
      const weight = o.photometricWeight * w * this.robust[i], residual = (modelLum - observed) / o.photometricSigma;
      if (!jacobian) { rows.add(cols, vals, residual, weight); continue; }
      // d model / d n: view frame -> camera frame (the flip is its own inverse) -> model frame, tangential part over |N|.
      cameraToView(gc, gvx, gvy, gvz);
      const g0 = R[0] * gc[0] + R[3] * gc[1] + R[6] * gc[2], g1 = R[1] * gc[0] + R[4] * gc[1] + R[7] * gc[2], g2 = R[2] * gc[0] + R[5] * gc[1] + R[8] * gc[2];
      const d = g0 * n0 + g1 * n1 + g2 * n2;
      const h0 = (g0 - n0 * d) / len, h1 = (g1 - n1 * d) / len, h2 = (g2 - n2 * d) / len;
      cols.length = 0; vals.length = 0;
      for (let j = 0; j < ring.length; j++) {
        const li = local[ring[j]];
        if (li < 0) continue;
        // d model = h . sum_k (dp_k x g_k) = sum_k dp_k . (g_k x h)
        const gx = ringEdge[3 * j], gy = ringEdge[3 * j + 1], gz = ringEdge[3 * j + 2];
        const self = ring[j] === v;
        for (let c = 0; c < 3; c++) {
          let value = c === 0 ? gy * h2 - gz * h1 : c === 1 ? gz * h0 - gx * h2 : gx * h1 - gy * h0;
          if (self) value -= px[3] * J[c] + px[4] * J[3 + c];
          cols.push(3 * li + c); vals.push(value * scale);
        }
      }
      rows.add(cols, vals, residual, weight);
    }
  }

  /** Landmarks off the outline: their surface points' projections against the detected points. */
  private landmarkRows(p: Float32Array, rows: SparseRows): void {
    const { pose, camera, targets, landmarks } = this.input;
    const sv = landmarks.surface.vertices, sw = landmarks.surface.weights, local = this.grid.localIndex;
    const scale = 1 / (this.o.landmarkSigma * this.faceSize);
    const J = new Float64Array(6), point = new Float32Array(3);
    const cols: number[] = [], vals: number[][] = [[], []];
    for (const j of this.fixedLandmarks) {
      point.fill(0);
      for (let k = 0; k < 3; k++) for (let c = 0; c < 3; c++) point[c] += sw[3 * j + k] * p[3 * sv[3 * j + k] + c];
      const uv = projectWithJacobian(point, 0, pose, camera, J);
      cols.length = 0; vals[0].length = 0; vals[1].length = 0;
      for (let k = 0; k < 3; k++) {
        const li = local[sv[3 * j + k]], w = sw[3 * j + k];
        if (li < 0 || w === 0) continue;
        for (let c = 0; c < 3; c++) {
          cols.push(3 * li + c);
          vals[0].push((w * J[c] * scale) / this.mm); vals[1].push((w * J[3 + c] * scale) / this.mm);
        }
      }
      for (let d = 0; d < 2; d++) rows.add(cols, vals[d], (uv[d] - targets[2 * j + d]) * scale, landmarks.weights[j]);
    }
  }

  /**
   * The face outline, along its outward normal in the image: each outline landmark against its
   * contour line's outermost vertex (which slides over the surface as the head turns), and the
   * photo's strongest edge beside that vertex's projection where one stands out.
   */
  private contourRows(p: Float32Array, rows: SparseRows): void {
    const contour = this.input.landmarks.contour;
    if (!contour) return;
    const { pose, camera, targets } = this.input;
    const scale = 1 / (this.o.contourSigma * this.faceSize);
    const J = new Float64Array(6), cols = [0, 0, 0], vals = [0, 0, 0];
    for (let i = 0; i < this.contourVertex.length; i++) {
      const v = this.contourVertex[i], li = this.grid.localIndex[v];
      const [ox, oy] = outwardDirection(pose.rotation, contour.side[i]);
      const uv = projectWithJacobian(p, v, pose, camera, J);
      for (let c = 0; c < 3; c++) { cols[c] = 3 * li + c; vals[c] = ((ox * J[c] + oy * J[3 + c]) * scale) / this.mm; }
      const j = contour.landmark[i];
      const along = (tx: number, ty: number) => (ox * (uv[0] - tx) + oy * (uv[1] - ty)) * scale;
      if (li < 0) continue;
      if (Number.isFinite(targets[2 * j])) rows.add(cols, vals, along(targets[2 * j], targets[2 * j + 1]), 1);
      const ex = this.edgeTarget[2 * i], ey = this.edgeTarget[2 * i + 1];
      if (Number.isFinite(ex)) rows.add(cols, vals, along(ex, ey), 1);
    }
  }

  /** The priors' rows with their residuals at these offsets (mm per model vertex). */
  private priorsAt(offsets: Float32Array): FrozenRows {
    const { start, values } = this.priors, at = this.priorOffsetIndex;
    const residual = new Float64Array(this.priors.residual.length);
    for (let r = 0; r < residual.length; r++) {
      let s = 0;
      for (let k = start[r], end = start[r + 1]; k < end; k++) s += values[k] * offsets[at[k]];
      residual[r] = s;
    }
    return { ...this.priors, residual };
  }

  /**
   * Magnitude of the offsets, held apart along the coarse surface's normal (`magnitudeMm`) and
   * across it (`tangentialMm`): sliding over the surface changes no shape, yet lets the shading
   * term pick samples' positions. Linear in the offsets: residuals 0 at 0. Their normal matrix from
   * each vertex's 3 rows as one 3x3 block (see vertexBlockNormal).
   */
  private magnitudeRows(): FrozenRows {
    const g = this.grid, o = this.o, frame = this.vertexFrames, rows = new SparseRows();
    const blocks = new Float64Array(9 * g.vertices.length), r = [0, 0, 0];
    for (let li = 0; li < g.vertices.length; li++) {
      const three = [3 * li, 3 * li + 1, 3 * li + 2];
      for (let a = 0; a < 3; a++) {
        const sigma = a === 0 ? o.magnitudeMm : o.tangentialMm;
        for (let c = 0; c < 3; c++) r[c] = frame[9 * li + 3 * a + c] / sigma;
        rows.add(three, r, 0, 1);
        for (let c = 0; c < 3; c++) for (let d = 0; d < 3; d++) blocks[9 * li + 3 * c + d] += r[c] * r[d];
      }
    }
    return { ...rows.freeze(), normal: vertexBlockNormal(g, blocks) };
  }

  /** Each contour line's outermost vertex in the image, and the photo's edge beside its projection. */
  private chooseContour(p: Float32Array): void {
    const contour = this.input.landmarks.contour;
    if (!contour) return;
    const { pose, camera } = this.input;
    const lines = contour.landmark.length;
    this.contourVertex = new Int32Array(lines);
    this.edgeTarget = new Float64Array(2 * lines).fill(NaN);
    const screen = new Float64Array(3);
    const search = this.o.edgeSearch * this.faceSize;
    const px = new Float64Array(5);
    for (let i = 0; i < lines; i++) {
      const [ox, oy] = outwardDirection(pose.rotation, contour.side[i]);
      let best = -Infinity;
      for (let c = contour.lineStart[i]; c < contour.lineStart[i + 1]; c++) {
        const v = contour.candidates.vertices[3 * c];
        projectPoint(p[3 * v], p[3 * v + 1], p[3 * v + 2], pose, camera, screen);
        const out = ox * screen[0] + oy * screen[1];
        if (out > best) { best = out; this.contourVertex[i] = v; }
      }
      if (!(search > 0)) continue;
      const cv = this.contourVertex[i];
      projectPoint(p[3 * cv], p[3 * cv + 1], p[3 * cv + 2], pose, camera, screen);
      // The strongest luminance change along the outward direction within the search range.
      const steps = Math.max(2, Math.ceil(2 * search));
      let strongest = 0, at = NaN, total = 0, count = 0;
      for (let k = -steps; k <= steps; k++) {
        const s = (k / steps) * search;
        if (!sampleField(this.field, screen[0] + s * ox, screen[1] + s * oy, px)) continue;
        const contrast = Math.abs(ox * px[3] + oy * px[4]);
        total += contrast; count++;
        if (contrast > strongest) { strongest = contrast; at = s; }
      }
      if (count > steps && strongest > EDGE_PROMINENCE * (total / count)) {
        this.edgeTarget[2 * i] = screen[0] + at * ox;
        this.edgeTarget[2 * i + 1] = screen[1] + at * oy;
      }
    }
  }

  /** Per sample: seen (depth test against the whole head), facing the camera, on skin; fixed at the coarse head. */
  private visibleSkin(rect: Rect): Float64Array {
    const { model, positions, pose, camera, skin } = this.input;
    const crop: Camera = { ...camera, cx: camera.cx - rect.x, cy: camera.cy - rect.y, width: rect.width, height: rect.height };
    const screen = projectPoints(positions, pose, crop);
    const frame = rasterise(screen, model.triangles, rect.width, rect.height, { select: displayMesh(model).select });
    const s = this.samples, R = pose.rotation, t = pose.translation, tri = model.triangles;
    const out = new Float64Array(s.vertices.length);
    for (let i = 0; i < s.vertices.length; i++) {
      const v = s.vertices[i];
      if (this.grid.localIndex[v] < 0) continue;
      const u = screen[3 * v], w = screen[3 * v + 1], z = screen[3 * v + 2];
      const xi = Math.floor(u), yi = Math.floor(w);
      if (xi < 0 || yi < 0 || xi >= rect.width || yi >= rect.height) continue;
      if (frame.depth[yi * rect.width + xi] < z * (1 - OCCLUSION_DEPTH_TOLERANCE)) continue;
      let nx = 0, ny = 0, nz = 0;
      for (let q = s.triangleStart[i]; q < s.triangleStart[i + 1]; q++) {
        const f = s.triangles[q];
        const [a, b, c] = [3 * tri[3 * f], 3 * tri[3 * f + 1], 3 * tri[3 * f + 2]];
        const e1 = [positions[b] - positions[a], positions[b + 1] - positions[a + 1], positions[b + 2] - positions[a + 2]];
        const e2 = [positions[c] - positions[a], positions[c + 1] - positions[a + 1], positions[c + 2] - positions[a + 2]];
        nx += e1[1] * e2[2] - e1[2] * e2[1]; ny += e1[2] * e2[0] - e1[0] * e2[2]; nz += e1[0] * e2[1] - e1[1] * e2[0];
      }
      const p = [3 * v, 3 * v + 1, 3 * v + 2].map((k) => positions[k]);
      const X = R[0] * p[0] + R[1] * p[1] + R[2] * p[2] + t[0], Y = R[3] * p[0] + R[4] * p[1] + R[5] * p[2] + t[1], Z = R[6] * p[0] + R[7] * p[1] + R[8] * p[2] + t[2];
      const cnx = R[0] * nx + R[1] * ny + R[2] * nz, cny = R[3] * nx + R[4] * ny + R[5] * nz, cnz = R[6] * nx + R[7] * ny + R[8] * nz;
      const cos = -(cnx * X + cny * Y + cnz * Z) / (Math.hypot(X, Y, Z) * (Math.hypot(cnx, cny, cnz) || 1));
      const frontal = Math.min(1, Math.max(0, (cos - MIN_COSINE) / COSINE_RAMP));
      if (!(frontal > 0)) continue;
      const sk = skin ? skin(u + rect.x, w + rect.y) : 1;
      out[i] = frontal * sk;
    }
    return out;
  }
}

const shapePriorCache = new WeakMap<DeformationGrid, Map<string, FrozenRows>>();

/**
 * Laplacian over the mesh and mirror symmetry of the offsets (per face vertex, its local index x 3
 * + axis), with their normal matrix: they depend on the model and two settings only, so they are
 * made once. Linear in the offsets: residuals 0 at 0. The rows act on each axis alike (the mirror
 * flips the sign of x), so the normal matrix is formed over one axis's unknowns and repeated.
 */
function shapePriors(model: MorphableModel, grid: DeformationGrid, smoothnessMm: number, symmetryMm: number): FrozenRows {
  let perGrid = shapePriorCache.get(grid);
  if (!perGrid) shapePriorCache.set(grid, (perGrid = new Map()));
  const key = `${smoothnessMm}/${symmetryMm}`;
  const hit = perGrid.get(key);
  if (hit) return hit;
  const neighbours = meshNeighbours(model, grid);
  const pair = mirrorPairs(model.neutral, grid.vertices);
  const rows = new SparseRows(), cols: number[] = [], vals: number[] = [];
  // One axis's rows: the Laplacian, and the symmetry with a mirror sign of +1 (x) and -1 (y, z).
  const laplacian = new SparseRows(), symmetry = [new SparseRows(), new SparseRows()];
  for (let li = 0; li < grid.vertices.length; li++) {
    const nb = neighbours[li], m = pair[grid.vertices[li]] >= 0 ? grid.localIndex[pair[grid.vertices[li]]] : -1;
    for (let c = 0; c < 3; c++) {
      if (nb.length) {
        cols.length = 0; vals.length = 0;
        cols.push(3 * li + c); vals.push(1 / smoothnessMm);
        for (const k of nb) { cols.push(3 * k + c); vals.push(-1 / (nb.length * smoothnessMm)); }
        rows.add(cols, vals, 0, 1);
        if (c === 0) laplacian.add(cols.map((k) => k / 3), vals, 0, 1);
      }
      if (m >= 0 && m !== li) {
        rows.add([3 * li + c, 3 * m + c], [1 / symmetryMm, -MIRROR[c] / symmetryMm], 0, 1);
        if (c < 2) symmetry[c].add([li, m], [1 / symmetryMm, -MIRROR[c] / symmetryMm], 0, 1);
      }
    }
  }
  const axis = axisMap(grid), U = grid.nodes.length;
  const shared = normalMatrix([laplacian.freeze()], axis, U);
  const [x, yz] = symmetry.map((r) => sumMatrices(shared, normalMatrix([r.freeze()], axis, U)));
  const out = { ...rows.freeze(), normal: perAxis([x, yz, yz]) };
  perGrid.set(key, out);
  return out;
}

/** Image-plane direction (unit) in which the model's x axis points, times `side`: "out" for an outline point on that side. */
function outwardDirection(R: ArrayLike<number>, side: number): [number, number] {
  const l = Math.hypot(R[0], R[3]) || 1;
  return [(side * R[0]) / l, (side * R[3]) / l];
}

/** Pixel position of vertex v and its Jacobian over the vertex's model-frame position (J: 2 rows of 3, per model unit). */
function projectWithJacobian(p: ArrayLike<number>, v: number, pose: HeadPose, camera: Camera, J: Float64Array): [number, number] {
  const R = pose.rotation, t = pose.translation;
  const x = p[3 * v], y = p[3 * v + 1], z = p[3 * v + 2];
  const X = R[0] * x + R[1] * y + R[2] * z + t[0], Y = R[3] * x + R[4] * y + R[5] * z + t[1], Z = R[6] * x + R[7] * y + R[8] * z + t[2];
  const f = camera.focal / Z;
  for (let m = 0; m < 3; m++) {
    J[m] = f * (R[m] - (X / Z) * R[6 + m]);
    J[3 + m] = f * (R[3 + m] - (Y / Z) * R[6 + m]);
  }
  return [f * X + camera.cx, f * Y + camera.cy];
}

/**
 * Per sample, LUMA x the photometric refinement's albedo smoothed over `scale` (model units, a
 * Gaussian over its samples on the neutral face, see smoothAtPoints): albedo at the mid band's own
 * scale would explain its shading away.
 */
function smoothAlbedo(model: MorphableModel, samples: FaceSamples, from: FaceSamples, albedo: Float64Array, scale: number): Float64Array {
  const out = smoothAtPoints(model.neutral, from.vertices, albedo, 3, samples.vertices, scale);
  for (let i = 0; i < out.length; i++) out[i] *= LUMA[i % 3];
  return out;
}

/** Per vertex of `vertices`: its unit normal and two unit tangents orthogonal to it and each other. */
function normalFrames(positions: Float32Array, triangles: Uint32Array, vertices: Uint32Array): Float32Array {
  const normals = vertexNormals(positions, triangles);
  const out = new Float32Array(9 * vertices.length);
  vertices.forEach((v, i) => {
    const n = [normals[3 * v], normals[3 * v + 1], normals[3 * v + 2]];
    const a = Math.abs(n[0]) < 0.9 ? [1, 0, 0] : [0, 1, 0];
    const d = a[0] * n[0] + a[1] * n[1] + a[2] * n[2];
    const t = [a[0] - d * n[0], a[1] - d * n[1], a[2] - d * n[2]];
    const l = Math.hypot(t[0], t[1], t[2]) || 1;
    for (let c = 0; c < 3; c++) t[c] /= l;
    const b = [n[1] * t[2] - n[2] * t[1], n[2] * t[0] - n[0] * t[2], n[0] * t[1] - n[1] * t[0]];
    out.set([...n, ...t, ...b], 9 * i);
  });
  return out;
}

/** Neighbours of each face vertex (local indices) over the face region's triangles. */
function meshNeighbours(model: MorphableModel, grid: DeformationGrid): Int32Array[] {
  const sets = Array.from(grid.vertices, () => new Set<number>());
  const [start, end] = model.triangleRegions.face;
  for (let t = start; t < end; t++) {
    const l = [0, 1, 2].map((k) => grid.localIndex[model.triangles[3 * t + k]]);
    for (let k = 0; k < 3; k++) { sets[l[k]].add(l[(k + 1) % 3]); sets[l[k]].add(l[(k + 2) % 3]); }
  }
  return sets.map((s) => Int32Array.from(s));
}

function grownRect(b: Rect, margin: number, photo: RgbImage): Rect {
  const mx = margin * b.width, my = margin * b.height;
  const x = Math.max(0, Math.floor(b.x - mx)), y = Math.max(0, Math.floor(b.y - my));
  return { x, y, width: Math.max(1, Math.min(photo.width, Math.ceil(b.x + b.width + mx)) - x), height: Math.max(1, Math.min(photo.height, Math.ceil(b.y + b.height + my)) - y) };
}
