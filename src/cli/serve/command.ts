import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { removeOpenStagingsSync } from '../../io/output-dir.js';
import { usageFailure } from '../args.js';
import { createPhotoRunner } from '../photo-runner.js';
import { serveApp } from './app.js';
import { JobQueue } from './job-queue.js';
import { parseServeArgs, SERVE_USAGE, type ServeOptions } from './options.js';

/**
 * `facerecon serve`: the HTTP service. Runs until SIGTERM or SIGINT, then stops taking jobs,
 * finishes those it took (answering status and file requests meanwhile) and resolves to 0.
 */
export async function serveCommand(argv: string[]): Promise<number> {
  let options: ServeOptions;
  try {
    options = parseServeArgs(argv);
  } catch (err) {
    return usageFailure(err, SERVE_USAGE);
  }
  if (options.help) { process.stdout.write(SERVE_USAGE); return 0; }
  const log = (line: string) => process.stderr.write(`${line}\n`);

  const stop = stopSignal();
  const temporary = options.out === undefined;
  const outDir = options.out === undefined ? await mkdtemp(join(tmpdir(), 'facerecon-serve-')) : resolve(options.out);
  const removeTemporary = () => rmSync(outDir, { recursive: true, force: true });
  if (temporary) process.on('exit', removeTemporary); // also after a second signal's exit
  // Always in worker threads, even one: this thread answers the requests meanwhile.
  const runner = await createPhotoRunner({ model: options.model, threads: options.jobs, progress: true, log });
  const queue = new JobQueue(runner, outDir, { running: options.jobs, queued: options.queue, keep: options.keep });
  const app = serveApp(queue, { maxBytes: options.maxBytes, maxPixels: options.maxPixels });
  try {
    const address = await app.listen({ port: options.port, host: options.host });
    // The one line on stdout, for scripts and tests started with --port 0.
    process.stdout.write(`facerecon serve: listening on ${address}\n`);
    log(`up to ${options.jobs} job(s) running and ${options.queue} queued; jobs' files in ${outDir}${temporary ? ' (temporary)' : ''}`);
    const signal = await stop;
    const { running, queued } = queue.stats;
    log(`${signal}: finishing ${running} running and ${queued} queued job(s), then exiting (another signal exits at once)`);
    await queue.drain();
    return 0;
  } finally {
    await app.close();
    await runner.close();
    if (temporary) { removeTemporary(); process.off('exit', removeTemporary); }
  }
}

/**
 * Resolves with the first SIGTERM or SIGINT's name; a second one exits at once (130 or 143, as
 * shells expect), leaving no temporary output folder.
 */
function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let stopping = false;
    for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
      process.on(signal, () => {
        if (stopping) {
          removeOpenStagingsSync();
          process.exit(code);
        }
        stopping = true;
        resolve(signal);
      });
    }
  });
}
