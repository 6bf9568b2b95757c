import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { sampleImage } from './helpers/shared-data.js';
import { PERSON_MIN_SIMILARITY } from '../src/pipeline/reconstruct-person.js';

const CLI = new URL('../src/cli/main.ts', import.meta.url).pathname;

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', CLI, ...args], { maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      resolve({ code: err ? (err as NodeJS.ErrnoException & { code: number }).code ?? 1 : 0, stdout, stderr });
    });
  });
}

const dir = await mkdtemp(join(tmpdir(), 'facerecon-person-'));

test('--person --detail: the astronaut and her mirrored, cropped, rescaled copy give one head and one wrinkle response; Grace Hopper is named and left out', async () => {
  const photos = join(dir, 'photos');
  const mirrored = join(photos, 'b-mirrored.jpg');
  await mkdir(photos);
  await sharp(sampleImage('astronaut.png')).flop().extract({ left: 60, top: 20, width: 380, height: 420 }).resize(300).jpeg({ quality: 85 }).toFile(mirrored);
  await sharp(sampleImage('astronaut.png')).toFile(join(photos, 'a-astronaut.png'));
  await sharp(sampleImage('grace_hopper.jpg')).toFile(join(photos, 'c-grace.jpg'));
  const out = join(dir, 'out');
  const r = await run([photos, '--person', '--detail', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /c-grace\.jpg: left out: another person: face similarity 0\.\d+ to a-astronaut is below 0\.7/);
  for (const file of ['head.glb', 'mesh.obj', 'mesh.mtl', 'albedo.png', 'render.png', 'overlay-a-astronaut.png', 'overlay-b-mirrored.png', 'displacement.png', 'normal.png']) {
    assert.ok(existsSync(join(out, file)), file);
  }
  assert.ok(!existsSync(join(out, 'overlay-c-grace.png')));
  const params = JSON.parse(await readFile(join(out, 'params.json'), 'utf8'));
  assert.deepEqual(params.person, { views: 2, rejected: 1, reference: 'a-astronaut', minSimilarity: PERSON_MIN_SIMILARITY, textureView: params.person.textureView });
  assert.equal(params.rejected[0].name, 'c-grace');
  assert.ok(params.rejected[0].similarity < PERSON_MIN_SIMILARITY);
  const [a, b] = params.views;
  assert.deepEqual([a.name, b.name], ['a-astronaut', 'b-mirrored']);
  assert.ok(b.similarityToReference > 0.85, `mirror copy similarity ${b.similarityToReference}`);
  // Each view keeps its own pose, camera and light: the mirror turns yaw, roll and the light's side around.
  assert.ok(Math.abs(a.pose.yawDeg + b.pose.yawDeg) < 4 && Math.abs(a.pose.rollDeg + b.pose.rollDeg) < 4, `yaw ${a.pose.yawDeg} / ${b.pose.yawDeg}, roll ${a.pose.rollDeg} / ${b.pose.rollDeg}`);
  assert.ok(Math.abs(a.pose.rollDeg) > 2, 'the astronaut holds her head tilted');
  const ax = a.photometric.lightDirection[0], bx = b.photometric.lightDirection[0];
  assert.ok(Math.abs(ax) > 0.2 && Math.sign(ax) === -Math.sign(bx) && Math.abs(ax + bx) < 0.15, `light x ${ax} / ${bx}`);
  assert.equal(b.image.width, 300);
  assert.ok(a.fit.residualNormalised < 0.03 && b.fit.residualNormalised < 0.03);
  // The two views are one photo: counted once, they keep a plausible identity (counted as two
  // independent photos, the shared identity overfitted it: Mahalanobis norm 11.0, flagged).
  assert.ok(!params.identityPrior.flagged && params.identityPrior.mahalanobisNorm < 8, `identity norm ${params.identityPrior.mahalanobisNorm}`);
  // One smile in both photos, fitted in each.
  assert.ok(a.expression.mouthSmile_L > 0.2 && b.expression.mouthSmile_R > 0.2);
  // One wrinkle response from both photos' detail: both smile, so the photos decide the nasolabial folds.
  assert.deepEqual(Object.keys(params.wrinkles.regions), ['forehead', 'glabella', 'crowsFeet_L', 'crowsFeet_R', 'nasolabial_L', 'nasolabial_R', 'chin', 'neck', 'otherSkin']);
  for (const side of ['nasolabial_L', 'nasolabial_R']) assert.ok(params.wrinkles.regions[side].photoShare > 0.5, JSON.stringify(params.wrinkles));
  assert.ok(a.detail.solveSize > 0 && b.detail.solveSize > 0);
});

test('--person: no photo left is an error without an output folder; --face needs --person', async () => {
  const grey = join(dir, 'grey.png');
  await sharp({ create: { width: 200, height: 200, channels: 3, background: '#808080' } }).png().toFile(grey);
  const out = join(dir, 'none');
  const r = await run([grey, '--person', '--out', out]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^error: no photo of the person is left: grey: no face found\n$/m);
  assert.ok(!existsSync(out));
  const usage = await run([grey, '--face', '1', '--out', out]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--face needs --person/);
});
