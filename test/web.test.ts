/**
 * The web app in real Chromium (test/helpers/browser.ts): built with `npm run build:web`'s code,
 * served on 127.0.0.1, driven through its own file input. The astronaut is reconstructed in the
 * page's worker and compared with the command line's result for the same photo.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import validator from 'gltf-validator';
import type { Page } from 'playwright-core';
import { buildWeb } from '../web/build.js';
import { solveSpd } from '../src/base/linalg.js';
import { fakeCameraFlags, launchChromium, pageStages, refuseCamera, serveStatic, uploadPhoto, type Browser } from './helpers/browser.js';
import { readGlbDocument } from './helpers/mesh-files.js';
import { writeTurningHeadClip, type TurningHeadClip } from './helpers/turning-head-clip.js';
import { sampleImage } from './helpers/shared-data.js';

const ASTRONAUT = sampleImage('astronaut.png');
const CLI = new URL('../src/cli/main.ts', import.meta.url).pathname;
/** The viewer's background (web/src/viewer.ts BACKGROUND). */
const BACKGROUND = [0x1d, 0x21, 0x28];

let clip: TurningHeadClip;
let dir: string, browser: Browser, server: { url: string; close(): Promise<void> }, page: Page;
/** The command line's head.glb and params.json for the astronaut, made while the page works. */
let cliRun: Promise<{ glb: Uint8Array; params: { detection: { box: { x: number; y: number; width: number; height: number } } } }>;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'facerecon-web-'));
  const cliOut = join(dir, 'cli');
  cliRun = new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', CLI, ASTRONAUT, '--out', cliOut, '--outputs', 'head.glb', '--jobs', '1'], (err, _stdout, stderr) => {
      if (err) return reject(new Error(`facerecon failed: ${stderr}`));
      Promise.all([readFile(join(cliOut, 'face0/head.glb')), readFile(join(cliOut, 'face0/params.json'), 'utf8')])
        .then(([glb, params]) => resolve({ glb: new Uint8Array(glb), params: JSON.parse(params) }), reject);
    });
  });
  cliRun.catch(() => undefined); // awaited by the test that compares
  const started = performance.now();
  await buildWeb(join(dir, 'site'));
  const buildMs = performance.now() - started;
  server = await serveStatic(join(dir, 'site'));
  const clipFile = join(dir, 'turning-head.y4m');
  clip = await writeTurningHeadClip(clipFile, ASTRONAUT);
  browser = await launchChromium(fakeCameraFlags(clipFile));
  page = await browser.context.newPage();
  await page.goto(server.url);
  await page.waitForSelector('#status[data-state="ready"]', { timeout: 180_000 });
  console.log(`# web build ${(buildMs / 1000).toFixed(1)} s; ${await page.textContent('#backend')}`);
});

after(async () => {
  await browser?.close();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

const upload = (path: string | string[]) => uploadPhoto(page, path);

test('a missing browser is a readable error', async () => {
  await assert.rejects(launchChromium([], join(dir, 'no-chromium-here')), /need Chromium at .*no-chromium-here, which does not exist: install it \(apt-get install chromium/);
});

test('the model is kept in the browser\'s cache storage', async () => {
  const cached = await page.evaluate(async () => (await (await caches.open('facerecon-model')).keys()).map((r) => new URL(r.url).pathname));
  assert.deepEqual(cached, ['/ict.frm']);
});

test('WebGPU where the page asks for it, and wasm before a software GPU backend otherwise', async () => {
  // This browser's WebGPU and WebGL are SwiftShader's: the page runs on wasm (the astronaut's
  // detection took 102 s on SwiftShader WebGPU, 0.3-1.4 s on wasm) and says why.
  assert.equal(await page.textContent('#backend'), 'TensorFlow.js backend: wasm (WebGPU and WebGL are software here: SwiftShader)');
  const gpuPage = await browser.context.newPage();
  try {
    await gpuPage.goto(`${server.url}?backend=webgpu`);
    await gpuPage.waitForSelector('#status[data-state="ready"]', { timeout: 180_000 });
    assert.equal(await gpuPage.textContent('#backend'), 'TensorFlow.js backend: webgpu (WebGPU is software here: SwiftShader)');
  } finally {
    await gpuPage.close();
  }
});

test('a file that is not an image, and a photo with no face, give a clear message and leave the page usable', async () => {
  const notImage = join(dir, 'notes.png');
  await writeFile(notImage, 'this is text, not a picture\n');
  let r = await upload(notImage);
  assert.equal(r.state, 'error');
  assert.match(r.text, /notes\.png is not an image/);
  r = await upload(await wallPhoto());
  assert.equal(r.state, 'error');
  assert.match(r.text, /no face found in wall\.png/);
  assert.equal(await page.getAttribute('#status', 'data-usable'), 'yes');
});

/** A photo of a plain wall: no face in it. */
async function wallPhoto(): Promise<string> {
  const path = join(dir, 'wall.png');
  await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 180, g: 170, b: 150 } } }).png().toFile(path);
  return path;
}

test('the astronaut is reconstructed in the page: a head in the viewer, a valid GLB that matches the command line', async (t) => {
  const r = await upload(ASTRONAUT);
  assert.equal(r.state, 'done', r.text);
  const stages = await pageStages(page);
  t.diagnostic(`page stages (ms): ${stages.map(([s, ms]) => `${s} ${ms}`).join(', ')}`);
  assert.deepEqual(stages.map(([s]) => s), ['decode', 'detection', 'fit', 'skin', 'photometric', 'outputs']);

  // The viewer shows a head: a large blob of lit, skin-coloured pixels in the middle of the canvas.
  await page.screenshot({ path: join(dir, 'page.png') });
  const shot = await sharp(await page.locator('#viewer').screenshot()).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const stats = headPixels(shot.data, shot.info.width, shot.info.height);
  t.diagnostic(`viewer: ${(100 * stats.share).toFixed(1)}% of the pixels off the background, their mean rgb ${stats.mean.map((v) => v.toFixed(0))}, centre ${stats.centre.map((v) => v.toFixed(2))}`);
  assert.ok(stats.share > 0.05 && stats.share < 0.6, `head covers ${stats.share} of the viewer`);
  assert.ok(Math.abs(stats.centre[0] - 0.5) < 0.15 && Math.abs(stats.centre[1] - 0.5) < 0.2, `head centred at ${stats.centre}`);
  const [red, green, blue] = stats.mean;
  assert.ok(red > green && green > blue && red > 90, `a skin-coloured head, mean ${stats.mean}`);

  // The GLB, downloaded from the page.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[data-file="face0/head.glb"]')]);
  const glb = new Uint8Array(await readFile((await download.path())!));
  const report = await validator.validateBytes(glb);
  assert.equal(report.issues.numErrors, 0, JSON.stringify(report.issues.messages.slice(0, 5)));

  const cli = await cliRun;
  const [page_, line] = await Promise.all([glbSummary(glb), glbSummary(cli.glb)]);
  assert.equal(page_.triangles, line.triangles);
  assert.deepEqual(page_.names, line.names);
  const differences = page_.weights.map((w, i) => Math.abs(w - line.weights[i]!));
  const worst = differences.indexOf(Math.max(...differences));
  t.diagnostic(`${page_.triangles} triangles; expression weights page vs CLI: largest difference ${differences[worst]!.toFixed(4)} (${line.names[worst]}), mean ${(differences.reduce((a, b) => a + b) / differences.length).toFixed(4)}`);
  assert.ok(differences[worst]! < 0.01, `${line.names[worst]}: page ${page_.weights[worst]} vs CLI ${line.weights[worst]}`);

  // Over the photo: the photo fills its frame in the viewer, and the head is drawn where the face is.
  await page.check('#overlay');
  const overlay = await sharp(await page.locator('#viewer').screenshot()).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  await page.uncheck('#overlay');
  const drawn = overlayDifference(overlay.data, overlay.info.width, overlay.info.height, await sharp(ASTRONAUT).removeAlpha().raw().toBuffer({ resolveWithObject: true }));
  const face = cli.params.detection.box;
  const [faceX, faceY] = [face.x + face.width / 2, face.y + face.height / 2];
  t.diagnostic(`overlay: photo matched within ${drawn.backgroundError.toFixed(1)} (8-bit) in its corners; head drawn over (x0, y0, x1, y1) ${drawn.box.map((v) => v.toFixed(0))}, face centre ${faceX.toFixed(0)}, ${faceY.toFixed(0)}`);
  assert.ok(drawn.backgroundError < 12, `the photo's corners differ by ${drawn.backgroundError}`);
  const [x0, y0, x1, y1] = drawn.box;
  assert.ok(x0 < faceX && faceX < x1 && y0 < faceY && faceY < y1, `the head (${drawn.box}) is drawn around the face's centre (${faceX}, ${faceY})`);
  assert.ok(x1 - x0 > face.width && x1 - x0 < 3 * face.width, `the head is ${x1 - x0} px wide, the face ${face.width}`);
});

test('detail on and off: the band is computed on demand, changes the head\'s shading, and the GLB carries its normal map', async (t) => {
  // Runs after the astronaut's reconstruction. Untextured, lit from the side: the shading alone.
  await page.uncheck('#texture');
  await page.fill('#light', '70');
  await page.dispatchEvent('#light', 'input');
  const shot = async () => sharp(await page.locator('#viewer').screenshot()).removeAlpha().greyscale().raw().toBuffer({ resolveWithObject: true });
  const off = await shot();
  await page.check('#detail');
  await page.waitForSelector('#status[data-state="done"]', { timeout: 900_000 });
  const stages = await pageStages(page);
  t.diagnostic(`detail stages (ms): ${stages.map(([s, ms]) => `${s} ${ms}`).join(', ')}`);
  assert.deepEqual(stages.map(([s]) => s), ['detail', 'outputs']);
  const on = await shot();
  await page.screenshot({ path: join(dir, 'detail.png') });
  await page.uncheck('#detail');
  const offAgain = await shot();
  const change = shadingChange(off, on), again = shadingChange(off, offAgain);
  const describe = (c: typeof change) => `mean |difference| ${c.meanDifference.toFixed(2)}, ${(100 * c.changedShare).toFixed(1)}% changed by > 4 levels, mean |laplacian of the difference| ${c.fineChange.toFixed(2)}`;
  t.diagnostic(`shading over ${change.pixels} head pixels, detail on vs off: ${describe(change)}; off again vs off: ${describe(again)}`);
  // Measured: 2.31, 12.2%, 2.16 against 0.16, 0%, 0.71 (rendering noise) for the head shown again without detail.
  assert.ok(change.meanDifference > 1.2, `detail changes the shading by ${change.meanDifference} on average`);
  assert.ok(change.changedShare > 0.06, `detail changes ${change.changedShare} of the head's pixels by more than 4 levels`);
  assert.ok(change.fineChange > 1.8 * again.fineChange, `fine structure of the change: ${change.fineChange}, against ${again.fineChange} without detail`);
  assert.ok(again.meanDifference < 0.5, `detail off shows the head without detail again (${again.meanDifference})`);

  // The GLB with detail: the normal map as the material's normalTexture, tangents, valid.
  await page.check('#detail');
  await page.waitForSelector('a[data-file="face0/normal.png"]');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[data-file="face0/head.glb"]')]);
  const glb = new Uint8Array(await readFile((await download.path())!));
  const report = await validator.validateBytes(glb);
  assert.equal(report.issues.numErrors, 0, JSON.stringify(report.issues.messages.slice(0, 5)));
  const { doc } = await readGlbDocument(glb);
  const face = doc.getRoot().listMaterials().find((m) => m.getNormalTexture());
  assert.ok(face, 'a material with a normal texture');
  assert.deepEqual([...face.getNormalTexture()!.getSize()!], [...(await sharp(await downloadedFile('face0/normal.png')).metadata().then((m) => [m.width, m.height]))]);
  assert.ok(doc.getRoot().listMeshes().some((m) => m.listPrimitives().some((p) => p.getAttribute('TANGENT'))), 'tangents for the normal map');
  const params = JSON.parse(new TextDecoder().decode(await downloadedFile('face0/params.json'))) as { detail?: { rmsMm: number }; mid?: { rmsMm: number } };
  t.diagnostic(`detail GLB ${(glb.byteLength / 1e6).toFixed(2)} MB; detail band ${params.detail?.rmsMm.toFixed(3)} mm RMS, mid band ${params.mid?.rmsMm.toFixed(3)} mm RMS`);
  assert.ok(params.detail!.rmsMm > 0.01 && params.mid!.rmsMm > 0.01);
  await page.uncheck('#detail');
  await page.check('#texture');
  await page.fill('#light', '30');
  await page.dispatchEvent('#light', 'input');
});

/** A file from the page's downloads. */
async function downloadedFile(path: string): Promise<Uint8Array> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(`a[data-file="${path}"]`)]);
  return new Uint8Array(await readFile((await download.path())!));
}

/**
 * Two grey screenshots of the viewer against each other over the pixels that are head in both: the
 * mean absolute difference, the share changed by more than 4 levels, and the mean absolute
 * 4-neighbour Laplacian of the difference (the fine structure of the change: folds, pores, bumps).
 */
function shadingChange(a: { data: Buffer; info: { width: number; height: number } }, b: { data: Buffer; info: { width: number; height: number } }) {
  const { width, height } = a.info;
  const grey = (BACKGROUND[0]! + BACKGROUND[1]! + BACKGROUND[2]!) / 3;
  const head = (d: Buffer, i: number) => Math.abs(d[i]! - grey) > 16;
  const laplacian = (d: Buffer, i: number) => 4 * d[i]! - d[i - 1]! - d[i + 1]! - d[i - width]! - d[i + width]!;
  let pixels = 0, sum = 0, changed = 0, fine = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      if (![i, i - 1, i + 1, i - width, i + width].every((j) => head(a.data, j) && head(b.data, j))) continue;
      pixels++;
      const d = Math.abs(a.data[i]! - b.data[i]!);
      sum += d;
      if (d > 4) changed++;
      fine += Math.abs(laplacian(b.data, i) - laplacian(a.data, i));
    }
  }
  return { pixels, meanDifference: sum / pixels, changedShare: changed / pixels, fineChange: fine / pixels };
}

/**
 * The viewer over the photo against the photo: the photo's frame found in the canvas (as large as
 * fits, centred), the mean difference in its four corners (the photo alone), and the bounds of the
 * pixels that differ, in photo pixels (the head).
 */
function overlayDifference(data: Buffer, width: number, height: number, photo: { data: Buffer; info: { width: number; height: number } }) {
  const { width: W, height: H } = photo.info;
  const s = Math.min(width / W, height / H), left = (width - W * s) / 2, top = (height - H * s) / 2;
  let cornerSum = 0, cornerCount = 0;
  const xs: number[] = [], ys: number[] = [];
  for (let y = 2; y < H - 2; y++) {
    for (let x = 2; x < W - 2; x++) {
      const p = 3 * (Math.round(top + (y + 0.5) * s - 0.5) * width + Math.round(left + (x + 0.5) * s - 0.5));
      const d = [0, 1, 2].reduce((m, c) => Math.max(m, Math.abs(data[p + c]! - photo.data[3 * (y * W + x) + c]!)), 0);
      if ((x < 40 || x >= W - 40) && (y < 40 || y >= H - 40)) { cornerSum += d; cornerCount++; }
      if (d > 60) { xs.push(x); ys.push(y); }
    }
  }
  // 5th to 95th percentile: a few resampled edges of the photo differ too.
  const quantile = (v: number[], q: number) => v.sort((a, b) => a - b)[Math.floor(q * (v.length - 1))] ?? NaN;
  return { backgroundError: cornerSum / cornerCount, box: [quantile(xs, 0.05), quantile(ys, 0.05), quantile(xs, 0.95), quantile(ys, 0.95)] };
}

test('live mode: the head\'s yaw follows the turning head of the fake camera\'s clip', async (t) => {
  // Runs after the astronaut's reconstruction (node:test runs a file's tests in order): live mode moves that head.
  await page.click('#live-toggle');
  const period = clip.periodSeconds * 1000;
  // Two periods of the clip, at least 16 poses.
  const handle = await page.waitForFunction((span) => {
    const log = (window as unknown as { facereconLive: { t: number }[] }).facereconLive;
    return log.length >= 16 && log.at(-1)!.t - log[0]!.t > span ? log : undefined;
  }, 2 * period, { timeout: 600_000, polling: 500 });
  const log = await handle.jsonValue() as { t: number; yaw: number; fps: number }[];
  await page.screenshot({ path: join(dir, 'live.png') });
  await page.click('#live-toggle');
  // yaw = c + a sin(wt) + b cos(wt) by least squares, w from the clip's period: the phase is unknown
  // (when the camera started, how late each pose is), the amplitude and the fit are not.
  const w = (2 * Math.PI) / period;
  const rows = log.map((p) => [1, Math.sin(w * p.t), Math.cos(w * p.t)]);
  const [c, a, b] = leastSquares(rows, log.map((p) => p.yaw));
  const fitted = rows.map((r) => c! + a! * r[1]! + b! * r[2]!);
  const mean = log.reduce((s, p) => s + p.yaw, 0) / log.length;
  const rSquared = 1 - log.reduce((s, p, i) => s + (p.yaw - fitted[i]!) ** 2, 0) / log.reduce((s, p) => s + (p.yaw - mean) ** 2, 0);
  const amplitude = Math.hypot(a!, b!);
  const rate = log.at(-1)!.fps;
  t.diagnostic(`live: ${log.length} poses over ${((log.at(-1)!.t - log[0]!.t) / 1000).toFixed(1)} s, ${rate.toFixed(1)} frames/s; yaw ${c!.toFixed(1)} + ${amplitude.toFixed(1)} sin (clip: ${clip.yaw0.toFixed(1)} + ${clip.amplitude} sin), R^2 ${rSquared.toFixed(2)}`);
  assert.ok(Math.abs(amplitude - clip.amplitude) < 0.35 * clip.amplitude, `yaw swings by ${amplitude}°, the clip by ${clip.amplitude}°`);
  assert.ok(Math.abs(c! - clip.yaw0) < 8, `yaw centred on ${c}°, the clip on ${clip.yaw0}°`);
  assert.ok(rSquared > 0.7, `the yaw follows the clip's sine with R^2 ${rSquared}`);
  assert.ok(Number(await page.getAttribute('#fps', 'data-fps')) > 0);
});

test('with the camera refused, live mode says so and the page stays usable', async () => {
  // After live mode's test: the camera is refused from here on.
  await refuseCamera(page);
  await page.click('#live-toggle');
  await page.waitForSelector('#status[data-state="error"]');
  assert.equal(await page.textContent('#status'), 'Live mode needs the camera, and permission to use it was refused.');
  assert.equal(await page.getAttribute('#status', 'data-usable'), 'yes');
  assert.equal(await page.isVisible('#camera'), false);
  assert.equal(await page.isEnabled('#live-toggle'), true);
  // The file input still takes a photo and the worker still runs it.
  const r = await upload(await wallPhoto());
  assert.equal(r.state, 'error');
  assert.match(r.text, /no face found in wall\.png/);
});

test('several photos of one person give one head, and a photo of someone else is named as left out', async (t) => {
  // The astronaut, the same face mirrored, cropped and smaller (as test/person.test.ts), and Grace Hopper.
  const mirrored = join(dir, 'astronaut-mirrored.jpg');
  await sharp(ASTRONAUT).flop().extract({ left: 60, top: 20, width: 380, height: 420 }).resize(300).jpeg({ quality: 85 }).toFile(mirrored);
  const r = await upload([ASTRONAUT, mirrored, sampleImage('grace_hopper.jpg')]);
  t.diagnostic(`person: ${r.text}; stages (ms): ${(await pageStages(page)).map(([s, ms]) => `${s} ${ms}`).join(', ')}`);
  assert.equal(r.state, 'done', r.text);
  assert.match(r.text, /^One head from 2 of 3 photos in [\d.]+ s\. grace_hopper\.jpg was left out: another person: face similarity 0\.\d+ to astronaut\.png is below 0\.7\.$/);
  assert.deepEqual(await page.$$eval('#previews img', (imgs) => imgs.map((img) => img.classList.contains('left-out'))), [false, false, true]);

  // The person's folder, as --person writes it: one head, params.json with a block per photo used and the one left out.
  const params = JSON.parse(new TextDecoder().decode(await downloadedFile('params.json'))) as {
    person: { views: number; rejected: number; reference: string }; views: { name: string; similarityToReference?: number }[]; rejected: { name: string }[];
  };
  t.diagnostic(`views ${params.views.map((v) => `${v.name} ${v.similarityToReference ?? ''}`).join(', ')}`);
  assert.deepEqual(params.views.map((v) => v.name).sort(), ['astronaut-mirrored.jpg', 'astronaut.png']);
  assert.deepEqual(params.rejected.map((v) => v.name), ['grace_hopper.jpg']);
  const glb = await downloadedFile('head.glb');
  const report = await validator.validateBytes(glb);
  assert.equal(report.issues.numErrors, 0, JSON.stringify(report.issues.messages.slice(0, 5)));
  const shot = await sharp(await page.locator('#viewer').screenshot()).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const stats = headPixels(shot.data, shot.info.width, shot.info.height);
  t.diagnostic(`viewer: ${(100 * stats.share).toFixed(1)}% of the pixels off the background`);
  assert.ok(stats.share > 0.05 && stats.share < 0.6, `head covers ${stats.share} of the viewer`);
  assert.equal(await page.isDisabled('#detail'), true);
  assert.equal(await page.isDisabled('#overlay'), true);
});

/** Least squares solution of rows x = values, by the normal equations. */
function leastSquares(rows: number[][], values: number[]): Float64Array {
  const n = rows[0]!.length;
  const ata = new Float64Array(n * n), atb = new Float64Array(n);
  rows.forEach((r, k) => r.forEach((ri, i) => { atb[i] += ri * values[k]!; r.forEach((rj, j) => { ata[i * n + j] += ri * rj; }); }));
  const x = solveSpd(new Float64Array(n), ata, atb, n);
  if (!x) throw new Error('the poses do not determine the sine fit');
  return x;
}

/** Triangle count, morph target names and weights of a GLB. */
async function glbSummary(bytes: Uint8Array): Promise<{ triangles: number; names: string[]; weights: number[] }> {
  const { doc, primitives } = await readGlbDocument(bytes);
  const mesh = doc.getRoot().listMeshes()[0]!;
  return {
    triangles: primitives.reduce((n, p) => n + p.indices.length / 3, 0),
    names: mesh.listPrimitives()[0]!.listTargets().map((target) => target.getName()),
    weights: mesh.getWeights(),
  };
}

/** Pixels that differ from the viewer's background: their share, mean colour and centre (fractions of the canvas). */
function headPixels(data: Buffer, width: number, height: number): { share: number; mean: number[]; centre: number[] } {
  let n = 0, x = 0, y = 0;
  const mean = [0, 0, 0];
  for (let i = 0; i < width * height; i++) {
    const off = Math.max(...[0, 1, 2].map((c) => Math.abs(data[3 * i + c]! - BACKGROUND[c]!)));
    if (off < 24) continue;
    n++;
    x += i % width;
    y += Math.floor(i / width);
    for (let c = 0; c < 3; c++) mean[c] += data[3 * i + c]!;
  }
  return { share: n / (width * height), mean: mean.map((v) => v / Math.max(1, n)), centre: [x / Math.max(1, n) / width, y / Math.max(1, n) / height] };
}
