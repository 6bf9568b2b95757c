import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The project's shared data folder (sample photos, the ICT-FaceKit model files) for tests: the
 * folder beside the repository (`../shared`), or $FACERECON_SHARED. Tests need it, and CI always has
 * it, so a missing folder fails the suite loudly here instead of skipping tests in silence.
 */
export const SHARED = resolve(process.env.FACERECON_SHARED ?? join(import.meta.dirname, '..', '..', '..', 'shared'));

const REQUIRED = ['images/astronaut.png', 'ict-facekit/FaceXModel/vertex_indices.json'];
const missing = REQUIRED.filter((p) => !existsSync(join(SHARED, p)));
if (missing.length > 0) {
  throw new Error(`the tests need the shared data folder, but ${missing.map((p) => join(SHARED, p)).join(' and ')} ` +
    `${missing.length > 1 ? 'are' : 'is'} missing; put the project's shared folder beside the repository (../shared) ` +
    'or set FACERECON_SHARED to where it is');
}

/** The ICT-FaceKit repository copy (README, LICENSE, FaceXModel/). */
export const SHARED_ICT = join(SHARED, 'ict-facekit');

/** A sample photo by file name (astronaut.png, grace_hopper.jpg, group1.jpg ... group4.jpg). */
export function sampleImage(name: string): string {
  return join(SHARED, 'images', name);
}
