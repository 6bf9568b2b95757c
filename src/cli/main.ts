#!/usr/bin/env node
import { readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { parseCli, USAGE, UsageError, type CliOptions } from './args.js';
import { InputError, isInputError } from '../io/errors.js';
import { readImage, type DecodedImage } from '../io/read-image.js';
import { createStaging, removeOpenStagingsSync, type OutputStaging } from '../io/output-dir.js';
import { createReconstructor } from '../node.js';
import { poseAngles } from '../base/camera.js';

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
  // Then claim every output folder (usable, ours or empty, writable), before any reconstruction work.
  const stems = uniqueStems(options.images);
  const outs = decoded.map((_, i) => (decoded.length > 1 ? join(options.out, stems[i]) : options.out));
  const stages: OutputStaging[] = [];
  try {
    for (const out of outs) stages.push(await createStaging(out));
    return await reconstructAll(options, decoded, outs, stages, log);
  } finally {
    for (const stage of stages) await stage.abort(); // no-op for the committed ones
  }
}

/** Loads the model and networks, then reconstructs each decoded image into its output folder (outs[i], staged by stages[i]). */
async function reconstructAll(
  options: CliOptions, decoded: ({ path: string } & DecodedImage)[], outs: string[], stages: OutputStaging[], log: (line: string) => void,
): Promise<number> {
  const recon = await createReconstructor({ model: options.model, progress: !options.json });
  const { how, modelMs, networksMs } = recon.loaded;
  log(`model: ${recon.model.name} (${how}, ${modelMs.toFixed(0)} ms)`);
  log(`networks ready (${(modelMs + networksMs).toFixed(0)} ms)`);

  const summary = [];
  for (let i = 0; i < decoded.length; i++) {
    const { path, image, info } = decoded[i];
    const result = await recon.reconstruct(decoded[i], options.reconstruct);
    if (result.faces.length === 0) {
      throw new InputError('no-face', `${path}: no face found (faces smaller than about ${result.options.detection.minFaceSize} px are not detected)`);
    }
    const out = outs[i];
    await recon.writeOutputs(result, stages[i]);
    const faces = result.faces.map((f, k) => {
      const a = poseAngles(f.pose.rotation);
      const final = f.photometric ?? f.fit;
      const skinError = f.photometric
        ? `, skin error ${f.photometric.photometricError.landmarkFit.toFixed(1)} -> ${f.photometric.photometricError.refined.toFixed(1)} (8-bit)` : '';
      log(`${path}: face ${k}: yaw ${a.yaw.toFixed(0)}°, pitch ${a.pitch.toFixed(0)}°, roll ${a.roll.toFixed(0)}°, ` +
        `landmark error ${final.residualPx.toFixed(1)} px (${(100 * final.residualNormalised).toFixed(1)}% of face size)${skinError}`);
      return {
        folder: join(out, `face${k}`), yaw: a.yaw, pitch: a.pitch, roll: a.roll, residualPx: final.residualPx, residualNormalised: final.residualNormalised,
        ...(f.photometric ? { skinError: f.photometric.photometricError } : {}),
      };
    });
    log(`${path}: ${faces.length} face(s) -> ${out}${info.scale !== 1 ? ` (image downscaled by ${info.scale.toFixed(3)})` : ''}`);
    summary.push({
      image: path, out, width: info.originalWidth, height: info.originalHeight, scale: info.scale,
      processedWidth: image.width, processedHeight: image.height, faces, timingsMs: result.timings,
    });
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

/**
 * Ctrl-C (SIGINT) and kill (SIGTERM) end the run, exit 130 and 143 as shells expect, and leave no
 * temporary output folder; neither does any other exit. Handlers run between synchronous stretches
 * of work: after the face being fitted, or sooner (the outputs are written in small async steps).
 */
function exitCleanlyOnSignals(): void {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    // Not once: a second Ctrl-C while the current face finishes must not kill the process uncleaned.
    process.on(signal, () => {
      removeOpenStagingsSync();
      process.exit(code);
    });
  }
  process.on('exit', removeOpenStagingsSync);
}

exitCleanlyOnSignals();
main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    if (isInputError(err)) process.stderr.write(`error: ${err.message}\n`);
    else process.stderr.write(`error: ${(err as Error)?.message ?? String(err)}\n${process.env.FACERECON_DEBUG ? (err as Error)?.stack ?? '' : ''}\n`);
    process.exitCode = 1;
  },
);
