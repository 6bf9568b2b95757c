import { parseFlags, RECONSTRUCT_FLAGS, RECONSTRUCT_USAGE, reconstructFlags, text, UsageError } from '../args.js';
import type { PhotoJobOptions } from '../photo-runner.js';

export interface BatchOptions {
  inputs: string[];
  out: string;
  model?: string;
  jobs: number;
  job: PhotoJobOptions;
  /** redis://host:port: enqueue the photos for `facerecon worker`s instead of reconstructing here. */
  queue?: string;
  /** Queue mode: tries per photo before it goes to the dead-letter list. */
  attempts: number;
  help: boolean;
}

export const BATCH_USAGE = `Usage: facerecon batch <folder|manifest.txt|'glob'|photo...> --out <dir> [options]

Reconstructs every photo into its own folder under --out and writes --out/summary.jsonl (one line
per photo: faces, timings, error). Run again to resume: finished photos are skipped, failed and
interrupted ones done again. A bad photo is logged and the batch goes on (exit code 1 at the end).

Inputs: a folder (walked recursively for .jpg .jpeg .png .webp .tif .tiff .avif .gif .heic), a
manifest .txt (one path per line, relative to its folder, # comments), a quoted glob ('shots/**/*.jpg'),
or photo files. A photo's folder is its path relative to its input, without the extension.

Options:
  -o, --out <dir>       output folder (default: ./facerecon-out)
  -j, --jobs <n>        reconstruct n photos at a time in worker threads (default: the number of CPU cores)
  -n, --max-faces <n>   reconstruct at most n faces per photo (largest first)
      --min-face-size <px>  smallest face to look for, pixels
  -m, --model <path>    ICT-FaceKit folder (or its FaceXModel folder)
${RECONSTRUCT_USAGE}      --queue <redis://host:port>
                        enqueue the photos for \`facerecon worker --queue\` processes (on this or
                        other machines, sharing --out and the photos at the same paths), then follow
                        them and write summary.jsonl; Ctrl-C stops following, the jobs stay queued
      --attempts <n>    with --queue: tries per photo before it goes to the dead-letter list (default 3)
  -h, --help            show this help
`;

export function parseBatchArgs(argv: string[]): BatchOptions {
  const parsed = parseFlags(argv, {
    ...RECONSTRUCT_FLAGS,
    queue: { type: 'string' },
    attempts: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  const v = parsed.values;
  const { reconstruct, outputs, jobs } = reconstructFlags(v);
  const attemptsText = text(v, 'attempts');
  const attempts = attemptsText === undefined ? 3 : Number(attemptsText);
  if (!Number.isInteger(attempts) || attempts < 1) throw new UsageError(`--attempts must be an integer >= 1 (got "${attemptsText}")`);
  const queue = text(v, 'queue');
  if (queue !== undefined && !/^rediss?:\/\//.test(queue)) throw new UsageError(`--queue must be a redis:// URL (got "${queue}")`);
  const options: BatchOptions = {
    inputs: parsed.positionals, out: text(v, 'out') ?? 'facerecon-out', model: text(v, 'model'), jobs,
    job: { reconstruct, ...(outputs ? { outputs } : {}) }, queue, attempts, help: Boolean(v.help),
  };
  if (!options.help && options.inputs.length === 0) throw new UsageError('no photos given (a folder, a manifest .txt, a glob or photo files)');
  return options;
}
