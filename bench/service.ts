/**
 * The HTTP service under a bounded load on 127.0.0.1 (`npm run bench -- --service`): starts
 * `facerecon serve` as a user would, warms each worker with one photo, then `clients` clients each
 * post a photo and wait for its job, again and again, until `requests` jobs are done. Reports
 * photos per second (jobs done over the wall time of the load) and the latency of a job (posted ->
 * done, as a client sees it) with its parts from the job records (queue wait, reconstruction).
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

export interface ServiceBenchOptions {
  /** Photos posted in turn. */
  photos: string[];
  /** Jobs measured (after the warm-up). */
  requests: number;
  /** Clients posting at once: the load's bound. */
  clients: number;
  /** The service's worker threads (--jobs). */
  jobs: number;
  /** Query string of every post, e.g. 'landmarks-only=1'. */
  query?: string;
}

export interface ServiceBenchResult {
  text: string;
  record: Record<string, unknown>;
}

const CLI = new URL('../src/cli/main.ts', import.meta.url).pathname;

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
}

interface Sample {
  photo: string;
  latencyMs: number;
  queueMs: number;
  runMs: number;
  faces: number;
}

/** The base URL a `facerecon serve` child prints when it listens; rejects with `failure()` if it exits first. */
export function listeningAddress(server: ChildProcessByStdio<null, Readable, Readable>, exited: Promise<unknown>, failure: () => string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let stdout = '';
    server.stdout.on('data', (d) => {
      stdout += d;
      const m = /listening on (http:\/\/\S+)/.exec(stdout);
      if (m) resolve(m[1]);
    });
    void exited.then(() => reject(new Error(failure())));
  });
}

export async function runServiceBench(options: ServiceBenchOptions): Promise<ServiceBenchResult> {
  const { photos, requests, clients, jobs } = options;
  const bodies = await Promise.all(photos.map((p) => readFile(p)));
  // A queue as long as the clients: the bound is the clients', so no job is refused.
  const server = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--port', '0', '--jobs', String(jobs), '--queue', String(clients)],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  server.stderr.on('data', (d) => { stderr += d; });
  const exited = once(server, 'exit');
  try {
    const base = await listeningAddress(server, exited, () => `facerecon serve exited before listening: ${stderr}`);
    const query = options.query ? `&${options.query}` : '';
    const job = async (i: number): Promise<Sample> => {
      const k = i % bodies.length;
      const t0 = performance.now();
      const posted = await fetch(`${base}/jobs?wait=600${query}`, { method: 'POST', body: bodies[k] as BodyInit });
      let record = await posted.json() as Record<string, any>;
      while (record.status === 'queued' || record.status === 'running') {
        record = await (await fetch(`${base}/jobs/${record.id}?wait=600`)).json() as Record<string, any>;
      }
      const latencyMs = performance.now() - t0;
      if (record.status !== 'done') throw new Error(`${photos[k]}: job ${record.id} ${record.status}: ${JSON.stringify(record.error)}`);
      const at = (s: string) => Date.parse(record[s]);
      return { photo: basename(photos[k]), latencyMs, queueMs: at('startedAt') - at('createdAt'), runMs: at('finishedAt') - at('startedAt'), faces: record.faces.length };
    };
    // Warm-up: one job per worker (each thread's first job also warms its kernels and JIT).
    await Promise.all(Array.from({ length: jobs }, (_, i) => job(i)));
    const samples: Sample[] = [];
    let next = 0;
    const start = performance.now();
    await Promise.all(Array.from({ length: clients }, async () => {
      while (next < requests) samples.push(await job(next++));
    }));
    const wallMs = performance.now() - start;

    const photosPerSecond = samples.length / (wallMs / 1000);
    const lat = samples.map((s) => s.latencyMs);
    const f0 = (x: number) => x.toFixed(0);
    const row = (name: string, xs: number[]) =>
      `  ${name.padEnd(22)} p50 ${f0(percentile(xs, 50)).padStart(6)}  p95 ${f0(percentile(xs, 95)).padStart(6)}  max ${f0(Math.max(...xs)).padStart(6)} ms`;
    const text = [
      `facerecon service bench — ${new Date().toISOString()}`,
      `facerecon serve --jobs ${jobs} on 127.0.0.1; ${clients} clients each posting and waiting; ${samples.length} jobs after ${jobs} warm-up; ` +
        `photos ${photos.map((p) => basename(p)).join(', ')} in turn${options.query ? `; ${options.query}` : ''}`,
      `  throughput ${photosPerSecond.toFixed(3)} photos/s (${samples.length} in ${(wallMs / 1000).toFixed(1)} s), ` +
        `${(samples.reduce((a, s) => a + s.faces, 0) / (wallMs / 1000)).toFixed(3)} faces/s`,
      row('latency (post -> done)', lat),
      row('queue wait', samples.map((s) => s.queueMs)),
      row('reconstruction', samples.map((s) => s.runMs)),
    ].join('\n');
    return {
      text,
      record: {
        date: new Date().toISOString(), jobs, clients, requests: samples.length, query: options.query ?? '', photos: photos.map((p) => basename(p)),
        wallMs, photosPerSecond, latencyMs: { p50: percentile(lat, 50), p95: percentile(lat, 95), max: Math.max(...lat) }, samples,
      },
    };
  } finally {
    server.kill('SIGTERM');
    await exited;
  }
}
