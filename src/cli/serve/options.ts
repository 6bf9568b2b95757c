import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { UsageError } from '../args.js';

export interface ServeOptions {
  port: number;
  host: string;
  /** Largest upload, bytes. */
  maxBytes: number;
  /** Largest photo, pixels (width x height as stored, before any downscaling). */
  maxPixels: number;
  /** Worker threads, each reconstructing one photo at a time. */
  jobs: number;
  /** Jobs waiting for a worker beyond the running ones; more get 429. */
  queue: number;
  /** Finished jobs kept (records and files); the oldest beyond are deleted. */
  keep: number;
  /** Folder of the jobs' files; absent: a temporary folder removed at exit. */
  out?: string;
  model?: string;
  help: boolean;
}

export const SERVE_DEFAULTS = { host: '127.0.0.1', maxBytes: 20 * 1024 * 1024, maxPixels: 25_000_000, keep: 100 };

export const SERVE_USAGE = `Usage: facerecon serve --port <n> [options]

An HTTP service for the same work: POST /jobs with a photo's bytes as the body, then
GET /jobs/<id> and GET /jobs/<id>/files/<path>. See the README for the endpoints.

Options:
  -p, --port <n>          port to listen on (0: any free port; the address is printed)
      --host <addr>       address to listen on (default ${SERVE_DEFAULTS.host})
      --max-bytes <n>     largest upload in bytes (default ${SERVE_DEFAULTS.maxBytes}, 20 MiB)
      --max-pixels <n>    largest photo in pixels, width x height (default ${SERVE_DEFAULTS.maxPixels})
  -j, --jobs <n>          photos reconstructed at once, in worker threads (default: the number
                          of CPU cores, ${availableParallelism()} here)
      --queue <n>         jobs waiting beyond those; more are refused with 429 (default 4 x jobs)
      --keep <n>          finished jobs kept with their files, the oldest deleted (default ${SERVE_DEFAULTS.keep})
  -o, --out <dir>         folder of the jobs' files, one sub-folder per job (default: a temporary
                          folder, removed when the service stops)
  -m, --model <path>      ICT-FaceKit folder (as for facerecon <image>)
  -h, --help              show this help

SIGTERM or Ctrl-C stops taking jobs (503), finishes the running and queued ones, then exits 0;
a second signal exits at once.
`;

export function parseServeArgs(argv: string[]): ServeOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        port: { type: 'string', short: 'p' },
        host: { type: 'string', default: SERVE_DEFAULTS.host },
        'max-bytes': { type: 'string' },
        'max-pixels': { type: 'string' },
        jobs: { type: 'string', short: 'j' },
        queue: { type: 'string' },
        keep: { type: 'string' },
        out: { type: 'string', short: 'o' },
        model: { type: 'string', short: 'm' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  if (v.help) return { ...SERVE_DEFAULTS, port: 0, jobs: 1, queue: 0, help: true };
  if (v.port === undefined) throw new UsageError('--port is required (0 for any free port)');
  const integer = (flag: string, text: string | undefined, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    if (text === undefined) return fallback;
    const n = text.trim() === '' ? NaN : Number(text);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${flag} must be an integer from ${min} to ${max} (got "${text}")`);
    return n;
  };
  const jobs = integer('jobs', v.jobs, availableParallelism(), 1, 64);
  return {
    port: integer('port', v.port, 0, 0, 65535),
    host: v.host,
    maxBytes: integer('max-bytes', v['max-bytes'], SERVE_DEFAULTS.maxBytes, 1),
    maxPixels: integer('max-pixels', v['max-pixels'], SERVE_DEFAULTS.maxPixels, 1),
    jobs,
    queue: integer('queue', v.queue, 4 * jobs, 0),
    keep: integer('keep', v.keep, SERVE_DEFAULTS.keep, 1),
    out: v.out,
    model: v.model,
    help: false,
  };
}
