/**
 * The web app against the command line on the same photo (opt-in: npm run bench -- --web-only):
 * the page built and served on 127.0.0.1, in the system's headless Chromium (no GPU here: the page
 * runs on wasm), the photo reconstructed through the page's file input `reps` times after a cold
 * run, each stage's time from the page; the command line as a process on the same photo with the
 * same outputs (head.glb, mesh.obj + mtl, albedo.png, eyes.png, params.json), wall time and its
 * params.json stage times. Then live mode on the fake camera (a clip of the photo's head turning):
 * frames per second over `liveSeconds`. With `webgpu`, one more run of the photo in a page asked
 * for the WebGPU backend (?backend=webgpu), where the browser has an adapter.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildWeb } from '../web/build.js';
import { fakeCameraFlags, launchChromium, pageStages, serveStatic, uploadPhoto } from '../test/helpers/browser.js';
import { writeTurningHeadClip } from '../test/helpers/turning-head-clip.js';

export interface WebBenchResult {
  photo: string;
  buildMs: number;
  backend: string;
  /** Per run (the first is cold): wall milliseconds from choosing the photo to the page being done, and its stages. */
  page: { wallMs: number; stages: Record<string, number> }[];
  cli: { wallMs: number; stages: Record<string, number> }[];
  live: { fps: number; seconds: number; poses: number };
  /** The photo once in a page on WebGPU (when asked for): its backend line, wall milliseconds and stages. */
  webgpu?: { backend: string; wallMs: number; stages: Record<string, number> };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function runWebBench({ photo, cli, reps = 2, liveSeconds = 15, webgpu = false }: {
  photo: string; cli: string; reps?: number; liveSeconds?: number; webgpu?: boolean;
}): Promise<{ result: WebBenchResult; text: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'facerecon-web-bench-'));
  try {
    let t0 = performance.now();
    await buildWeb(join(dir, 'site'));
    const buildMs = performance.now() - t0;
    const clipFile = join(dir, 'clip.y4m');
    await writeTurningHeadClip(clipFile, photo);
    const server = await serveStatic(join(dir, 'site'));
    const browser = await launchChromium(fakeCameraFlags(clipFile));
    const page = await browser.context.newPage();
    const pageRuns: WebBenchResult['page'] = [];
    let live: WebBenchResult['live'];
    let backend: string;
    let gpuRun: WebBenchResult['webgpu'];
    try {
      await page.goto(server.url);
      await page.waitForSelector('#status[data-state="ready"]', { timeout: 300_000 });
      backend = (await page.textContent('#backend')) ?? '';
      for (let r = 0; r <= reps; r++) {
        t0 = performance.now();
        const outcome = await uploadPhoto(page, photo);
        if (outcome.state !== 'done') throw new Error(`the page failed: ${outcome.text}`);
        pageRuns.push({ wallMs: performance.now() - t0, stages: Object.fromEntries(await pageStages(page)) });
      }
      await page.click('#live-toggle');
      await page.waitForTimeout(liveSeconds * 1000);
      const log = await page.evaluate(() => (window as unknown as { facereconLive: { t: number }[] }).facereconLive.map((p) => p.t));
      await page.click('#live-toggle');
      const seconds = log.length > 1 ? (log.at(-1)! - log[0]!) / 1000 : 0;
      live = { fps: seconds > 0 ? (log.length - 1) / seconds : 0, seconds, poses: log.length };
      if (webgpu) {
        await page.goto(`${server.url}?backend=webgpu`);
        await page.waitForSelector('#status[data-state="ready"]', { timeout: 300_000 });
        t0 = performance.now();
        const outcome = await uploadPhoto(page, photo);
        if (outcome.state !== 'done') throw new Error(`the page on WebGPU failed: ${outcome.text}`);
        gpuRun = { backend: (await page.textContent('#backend')) ?? '', wallMs: performance.now() - t0, stages: Object.fromEntries(await pageStages(page)) };
      }
    } finally {
      await browser.close();
      await server.close();
    }
    const cliRuns: WebBenchResult['cli'] = [];
    for (let r = 0; r <= reps; r++) {
      const out = join(dir, `cli-${r}`);
      t0 = performance.now();
      await new Promise<void>((resolve, reject) => execFile(process.execPath, ['--import', 'tsx', cli, photo, '--out', out, '--jobs', '1',
        '--outputs', 'head.glb,mesh.obj,albedo.png,eyes.png'], (err, _o, stderr) => (err ? reject(new Error(stderr)) : resolve())));
      const wallMs = performance.now() - t0;
      const params = JSON.parse(await readFile(join(out, 'face0', 'params.json'), 'utf8')) as { timingsMs: Record<string, number> };
      cliRuns.push({ wallMs, stages: params.timingsMs });
    }
    const result: WebBenchResult = { photo, buildMs, backend, page: pageRuns, cli: cliRuns, live, webgpu: gpuRun };
    return { result, text: webBenchTable(result) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function webBenchTable(r: WebBenchResult): string {
  const warm = <T>(runs: T[]) => (runs.length > 1 ? runs.slice(1) : runs);
  const pageStage = (name: string) => median(warm(r.page).map((p) => p.stages[name] ?? 0));
  const cliStage = (name: string) => median(warm(r.cli).map((p) => p.stages[name] ?? 0));
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`.padStart(9);
  const pageWall = median(warm(r.page).map((p) => p.wallMs)), cliWall = median(warm(r.cli).map((p) => p.wallMs));
  const rows: [string, number, number][] = [
    ['detection + landmarks', pageStage('detection'), cliStage('perceptionImage')],
    ['landmark fit', pageStage('fit'), cliStage('fit')],
    ['skin mask', pageStage('skin'), cliStage('skin')],
    ['photometric', pageStage('photometric'), cliStage('photometric')],
    ['texture and files', pageStage('outputs'), cliStage('export')],
    ['wall time (page: choose to done; CLI: the process)', pageWall, cliWall],
  ];
  return [
    `web app vs command line, ${r.photo.split('/').at(-1)} (median of ${Math.max(1, r.page.length - 1)} warm runs; build ${s(r.buildMs).trim()}; ${r.backend})`,
    `${'stage'.padEnd(52)}     page       CLI`,
    ...rows.map(([name, page, cli]) => `${name.padEnd(52)}${s(page)} ${s(cli)}`),
    `page / CLI wall time: ${(pageWall / cliWall).toFixed(2)}; cold page run ${s(r.page[0]!.wallMs).trim()}`,
    `live mode: ${r.live.fps.toFixed(1)} frames/s (${r.live.poses} poses over ${r.live.seconds.toFixed(1)} s)`,
    ...(r.webgpu ? [`on WebGPU (one run; ${r.webgpu.backend}): ${s(r.webgpu.wallMs).trim()}, detection + landmarks ${s(r.webgpu.stages.detection ?? 0).trim()}`] : []),
  ].join('\n');
}
