import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import sharp from 'sharp';
import validator from 'gltf-validator';
import type { MorphableModel } from '../src/model/types.js';
import { deformationGrid } from '../src/detail/deformation-grid.js';
import { MID_BAND_DEFAULTS } from '../src/detail/mid-options.js';
import { sampleImage } from './helpers/shared-data.js';
import { expandReconstructOptions, optionsRecord } from '../src/pipeline/options.js';
import { loadIctModel } from '../src/model/node/load-ict.js';
import { instantiate } from '../src/model/instance.js';
import { arkitName } from '../src/export/arkit.js';
import { readGlbDocument } from './helpers/mesh-files.js';

const CLI = new URL('../src/cli/main.ts', import.meta.url).pathname;
const ASTRONAUT = sampleImage('astronaut.png');
const GROUP = sampleImage('group1.jpg');
const GRACE = sampleImage('grace_hopper.jpg');

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', CLI, ...args], { maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      resolve({ code: err ? (err as NodeJS.ErrnoException & { code: number }).code ?? 1 : 0, stdout, stderr });
    });
  });
}

const dir = await mkdtemp(join(tmpdir(), 'facerecon-cli-'));

// The group photo's landmark fit alone, then the astronaut's full reconstruction (with the detail band) into the same folder (a re-run that
// must replace the earlier results wholly). One full reconstruction in this file; the other runs fit landmarks only.
const groupOut = join(dir, 'group');
const groupRun = run([GROUP, '--out', groupOut, '--json', '--landmarks-only']);
let releaseGroup!: () => void;
const groupChecked = new Promise<void>((resolve) => { releaseGroup = resolve; });
const astronautRun = groupChecked.then(async () => {
  await writeFile(join(groupOut, 'my-notes.txt'), 'mine');
  return run([ASTRONAUT, '--out', groupOut, '--detail-mesh']);
});

/** Temporary output folders left in `parent`. */
async function leftovers(parent: string): Promise<string[]> {
  return (await readdir(parent)).filter((name) => name.includes('.tmp-'));
}

/** Every file under `folder`, relative, sorted. */
async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(folder.length + 1)).sort();
}

test('group photo: several faces, each in its own folder; --landmarks-only fits landmarks alone, the photo as texture', async () => {
  try {
    await checkGroup();
  } finally {
    releaseGroup(); // the astronaut's run into the same folder starts only now
  }
});

async function checkGroup(): Promise<void> {
  const r = await groupRun;
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.ok(summary[0].faces.length >= 3, `${summary[0].faces.length} faces`);
  assert.deepEqual(summary[0].faces.map((_: unknown, k: number) => `face${k}`), (await readdir(groupOut)).filter((n) => n.startsWith('face')).sort());
  // The --json summary spells its fields as params.json does.
  const params = JSON.parse(await readFile(join(groupOut, 'face0/params.json'), 'utf8'));
  assert.ok(Math.abs(summary[0].faces[0].residualNormalised - params.fit.residualNormalised) < 1e-6);
  assert.equal(params.photometric, undefined);
  assert.equal(params.options.photometric, false, 'params.json records the options used');
  assert.equal(params.options.fit.iterations, 20);
  assert.ok(existsSync(join(groupOut, 'face0/texture.png')));
  assert.match(await readFile(join(groupOut, 'face0/mesh.mtl'), 'utf8'), /map_Kd texture\.png/);
  const manifest = JSON.parse(await readFile(join(groupOut, 'manifest.json'), 'utf8'));
  assert.deepEqual(manifest.files, await filesUnder(groupOut), 'the manifest lists every file written');
}

test('a re-run into earlier results replaces them wholly: no stale faces or files, files the user added kept', async () => {
  const r = await astronautRun; // into the group photo's results, after my-notes.txt was added
  assert.equal(r.code, 0, r.stderr);
  const manifest = JSON.parse(await readFile(join(groupOut, 'manifest.json'), 'utf8'));
  assert.deepEqual(await filesUnder(groupOut), [...manifest.files, 'my-notes.txt'].sort());
  assert.deepEqual((await readdir(groupOut)).filter((n) => n.startsWith('face')), ['face0']);
  assert.ok(!existsSync(join(groupOut, 'face0/texture.png')), 'no photo texture left from the earlier, landmarks-only run');
  assert.deepEqual(await leftovers(dir), []);
});

test('astronaut (with --detail-mesh): every output file, parseable, plausible', async () => {
  const out = groupOut;
  const r = await astronautRun;
  assert.equal(r.code, 0, r.stderr);
  for (const f of ['overlay.png', 'face0/mesh.obj', 'face0/mesh.mtl', 'face0/albedo.png', 'face0/shading.png', 'face0/skin.png', 'face0/compare.png',
    'face0/mesh.ply', 'face0/head.glb', 'face0/params.json', 'face0/render.png', 'face0/eyes.png',
    'face0/displacement.png', 'face0/normal.png', 'face0/detail.png', 'face0/deformation.png',
    'face0/detail-mesh.obj', 'face0/detail-mesh.mtl', 'face0/detail-mesh.ply']) {
    assert.ok(existsSync(join(out, f)), `missing ${f}`);
  }
  assert.match(await readFile(join(out, 'face0/mesh.mtl'), 'utf8'), /map_Kd albedo\.png/);
  assert.match(await readFile(join(out, 'face0/mesh.mtl'), 'utf8'), /newmtl M_IrisLeft\n(.*\n)*?map_Kd eyes\.png/);
  const albedo = await sharp(join(out, 'face0/albedo.png')).metadata();
  assert.deepEqual([albedo.width, albedo.height], [1024, 1024]);
  const compare = await sharp(join(out, 'face0/compare.png')).metadata();
  assert.deepEqual([compare.width, compare.height], [1280, 320]);
  const params = JSON.parse(await readFile(join(out, 'face0/params.json'), 'utf8'));
  assert.equal(params.units, 'mm');
  assert.equal(Object.keys(params.expression).length, 53);
  assert.ok(Math.abs(params.pose.yawDeg) < 20, `frontal portrait, yaw ${params.pose.yawDeg}`);
  assert.ok(params.fit.residualNormalised < 0.03, `residual ${params.fit.residualNormalised}`);
  assert.ok(params.fit.landmarkCount > 400);
  assert.ok(params.pose.translationMm[2] > 200, 'head in front of the camera');
  const report = await validator.validateBytes(new Uint8Array(await readFile(join(out, 'face0/head.glb'))));
  assert.equal(report.issues.numErrors, 0);
  const overlay = await sharp(join(out, 'overlay.png')).metadata();
  assert.deepEqual([overlay.width, overlay.height], [512, 512]);
  const p = params.photometric;
  assert.ok(p.sampleCount > 500, `photometric samples ${p.sampleCount}`);
  assert.ok(p.skinErrorRefined > 0 && p.skinErrorRefined < 15, `skin error ${p.skinErrorRefined}`);
  assert.equal(p.lightingSh.length, 27);
  assert.ok(p.lightDirection[2] > 0, 'a studio portrait is lit from the camera side');
  assert.ok(p.skinCoverage > 0.3 && !p.glasses);
  // Her irises are dark brown: measured in the photo, not the fallback.
  assert.ok(params.eyes.irisPixels > 20, `iris pixels ${params.eyes.irisPixels}`);
  const [red, green, blue] = params.eyes.irisColour;
  assert.ok(red > blue && green > blue && red < 0.6, `iris colour ${params.eyes.irisColour}`);
  assert.deepEqual(params.options, JSON.parse(JSON.stringify(optionsRecord(expandReconstructOptions({ detail: true })))), 'params.json records the options used');
  // The detail band: a 16-bit displacement map whose codes read back through params.json's scale and
  // offset to the displacement it reports, a tangent-space normal map the MTL refers to, detail.png.
  const d = params.detail;
  assert.equal(d.displacement.file, 'displacement.png');
  const { data, info } = await sharp(join(out, 'face0/displacement.png')).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height, info.channels], [1024, 1024, 1]);
  const codes = new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
  let largest = 0;
  for (const c of codes) largest = Math.max(largest, Math.abs(d.displacement.offset + d.displacement.scale * c));
  assert.ok(d.maxAbsMm > 0.02 && d.maxAbsMm < 5, `largest displacement ${d.maxAbsMm} mm`);
  assert.ok(Math.abs(largest - d.maxAbsMm) < 0.05 * d.maxAbsMm + 1e-3, `map reads back to ${largest} mm, params say ${d.maxAbsMm} mm`);
  assert.equal(d.normalMap, 'normal.png');
  assert.match(await readFile(join(out, 'face0/mesh.mtl'), 'utf8'), /newmtl M_Face\n(.*\n)*?norm normal\.png\nmap_Bump -bm 1\.000 normal\.png/);
  const glbFaceMaterial = (await readGlbDocument(new Uint8Array(await readFile(join(out, 'face0/head.glb'))))).doc.getRoot().listMaterials().find((m) => m.getName() === 'M_Face')!;
  assert.deepEqual(glbFaceMaterial.getNormalTexture()?.getImage(), new Uint8Array(await readFile(join(out, 'face0/normal.png'))), 'head.glb carries normal.png');
  const normal = await sharp(join(out, 'face0/normal.png')).metadata();
  assert.deepEqual([normal.width, normal.height, normal.channels], [1024, 1024, 3]);
  // coarse | + mid | + detail, front and three-quarter.
  const picture = await sharp(join(out, 'face0/detail.png')).metadata();
  assert.deepEqual([picture.width, picture.height], [1536, 1024]);
  // The detail as geometry: the face cut 16-fold, textured by albedo.png without the normal map.
  const plyVertices = async (file: string) => Number(/element vertex (\d+)/.exec((await readFile(join(out, 'face0', file))).subarray(0, 400).toString())![1]);
  const [coarseVertices, detailVertices] = [await plyVertices('mesh.ply'), await plyVertices('detail-mesh.ply')];
  assert.ok(detailVertices > 5 * coarseVertices, `detail-mesh.ply has ${detailVertices} vertices, mesh.ply ${coarseVertices}`);
  assert.match(await readFile(join(out, 'face0/detail-mesh.obj'), 'utf8'), /^mtllib detail-mesh\.mtl$/m);
  assert.doesNotMatch(await readFile(join(out, 'face0/detail-mesh.mtl'), 'utf8'), /normal\.png/);
  // The mid band: a 16-bit RGB deformation map whose codes read back to offsets within what params.json reports.
  const m = params.mid;
  assert.equal(m.deformation.file, 'deformation.png');
  assert.ok(m.samples > 500 && m.landmarks > 300 && m.contourPoints > 10, `mid band evidence ${JSON.stringify(m)}`);
  assert.ok(m.maxAbsMm > 0.05 && m.maxAbsMm < 10, `largest offset ${m.maxAbsMm} mm`);
  const deformation = await sharp(join(out, 'face0/deformation.png')).toColourspace('rgb16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
  assert.deepEqual([deformation.info.width, deformation.info.height, deformation.info.channels], [m.mapSize, m.mapSize, 3]);
  const offsets = new Uint16Array(deformation.data.buffer, deformation.data.byteOffset, deformation.data.length / 2);
  let largestOffset = 0;
  for (let i = 0; i < offsets.length; i += 3) {
    largestOffset = Math.max(largestOffset, Math.hypot(...[0, 1, 2].map((c) => m.deformation.offset + m.deformation.scale * offsets[i + c])));
  }
  assert.ok(largestOffset > 0.3 * m.maxAbsMm && largestOffset < 1.5 * m.maxAbsMm, `map reads back to ${largestOffset} mm, params say ${m.maxAbsMm} mm`);
});

test('astronaut: head.glb under 5 MB, and its morph targets read back with glTF Transform', async () => {
  const r = await astronautRun;
  assert.equal(r.code, 0, r.stderr);
  const bytes = new Uint8Array(await readFile(join(groupOut, 'face0/head.glb')));
  assert.ok(bytes.length < 5e6, `head.glb is ${bytes.length} bytes`);
  const report = await validator.validateBytes(bytes);
  assert.equal(report.issues.numErrors, 0);
  const { model } = await loadIctModel({ progress: false });
  const { doc, primitives } = await readGlbDocument(bytes);
  const K = model.expressionNames.length;
  for (const p of primitives) assert.equal(p.targets.length, K);
  const names = doc.getRoot().listMeshes()[0].listPrimitives()[0].listTargets().map((t) => t.getName());
  assert.deepEqual(names, model.expressionNames.map(arkitName));
  // The chin's jawOpen delta: find the chin among the face's vertices by the identity-only head plus
  // the mid band's offset there, read from deformation.png at the chin's UV (the base mesh).
  const params = JSON.parse(await readFile(join(groupOut, 'face0/params.json'), 'utf8'));
  const head = instantiate(model, { identity: Float32Array.from(params.identity) });
  const face = primitives.find((p) => p.material.getName() === 'M_Face')!;
  const chin = model.landmarks68[8], k = model.expressionNames.indexOf('jawOpen'), mm = model.unitsToMillimetres;
  const offset = await deformationAt(join(groupOut, 'face0/deformation.png'), params.mid.deformation, model, chin);
  let nearest = -1, distance = Infinity;
  for (let i = 0; i < face.positions.length / 3; i++) {
    const d = Math.hypot(...[0, 1, 2].map((c) => face.positions[3 * i + c] - head[3 * chin + c] * mm - offset[c]));
    if (d < distance) { distance = d; nearest = i; }
  }
  assert.ok(distance < 0.05, `the chin is ${distance} mm from the nearest GLB vertex`);
  const V3 = 3 * model.vertexCount;
  for (let c = 0; c < 3; c++) {
    const want = model.expressionBasis[k * V3 + 3 * chin + c] * mm;
    assert.ok(Math.abs(face.targets[k].positions[3 * nearest + c] - want) < 0.01, `jawOpen at the chin, axis ${c}: ${face.targets[k].positions[3 * nearest + c]} vs ${want} mm`);
  }
});

/** The mid band's offset (mm) at a face vertex: deformation.png read back and sampled bilinearly at the vertex's UV. */
async function deformationAt(file: string, codes: { scale: number; offset: number }, model: MorphableModel, vertex: number): Promise<number[]> {
  const { data, info } = await sharp(file).toColourspace('rgb16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
  const map = new Uint16Array(data.buffer, data.byteOffset, data.length / 2), S = info.width;
  const grid = deformationGrid(model, MID_BAND_DEFAULTS.controlSize, MID_BAND_DEFAULTS.mapSize, MID_BAND_DEFAULTS.fadeMm);
  const li = grid.localIndex[vertex];
  const x = grid.vertexUv[2 * li] * S - 0.5, y = (1 - grid.vertexUv[2 * li + 1]) * S - 0.5;
  const x0 = Math.floor(x), y0 = Math.floor(y), fx = x - x0, fy = y - y0;
  const at = (xx: number, yy: number, c: number) => codes.offset + codes.scale * map[3 * (yy * S + xx) + c];
  return [0, 1, 2].map((c) => (1 - fy) * ((1 - fx) * at(x0, y0, c) + fx * at(x0 + 1, y0, c)) + fy * ((1 - fx) * at(x0, y0 + 1, c) + fx * at(x0 + 1, y0 + 1, c)));
}

test('--out is checked before any work: a folder of other files, or one that cannot be made, is refused', async () => {
  const theirs = join(dir, 'their-folder');
  await mkdir(theirs);
  await writeFile(join(theirs, 'thesis.tex'), 'years of work');
  const notCreatable = join(dir, 'not-an-image.txt', 'out'); // under a file
  await writeFile(join(dir, 'not-an-image.txt'), 'a file');
  for (const [out, pattern] of [[theirs, /their-folder: folder is not empty and holds no facerecon results/], [notCreatable, /cannot use as output folder/]] as const) {
    const r = await run([ASTRONAUT, '--out', out]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: /);
    assert.match(r.stderr, pattern);
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /model:/, 'refused before the model loads');
  }
  assert.deepEqual(await readdir(theirs), ['thesis.tex']);
  assert.deepEqual(await leftovers(dir), []);
});

/** Runs the CLI until it has started reconstructing, then sends `signal`; resolves with the exit code. */
function interrupt(out: string, signal: NodeJS.Signals): Promise<{ code: number | null; stderr: string; stagedFirst: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, GROUP, '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let stagedFirst = false;
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (stderr.includes('networks ready') && !child.killed) {
        stagedFirst = readdirSync(dirname(out)).some((n) => n.startsWith(`${basename(out)}.tmp-`));
        child.kill(signal);
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stderr, stagedFirst }));
  });
}

test('Ctrl-C (SIGINT) and SIGTERM stop the run with 130 and 143 and leave no temporary folder', async () => {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    const out = join(dir, 'interrupted');
    const r = await interrupt(out, signal);
    assert.equal(r.code, code, `${signal}: exit ${r.code}; ${r.stderr}`);
    assert.ok(r.stagedFirst, 'the run was working in its temporary folder when stopped');
    assert.ok(!existsSync(out), 'no output folder');
    assert.deepEqual(await leftovers(dir), []);
  }
});

test('params.json: the photo\'s own size and the downscale of an image over 4096 px, pixels in the original', async () => {
  // The astronaut at twice her size on a 5000 x 1200 canvas: reconstructed on a 4096 x 983 copy (scale 0.8192).
  const big = join(dir, 'wide.jpg');
  const astronaut = await sharp(ASTRONAUT).resize(1024, 1024).toBuffer();
  await sharp({ create: { width: 5000, height: 1200, channels: 3, background: { r: 90, g: 100, b: 110 } } })
    .composite([{ input: astronaut, left: 2000, top: 100 }]).jpeg({ quality: 92 }).toFile(big);
  const out = join(dir, 'wide');
  const r = await run([big, '--out', out, '--landmarks-only']);
  assert.equal(r.code, 0, r.stderr);
  const params = JSON.parse(await readFile(join(out, 'face0/params.json'), 'utf8'));
  assert.deepEqual(params.image, { width: 5000, height: 1200, scale: 0.8192, processedWidth: 4096, processedHeight: 983 });
  assert.equal(params.camera.width, 5000);
  assert.equal(params.camera.height, 1200);
  assert.ok(Math.abs(params.camera.cx - 2500) < 0.01 && Math.abs(params.camera.cy - 600) < 1, `principal point ${params.camera.cx}, ${params.camera.cy}`);
  // The same face found in the astronaut photo itself (first test), mapped onto the canvas.
  await astronautRun;
  const small = JSON.parse(await readFile(join(groupOut, 'face0/params.json'), 'utf8')).detection.box;
  const box = params.detection.box;
  const want = { x: 2000 + 2 * small.x, y: 100 + 2 * small.y, width: 2 * small.width, height: 2 * small.height };
  for (const k of ['x', 'y', 'width', 'height'] as const) {
    assert.ok(Math.abs(box[k] - want[k]) < 0.04 * want.width, `box ${k}: ${box[k]} in the original's pixels, expected about ${want[k]}`);
  }
});

test('bad input: one clear line, non-zero exit, no output folder', async () => {
  const text = join(dir, 'not-an-image.jpg');
  await writeFile(text, 'hello');
  const blank = join(dir, 'blank.png');
  await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 128, g: 128, b: 128 } } }).png().toFile(blank);
  const cases: [string[], RegExp][] = [
    [[text], /not an image/],
    [[join(dir, 'missing.jpg')], /cannot read|no such file/],
    [[blank], /no face/],
    [[], /no image given/],
    [[ASTRONAUT, '--max-faces', 'zero'], /max-faces/],
    [[ASTRONAUT, GROUP, '--jobs', '0'], /--jobs must be an integer >= 1/],
  ];
  // Independent processes: run side by side.
  await Promise.all(cases.map(async ([args, pattern], k) => {
    const out = join(dir, `bad-${k}`);
    const r = await run([...args, '--out', out]);
    assert.notEqual(r.code, 0, `${args.join(' ')} exited 0`);
    assert.match(r.stderr, pattern);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.ok(!existsSync(out), 'no output folder left behind');
  }));
  assert.deepEqual(await leftovers(dir), [], 'no temporary folder left behind');
});

test('--jobs: several photos, or one photo\'s faces, in worker threads give the files one thread gives; a failing photo still stops the run cleanly', async () => {
  const one = join(dir, 'jobs-1'), two = join(dir, 'jobs-2'), groupOne = join(dir, 'jobs-group-1'), groupTwo = join(dir, 'jobs-group-2');
  // One photo and two threads: the threads share its faces (overlay.png draws them all).
  const groupArgs = [GROUP, '--landmarks-only', '--outputs', 'overlay.png,params.json,mesh.ply'];
  const [a, b, c, d] = await Promise.all([
    run([ASTRONAUT, GRACE, '--landmarks-only', '--jobs', '1', '--out', one]),
    run([ASTRONAUT, GRACE, '--landmarks-only', '--jobs', '2', '--out', two]),
    run([...groupArgs, '--jobs', '1', '--out', groupOne]),
    run([...groupArgs, '--jobs', '2', '--out', groupTwo]),
  ]);
  for (const r of [a, b, c, d]) assert.equal(r.code, 0, r.stderr);
  assert.match(b.stderr, /2 worker threads/);
  assert.match(d.stderr, /1 worker thread to share the faces/);
  const withoutTimings = (text: string) => { const p = JSON.parse(text); delete p.timingsMs; return p; };
  const assertSameFiles = async (x: string, y: string) => {
    const files = await filesUnder(x);
    assert.deepEqual(await filesUnder(y), files);
    for (const f of files) {
      const [p, q] = await Promise.all([readFile(join(x, f)), readFile(join(y, f))]);
      if (f.endsWith('params.json')) assert.deepEqual(withoutTimings(q.toString()), withoutTimings(p.toString()), f);
      else assert.ok(p.equals(q), `${f} differs between --jobs 1 and --jobs 2`);
    }
    return files;
  };
  const files = await assertSameFiles(one, two);
  assert.ok(files.includes('grace_hopper/face0/head.glb') && files.includes('astronaut/face0/head.glb'), files.join(', '));
  const groupFiles = await assertSameFiles(groupOne, groupTwo);
  assert.ok(groupFiles.includes('overlay.png') && groupFiles.includes('face2/mesh.ply'), groupFiles.join(', '));

  const blank = join(dir, 'blank-jobs.png');
  await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 128, g: 128, b: 128 } } }).png().toFile(blank);
  const failing = join(dir, 'jobs-failing');
  const r = await run([ASTRONAUT, blank, '--landmarks-only', '--jobs', '2', '--out', failing]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /blank-jobs\.png: no face found/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.ok(existsSync(join(failing, 'astronaut/face0/head.glb')), 'the photo before the failing one is written, as with one thread');
  assert.ok(!existsSync(join(failing, 'blank-jobs')));
  assert.deepEqual(await leftovers(failing), []);
});
