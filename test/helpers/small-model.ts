import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MEDIAPIPE_ICT } from '../../src/correspondence/landmark-model.js';
import type { CorrespondenceFile } from '../../src/correspondence/types.js';
import { deserialiseModel, serialiseModel } from '../../src/model/binary.js';
import { modeRms } from '../../src/model/ict/build.js';
import { ICT_POLYGON_REGIONS, ICT_VERTEX_REGIONS } from '../../src/model/ict/layout.js';
import { defaultCacheDir, loadIctModel } from '../../src/model/node/load-ict.js';
import { triangulate } from '../../src/model/obj-parse.js';
import type { MorphableModel } from '../../src/model/types.js';
import { rasteriseUv } from '../../src/texture/uv-raster.js';
import { SHARED_ICT } from './shared-data.js';

/**
 * A small ICT-FaceKit for unit tests: the same materials, regions, 100 identity modes and 53 named
 * expressions, about 3k vertices instead of 26,719. The face and back-of-head charts are resampled on
 * a regular grid in UV space (each new vertex is a barycentric blend of the ICT triangle under it, so
 * every mode is the full model's mode, sampled); the eyes keep their front polygons (cornea, iris) and
 * the other materials a few polygons each. The MediaPipe correspondence is carried over through UV.
 *
 * Derived once from the full model and cached next to the model cache, keyed by this file and the
 * ICT files it comes from.
 */
export interface SmallModel {
  model: MorphableModel;
  /** The 468 MediaPipe landmarks on the small model (pass to mediapipeLandmarkModel). */
  correspondence: CorrespondenceFile;
}

/** Grid size per chart (texels over the unit UV square). */
const CHART_GRID: Record<string, number> = { M_Face: 44, M_BackHead: 20 };
/** Eye polygons kept: those whose corners all lie within this UV radius of the eye's pole. */
const EYE_FRONT_UV_RADIUS = 0.2;
const EYE_MATERIALS = ['M_ScleraLeft', 'M_ScleraRight', 'M_IrisLeft', 'M_IrisRight'];
/** Polygons kept of every other material. */
const OTHER_POLYGONS = 24;

let loaded: Promise<SmallModel> | undefined;

export function loadSmallModel(): Promise<SmallModel> {
  loaded ??= cachedSmallModel();
  return loaded;
}

async function cachedSmallModel(): Promise<SmallModel> {
  const facex = join(SHARED_ICT, 'FaceXModel');
  const sources = readdirSync(facex).sort().map((n) => `${n}:${statSync(join(facex, n)).size}`);
  // The correspondence is carried over too, so a re-derived one makes a new small model.
  const key = createHash('sha256').update(readFileSync(new URL(import.meta.url))).update(sources.join(','))
    .update(JSON.stringify(MEDIAPIPE_ICT)).digest('hex').slice(0, 16);
  const dir = join(defaultCacheDir(), 'test-fixtures');
  const modelFile = join(dir, `small-ict-${key}.frm`);
  const correspondenceFile = join(dir, `small-ict-${key}.correspondence.json`);
  if (existsSync(modelFile) && existsSync(correspondenceFile)) {
    return { model: deserialiseModel(await readFile(modelFile)), correspondence: JSON.parse(await readFile(correspondenceFile, 'utf8')) };
  }
  const { model: full } = await loadIctModel({ progress: false });
  const small = deriveSmallModel(full);
  await mkdir(dir, { recursive: true });
  // Written whole, then renamed, so a concurrent run never reads half a file.
  for (const [file, bytes] of [[correspondenceFile, JSON.stringify(small.correspondence)], [modelFile, serialiseModel(small.model, key)]] as const) {
    const tmp = `${file}.tmp-${process.pid}`;
    try {
      await writeFile(tmp, bytes);
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }
  // The cached model is quantised like every cached model; use the same numbers on the first run.
  return { model: deserialiseModel(await readFile(modelFile)), correspondence: small.correspondence };
}

/** A vertex of the small model: a blend of up to three full-model vertices. */
interface Source { vertices: [number, number, number]; weights: [number, number, number] }

export function deriveSmallModel(full: MorphableModel): SmallModel {
  const sources: Source[] = [];
  const uvs: number[] = [];
  /** Small-model polygons before ordering: vertex and uv indices and the full-model polygon each stands for. */
  const polygons: { vertices: number[]; uvs: number[]; source: number }[] = [];

  // Resampled charts: a vertex at every grid point the chart covers, a quad per grid cell whose
  // corners and centre are covered, oriented in UV as the chart's own triangles are.
  for (const [material, grid] of Object.entries(CHART_GRID)) {
    const m = full.materials.indexOf(material);
    const mask = new Uint8Array(full.trianglePolygon.length);
    let tile = Infinity;
    let orientation = 0;
    for (let t = 0; t < mask.length; t++) {
      if (full.polygonMaterial[full.trianglePolygon[t]] !== m) continue;
      mask[t] = 1;
      const [a, b, c] = [0, 1, 2].map((k) => full.triangleUvs[3 * t + k]);
      tile = Math.min(tile, Math.floor(full.uvs[2 * a]));
      orientation += Math.sign((full.uvs[2 * b] - full.uvs[2 * a]) * (full.uvs[2 * c + 1] - full.uvs[2 * a + 1]) -
        (full.uvs[2 * c] - full.uvs[2 * a]) * (full.uvs[2 * b + 1] - full.uvs[2 * a + 1]));
    }
    // Texel (x, y) of a 2n grid: even ones are vertices, odd ones cell centres.
    const n = 2 * grid;
    const frame = rasteriseUv(full.uvs, full.triangleUvs, n, n, { select: mask, uRange: [tile, tile + 1] });
    const vertexAt = new Int32Array(grid * grid).fill(-1);
    const vertex = (x: number, y: number): number => {
      if (x >= grid || y >= grid) return -1;
      const cell = y * grid + x;
      if (vertexAt[cell] >= 0) return vertexAt[cell];
      const p = 2 * y * n + 2 * x;
      const t = frame.triangleId[p];
      if (t < 0) return -1;
      const b1 = frame.barycentric[2 * p], b2 = frame.barycentric[2 * p + 1];
      sources.push({ vertices: [full.triangles[3 * t], full.triangles[3 * t + 1], full.triangles[3 * t + 2]], weights: [1 - b1 - b2, b1, b2] });
      uvs.push(tile + (2 * x + 0.5) / n, 1 - (2 * y + 0.5) / n);
      return (vertexAt[cell] = sources.length - 1);
    };
    for (let y = 0; y + 1 < grid; y++) {
      for (let x = 0; x + 1 < grid; x++) {
        const centre = frame.triangleId[(2 * y + 1) * n + 2 * x + 1];
        if (centre < 0) continue;
        // Image rows run down while v runs up: this order is counter-clockwise in UV.
        const corners = [vertex(x, y + 1), vertex(x + 1, y + 1), vertex(x + 1, y), vertex(x, y)];
        if (corners.some((c) => c < 0)) continue;
        if (orientation < 0) corners.reverse();
        polygons.push({ vertices: corners, uvs: corners, source: full.trianglePolygon[centre] });
      }
    }
  }

  // Kept polygons: copied with their own vertices and UVs.
  const copiedVertex = new Map<number, number>();
  const copy = (p: number) => {
    const vertices: number[] = [];
    const polygonUvs: number[] = [];
    for (let c = full.polygonStart[p]; c < full.polygonStart[p + 1]; c++) {
      const v = full.polygonVertices[c];
      if (!copiedVertex.has(v)) {
        copiedVertex.set(v, sources.length);
        sources.push({ vertices: [v, v, v], weights: [1, 0, 0] });
      }
      vertices.push(copiedVertex.get(v)!);
      const uv = full.polygonUvs[c];
      uvs.push(full.uvs[2 * uv], full.uvs[2 * uv + 1]);
      polygonUvs.push(uvs.length / 2 - 1);
    }
    polygons.push({ vertices, uvs: polygonUvs, source: p });
  };
  const kept = new Map<number, number>();
  for (let p = 0; p + 1 < full.polygonStart.length; p++) {
    const material = full.materials[full.polygonMaterial[p]];
    if (material in CHART_GRID) continue;
    if (EYE_MATERIALS.includes(material)) {
      let front = true;
      for (let c = full.polygonStart[p]; c < full.polygonStart[p + 1]; c++) {
        const uv = full.polygonUvs[c];
        front &&= Math.hypot(full.uvs[2 * uv] - 0.5, full.uvs[2 * uv + 1] - 0.5) < EYE_FRONT_UV_RADIUS;
      }
      if (front) copy(p);
    } else if ((kept.get(full.polygonMaterial[p]) ?? 0) < OTHER_POLYGONS) {
      kept.set(full.polygonMaterial[p], (kept.get(full.polygonMaterial[p]) ?? 0) + 1);
      copy(p);
    }
  }

  // Order vertices by the full-model vertex they mostly come from, and polygons by the polygon they
  // stand for, so the full model's region ranges carry over as contiguous ranges.
  const dominant = sources.map((s) => s.vertices[s.weights.indexOf(Math.max(...s.weights))]);
  const vertexOrder = sources.map((_, i) => i).sort((a, b) => dominant[a] - dominant[b] || a - b);
  const newIndex = new Uint32Array(sources.length);
  vertexOrder.forEach((old, i) => { newIndex[old] = i; });
  polygons.sort((a, b) => a.source - b.source);

  const V = sources.length;
  const blend = (basis: Float32Array, modes: number): Float32Array => {
    const stride = 3 * full.vertexCount;
    const out = new Float32Array(modes * 3 * V);
    for (let k = 0; k < modes; k++) {
      for (let i = 0; i < V; i++) {
        const s = sources[vertexOrder[i]];
        for (let c = 0; c < 3; c++) {
          let x = 0;
          for (let j = 0; j < 3; j++) x += s.weights[j] * basis[k * stride + 3 * s.vertices[j] + c];
          out[k * 3 * V + 3 * i + c] = x;
        }
      }
    }
    return out;
  };
  const neutral = blend(full.neutral, 1);
  const polygonStart = [0];
  const polygonVertices: number[] = [];
  const polygonUvs: number[] = [];
  const polygonMaterial: number[] = [];
  for (const p of polygons) {
    polygonVertices.push(...p.vertices.map((v) => newIndex[v]));
    polygonUvs.push(...p.uvs);
    polygonMaterial.push(full.polygonMaterial[p.source]);
    polygonStart.push(polygonVertices.length);
  }
  const mesh = {
    positions: neutral, uvs: Float32Array.from(uvs), polygonStart: Uint32Array.from(polygonStart),
    polygonVertices: Uint32Array.from(polygonVertices), polygonUvs: Uint32Array.from(polygonUvs),
    polygonMaterial: Uint8Array.from(polygonMaterial), materials: [...full.materials],
  };
  const { triangles, triangleUvs, trianglePolygon } = triangulate(mesh);

  const newDominant = vertexOrder.map((old) => dominant[old]);
  const regions: Record<string, Uint32Array> = {};
  for (const [name, [s, e]] of Object.entries(ICT_VERTEX_REGIONS)) {
    regions[name] = Uint32Array.from(newDominant.flatMap((v, i) => (v >= s && v < e ? [i] : [])));
  }
  const triangleRegions: Record<string, [number, number]> = {};
  for (const [name, [s, e]] of Object.entries(ICT_POLYGON_REGIONS)) {
    let first = -1, last = -1;
    trianglePolygon.forEach((p, t) => {
      const q = polygons[p].source;
      if (q >= s && q < e) { if (first < 0) first = t; last = t + 1; }
    });
    triangleRegions[name] = [first, last];
  }

  const identityBasis = blend(full.identityBasis, full.identityCount);
  const face = regions.face;
  const nearestFaceVertex = (x: number, y: number, z: number): number => {
    let best = -1, bestD = Infinity;
    for (const i of face) {
      const d = (neutral[3 * i] - x) ** 2 + (neutral[3 * i + 1] - y) ** 2 + (neutral[3 * i + 2] - z) ** 2;
      if (d < bestD) { bestD = d; best = i; }
    }
    return best;
  };
  const nearestToFull = (v: number) => nearestFaceVertex(full.neutral[3 * v], full.neutral[3 * v + 1], full.neutral[3 * v + 2]);
  const model: MorphableModel = {
    name: `${full.name} (small test fixture)`,
    vertexCount: V,
    neutral,
    unitsToMillimetres: full.unitsToMillimetres,
    polygonStart: mesh.polygonStart, polygonVertices: mesh.polygonVertices, polygonUvs: mesh.polygonUvs,
    polygonMaterial: mesh.polygonMaterial, materials: mesh.materials, uvs: mesh.uvs,
    triangles, triangleUvs, trianglePolygon,
    identityCount: full.identityCount,
    identityBasis,
    identityModeRms: modeRms(identityBasis, full.identityCount, V, face),
    expressionNames: [...full.expressionNames],
    expressionBasis: blend(full.expressionBasis, full.expressionNames.length),
    regions,
    triangleRegions,
    landmarks68: Uint32Array.from(full.landmarks68, nearestToFull),
    jawline: {
      right: Uint32Array.from(full.jawline.right, nearestToFull),
      left: Uint32Array.from(full.jawline.left, nearestToFull),
      rightExtended: Uint32Array.from(full.jawline.rightExtended, nearestToFull),
      leftExtended: Uint32Array.from(full.jawline.leftExtended, nearestToFull),
    },
  };
  return { model, correspondence: carryCorrespondence(full, model) };
}

/**
 * The MediaPipe correspondence on the small model: each landmark's point on the full model's face chart,
 * found in UV among the small model's face triangles; a point that falls in no triangle (a cell left out
 * at the chart's edge) goes to the nearest small-model face vertex.
 */
function carryCorrespondence(full: MorphableModel, small: MorphableModel): CorrespondenceFile {
  const faceMaterial = full.materials.indexOf('M_Face');
  const uvOf = new Int32Array(full.vertexCount).fill(-1);
  for (let c = 0; c < full.triangles.length; c++) {
    if (full.polygonMaterial[full.trianglePolygon[Math.floor(c / 3)]] === faceMaterial && uvOf[full.triangles[c]] < 0) uvOf[full.triangles[c]] = full.triangleUvs[c];
  }
  const [f0, f1] = small.triangleRegions.face;
  const vertices: number[] = [];
  const weights: number[] = [];
  for (let i = 0; i < MEDIAPIPE_ICT.vertices.length / 3; i++) {
    let u = 0, v = 0;
    const point = [0, 0, 0];
    const onChart = [0, 1, 2].every((j) => uvOf[MEDIAPIPE_ICT.vertices[3 * i + j]] >= 0);
    for (let j = 0; j < 3; j++) {
      const fv = MEDIAPIPE_ICT.vertices[3 * i + j], w = MEDIAPIPE_ICT.weights[3 * i + j];
      if (onChart) {
        u += w * full.uvs[2 * uvOf[fv]];
        v += w * full.uvs[2 * uvOf[fv] + 1];
      }
      for (let c = 0; c < 3; c++) point[c] += w * full.neutral[3 * fv + c];
    }
    let found = false;
    for (let t = f0; onChart && t < f1 && !found; t++) {
      const [a, b, c] = [0, 1, 2].map((k) => small.triangleUvs[3 * t + k]);
      const ax = small.uvs[2 * a], ay = small.uvs[2 * a + 1];
      const e1x = small.uvs[2 * b] - ax, e1y = small.uvs[2 * b + 1] - ay, e2x = small.uvs[2 * c] - ax, e2y = small.uvs[2 * c + 1] - ay;
      const det = e1x * e2y - e2x * e1y;
      const b1 = ((u - ax) * e2y - e2x * (v - ay)) / det, b2 = (e1x * (v - ay) - (u - ax) * e1y) / det;
      if (b1 < -1e-6 || b2 < -1e-6 || b1 + b2 > 1 + 1e-6) continue;
      vertices.push(...[0, 1, 2].map((k) => small.triangles[3 * t + k]));
      weights.push(1 - b1 - b2, b1, b2);
      found = true;
    }
    if (!found) {
      let best = 0, bestD = Infinity;
      for (const k of small.regions.face) {
        const d = (small.neutral[3 * k] - point[0]) ** 2 + (small.neutral[3 * k + 1] - point[1]) ** 2 + (small.neutral[3 * k + 2] - point[2]) ** 2;
        if (d < bestD) { bestD = d; best = k; }
      }
      vertices.push(best, best, best);
      weights.push(1, 0, 0);
    }
  }
  return { ...MEDIAPIPE_ICT, model: small.name, vertices, weights };
}
