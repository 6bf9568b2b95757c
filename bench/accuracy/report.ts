/** Aggregates picture scores into the accuracy report: terminal tables, JSON, PNG charts, montage. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { RgbImage, RgbaImage } from '../../src/base/image.js';
import { shFromLight } from '../../src/lighting/sh.js';
import { REALY_REGIONS, type RealyRegion } from '../metrics/face-regions.js';
import { summarise, type Summary } from '../metrics/stats.js';
import { displayMesh } from '../../src/render/display-mesh.js';
import { renderPlain } from '../../src/render/overlay.js';
import { renderTextured } from '../../src/render/textured.js';
import type { StoredPicture } from './dataset.js';
import type { PictureScore } from './evaluate.js';
import { FINE_GRID, type FineScore } from '../metrics/fine-detail.js';
import { truthGeometry } from './evaluate.js';
import type { AccuracyMethod, BenchContext } from './methods.js';

export const YAW_BUCKETS: [number, number][] = [[0, 20], [20, 45], [45, 70]];
const bucketName = ([a, b]: [number, number]) => `${a}-${b}`;

export interface MethodAggregate {
  method: string;
  description: string;
  faces: number;
  /** NoW: per-vertex distances pooled over all faces (mm). */
  now: Summary;
  /** Pooled distances after the landmark similarity only (no ICP): the alignment's share of the score. */
  landmarkAlignedMeanOfMeans: number;
  icpIterationsMean: number;
  yaw: Record<string, Summary & { faces: number }>;
  /** REALY: mean over faces of each face's region mean, and median over faces of region medians (mm). */
  regions: Record<RealyRegion, { meanOfMeans: number; medianOfMedians: number }>;
  normalAngleMeanDeg: number;
  landmark2dPercent: number;
  identityCosine: number;
  msMean: number;
  /**
   * Fine detail over the pictures with a true displacement (see bench/metrics/fine-detail.ts): mean
   * over faces of each face's per-texel normal angle median and mean (degrees), and of the albedo's
   * contamination by the detail's shading (correlation).
   */
  fine?: { faces: number; normalMedianDeg: number; normalMeanDeg: number; albedoContamination: number };
}

/** Results of the pictures that have one nuisance (realistic kind): detection and per-method pooled median. */
export interface NuisanceRow {
  tag: string;
  pictures: number;
  detected: number;
  /** Method name -> pooled NoW median (mm) over the detected pictures with this nuisance. */
  median: Record<string, number>;
}

export interface AccuracyReport {
  pictures: number;
  detected: number;
  detectionRate: number;
  detectionMsMean: number;
  methods: MethodAggregate[];
  /** The model floor over every picture (pooled distances of the model's regularised 3D fit to the truth), when measured. */
  modelFloor?: Summary;
  /** Per-nuisance breakdown; empty for the clean kind. */
  nuisances: NuisanceRow[];
  /** The true surface without its fine detail, scored as a method's fine normals (mean over faces, degrees). */
  fineCoarseTruth?: { faces: number; medianDeg: number; meanDeg: number };
}

function pooledSummary(arrays: Float32Array[]): Summary {
  const all = new Float32Array(arrays.reduce((a, x) => a + x.length, 0));
  let o = 0;
  for (const x of arrays) { all.set(x, o); o += x.length; }
  return summarise(all);
}

function nuisanceRows(scores: PictureScore[], methods: readonly AccuracyMethod[]): NuisanceRow[] {
  const tags = [...new Set(scores.flatMap((s) => s.tags))].sort();
  return tags.map((tag) => {
    const withTag = scores.filter((s) => s.tags.includes(tag));
    const detected = withTag.filter((s) => s.detected);
    const median: Record<string, number> = {};
    for (const m of methods) median[m.name] = pooledSummary(detected.flatMap((s) => s.methods.filter((r) => r.method === m.name).map((r) => r.distances))).median;
    return { tag, pictures: withTag.length, detected: detected.length, median };
  });
}

export function aggregate(scores: PictureScore[], methods: readonly AccuracyMethod[]): AccuracyReport {
  const detected = scores.filter((s) => s.detected);
  const mean = (xs: number[]) => summarise(xs).mean;
  const out: MethodAggregate[] = methods.map((m) => {
    const per = detected.map((s) => ({ s, r: s.methods.find((x) => x.method === m.name)! })).filter((x) => x.r);
    const pooled = (list: typeof per) => {
      const total = list.reduce((a, x) => a + x.r.distances.length, 0);
      const all = new Float32Array(total);
      let o = 0;
      for (const x of list) { all.set(x.r.distances, o); o += x.r.distances.length; }
      return summarise(all);
    };
    const yaw: MethodAggregate['yaw'] = {};
    for (const b of YAW_BUCKETS) {
      const inBucket = per.filter((x) => Math.abs(x.s.yaw) >= b[0] && (Math.abs(x.s.yaw) < b[1] || (b[1] === 70 && Math.abs(x.s.yaw) <= 70)));
      yaw[bucketName(b)] = { ...pooled(inBucket), faces: inBucket.length };
    }
    const regions = {} as MethodAggregate['regions'];
    for (const r of REALY_REGIONS) {
      regions[r] = { meanOfMeans: mean(per.map((x) => x.r.regions[r].mean)), medianOfMedians: summarise(per.map((x) => x.r.regions[r].median)).median };
    }
    return {
      method: m.name,
      description: m.description,
      faces: per.length,
      now: pooled(per),
      landmarkAlignedMeanOfMeans: mean(per.map((x) => x.r.landmarkAligned.mean)),
      icpIterationsMean: mean(per.map((x) => x.r.now.icpIterations)),
      yaw,
      regions,
      normalAngleMeanDeg: mean(per.map((x) => x.r.normalAngle.mean)),
      landmark2dPercent: 100 * mean(per.map((x) => x.r.landmark2dNormalised)),
      identityCosine: mean(per.map((x) => x.r.identityCosine)),
      msMean: mean(per.map((x) => x.r.ms)),
      ...fineAggregate(per.flatMap((x) => (x.r.fine ? [x.r.fine] : []))),
    };
  });
  const coarseTruth = detected.flatMap((s) => (s.fineCoarseTruth ? [s.fineCoarseTruth] : []));
  return {
    pictures: scores.length,
    detected: detected.length,
    detectionRate: detected.length / Math.max(1, scores.length),
    detectionMsMean: mean(scores.map((s) => s.detectionMs)),
    methods: out,
    ...(scores.some((s) => s.floor) ? { modelFloor: pooledSummary(scores.flatMap((s) => (s.floor ? [s.floor] : []))) } : {}),
    nuisances: nuisanceRows(scores, methods),
    ...(coarseTruth.length ? { fineCoarseTruth: { faces: coarseTruth.length, medianDeg: mean(coarseTruth.map((c) => c.medianDeg)), meanDeg: mean(coarseTruth.map((c) => c.meanDeg)) } } : {}),
  };
}

function fineAggregate(fine: FineScore[]): Pick<MethodAggregate, 'fine'> {
  if (!fine.length) return {};
  const mean = (xs: number[]) => { const ok = xs.filter(Number.isFinite); return ok.length ? ok.reduce((a, x) => a + x, 0) / ok.length : NaN; };
  return { fine: { faces: fine.length, normalMedianDeg: mean(fine.map((f) => f.normalMedianDeg)), normalMeanDeg: mean(fine.map((f) => f.normalMeanDeg)), albedoContamination: mean(fine.map((f) => f.albedoContamination)) } };
}

const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '-');
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '-');

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The report as text tables (what `npm run bench` prints). */
export function formatReport(report: AccuracyReport): string {
  const m = report.methods;
  const main = table(
    ['method', 'faces', 'median', 'mean', 'std', 'mean(no ICP)', 'ICP it', 'normal deg', 'lmk2d %', 'id cos', 'ms'],
    m.map((a) => [a.method, String(a.faces), f2(a.now.median), f2(a.now.mean), f2(a.now.std), f2(a.landmarkAlignedMeanOfMeans), f1(a.icpIterationsMean), f1(a.normalAngleMeanDeg), f2(a.landmark2dPercent), f2(a.identityCosine), f1(a.msMean)]),
  );
  const yaw = table(
    ['method', ...YAW_BUCKETS.flatMap((b) => [`|yaw| ${bucketName(b)}: n`, 'median', 'mean', 'std'])],
    m.map((a) => [a.method, ...YAW_BUCKETS.flatMap((b) => { const y = a.yaw[bucketName(b)]; return [String(y.faces), f2(y.median), f2(y.mean), f2(y.std)]; })]),
  );
  const regions = table(
    ['method', ...REALY_REGIONS.flatMap((r) => [`${r} mean`, 'median'])],
    m.map((a) => [a.method, ...REALY_REGIONS.flatMap((r) => [f2(a.regions[r].meanOfMeans), f2(a.regions[r].medianOfMedians)])]),
  );
  return [
    `faces detected: ${report.detected}/${report.pictures} (${(100 * report.detectionRate).toFixed(1)}%), detection ${f1(report.detectionMsMean)} ms/picture (shared by all methods)`,
    '',
    'NoW-style scan-to-mesh error (mm; landmark similarity + rigid ICP; distances from ground-truth face vertices within 95 mm of the nose tip, pooled over faces)',
    main,
    '',
    'per absolute yaw bucket (mm, pooled distances)',
    yaw,
    '',
    'REALY-style per region (mm; each region re-aligned by rigid ICP; mean over faces of the per-face mean, median over faces of the per-face median)',
    regions,
    ...(report.modelFloor ? ['', `model floor: ${f2(report.modelFloor.median)} mm median, ${f2(report.modelFloor.mean)} mean (the model's regularised 3D fit to the true surface, scored the same way, pooled over all ${report.pictures} pictures; real scanned heads: about 0.7)`] : []),
    ...(report.fineCoarseTruth ? ['', `fine detail per texel (${FINE_GRID}² grid over the face's UV square; texels the picture shows within 95 mm of the nose tip, seen at cosine >= 0.3; after the NoW alignment's rotation; mean over faces of each face's median and mean)`, table(
      ['method', 'faces', 'normal median deg', 'normal mean deg', 'albedo contamination'],
      [...m.filter((a) => a.fine).map((a) => [a.method, String(a.fine!.faces), f2(a.fine!.normalMedianDeg), f2(a.fine!.normalMeanDeg), f2(a.fine!.albedoContamination)]),
        ['true surface without its detail', String(report.fineCoarseTruth.faces), f2(report.fineCoarseTruth.medianDeg), f2(report.fineCoarseTruth.meanDeg), '-']],
    )] : []),
    ...(report.nuisances.length ? ['', 'per nuisance (pictures with it; detected; pooled median mm per method)', table(
      ['nuisance', 'pictures', 'detected', ...m.map((a) => a.method)],
      report.nuisances.map((r) => [r.tag, String(r.pictures), String(r.detected), ...m.map((a) => f2(r.median[a.method]))]),
    )] : []),
  ].join('\n');
}

/** JSON-safe copy of the per-picture scores (no distance arrays or meshes). */
export function pictureRecords(scores: PictureScore[]): unknown[] {
  return scores.map((s) => ({
    name: s.name, fineCoarseTruth: s.fineCoarseTruth, yaw: s.yaw, pitch: s.pitch, roll: s.roll, presets: s.presets, tags: s.tags, floorMedian: s.floor ? summarise(s.floor).median : undefined, detected: s.detected, detectionMs: s.detectionMs, regionVertices: s.region.length,
    methods: s.methods.map((r) => ({
      method: r.method, now: r.now, landmarkAligned: r.landmarkAligned, regions: r.regions, normalAngle: r.normalAngle,
      landmark2dPx: r.landmark2dPx, landmark2dNormalised: r.landmark2dNormalised, identityCosine: r.identityCosine, ms: r.ms, fine: r.fine,
    })),
  }));
}

// ---- charts ----------------------------------------------------------------------------------

const COLOURS = ['#8c8c8c', '#2f7ed8', '#e4572e', '#17a673', '#b07aa1', '#f2b701'];

/** A grouped bar chart as SVG. */
function barChart(title: string, groups: string[], series: { name: string; values: number[] }[], unit: string): string {
  const W = 760, H = 420, left = 60, right = 20, top = 50, bottom = 80;
  const max = Math.max(0.5, ...series.flatMap((s) => s.values.filter(Number.isFinite))) * 1.15;
  const gw = (W - left - right) / groups.length, bw = (gw * 0.8) / series.length;
  const y = (v: number) => top + (H - top - bottom) * (1 - v / max);
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><rect width="100%" height="100%" fill="white"/>`,
    `<text x="${W / 2}" y="28" font-family="sans-serif" font-size="17" text-anchor="middle">${title}</text>`];
  const step = max > 8 ? 2 : max > 4 ? 1 : 0.5;
  for (let v = 0; v <= max; v += step) {
    parts.push(`<line x1="${left}" x2="${W - right}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`, `<text x="${left - 6}" y="${y(v) + 4}" font-family="sans-serif" font-size="12" text-anchor="end">${v.toFixed(1)}</text>`);
  }
  parts.push(`<text x="16" y="${(top + H - bottom) / 2}" font-family="sans-serif" font-size="12" transform="rotate(-90 16 ${(top + H - bottom) / 2})" text-anchor="middle">${unit}</text>`);
  groups.forEach((g, gi) => {
    series.forEach((s, si) => {
      const v = s.values[gi];
      if (!Number.isFinite(v)) return;
      const x = left + gi * gw + gw * 0.1 + si * bw;
      parts.push(`<rect x="${x}" y="${y(v)}" width="${bw - 2}" height="${y(0) - y(v)}" fill="${COLOURS[si % COLOURS.length]}"/>`,
        `<text x="${x + bw / 2 - 1}" y="${y(v) - 4}" font-family="sans-serif" font-size="11" text-anchor="middle">${v.toFixed(2)}</text>`);
    });
    parts.push(`<text x="${left + gi * gw + gw / 2}" y="${H - bottom + 20}" font-family="sans-serif" font-size="13" text-anchor="middle">${g}</text>`);
  });
  series.forEach((s, si) => {
    const x = left + (si % 4) * 170, row = H - 44 + 22 * Math.floor(si / 4);
    parts.push(`<rect x="${x}" y="${row}" width="14" height="14" fill="${COLOURS[si % COLOURS.length]}"/>`, `<text x="${x + 20}" y="${row + 12}" font-family="sans-serif" font-size="13">${s.name}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

export async function writeCharts(report: AccuracyReport, outDir: string): Promise<string[]> {
  const yawSvg = barChart('Median scan-to-mesh error per |yaw| bucket (NoW-style)', YAW_BUCKETS.map((b) => `${bucketName(b)} deg (n=${report.methods[0]?.yaw[bucketName(b)].faces ?? 0})`),
    report.methods.map((m) => ({ name: m.method, values: YAW_BUCKETS.map((b) => m.yaw[bucketName(b)].median) })), 'mm');
  const regionSvg = barChart('Mean error per region (REALY-style, region-wise ICP)', [...REALY_REGIONS],
    report.methods.map((m) => ({ name: m.method, values: REALY_REGIONS.map((r) => m.regions[r].meanOfMeans) })), 'mm');
  const files = [join(outDir, 'accuracy-yaw.png'), join(outDir, 'accuracy-regions.png')];
  await sharp(Buffer.from(yawSvg)).png().toFile(files[0]);
  await sharp(Buffer.from(regionSvg)).png().toFile(files[1]);
  return files;
}

// ---- montage ---------------------------------------------------------------------------------

/** Error colour ramp (linear RGB): blue at 0 mm, green, yellow, red at `maxMm` and beyond. */
function heat(mmValue: number, maxMm: number): [number, number, number] {
  const t = Math.max(0, Math.min(1, mmValue / maxMm));
  const stops: [number, number, number][] = [[0.02, 0.1, 0.6], [0.02, 0.5, 0.2], [0.9, 0.8, 0.02], [0.8, 0.02, 0.02]];
  const f = t * (stops.length - 1), i = Math.min(stops.length - 2, Math.floor(f)), a = f - i;
  return [0, 1, 2].map((c) => stops[i][c] * (1 - a) + stops[i + 1][c] * a) as [number, number, number];
}

/**
 * One row per case: input | prediction of `method` (shaded, its own pose and camera) | its error
 * on the ground-truth surface (blue 0 mm ... red >= 5 mm; grey outside the measured region).
 */
export async function writeMontage(
  ctx: BenchContext, cases: { picture: StoredPicture; score: PictureScore }[], method: string, file: string, maxMm = 5,
): Promise<void> {
  const { model } = ctx;
  const select = displayMesh(model).select;
  const rows: Buffer[] = [];
  const size = 256;
  for (const { picture, score } of cases) {
    const r = score.methods.find((m) => m.method === method);
    if (!r?.prediction.placed) continue;
    const truth = truthGeometry(ctx, picture);
    const { width, height } = picture.image;
    const placed = r.prediction.placed;
    const predicted = renderPlain(model, [{ positions: placed.positions, pose: placed.pose, camera: placed.camera }], { ...placed.camera, width, height });
    const colours = new Float32Array(model.vertexCount * 3).fill(0.35);
    score.region.forEach((v, k) => colours.set(heat(r.distances[k], maxMm), 3 * v));
    const units = Float32Array.from(picture.positionsMm, (v) => v / model.unitsToMillimetres);
    const sh = shFromLight([0.2, 0.3, 1], [0.55, 0.55, 0.55], [0.6, 0.6, 0.6]);
    const heatRender = renderTextured({ positions: units, triangles: model.triangles, uvs: model.uvs, triangleUvs: model.triangleUvs, select },
      truth.pose, truth.camera, { kind: 'vertex', colours }, sh, { supersample: 2 });
    const tiles = [rgbToPng(picture.image), rgbaOnGrey(predicted), rgbaOnGrey(heatRender.image)];
    const resized = await Promise.all(tiles.map((t) => sharp(t.data, { raw: { width: t.width, height: t.height, channels: t.channels } }).resize(size, size).png().toBuffer()));
    rows.push(await sharp({ create: { width: 3 * size, height: size, channels: 3, background: '#000' } })
      .composite(resized.map((input, k) => ({ input, left: k * size, top: 0 }))).png().toBuffer());
  }
  if (!rows.length) return;
  const legendH = 28;
  const legend = `<svg xmlns="http://www.w3.org/2000/svg" width="${3 * size}" height="${legendH}"><rect width="100%" height="100%" fill="white"/>` +
    Array.from({ length: 50 }, (_, i) => { const c = heat((i / 49) * maxMm, maxMm).map((v) => Math.round(255 * Math.pow(v, 1 / 2.2))); return `<rect x="${2 * size + 10 + i * 4}" y="6" width="4" height="14" fill="rgb(${c.join(',')})"/>`; }).join('') +
    `<text x="8" y="19" font-family="sans-serif" font-size="13">input | ${method} | error on true surface: 0</text><text x="${2 * size + 216}" y="19" font-family="sans-serif" font-size="13">${maxMm} mm</text></svg>`;
  const parts = [...rows, await sharp(Buffer.from(legend)).png().toBuffer()];
  await sharp({ create: { width: 3 * size, height: rows.length * size + legendH, channels: 3, background: '#fff' } })
    .composite(parts.map((input, k) => ({ input, left: 0, top: k * size }))).png().toFile(file);
}

function rgbToPng(image: RgbImage): { width: number; height: number; channels: 3; data: Uint8Array } {
  return { width: image.width, height: image.height, channels: 3, data: image.data };
}

function rgbaOnGrey(image: RgbaImage): { width: number; height: number; channels: 3; data: Uint8Array } {
  const data = new Uint8Array(image.width * image.height * 3);
  for (let p = 0; p < image.width * image.height; p++) {
    const a = image.data[4 * p + 3] / 255;
    for (let c = 0; c < 3; c++) data[3 * p + c] = Math.round(image.data[4 * p + c] * a + 64 * (1 - a));
  }
  return { width: image.width, height: image.height, channels: 3, data };
}

export async function writeJson(file: string, value: unknown): Promise<void> {
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(file, JSON.stringify(value, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 1) + '\n');
}
