import { parseArgs } from 'node:util';

export interface CliOptions {
  images: string[];
  out: string;
  maxFaces?: number;
  model?: string;
  json: boolean;
  /** Skip the photometric refinement (skin mask, lighting, albedo): geometry from the landmarks only. */
  landmarksOnly: boolean;
  help: boolean;
  version: boolean;
}

export const USAGE = `Usage: facerecon <image...> [options]

Reconstructs a 3D head for every face in each photo.

Options:
  -o, --out <dir>       output folder (default: ./facerecon-out); with several images,
                        one sub-folder per image
  -n, --max-faces <n>   reconstruct at most n faces per image (largest first)
  -m, --model <path>    ICT-FaceKit folder (or its FaceXModel folder); default: $FACERECON_MODEL,
                        then ../shared/ict-facekit, then a download of the upstream release
      --landmarks-only  fit the geometry to the landmarks only (faster; no lighting, albedo.png,
                        shading.png, skin.png or compare.png, and texture.png is the raw photo)
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
        model: { type: 'string', short: 'm' },
        json: { type: 'boolean', default: false },
        'landmarks-only': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  let maxFaces: number | undefined;
  if (v['max-faces'] !== undefined) {
    maxFaces = Number(v['max-faces']);
    if (!Number.isInteger(maxFaces) || maxFaces < 1) throw new UsageError(`--max-faces must be a positive whole number, got "${v['max-faces']}"`);
  }
  const options: CliOptions = {
    images: parsed.positionals,
    out: v.out ?? 'facerecon-out',
    maxFaces,
    model: v.model,
    json: Boolean(v.json),
    landmarksOnly: Boolean(v['landmarks-only']),
    help: Boolean(v.help),
    version: Boolean(v.version),
  };
  if (!options.help && !options.version && options.images.length === 0) throw new UsageError('no image given');
  return options;
}
