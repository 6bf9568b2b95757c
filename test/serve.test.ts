import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { sampleImage } from './helpers/shared-data.js';
import { listeningAddress } from '../bench/service.js';

/**
 * `facerecon serve` as a user runs it: a real server on 127.0.0.1 (a free port it picks and
 * prints), real HTTP requests. One worker and a queue of one, so a third job is refused; the
 * photo reconstructed is small, fitted to the landmarks only and gives a few of the files, and so
 * does the CLI's run it is compared with.
 */
const CLI = new URL('../src/cli/main.ts', import.meta.url).pathname;
const MAX_BYTES = 200_000;
const MAX_PIXELS = 1_000_000;
/** The files compared (and params.json, always): a PNG, OBJ and MTL, the GLB. */
const OUTPUTS = 'overlay.png,mesh.obj,head.glb';
const JOB_QUERY = `?landmarks-only=1&outputs=${OUTPUTS}`;

const dir = await mkdtemp(join(tmpdir(), 'facerecon-serve-'));
const photo = join(dir, 'astronaut-256.png');
await sharp(sampleImage('astronaut.png')).resize(256, 256).png().toFile(photo);
const grey = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: 128, g: 128, b: 128 } } }).png().toBuffer();
const blank = await grey(320, 240);
const photoBytes = await readFile(photo);

// The command line's files for the same photo, made side by side with the server's start.
const cliOut = join(dir, 'cli');
const cliRun = new Promise<{ code: number; stderr: string }>((resolve) => {
  execFile(process.execPath, ['--import', 'tsx', CLI, photo, '--landmarks-only', '--outputs', OUTPUTS, '--out', cliOut], (err, _stdout, stderr) =>
    resolve({ code: err ? Number((err as NodeJS.ErrnoException).code ?? 1) : 0, stderr }));
});

const serveOut = join(dir, 'served');
const server = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--port', '0', '--host', '127.0.0.1', '--jobs', '1', '--queue', '1',
  '--max-bytes', String(MAX_BYTES), '--max-pixels', String(MAX_PIXELS), '--out', serveOut], { stdio: ['ignore', 'pipe', 'pipe'] });
let serverStderr = '';
const stderrWaits: { pattern: RegExp; resolve: () => void }[] = [];
server.stderr.on('data', (d) => {
  serverStderr += d;
  for (const w of stderrWaits) if (w.pattern.test(serverStderr)) w.resolve();
});
/** Resolves once the server has logged a line matching `pattern`. */
const logged = (pattern: RegExp) => new Promise<void>((resolve) => {
  stderrWaits.push({ pattern, resolve });
  if (pattern.test(serverStderr)) resolve();
});
const exited = once(server, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
after(() => { if (server.exitCode === null) server.kill('SIGKILL'); });

const base = await listeningAddress(server, exited, () => `the server exited (${server.exitCode}) before listening: ${serverStderr}`);

async function post(body: Uint8Array | string, query = '', type = 'application/octet-stream'): Promise<{ status: number; body: any; headers: Headers }> {
  const r = await fetch(`${base}/jobs${query}`, { method: 'POST', body: body as BodyInit, headers: { 'content-type': type } });
  return { status: r.status, body: await r.json(), headers: r.headers };
}

/** A JSON answer (a job's record or an error). */
async function get(path: string): Promise<{ status: number; body: any }> {
  const r = await fetch(`${base}${path}`);
  return { status: r.status, body: await r.json() };
}

test('GET /health: ok, with the limits', async () => {
  const r = await get('/health');
  assert.equal(r.status, 200);
  assert.equal(r.body.status, 'ok');
  assert.deepEqual(r.body.limits, { running: 1, queued: 1, keep: 100, maxBytes: MAX_BYTES, maxPixels: MAX_PIXELS });
});

test('a non-image: 415, not-image', async () => {
  for (const type of ['text/plain', 'image/jpeg']) {
    const r = await post('this is not a photo', '', type);
    assert.equal(r.status, 415);
    assert.deepEqual(r.body, { error: { code: 'not-image', message: 'upload: not an image (could not decode)' } });
  }
  const empty = await post('');
  assert.equal(empty.status, 415);
  assert.equal(empty.body.error.code, 'not-image');
});

test('an oversized upload (bytes) and an oversized photo (pixels): 413, too-large', async () => {
  const bytes = await post(new Uint8Array(MAX_BYTES + 1));
  assert.equal(bytes.status, 413);
  assert.deepEqual(bytes.body, { error: { code: 'too-large', message: `upload: too large (the limit is ${MAX_BYTES} bytes)` } });
  const huge = await grey(2000, 1000); // 2 megapixels in a few kilobytes
  assert.ok(huge.length < MAX_BYTES);
  const pixels = await post(huge);
  assert.equal(pixels.status, 413);
  assert.deepEqual(pixels.body, {
    error: { code: 'too-large', message: 'upload: image is too large (2000x1000 px, 2.0 megapixels; the limit is 1.0 megapixels)' },
  });
});

test('a bad option: 400, invalid-argument', async () => {
  const r = await post(photoBytes, '?max-faces=zero');
  assert.equal(r.status, 400);
  assert.deepEqual(r.body, { error: { code: 'invalid-argument', message: 'max-faces must be an integer >= 1 (got "zero")' } });
  const outputs = await post(photoBytes, '?outputs=hologram');
  assert.equal(outputs.status, 400);
  assert.match(outputs.body.error.message, /^outputs: unknown output "hologram"/);
});

// One job running and one queued fill the service: the third is refused.
let photoJob: any, blankJob: any;
test('too many jobs: 202 for a running and a queued one, then 429, busy, with Retry-After', async () => {
  const first = await post(photoBytes, JOB_QUERY, 'image/png');
  assert.equal(first.status, 202, JSON.stringify(first.body));
  assert.equal(first.headers.get('location'), `/jobs/${first.body.id}`);
  assert.deepEqual([first.body.width, first.body.height, first.body.scale], [256, 256, 1]);
  const second = await post(blank);
  assert.equal(second.status, 202);
  assert.equal(second.body.status, 'queued');
  const third = await post(blank);
  assert.equal(third.status, 429);
  assert.deepEqual(third.body, { error: { code: 'busy', message: 'too many jobs: 1 running and 1 queued (at most 1 and 1); retry later' } });
  assert.match(third.headers.get('retry-after') ?? '', /^\d+$/);
  [photoJob, blankJob] = [first.body, second.body];
});

test('a photo without a face: 422, no-face, for its status and its files; at once with ?wait', async () => {
  const status = await get(`/jobs/${blankJob.id}?wait=600`);
  assert.equal(status.status, 422);
  assert.equal(status.body.status, 'failed');
  assert.equal(status.body.error.code, 'no-face');
  assert.match(status.body.error.message, /^upload: no face found/);
  const file = await get(`/jobs/${blankJob.id}/files/overlay.png`);
  assert.equal(file.status, 422);
  assert.deepEqual(file.body.error, status.body.error);
  const waited = await post(blank, '?wait=600');
  assert.equal(waited.status, 422);
  assert.equal(waited.body.error.code, 'no-face');
});

test('a photo: its result files are the command line\'s files for the same photo', async () => {
  const done = await get(`/jobs/${photoJob.id}?wait=600`);
  assert.equal(done.status, 200, JSON.stringify(done.body));
  assert.equal(done.body.status, 'done');
  assert.equal(done.body.faces.length, 1);
  const cli = await cliRun;
  assert.equal(cli.code, 0, cli.stderr);
  const manifest = JSON.parse(await readFile(join(cliOut, 'manifest.json'), 'utf8'));
  assert.deepEqual(done.body.files, manifest.files);
  assert.deepEqual(manifest.files, ['face0/head.glb', 'face0/mesh.mtl', 'face0/mesh.obj', 'face0/params.json', 'manifest.json', 'overlay.png']);
  // params.json differs only in its timings.
  const withoutTimings = (bytes: Buffer) => { const p = JSON.parse(bytes.toString()); delete p.timingsMs; return p; };
  for (const name of manifest.files as string[]) {
    const served = await fetch(`${base}/jobs/${photoJob.id}/files/${name}`);
    assert.equal(served.status, 200, name);
    const bytes = Buffer.from(await served.arrayBuffer());
    const expected = await readFile(join(cliOut, name));
    if (name.endsWith('params.json')) assert.deepEqual(withoutTimings(bytes), withoutTimings(expected), name);
    else assert.ok(bytes.equals(expected), `${name} differs from the command line's`);
  }
  assert.equal((await get(`/jobs/${photoJob.id}/files/..%2F..%2Fetc%2Fpasswd`)).status, 404);
  assert.equal((await get('/jobs/no-such-job')).status, 404);
});

test('SIGTERM: no new jobs (503), the running one finishes and its files are written, exit 0', async () => {
  const job = await post(photoBytes, JOB_QUERY);
  assert.equal(job.status, 202);
  server.kill('SIGTERM');
  // Once it has taken the signal (a request sent with it could still come first), new jobs are
  // refused; until the job is done the service answers.
  await logged(/SIGTERM: finishing/);
  const refused = await post(blank);
  assert.equal(refused.status, 503);
  assert.equal(refused.body.error.code, 'shutting-down');
  const done = await get(`/jobs/${job.body.id}?wait=600`);
  assert.equal(done.body.status, 'done');
  const [code] = await exited;
  assert.equal(code, 0, serverStderr);
  assert.ok(existsSync(join(serveOut, job.body.id, 'face0', 'head.glb')));
});
