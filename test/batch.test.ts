import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { globRegExp, listPhotos } from '../src/cli/batch/photo-list.js';
import { parseBatchArgs } from '../src/cli/batch/args.js';
import { prepareBatch } from '../src/cli/batch/run-batch.js';
import { UsageError } from '../src/cli/args.js';
import { makePhotos, startCli, waitFor } from './helpers/batch-photos.js';

const dir = await mkdtemp(join(tmpdir(), 'facerecon-batch-'));

test('photo lists: a folder walk, a manifest, a glob, clashing names', async () => {
  const root = join(dir, 'list');
  for (const rel of ['shots/a.jpg', 'shots/a.png', 'shots/b.JPEG', 'shots/notes.txt', 'shots/.hidden.jpg', 'shots/deep/c.webp', 'shots/out/old.jpg']) {
    await mkdir(join(root, rel, '..'), { recursive: true });
    await writeFile(join(root, rel), '');
  }
  const folders = async (inputs: string[], skip?: string) => (await listPhotos(inputs, skip)).map((p) => p.folder);
  // The output folder inside the input folder is left out; a.jpg and a.png keep their extensions.
  assert.deepEqual(await folders([join(root, 'shots')], join(root, 'shots/out')), ['a_jpg', 'a_png', 'b', 'deep/c']);
  await writeFile(join(root, 'list.txt'), '# casting\nshots/b.JPEG\n\nshots/deep/c.webp\n');
  const fromManifest = await listPhotos([join(root, 'list.txt')]);
  assert.deepEqual(fromManifest, [{ path: join(root, 'shots/b.JPEG'), folder: 'shots/b' }, { path: join(root, 'shots/deep/c.webp'), folder: 'shots/deep/c' }]);
  assert.deepEqual(await folders([join(root, 'shots/**/*.{webp,png}')]), ['a', 'deep/c']);
  assert.deepEqual(await folders([join(root, 'shots/*.jpg'), join(root, 'shots/a.jpg')]), ['a'], 'a glob and a file naming one photo: once');
  assert.ok(globRegExp('**/*.jpg').test('x/y/z.jpg') && globRegExp('**/*.jpg').test('z.jpg') && !globRegExp('*.jpg').test('x/z.jpg'));
  await assert.rejects(listPhotos([join(root, 'missing')]), /no such file, folder or pattern/);
});

test('batch: a bad photo in the middle is logged and the rest done; an interrupted batch resumes without redoing finished photos', async () => {
  const photos = join(dir, 'photos');
  // Sorted: a, b (corrupt), c, sub/d.
  await makePhotos(photos, ['a.jpg', 'b-corrupt.jpg', 'c.jpg', 'sub/d.jpg']);
  const out = join(dir, 'out');
  const args = ['batch', photos, '--out', out, '--jobs', '1', '--landmarks-only', '--outputs', 'params.json'];
  const summaryLines = async () => (await readFile(join(out, 'summary.jsonl'), 'utf8').catch(() => '')).split('\n').filter(Boolean).map((l) => JSON.parse(l));

  // First run: killed (no chance to clean up) once the first photo is done.
  const first = startCli(args);
  await waitFor(async () => (await summaryLines()).some((r) => r.status === 'done') || first.exitCode !== null, 120_000, 'the first photo');
  first.kill('SIGKILL');
  await first.exited;
  const doneBefore = (await summaryLines()).filter((r) => r.status === 'done').map((r) => r.folder);
  assert.ok(doneBefore.includes('a') && doneBefore.length < 3, `done before the kill: ${doneBefore}`);
  const aParams = await stat(join(out, 'a/face0/params.json'));
  // What interrupted photos leave: a temporary folder of a process that is gone, a folder whose params.json is missing.
  const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
  await mkdir(join(out, `c.tmp-${gone}-0123456789ab/face0`), { recursive: true });
  await writeFile(join(out, `c.tmp-${gone}-0123456789ab/face0/params.json`), '{}');
  if (!doneBefore.includes('sub/d')) {
    await mkdir(join(out, 'sub/d'), { recursive: true });
    await writeFile(join(out, 'sub/d/manifest.json'), JSON.stringify({ generator: 'facerecon', files: ['face0/params.json', 'manifest.json'] }));
  }

  const second = startCli(args);
  const code = await second.exited;
  const { stderr } = second.output;
  assert.equal(code, 1, `some photos failed: exit 1\n${stderr}`);
  assert.match(stderr, new RegExp(`4 photos: ${doneBefore.length} already finished, ${4 - doneBefore.length} to do`));
  assert.match(stderr, /error: .*b-corrupt\.jpg: not an image/);
  assert.match(stderr, /\d+\/\d+ photos, [\d.]+ photos\/s, \d+ faces?, 1 error/);
  const lines = await summaryLines();
  assert.deepEqual(lines.map((r) => r.folder).sort(), ['a', 'b-corrupt', 'c', 'sub/d'], 'one line per photo');
  for (const r of lines) {
    if (r.folder === 'b-corrupt') { assert.equal(r.status, 'error'); assert.match(r.error, /not an image/); continue; }
    assert.equal(r.status, 'done', JSON.stringify(r));
    assert.equal(r.faces, 1);
    // --outputs params.json: the folder holds that and the manifest only.
    assert.deepEqual((await readdir(join(out, r.folder), { recursive: true })).sort(), ['face0', 'face0/params.json', 'manifest.json']);
    assert.equal(JSON.parse(await readFile(join(out, r.folder, 'face0/params.json'), 'utf8')).identitySimilarity, undefined);
  }
  assert.equal((await stat(join(out, 'a/face0/params.json'))).mtimeMs, aParams.mtimeMs, 'a finished photo is not done again');
  assert.deepEqual((await readdir(out)).filter((n) => n.includes('.tmp-')), [], 'the dead run\'s temporary folder is removed');
  assert.ok(!existsSync(join(out, 'b-corrupt')), 'a failed photo leaves no folder');
});

test('batch: usage errors, and an output folder that is not a batch\'s is refused', async () => {
  for (const [args, message] of [
    [[dir, '--outputs', 'params.json,hologram'], /--outputs: unknown output "hologram"/],
    [['--out', join(dir, 'x')], /no photos given/],
    [[dir, '--queue', 'http://localhost'], /--queue must be a redis:\/\/ URL/],
    [[dir, '--attempts', '0'], /--attempts must be an integer >= 1/],
  ] as const) {
    assert.throws(() => parseBatchArgs([...args]), (err: Error) => err instanceof UsageError && message.test(err.message));
  }
  const notOurs = join(dir, 'not-ours');
  await mkdir(notOurs);
  await writeFile(join(notOurs, 'thesis.tex'), '');
  await assert.rejects(prepareBatch(parseBatchArgs([join(dir, 'list'), '--out', notOurs]), () => {}, true),
    /not-ours: folder is not empty and holds no facerecon batch/);
  assert.deepEqual(await readdir(notOurs), ['thesis.tex']);
});
