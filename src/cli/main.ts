#!/usr/bin/env node
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCli, USAGE, UsageError, usageFailure, type CliOptions } from './args.js';
import { isInputError } from '../io/errors.js';
import { readImage, type DecodedImage } from '../io/read-image.js';
import { createStaging, removeOpenStagingsSync, type OutputStaging } from '../io/output-dir.js';
import { createPhotoRunner } from './photo-runner.js';
import { batchCommand } from './batch/command.js';
import { workerCommand } from './queue/worker.js';
import { personCommand } from './person.js';
import { sequenceCommand } from './sequence.js';
import { isVideoFile } from '../io/video.js';
import { uniqueStems } from './stems.js';

/**
 * `facerecon <command> ...`: the commands besides reconstructing the photos named (a photo named
 * like one needs a path: ./batch). `ownSignals`: the command handles SIGINT and SIGTERM itself.
 */
const COMMANDS: Record<string, { run: (argv: string[]) => Promise<number>; ownSignals?: true }> = {
  batch: { run: batchCommand },
  animate: { run: async (argv) => (await import('./animate.js')).animateCommand(argv) },
  worker: { run: workerCommand, ownSignals: true },
  // Loaded when named: the command line's other uses need not load fastify.
  serve: { run: async (argv) => (await import('./serve/command.js')).serveCommand(argv), ownSignals: true },
};

async function main(argv: string[]): Promise<number> {
  let options: CliOptions;
  try {
    options = parseCli(argv);
  } catch (err) {
    return usageFailure(err, USAGE);
  }
  if (options.help) { process.stdout.write(USAGE); return 0; }
  if (options.version) {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  const log = (line: string) => { if (!options.json) process.stderr.write(`${line}\n`); };
  if (options.person) return personCommand(options, log);
  if (options.frames !== undefined || (options.images.length === 1 && await isVideoFile(options.images[0]))) {
    // A tracked sequence's files (tracking.json, the animated GLB) carry no detail or mid band yet.
    const band = options.reconstruct.detail ? '--detail' : options.reconstruct.mid ? '--mid' : undefined;
    if (band) return usageFailure(new UsageError(`${band} is not available for a video or --frames yet: tracking writes the coarse head (reconstruct single frames for their detail)`), USAGE);
    return sequenceCommand(options, log);
  }

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

/**
 * Reconstructs each decoded image into its output folder (outs[i], staged by stages[i]): in this
 * thread (sharing an image's faces with --jobs - 1 worker threads when it has several), or with
 * several images and --jobs above 1 in a pool of worker threads, an image in each. Either way the
 * folders are written here, in input order, and the first failure stops the run (in this thread,
 * the images after it are not reconstructed at all).
 */
async function reconstructAll(
  options: CliOptions, decoded: ({ path: string } & DecodedImage)[], outs: string[], stages: OutputStaging[], log: (line: string) => void,
): Promise<number> {
  const jobs = Math.min(options.jobs, decoded.length);
  // One image: its faces, when it has several, are shared with --jobs - 1 worker threads.
  const faceThreads = jobs === 1 ? options.jobs - 1 : 0;
  const runner = await createPhotoRunner({ model: options.model, threads: jobs > 1 ? jobs : 0, progress: !options.json, log, stopOnFailure: true, faceThreads });
  const results = decoded.map(({ path, ...image }) => {
    const job = runner.run(path, image, options);
    job.catch(() => {}); // awaited in order below; meanwhile a later image's failure must not go unhandled
    return job;
  });
  const summary = [];
  try {
    for (let i = 0; i < decoded.length; i++) {
      const { path, image, info } = decoded[i];
      const job = await results[i];
      const out = outs[i];
      for (const [name, data] of Object.entries(job.files)) await stages[i].write(name, data);
      await stages[i].commit();
      const faces = job.faces.map((f, k) => {
        const skinError = !f.skinError ? '' : f.skinError.diverged
          ? `, skin error ${f.skinError.landmarkFit.toFixed(1)} (8-bit; the refinement ran away from the photo, the landmark fit is kept)`
          : `, skin error ${f.skinError.landmarkFit.toFixed(1)} -> ${f.skinError.refined.toFixed(1)} (8-bit)`;
        log(`${path}: face ${k}: yaw ${f.yaw.toFixed(0)}°, pitch ${f.pitch.toFixed(0)}°, roll ${f.roll.toFixed(0)}°, ` +
          `landmark error ${f.residualPx.toFixed(1)} px (${(100 * f.residualNormalised).toFixed(1)}% of face size)${skinError}`);
        return { folder: join(out, `face${k}`), ...f };
      });
      log(`${path}: ${faces.length} face(s) -> ${out}${info.scale !== 1 ? ` (image downscaled by ${info.scale.toFixed(3)})` : ''}`);
      summary.push({
        image: path, out, width: info.originalWidth, height: info.originalHeight, scale: info.scale,
        processedWidth: image.width, processedHeight: image.height, faces, timingsMs: job.timingsMs,
      });
    }
  } finally {
    await runner.close();
  }
  if (options.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  return 0;
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

const [command, ...rest] = process.argv.slice(2);
const subcommand = Object.hasOwn(COMMANDS, command ?? '') ? COMMANDS[command] : undefined;
if (subcommand?.ownSignals) process.on('exit', removeOpenStagingsSync);
else exitCleanlyOnSignals();
(subcommand ? subcommand.run(rest) : main(process.argv.slice(2))).then(
  (code) => { process.exitCode = code; },
  (err) => {
    if (isInputError(err)) process.stderr.write(`error: ${err.message}\n`);
    else process.stderr.write(`error: ${(err as Error)?.message ?? String(err)}\n${process.env.FACERECON_DEBUG ? (err as Error)?.stack ?? '' : ''}\n`);
    process.exitCode = 1;
  },
).then(() => {
  // A command on a queue may still hold a Redis client that reconnects for ever (Redis gone): it is done.
  if (subcommand) process.exit();
});
