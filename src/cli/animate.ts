import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { describeFsError, InputError } from '../io/errors.js';
import { readImage, type DecodedImage } from '../io/read-image.js';
import { createStaging } from '../io/output-dir.js';
import { createReconstructor, EXPRESSION_PRESETS, expressionFromNames, presetExpression, type AnimateTarget } from '../node.js';
import { poseAngles } from '../base/camera.js';
import { parseFlags, RECONSTRUCT_FLAGS, RECONSTRUCT_USAGE, reconstructFlags, text, usageFailure, UsageError } from './args.js';

export const ANIMATE_USAGE = `Usage: facerecon animate <photo> --expression <photo | preset | weights.json> [options]

Reconstructs the face in <photo> (A) and gives it another expression and jaw: that of the face in a
second photo (B, its largest face), a preset (${Object.keys(EXPRESSION_PRESETS).join(', ')}), or a JSON
file of weights by name (ARKit names such as jawOpen, mouthSmileLeft, or ICT names as params.json
writes them, such as mouthSmile_L; a params.json itself works too). Writes the files of a
reconstruction of A with the new expression (head.glb, mesh.obj, ..., params.json) plus animate.png
(A | B or the preset on the average head | A with the new expression) and turntable.png (the head at
that and a few other expressions, turning).

Options:
  -e, --expression <photo|preset|weights.json>   the expression to give (required)
      --pose            take B's head rotation too (B a photo); default A's
      --face <k>        A's face k (0 = the largest); needed when A shows several faces
      --clip            head.glb plays a short animation cycling a few expressions
      --arkit52         head.glb's morph targets under ARKit's 52 names (ICT's split halves merged)
      --wrinkle-maps    with --detail: face<k>/wrinkles/, normal maps per wrinkle region, masks and the
                        morph-weight mapping an engine blends them by (wrinkles.json)
  -o, --out <dir>       output folder (default: ./facerecon-out)
  -m, --model <path>    ICT-FaceKit folder (see facerecon --help)
${RECONSTRUCT_USAGE}  -h, --help            show this help
`;

/** Where --expression points: a preset by name, a weights file by its .json extension, else a photo. */
type ExpressionSource = { kind: 'preset'; name: string } | { kind: 'weights'; name: string; weights: unknown } | { kind: 'photo'; name: string; decoded: DecodedImage };

/**
 * `facerecon animate A.jpg --expression B.jpg|smile|weights.json [--pose] [--face k]`: A's identity,
 * mid band and detail with B's expression and jaw (see buildAnimateOutputs). Every file named is read
 * and checked, and the output folder claimed, before the model loads; a bad input is one error line.
 */
export async function animateCommand(argv: string[]): Promise<number> {
  let v: Record<string, string | boolean | undefined>, positionals: string[];
  let flags: ReturnType<typeof reconstructFlags>;
  let face: number | undefined;
  try {
    ({ values: v, positionals } = parseFlags(argv, {
      ...RECONSTRUCT_FLAGS, expression: { type: 'string', short: 'e' }, pose: { type: 'boolean', default: false }, face: { type: 'string' },
      clip: { type: 'boolean', default: false }, arkit52: { type: 'boolean', default: false }, 'wrinkle-maps': { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false },
    }));
    if (v.help) { process.stdout.write(ANIMATE_USAGE); return 0; }
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'no photo given' : `one photo to animate, got ${positionals.length}`);
    if (text(v, 'expression') === undefined) throw new UsageError('--expression is required (a photo, a preset or a weights .json)');
    flags = reconstructFlags(v);
    const faceText = text(v, 'face');
    face = faceText === undefined ? undefined : faceText.trim() === '' ? NaN : Number(faceText);
    if (face !== undefined && !(Number.isInteger(face) && face >= 0)) throw new UsageError(`--face must be a face number >= 0 (got "${faceText}")`);
  } catch (err) {
    return usageFailure(err, ANIMATE_USAGE);
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const source = await expressionSource(text(v, 'expression')!);
  if (v.pose && source.kind !== 'photo') throw new InputError('invalid-argument', `--pose takes the pose of a photo; "${source.name}" is a ${source.kind}`);
  const path = positionals[0];
  const decoded = await readImage(path);
  const out = text(v, 'out') ?? 'facerecon-out';
  const stage = await createStaging(out);
  try {
    const recon = await createReconstructor({ model: text(v, 'model'), progress: true });
    try {
      log(`model: ${recon.model.name} (${recon.loaded.how}, ${recon.loaded.modelMs.toFixed(0)} ms)`);
      const expressionOf = (weights: unknown) => {
        try {
          return expressionFromNames(recon.model.expressionNames, weights);
        } catch (err) {
          throw new InputError('invalid-argument', `${source.name}: ${(err as Error).message}`);
        }
      };
      const options = flags.reconstruct;
      // Two faces are enough to tell that A needs --face.
      const a = await recon.reconstruct(decoded, { ...options, detection: { ...options.detection, maxFaces: (face ?? 0) + (face === undefined ? 2 : 1) } });
      if (a.faces.length === 0) throw new InputError('no-face', `${path}: no face found`);
      if (face === undefined && a.faces.length > 1) throw new InputError('invalid-argument', `${path}: several faces; choose one with --face k (0 = the largest)`);
      const k = face ?? 0;
      if (k >= a.faces.length) throw new InputError('invalid-argument', `${path}: --face ${k}, but only ${a.faces.length} face(s) found`);
      let target: AnimateTarget;
      if (source.kind === 'photo') {
        const b = await recon.reconstruct(source.decoded, { ...options, detail: false, mid: false, detection: { ...options.detection, maxFaces: 1 } });
        if (b.faces.length === 0) throw new InputError('no-face', `${source.name}: no face found`);
        target = { expression: b.faces[0].expression, source: { kind: 'photo', name: source.name }, photo: { image: b.image, face: b.faces[0] }, pose: Boolean(v.pose) };
      } else {
        const expression = source.kind === 'preset' ? presetExpression(recon.model.expressionNames, source.name)! : expressionOf(source.weights);
        target = { expression, source: { kind: source.kind, name: source.name } };
      }
      const files = await recon.animateOutputFiles(a, k, target, { outputs: flags.outputs, clip: Boolean(v.clip), arkit52: Boolean(v.arkit52), wrinkleMaps: Boolean(v['wrinkle-maps']) });
      for (const [name, data] of Object.entries(files)) await stage.write(name, data);
      await stage.commit();
      const angles = poseAngles((target.pose ? target.photo!.face : a.faces[k]).pose.rotation);
      log(`${path}: face ${k} with the expression of ${source.name} (yaw ${angles.yaw.toFixed(0)}°, pitch ${angles.pitch.toFixed(0)}°) -> ${out}`);
      return 0;
    } finally {
      recon.dispose();
    }
  } finally {
    await stage.abort(); // no-op after the commit
  }
}

/** What --expression names, read and checked as far as it can be without the model. */
async function expressionSource(value: string): Promise<ExpressionSource> {
  if (extname(value).toLowerCase() === '.json') {
    let bytes: string;
    try {
      bytes = await readFile(value, 'utf8');
    } catch (err) {
      throw new InputError('unreadable', `${value}: cannot read the weights file (${describeFsError(err)})`);
    }
    try {
      return { kind: 'weights', name: value, weights: JSON.parse(bytes) };
    } catch (err) {
      throw new InputError('invalid-argument', `${value}: not JSON (${(err as Error).message})`);
    }
  }
  if (Object.hasOwn(EXPRESSION_PRESETS, value)) return { kind: 'preset', name: value };
  if (!/[./\\]/.test(value)) {
    throw new InputError('invalid-argument', `unknown expression preset "${value}" (presets: ${Object.keys(EXPRESSION_PRESETS).join(', ')}; or give a photo or a weights .json)`);
  }
  return { kind: 'photo', name: value, decoded: await readImage(value) };
}
