import { InputError } from '../io/errors.js';
import { readImage, type DecodedImage } from '../io/read-image.js';
import { poseAngles } from '../base/camera.js';
import { PersonError, type PersonReconstruction } from '../pipeline/reconstruct-person.js';
import { runIntoOutputFolder } from './staged-run.js';
import { listPhotos } from './batch/photo-list.js';
import type { CliOptions } from './args.js';
import { uniqueStems } from './stems.js';

/**
 * `facerecon a.jpg b.jpg c.jpg --person` (files, folders, globs): one head for the person in the
 * photos, written to --out as one folder (see buildPersonOutputs); a photo left out is named with its
 * reason. Every photo is decoded and the folder claimed before the model loads.
 */
export async function personCommand(options: CliOptions, log: (line: string) => void): Promise<number> {
  // In the order given (a tie between two people keeps the earlier photo's); a folder's photos sorted by path.
  const paths: string[] = [];
  for (const input of options.images) for (const { path } of await listPhotos([input])) if (!paths.includes(path)) paths.push(path);
  if (paths.length === 0) throw new InputError('unreadable', `${options.images.join(', ')}: no photos found`);
  if (options.face && options.face.length > 1 && options.face.length !== paths.length) {
    throw new InputError('invalid-argument', `--face lists ${options.face.length} faces for ${paths.length} photos`);
  }
  const names = uniqueStems(paths);
  const photos: { name: string; path: string; decoded: DecodedImage }[] = [];
  for (const [i, path] of paths.entries()) photos.push({ name: names[i], path, decoded: await readImage(path) });
  const face = options.face && (options.face.length === 1 ? options.face[0] : options.face);
  const pathOf = (name: string) => photos.find((p) => p.name === name)!.path;
  let person: PersonReconstruction;
  return runIntoOutputFolder(options, log, async (recon) => {
    person = await recon.reconstructPerson(photos, { ...options.reconstruct, ...(face === undefined ? {} : { face }) }).catch((err) => {
      throw err instanceof PersonError ? new InputError('no-face', err.message) : err;
    });
    for (const r of person.rejected) log(`${pathOf(r.name)}: left out: ${r.reason}`);
    for (const v of person.views) {
      const a = poseAngles(v.pose.rotation);
      const similarity = v.similarity === undefined || v.name === person.reference ? '' : `, face similarity ${v.similarity.toFixed(2)}`;
      log(`${pathOf(v.name)}: face ${v.faceIndex}: yaw ${a.yaw.toFixed(0)}°, pitch ${a.pitch.toFixed(0)}°, roll ${a.roll.toFixed(0)}°${similarity}`);
    }
    if (person.views.some((v) => v.photometric?.diverged)) log('the refinement ran away from the photos, the landmark fit is kept');
    return recon.personOutputFiles(person, { outputs: options.outputs });
  }, (seconds) => {
    log(`one person from ${person.views.length} of ${photos.length} photos -> ${options.out} (${seconds.toFixed(1)} s)`);
    if (options.json) {
      process.stdout.write(`${JSON.stringify({
        out: options.out, views: person.views.map((v) => ({ photo: pathOf(v.name), face: v.faceIndex, similarity: v.similarity })),
        rejected: person.rejected.map((r) => ({ photo: pathOf(r.name), reason: r.reason, similarity: r.similarity })), seconds,
      }, null, 2)}\n`);
    }
  });
}
