/**
 * Batch throughput: photos per second of `facerecon batch` on 1 and 2 worker threads over the same
 * photos (the target: 2 workers at least 1.7x of 1, on 50 photos).
 *
 *   npm run bench -- --batch-only                 # or BENCH_ONLY=batch; not part of the default run
 *   BENCH_BATCH_PHOTOS=20 BENCH_BATCH_JOBS=1,2 BENCH_BATCH_ARGS="--landmarks-only" npm run bench -- --batch-only
 *
 * The photos are the two sample portraits at 30 sizes between 360 and 650 px wide, made once into a
 * temporary folder; each run writes every output (the command's default) into a fresh folder. The
 * rate is the steady one, from the summary's finish times: the photos after the first n (n
 * workers) over the time from the n-th to the last, so loading the model and networks (once per
 * thread) is left out; the wall time of the whole command is reported beside it.
 *
 * Then one group photo through the plain command with --jobs 1 and 2 (BENCH_SPLIT_PHOTO, default
 * group1.jpg; BENCH_SPLIT_ARGS, default none): with 2 the threads share the photo's faces.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';

export interface BatchThroughput {
  jobs: number;
  photos: number;
  photosPerSecond: number;
  wallSeconds: number;
  errors: number;
}

export async function runBatchThroughputBench(options: { imagesDir: string; cli: string }): Promise<BatchThroughput[]> {
  const count = Number(process.env.BENCH_BATCH_PHOTOS ?? 50);
  const jobsList = (process.env.BENCH_BATCH_JOBS ?? '1,2').split(',').map(Number);
  const extra = (process.env.BENCH_BATCH_ARGS ?? '').split(/\s+/).filter(Boolean);
  const dir = await mkdtemp(join(tmpdir(), 'facerecon-bench-batch-'));
  try {
    const photos = join(dir, 'photos');
    await mkdir(photos);
    const sources = ['grace_hopper.jpg', 'astronaut.png'].map((n) => join(options.imagesDir, n));
    for (let i = 0; i < count; i++) {
      await sharp(sources[i % 2]).resize({ width: 360 + (i % 30) * 10 }).jpeg({ quality: 90 }).toFile(join(photos, `p${String(i).padStart(3, '0')}.jpg`));
    }
    const results: BatchThroughput[] = [];
    for (const jobs of jobsList) {
      const out = join(dir, `out-${jobs}`);
      const { code, wallSeconds } = await runCli(options.cli, ['batch', photos, '--out', out, '--jobs', String(jobs), ...extra]);
      const lines = (await readFile(join(out, 'summary.jsonl'), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l));
      const ends = lines.map((l) => Date.parse(l.finishedAt)).sort((a, b) => a - b);
      const n = Math.min(jobs, ends.length - 1);
      const photosPerSecond = (ends.length - n) / ((ends[ends.length - 1] - ends[n - 1]) / 1000);
      const errors = lines.filter((l) => l.status !== 'done').length;
      if (code !== 0) process.stderr.write(`bench: batch --jobs ${jobs} exited ${code}\n`);
      results.push({ jobs, photos: lines.length, photosPerSecond, wallSeconds, errors });
    }
    return results;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** One run of the command line: its exit code and wall time. */
async function runCli(cli: string, args: string[]): Promise<{ code: number | null; wallSeconds: number }> {
  const t0 = performance.now();
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('close', resolve);
  });
  return { code, wallSeconds: (performance.now() - t0) / 1000 };
}

export interface FaceSplit {
  photo: string;
  jobs: number;
  faces: number;
  wallSeconds: number;
}

/** One photo of several faces through `facerecon <photo>` with each --jobs in BENCH_BATCH_JOBS: the whole command's wall time. */
export async function runFaceSplitBench(options: { imagesDir: string; cli: string }): Promise<FaceSplit[]> {
  const photo = process.env.BENCH_SPLIT_PHOTO ?? 'group1.jpg';
  const extra = (process.env.BENCH_SPLIT_ARGS ?? '').split(/\s+/).filter(Boolean);
  const jobsList = (process.env.BENCH_BATCH_JOBS ?? '1,2').split(',').map(Number);
  const dir = await mkdtemp(join(tmpdir(), 'facerecon-bench-split-'));
  try {
    const results: FaceSplit[] = [];
    for (const jobs of jobsList) {
      const out = join(dir, `out-${jobs}`);
      const { code, wallSeconds } = await runCli(options.cli, [join(options.imagesDir, photo), '--out', out, '--jobs', String(jobs), ...extra]);
      if (code !== 0) process.stderr.write(`bench: ${photo} --jobs ${jobs} exited ${code}\n`);
      const faces = (await readdir(out).catch(() => [])).filter((name) => /^face\d+$/.test(name)).length;
      results.push({ photo, jobs, faces, wallSeconds });
    }
    return results;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function faceSplitTable(results: FaceSplit[]): string {
  const base = results.find((r) => r.jobs === 1)?.wallSeconds;
  const lines = ['one photo\'s faces shared between threads (wall of the whole command, model and networks loading included):',
    `${'photo'.padEnd(12)} ${'workers'.padStart(7)} ${'faces'.padStart(5)} ${'wall s'.padStart(7)} ${'x of 1'.padStart(7)}`];
  for (const r of results) {
    lines.push(`${r.photo.padEnd(12)} ${String(r.jobs).padStart(7)} ${String(r.faces).padStart(5)} ${r.wallSeconds.toFixed(1).padStart(7)} ` +
      `${(base ? (base / r.wallSeconds).toFixed(2) : '-').padStart(7)}`);
  }
  return lines.join('\n');
}

export function batchThroughputTable(results: BatchThroughput[]): string {
  const base = results.find((r) => r.jobs === 1)?.photosPerSecond;
  const lines = ['batch throughput (steady photos/s from the summary\'s finish times; wall = the whole command):',
    `${'workers'.padEnd(8)} ${'photos'.padStart(6)} ${'photos/s'.padStart(9)} ${'x of 1'.padStart(7)} ${'wall s'.padStart(7)} errors`];
  for (const r of results) {
    lines.push(`${String(r.jobs).padEnd(8)} ${String(r.photos).padStart(6)} ${r.photosPerSecond.toFixed(3).padStart(9)} ` +
      `${(base ? (r.photosPerSecond / base).toFixed(2) : '-').padStart(7)} ${r.wallSeconds.toFixed(1).padStart(7)} ${r.errors}`);
  }
  return lines.join('\n');
}
