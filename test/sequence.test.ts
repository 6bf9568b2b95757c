import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import validator from 'gltf-validator';
import { sampleImage } from './helpers/shared-data.js';
import { TRACKING_CSV_COLUMNS } from '../src/pipeline/sequence-outputs.js';
import { ARKIT_BLENDSHAPES } from '../src/export/arkit.js';

const CLI = new URL('../src/cli/main.ts', import.meta.url).pathname;

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', CLI, ...args], { maxBuffer: 1 << 24, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? (err as NodeJS.ErrnoException & { code: number }).code ?? 1 : 0, stdout, stderr });
    });
  });
}

/** A clip of `frames` PNG pictures at 10 frames per second, encoded by the system's ffmpeg (H.264 in MP4). */
async function encodeClip(path: string, frames: Buffer[]): Promise<void> {
  const folder = `${path}.frames`;
  await mkdir(folder);
  for (const [i, png] of frames.entries()) await sharp(png).toFile(join(folder, `f${i}.png`));
  await new Promise<void>((resolve, reject) => {
    execFile('ffmpeg', ['-v', 'error', '-y', '-framerate', '10', '-i', join(folder, 'f%d.png'), '-pix_fmt', 'yuv420p', '-c:v', 'libx264', path],
      (err) => (err ? reject(err) : resolve()));
  });
}

const dir = await mkdtemp(join(tmpdir(), 'facerecon-sequence-'));

test('a three-frame clip runs through the CLI: tracking.csv has the columns and a row per frame, the head follows the pan, the GLB replays it', async () => {
  // The astronaut's face panned 24 px to the right over three 240x240 frames (the window moves left).
  const frames = await Promise.all([0, 12, 24].map((shift) => sharp(sampleImage('astronaut.png'))
    .extract({ left: 150 - shift, top: 20, width: 240, height: 240 }).png().toBuffer()));
  const clip = join(dir, 'pan.mp4');
  await encodeClip(clip, frames);
  const out = join(dir, 'out');
  const r = await run([clip, '--landmarks-only', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /frames\/s/);
  assert.match(r.stderr, /3 of 3 frames tracked/);

  const csv = (await readFile(join(out, 'tracking.csv'), 'utf8')).trim().split('\n').map((line) => line.split(','));
  const [header, ...rows] = csv;
  const names = header.slice(TRACKING_CSV_COLUMNS.length);
  assert.deepEqual(header.slice(0, TRACKING_CSV_COLUMNS.length), [...TRACKING_CSV_COLUMNS]);
  assert.equal(names.length, 53);
  // ARKit's names (ICT splits browInnerUp and cheekPuff by side and has no tongueOut).
  const arkit = new Set(ARKIT_BLENDSHAPES);
  assert.deepEqual(names.filter((n) => !arkit.has(n)).sort(), ['browInnerUpLeft', 'browInnerUpRight', 'cheekPuffLeft', 'cheekPuffRight']);
  assert.equal(rows.length, 3);
  const column = (name: string) => rows.map((row) => Number(row[header.indexOf(name)]));
  assert.deepEqual(column('time_s'), [0, 0.1, 0.2]);
  assert.deepEqual(column('tracked'), [1, 1, 1]);
  for (const row of rows) assert.equal(row.length, header.length);
  for (const w of rows.flatMap((row) => row.slice(TRACKING_CSV_COLUMNS.length).map(Number))) assert.ok(w >= 0 && w <= 1, `weight ${w}`);
  // 12 px per frame at a depth z and focal f is 12 z / f mm to the right (camera x).
  const json = JSON.parse(await readFile(join(out, 'tracking.json'), 'utf8'));
  const tx = column('tx_mm'), tz = column('tz_mm');
  for (const k of [1, 2]) {
    const expected = (12 * (tz[k] + tz[k - 1])) / 2 / json.camera.focalPx;
    assert.ok(Math.abs(tx[k] - tx[k - 1] - expected) < 0.25 * expected, `tx ${tx}, tz ${tz} (step ${k}: expected ${expected.toFixed(1)} mm)`);
  }
  assert.ok(Math.max(...tz) < 1.05 * Math.min(...tz), `tz ${tz}: the pan does not move the head in depth`);
  assert.ok(Math.max(...column('landmark_error_px')) < 3, `landmark error ${column('landmark_error_px')}`);
  assert.equal(json.perFrame.length, 3);
  assert.deepEqual(Object.keys(json.perFrame[0].expression), names);

  const glb = new Uint8Array(await readFile(join(out, 'head.glb')));
  const report = await validator.validateBytes(glb, { maxIssues: 100 });
  assert.equal(report.issues.numErrors, 0, JSON.stringify(report.issues.messages.filter((m: { severity: number }) => m.severity === 0)));
  const gltf = glbJson(glb);
  assert.equal(gltf.animations.length, 1);
  const channels = gltf.animations[0].channels.map((c: { target: { node: number; path: string } }) => `${gltf.nodes[c.target.node].name}.${c.target.path}`);
  assert.deepEqual(channels.sort(), ['head-mesh.weights', 'head.rotation', 'head.translation']);
  for (const sampler of gltf.animations[0].samplers) {
    assert.equal(gltf.accessors[sampler.input].count, 3);
    assert.ok(Math.abs(gltf.accessors[sampler.input].max[0] - 0.2) < 1e-6, `last keyframe at ${gltf.accessors[sampler.input].max} s`);
  }
  const weights = gltf.animations[0].samplers[gltf.animations[0].channels.find((c: { target: { path: string } }) => c.target.path === 'weights').sampler];
  assert.equal(gltf.accessors[weights.output].count, 3 * 53);
  assert.ok(existsSync(join(out, 'overlay-strip.png')));
  const strip = await sharp(join(out, 'overlay-strip.png')).metadata();
  assert.deepEqual([strip.width, strip.height], [3 * 240 + 2 * 4, 240]);
});

test('a missing clip, a clip without a face and a missing decoder are one error line each, exit 1, and no output folder; the detail bands are refused (exit 2)', async () => {
  const out = join(dir, 'none');
  const missing = await run([join(dir, 'missing.mp4'), '--out', out]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^error: .*missing\.mp4: cannot read file \(no such file/m);

  const grey = await sharp({ create: { width: 160, height: 120, channels: 3, background: '#808080' } }).png().toBuffer();
  const clip = join(dir, 'grey.mp4');
  await encodeClip(clip, [grey, grey, grey]);
  const noFace = await run([clip, '--landmarks-only', '--out', out]);
  assert.equal(noFace.code, 1);
  assert.match(noFace.stderr, /^error: .*grey\.mp4: no face found in any of the 3 frames$/m);

  const noDecoder = await run([clip, '--out', out], { FACERECON_FFMPEG: join(dir, 'no-such-dir', 'ffmpeg') });
  assert.equal(noDecoder.code, 1);
  assert.match(noDecoder.stderr, /^error: .*grey\.mp4: decoding video needs ffmpeg, which was not found: install it \(Debian\/Ubuntu: apt-get install ffmpeg/m);
  assert.equal(noDecoder.stderr.trim().split('\n').length, 1);

  // The detail bands are not tracked: asking for them is a usage error, not silently ignored.
  for (const args of [[clip, '--detail'], [clip, '--detail-mesh'], ['--frames', `${clip}.frames`, '--mid']]) {
    const r = await run([...args, '--out', out]);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /^error: --(detail|mid) is not available for a video or --frames yet/m);
  }
  assert.ok(!existsSync(out));
});

/** The JSON chunk of a GLB. */
function glbJson(glb: Uint8Array) {
  const view = new DataView(glb.buffer, glb.byteOffset, glb.byteLength);
  const length = view.getUint32(12, true);
  return JSON.parse(new TextDecoder().decode(glb.subarray(20, 20 + length)));
}
