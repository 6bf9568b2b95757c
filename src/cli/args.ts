import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { OptionError } from '../base/options.js';
import { DETECT_DEFAULTS } from '../perception/options.js';
import { expandReconstructOptions, type ReconstructOptions } from '../pipeline/options.js';

export interface CliOptions {
  images: string[];
  out: string;
  model?: string;
  json: boolean;
  /** Worker threads for several images (each loads the model and networks once); 1 = this thread only. */
  jobs: number;
  /** The reconstruction options the flags set (checked; defaults not filled in). */
  reconstruct: ReconstructOptions;
  help: boolean;
  version: boolean;
}

/** Flags that set a number in the options tree, with the option's path there. */
const OPTION_FLAGS: Record<string, { option: string; set: (o: ReconstructOptions, value: number) => void }> = {
  'max-faces': { option: 'detection.maxFaces', set: (o, n) => { (o.detection ??= {}).maxFaces = n; } },
  'min-face-size': { option: 'detection.minFaceSize', set: (o, n) => { (o.detection ??= {}).minFaceSize = n; } },
};

export const USAGE = `Usage: facerecon <image...> [options]

Reconstructs a 3D head for every face in each photo.

Options:
  -o, --out <dir>       output folder (default: ./facerecon-out); with several images,
                        one sub-folder per image
  -n, --max-faces <n>   reconstruct at most n faces per image (largest first)
      --min-face-size <px>
                        smallest face to look for, pixels (default ${DETECT_DEFAULTS.minFaceSize}; smaller is slower)
  -m, --model <path>    ICT-FaceKit folder (or its FaceXModel folder); default: $FACERECON_MODEL,
                        then ../shared/ict-facekit, then a download of the upstream release
      --landmarks-only  fit the geometry to the landmarks only (faster; no lighting, albedo.png,
                        shading.png, skin.png or compare.png, and texture.png is the raw photo)
  -j, --jobs <n>        with several images, reconstruct n at a time in worker threads
                        (default: the number of CPU cores, ${availableParallelism()} here)
      --json            print a JSON summary on stdout instead of progress lines
  -h, --help            show this help
  -v, --version         print the version
`;

export class UsageError extends Error {}

export function parseCli(argv: string[]): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: 'string', short: 'o' },
        'max-faces': { type: 'string', short: 'n' },
        'min-face-size': { type: 'string' },
        model: { type: 'string', short: 'm' },
        json: { type: 'boolean', default: false },
        jobs: { type: 'string', short: 'j' },
        'landmarks-only': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  const reconstruct: ReconstructOptions = v['landmarks-only'] ? { photometric: false } : {};
  for (const [flag, { set }] of Object.entries(OPTION_FLAGS)) {
    const text = v[flag as keyof typeof v];
    if (typeof text === 'string') set(reconstruct, text.trim() === '' ? NaN : Number(text));
  }
  try {
    expandReconstructOptions(reconstruct);
  } catch (err) {
    // The option's own message, in the flag's words: "--max-faces must be an integer >= 1 (got "zero")".
    const flag = Object.keys(OPTION_FLAGS).find((f) => err instanceof OptionError && OPTION_FLAGS[f].option === err.option);
    if (!flag) throw err;
    const message = (err as OptionError).message.replace(OPTION_FLAGS[flag].option, `--${flag}`);
    throw new UsageError(message.replace(/\(got [^)]*\)$/, `(got "${v[flag as keyof typeof v]}")`));
  }
  const jobs = v.jobs === undefined ? availableParallelism() : Number(v.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`--jobs must be an integer >= 1 (got "${v.jobs}")`);
  const options: CliOptions = {
    images: parsed.positionals,
    out: v.out ?? 'facerecon-out',
    model: v.model,
    json: Boolean(v.json),
    jobs,
    reconstruct,
    help: Boolean(v.help),
    version: Boolean(v.version),
  };
  if (!options.help && !options.version && options.images.length === 0) throw new UsageError('no image given');
  return options;
}
