import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import validator from 'gltf-validator';

const CLI = new URL('../src/cli/main.ts', import.meta.url).pathname;

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', CLI, ...args], { maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      resolve({ code: err ? (err as NodeJS.ErrnoException & { code: number }).code ?? 1 : 0, stdout, stderr });
    });
  });
}

const dir = await mkdtemp(join(tmpdir(), 'facerecon-cli-'));

test('astronaut: every output file, parseable, plausible', async () => {
  const out = join(dir, 'astronaut');
  const r = await run(['../shared/images/astronaut.png', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  for (const f of ['overlay.png', 'face0/mesh.obj', 'face0/mesh.mtl', 'face0/albedo.png', 'face0/shading.png', 'face0/skin.png', 'face0/compare.png',
    'face0/mesh.ply', 'face0/head.glb', 'face0/params.json', 'face0/render.png', 'face0/eyes.png']) {
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
});

test('--landmarks-only: the landmark fit alone, with the photo as texture', async () => {
  const out = join(dir, 'landmarks-only');
  const r = await run(['../shared/images/astronaut.png', '--out', out, '--landmarks-only']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(existsSync(join(out, 'face0/texture.png')));
  assert.ok(!existsSync(join(out, 'face0/albedo.png')));
  assert.match(await readFile(join(out, 'face0/mesh.mtl'), 'utf8'), /map_Kd texture\.png/);
  const params = JSON.parse(await readFile(join(out, 'face0/params.json'), 'utf8'));
  assert.equal(params.photometric, undefined);
});

test('group photo: several faces, each in its own folder', async () => {
  const out = join(dir, 'group');
  const r = await run(['../shared/images/group1.jpg', '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.ok(summary[0].faces.length >= 3, `${summary[0].faces.length} faces`);
  const folders = (await readdir(out)).filter((n) => n.startsWith('face'));
  assert.equal(folders.length, summary[0].faces.length);
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
    [['../shared/images/astronaut.png', '--max-faces', 'zero'], /max-faces/],
  ];
  for (const [args, pattern] of cases) {
    const out = join(dir, `bad-${Math.random().toString(36).slice(2)}`);
    const r = await run([...args, '--out', out]);
    assert.notEqual(r.code, 0, `${args.join(' ')} exited 0`);
    assert.match(r.stderr, pattern);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.ok(!existsSync(out), 'no output folder left behind');
  }
});
