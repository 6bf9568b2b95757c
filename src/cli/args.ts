import { availableParallelism } from 'node:os';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { OptionError } from '../base/options.js';
import { DETECT_DEFAULTS } from '../perception/options.js';
import { expandReconstructOptions, type ReconstructOptions } from '../pipeline/options.js';
import { DEFAULT_OUTPUTS, ON_REQUEST_OUTPUTS, OUTPUT_NAMES, type OutputName } from '../pipeline/outputs.js';

export interface CliOptions {
  images: string[];
  out: string;
  model?: string;
  json: boolean;
  /** Worker threads for several images (each loads the model and networks once); 1 = this thread only. */
  jobs: number;
  /** The reconstruction options the flags set (checked; defaults not filled in). */
  reconstruct: ReconstructOptions;
  /** --outputs: the files to write (params.json always); undefined = all. */
  outputs?: OutputName[];
  /** --person: the images are photos of one person, reconstructed as one head. */
  person: boolean;
  /** --face: which face of each photo (0 = largest), one number or one per photo. */
  face?: number[];
  /** --frames: a folder or glob of a sequence's frames (a video is given as the image). */
  frames?: string;
  /** --fps: the frame rate of --frames' images. */
  fps: number;
  help: boolean;
  version: boolean;
}

/** Flags that set a number in the options tree, with the option's path there. */
const OPTION_FLAGS: Record<string, { option: string; set: (o: ReconstructOptions, value: number) => void }> = {
  'max-faces': { option: 'detection.maxFaces', set: (o, n) => { (o.detection ??= {}).maxFaces = n; } },
  'min-face-size': { option: 'detection.minFaceSize', set: (o, n) => { (o.detection ??= {}).minFaceSize = n; } },
};

/** The help text of the flags every command that reconstructs shares (see reconstructFlags). */
export const RECONSTRUCT_USAGE = `      --landmarks-only  fit the geometry to the landmarks only (faster; no lighting, albedo.png,
                        shading.png, skin.png or compare.png, and texture.png is the raw photo)
      --detail          add the detail band (HRN's fine band): displacement.png, normal.png
                        (referenced by mesh.mtl), detail.png, wrinkles' shading out of albedo.png
      --no-detail       the coarse head alone (the default for now)
      --detail-mesh     with --detail, the head with its detail as geometry: detail-mesh.obj (+ .mtl)
                        and detail-mesh.ply, the face cut into triangles of about 0.8 mm (tens of MB)
      --mid             add the mid band (xyz offsets over the face from shading, landmarks and the
                        face outline, in every mesh; deformation.png); on with --detail
      --no-mid          leave the mid band out (also with --detail)
      --outputs <list>  write only these, comma-separated (params.json always; default all but
                        the detail meshes):
                        ${OUTPUT_NAMES.filter((n) => n !== 'params.json').join(', ')}
                        (mesh.obj brings mesh.mtl; identity = params.json's identitySimilarity)
`;

export const USAGE = `Usage: facerecon <image...> [options]
       facerecon <video> [options]                                       (tracks one person: see "Video" below)
       facerecon --frames <folder|glob> [--fps n] [options]              (the same for a sequence of images)
       facerecon batch <folder|manifest.txt|glob> --out <dir> [options]   (see facerecon batch --help)
       facerecon worker --queue <redis://host:port> [options]            (see facerecon worker --help)
       facerecon serve --port <n> [options]                              (an HTTP service: see facerecon serve --help)
       facerecon animate <photo> --expression <photo|preset|weights.json> (expression transfer: see facerecon animate --help)

Reconstructs a 3D head for every face in each photo.

Options:
  -o, --out <dir>       output folder (default: ./facerecon-out); with several images,
                        one sub-folder per image
  -n, --max-faces <n>   reconstruct at most n faces per image (largest first)
      --min-face-size <px>
                        smallest face to look for, pixels (default ${DETECT_DEFAULTS.minFaceSize}; smaller is slower)
  -m, --model <path>    ICT-FaceKit folder (or its FaceXModel folder); default: $FACERECON_MODEL,
                        then ../shared/ict-facekit, then a download of the upstream release
${RECONSTRUCT_USAGE}      --person          the images (files or folders of them) are photos of one person: one head
                        with one identity, each photo its own pose, expression and light, in one
                        folder; a photo of someone else or whose fit fails is left out, with its reason
      --face <k>        with --person: use face k of each photo (0 = the largest, the default), or
                        one number per photo (--face 0,2,0)
      --frames <folder|glob>
                        a sequence's frames as images (a quoted glob: --frames 'shots/*.jpg'),
                        in file-name order, tracked like a video
      --fps <n>         the frame rate of --frames (default 30)
  -j, --jobs <n>        threads: n images at a time, or one image's several faces shared out
                        (default: the number of CPU cores, ${availableParallelism()} here)
      --json            print a JSON summary on stdout instead of progress lines
  -h, --help            show this help
  -v, --version         print the version

Video: a video file (by its extension or content; decoded by the system's ffmpeg) or --frames is one
person tracked through the frames: the identity from the best few frames, then per frame the head pose
and the 53 expression weights. Writes tracking.json, tracking.csv, head.glb (its animation replays the
performance), overlay-strip.png and the person's albedo.png, meshes and params.json. The detail
bands are not tracked: --detail, --detail-mesh and --mid are refused there.
`;

export class UsageError extends Error {}

/** A command's answer to a flag-parsing failure: a usage error is printed with the command's usage and gives exit code 2; anything else is rethrown. */
export function usageFailure(err: unknown, usage: string): number {
  if (!(err instanceof UsageError)) throw err;
  process.stderr.write(`error: ${err.message}\n\n${usage}`);
  return 2;
}

export function parseCli(argv: string[]): CliOptions {
  const parsed = parseFlags(argv, {
    ...RECONSTRUCT_FLAGS,
    json: { type: 'boolean', default: false },
    person: { type: 'boolean', default: false },
    face: { type: 'string' },
    frames: { type: 'string' },
    fps: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
    version: { type: 'boolean', short: 'v', default: false },
  });
  const v = parsed.values;
  const { reconstruct, outputs, jobs } = reconstructFlags(v);
  const options: CliOptions = {
    images: parsed.positionals,
    out: text(v, 'out') ?? 'facerecon-out',
    model: text(v, 'model'),
    json: Boolean(v.json),
    jobs,
    reconstruct,
    outputs,
    person: Boolean(v.person),
    face: text(v, 'face') === undefined ? undefined : faceList(text(v, 'face')!),
    frames: text(v, 'frames'),
    fps: v.fps === undefined ? 30 : Number(v.fps),
    help: Boolean(v.help),
    version: Boolean(v.version),
  };
  if (options.face && !options.person) throw new UsageError('--face needs --person (without it every face of each photo is reconstructed)');
  if (!(options.fps > 0 && options.fps <= 1000)) throw new UsageError(`--fps must be a number of frames per second in (0, 1000] (got "${v.fps}")`);
  if (options.frames !== undefined && options.images.length > 0) throw new UsageError('--frames takes the frames itself: give no other image');
  if (!options.help && !options.version && options.images.length === 0 && options.frames === undefined) throw new UsageError('no image given');
  return options;
}

/** Parsed flags: a string flag's text, a boolean's value (absent: undefined). */
export type Flags = Record<string, string | boolean | undefined>;

/** A string flag's text (undefined when absent). */
export function text(flags: Flags, name: string): string | undefined {
  const value = flags[name];
  return typeof value === 'string' ? value : undefined;
}

/** parseArgs with positionals, its complaints (unknown flag, missing value) as UsageErrors. */
export function parseFlags(argv: string[], options: NonNullable<ParseArgsConfig['options']>): { values: Flags; positionals: string[] } {
  try {
    return parseArgs({ args: argv, allowPositionals: true, options }) as { values: Flags; positionals: string[] }; // no multiple: true flags
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** parseArgs' table of the flags every command that reconstructs shares (--out included). */
export const RECONSTRUCT_FLAGS = {
  out: { type: 'string', short: 'o' },
  'max-faces': { type: 'string', short: 'n' },
  'min-face-size': { type: 'string' },
  model: { type: 'string', short: 'm' },
  jobs: { type: 'string', short: 'j' },
  'landmarks-only': { type: 'boolean', default: false },
  detail: { type: 'boolean', default: false },
  'no-detail': { type: 'boolean', default: false },
  'detail-mesh': { type: 'boolean', default: false },
  mid: { type: 'boolean', default: false },
  'no-mid': { type: 'boolean', default: false },
  outputs: { type: 'string' },
} as const;

/** What the shared flags ask for, checked (a UsageError names the flag). */
export function reconstructFlags(v: Flags): {
  reconstruct: ReconstructOptions; outputs?: OutputName[]; jobs: number;
} {
  const reconstruct: ReconstructOptions = v['landmarks-only'] ? { photometric: false } : {};
  if (v.detail && v['no-detail']) throw new UsageError('--detail and --no-detail contradict each other');
  if (v.detail && !v['landmarks-only']) reconstruct.detail = true;
  if (v['no-detail']) reconstruct.detail = false;
  if (v['detail-mesh'] && (v['no-detail'] || v['landmarks-only'])) throw new UsageError(`--detail-mesh needs the detail band (not --${v['no-detail'] ? 'no-detail' : 'landmarks-only'})`);
  if (v['detail-mesh']) reconstruct.detail = true;
  if (v.mid && v['no-mid']) throw new UsageError('--mid and --no-mid contradict each other');
  if (v.mid && !v['landmarks-only']) reconstruct.mid = true;
  if (v['no-mid']) reconstruct.mid = false;
  for (const [flag, { set }] of Object.entries(OPTION_FLAGS)) {
    const text = v[flag];
    if (typeof text === 'string') set(reconstruct, text.trim() === '' ? NaN : Number(text));
  }
  try {
    expandReconstructOptions(reconstruct);
  } catch (err) {
    // The option's own message, in the flag's words: "--max-faces must be an integer >= 1 (got "zero")".
    const flag = Object.keys(OPTION_FLAGS).find((f) => err instanceof OptionError && OPTION_FLAGS[f].option === err.option);
    if (!flag) throw err;
    const message = (err as OptionError).message.replace(OPTION_FLAGS[flag].option, `--${flag}`);
    throw new UsageError(message.replace(/\(got [^)]*\)$/, `(got "${v[flag]}")`));
  }
  const jobs = v.jobs === undefined ? availableParallelism() : Number(v.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`--jobs must be an integer >= 1 (got "${v.jobs}")`);
  let outputs = typeof v.outputs === 'string' ? outputNames(v.outputs) : undefined;
  if (v['detail-mesh']) outputs = [...new Set([...(outputs ?? DEFAULT_OUTPUTS), ...ON_REQUEST_OUTPUTS])];
  const detailMesh = outputs?.find((name) => ON_REQUEST_OUTPUTS.includes(name));
  if (detailMesh && !reconstruct.detail) throw new UsageError(`--outputs ${detailMesh} needs --detail (or --detail-mesh)`);
  return { reconstruct, jobs, outputs };
}

function faceList(list: string): number[] {
  const faces = list.split(',').map((k) => (k.trim() === '' ? NaN : Number(k)));
  if (faces.some((k) => !Number.isInteger(k) || k < 0)) throw new UsageError(`--face must be a face number >= 0 or a comma-separated list of them (got "${list}")`);
  return faces;
}

function outputNames(list: string): OutputName[] {
  const names = list.split(',').map((n) => n.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(OUTPUT_NAMES as readonly string[]).includes(n));
  if (unknown.length > 0) throw new UsageError(`--outputs: unknown output ${unknown.map((n) => `"${n}"`).join(', ')} (known: ${OUTPUT_NAMES.join(', ')})`);
  return [...new Set(names as OutputName[])];
}
