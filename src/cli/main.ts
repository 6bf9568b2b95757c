#!/usr/bin/env node
import { readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { parseCli, USAGE, UsageError, type CliOptions } from './args.js';
import { InputError, isInputError } from '../io/errors.js';
import { readImage } from '../io/read-image.js';
import { encodePng } from '../io/write-image.js';
import { withStaging } from '../io/output-dir.js';
import { loadIctModel } from '../model/node/load-ict.js';
import { mediapipeLandmarkModel } from '../correspondence/landmark-model.js';
import { createFaceDetector } from '../perception/index.js';
import { nodeDetectorSetup, nodeModelLoader } from '../perception/node-model-loader.js';
import { createFaceEmbedder } from '../identity/index.js';
import { reconstructImage, DEFAULT_MIN_FACE_SIZE, type ReconstructContext } from '../pipeline/reconstruct.js';
import { buildImageOutputs } from '../pipeline/outputs.js';
import { poseAngles } from '../fit/camera.js';

async function main(argv: string[]): Promise<number> {
  let options: CliOptions;
  try {
    options = parseCli(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  if (options.help) { process.stdout.write(USAGE); return 0; }
  if (options.version) {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  const log = (line: string) => { if (!options.json) process.stderr.write(`${line}\n`); };

  // Decode every image first so a bad file fails fast, before the model and networks load.
  const decoded = [];
  for (const path of options.images) decoded.push({ path, ...(await readImage(path)) });

  const t0 = performance.now();
  const loaded = await loadIctModel({ modelPath: options.model, progress: !options.json });
  log(`model: ${loaded.model.name} (${loaded.how}, ${loaded.milliseconds.toFixed(0)} ms)`);
  const ctx: ReconstructContext = {
    model: loaded.model,
    landmarks: mediapipeLandmarkModel(loaded.model),
    // The iris network's points give the iris colour of eyes.png (6-14 ms a face).
    detector: await createFaceDetector(nodeDetectorSetup()),
  };
  const embedder = await createFaceEmbedder(nodeModelLoader());
  log(`networks ready (${(performance.now() - t0).toFixed(0)} ms)`);

  const summary = [];
  const stems = uniqueStems(options.images);
  for (let i = 0; i < decoded.length; i++) {
    const { path, image, info } = decoded[i];
    const result = await reconstructImage(ctx, image, { maxFaces: options.maxFaces, minFaceSize: DEFAULT_MIN_FACE_SIZE, photometric: !options.landmarksOnly });
    if (result.faces.length === 0) {
      throw new InputError('no-face', `${path}: no face found (faces smaller than about ${DEFAULT_MIN_FACE_SIZE} px are not detected)`);
    }
    const out = decoded.length > 1 ? join(options.out, stems[i]) : options.out;
    await withStaging(out, async (stage) => {
      const files = await buildImageOutputs(ctx.model, image, result, encodePng, { modelLoad: loaded.milliseconds }, { embedder });
      for (const [name, data] of Object.entries(files)) await stage.write(name, data);
    });
    const faces = result.faces.map((f, k) => {
      const a = poseAngles(f.pose.rotation);
      const final = f.photometric ?? f.fit;
      const skinError = f.photometric
        ? `, skin error ${f.photometric.photometricError.landmarkFit.toFixed(1)} -> ${f.photometric.photometricError.refined.toFixed(1)} (8-bit)` : '';
      log(`${path}: face ${k}: yaw ${a.yaw.toFixed(0)}°, pitch ${a.pitch.toFixed(0)}°, roll ${a.roll.toFixed(0)}°, ` +
        `landmark error ${final.residualPx.toFixed(1)} px (${(100 * final.residualNormalized).toFixed(1)}% of face size)${skinError}`);
      return {
        folder: join(out, `face${k}`), yaw: a.yaw, pitch: a.pitch, roll: a.roll, residualPx: final.residualPx, residualNormalized: final.residualNormalized,
        ...(f.photometric ? { skinError: f.photometric.photometricError } : {}),
      };
    });
    log(`${path}: ${faces.length} face(s) -> ${out}${info.scale !== 1 ? ` (image downscaled by ${info.scale.toFixed(3)})` : ''}`);
    summary.push({ image: path, out, width: image.width, height: image.height, scale: info.scale, faces, timingsMs: result.timings });
  }
  if (options.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  return 0;
}

/** Output sub-folder names for several images: file stems, made unique. */
function uniqueStems(paths: string[]): string[] {
  const seen = new Map<string, number>();
  return paths.map((p) => {
    const stem = basename(p, extname(p)) || 'image';
    const n = seen.get(stem) ?? 0;
    seen.set(stem, n + 1);
    return n ? `${stem}-${n + 1}` : stem;
  });
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    if (isInputError(err)) process.stderr.write(`error: ${err.message}\n`);
    else process.stderr.write(`error: ${(err as Error)?.message ?? String(err)}\n${process.env.FACERECON_DEBUG ? (err as Error)?.stack ?? '' : ''}\n`);
    process.exitCode = 1;
  },
);
