import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { makePhotos, startCli, waitFor } from './helpers/batch-photos.js';
import { DEAD_LETTER_NAME, QUEUE_NAME, type DeadLetter } from '../src/cli/queue/photo-queue.js';

/**
 * The distributed queue against a real Redis (redis-server from the system packages, started here
 * on a free port in a temporary folder): 30 photos and a corrupt one through `batch --queue` and
 * worker processes, one of them killed mid-job. One shared run, several checks.
 */
const HAVE_REDIS = spawnSync('redis-server', ['--version']).status === 0;
if (!HAVE_REDIS) console.log('# SKIPPED the queue tests: redis-server is not installed (apt-get install redis-server; .ci/run installs it)');
const skip = HAVE_REDIS ? false : 'redis-server is not installed';

const GOOD = 30;
const run = HAVE_REDIS ? queueRun() : undefined;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    }).on('error', reject);
  });
}

async function startRedis(dir: string): Promise<{ url: string; process: ChildProcess }> {
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await waitFor(() => ping(port), 20_000, 'redis-server');
  return { url: `redis://127.0.0.1:${port}`, process: redis };
}

/** Whether a Redis server answers PING on the port. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    socket.on('data', (d) => { resolve(d.toString().startsWith('+PONG')); socket.destroy(); });
    socket.on('error', () => resolve(false));
  });
}

/** Names of the photos a worker's log says it finished, and those it started. */
function workerLog(stderr: string) {
  const of = (what: string) => [...stderr.matchAll(new RegExp(`: (\\S+): ${what}`, 'g'))].map((m) => m[1]);
  return { done: of('done'), started: of('started') };
}

async function queueRun() {
  const dir = await mkdtemp(join(tmpdir(), 'facerecon-queue-'));
  const redis = await startRedis(dir);
  const names = Array.from({ length: GOOD }, (_, i) => `p${String(i).padStart(2, '0')}.jpg`);
  names.splice(12, 0, 'p11-corrupt.jpg');
  await makePhotos(join(dir, 'photos'), names);
  const out = join(dir, 'out');
  const queueArgs = ['--queue', redis.url];
  const children: ChildProcess[] = [];
  const cli = (args: string[]) => { const child = startCli(args); children.push(child); return child; };
  const worker = () => cli(['worker', ...queueArgs, '--jobs', '1', '--lock-ms', '5000']);
  try {
    const batch = cli(['batch', join(dir, 'photos'), '--out', out, ...queueArgs, '--landmarks-only', '--outputs', 'params.json']);
    await waitFor(() => /queued 31 photos/.test(batch.output.stderr) || batch.exitCode !== null, 60_000, 'the photos queued');
    // The first worker is killed (SIGKILL: no goodbye) while its first photo is in hand: its thread is
    // still loading the networks then, so the photo is surely mid-way.
    const doomed = worker();
    await waitFor(() => workerLog(doomed.output.stderr).started.length > 0 || doomed.exitCode !== null, 120_000, 'the first worker\'s first photo');
    doomed.kill('SIGKILL');
    await doomed.exited;
    const workers = [worker(), worker()];
    const batchCode = await batch.exited;
    for (const w of workers) w.kill('SIGTERM');
    const workerCodes = await Promise.all(workers.map((w) => w.exited));
    const deadLetter = new Queue<DeadLetter>(DEAD_LETTER_NAME, { connection: { url: redis.url } });
    const queue = new Queue(QUEUE_NAME, { connection: { url: redis.url } });
    const dead = await deadLetter.getJobs(['waiting']);
    const failed = await queue.getJobs(['failed']);
    await deadLetter.close();
    await queue.close();
    return { dir, out, batch, batchCode, doomed, workers, workerCodes, dead: dead.map((j) => j.data), failed: failed.map((j) => ({ name: j.name, attemptsMade: j.attemptsMade })) };
  } finally {
    // Whatever happened, nothing is left running (a worker would wait for its Redis for ever).
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    redis.process.kill('SIGTERM');
  }
}

test('queue: 30 photos through two workers on one queue, each done exactly once, one summary line each', { skip }, async () => {
  const r = await run!;
  assert.equal(r.batchCode, 1, `the corrupt photo failed: exit 1\n${r.batch.output.stderr}`);
  assert.deepEqual(r.workerCodes, [0, 0], 'the workers stop cleanly on SIGTERM');
  const done = r.workers.flatMap((w) => workerLog(w.output.stderr).done);
  assert.equal(done.length, GOOD, `photos done: ${done.length}\n${r.workers.map((w) => w.output.stderr).join('\n')}`);
  assert.equal(new Set(done).size, GOOD, 'no photo done twice');
  for (const w of r.workers) assert.ok(workerLog(w.output.stderr).done.length > 0, 'both workers took photos');
  const lines = (await readFile(join(r.out, 'summary.jsonl'), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l));
  assert.equal(lines.length, GOOD + 1);
  assert.equal(new Set(lines.map((l) => l.folder)).size, GOOD + 1, 'each photo once in the summary');
  for (const line of lines.filter((l) => l.status === 'done')) {
    assert.equal(line.faces, 1, JSON.stringify(line));
    assert.match(line.worker, /:\d+$/);
    assert.deepEqual((await readdir(join(r.out, line.folder), { recursive: true })).sort(), ['face0', 'face0/params.json', 'manifest.json']);
  }
  assert.match(r.batch.output.stderr, /31\/31 photos, [\d.]+ photos\/s, 30 faces, 1 error/);
});

test('queue: a worker killed mid-job loses nothing: its photo is taken up by another worker', { skip }, async () => {
  const r = await run!;
  const [killedPhoto] = workerLog(r.doomed.output.stderr).started;
  assert.deepEqual(workerLog(r.doomed.output.stderr).done, [], 'killed before it finished its photo');
  const doneBy = r.workers.filter((w) => workerLog(w.output.stderr).done.includes(killedPhoto));
  assert.equal(doneBy.length, 1, `${killedPhoto} done by exactly one of the other workers`);
  const line = (await readFile(join(r.out, 'summary.jsonl'), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((l) => l.folder === killedPhoto);
  assert.equal(line?.status, 'done');
});

test('queue: a corrupt photo ends in the dead-letter list with its error after the retries', { skip }, async () => {
  const r = await run!;
  assert.equal(r.dead.length, 1, JSON.stringify(r.dead));
  const [entry] = r.dead;
  assert.equal(entry.folder, 'p11-corrupt');
  assert.match(entry.error, /p11-corrupt\.jpg: not an image/);
  assert.equal(entry.attempts, 3);
  assert.deepEqual(r.failed, [{ name: 'p11-corrupt', attemptsMade: 3 }]);
  const tries = r.workers.flatMap((w) => workerLog(w.output.stderr).started.filter((f) => f === 'p11-corrupt'));
  assert.equal(tries.length, 3, 'tried three times (--attempts default)');
  const line = (await readFile(join(r.out, 'summary.jsonl'), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((l) => l.folder === 'p11-corrupt');
  assert.equal(line.status, 'error');
  assert.match(line.error, /not an image/);
});
