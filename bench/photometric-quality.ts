/**
 * What the photometric refinement changes on a real photo, per face: the skin error of the fitted
 * appearance (landmark-fit geometry vs refined geometry) and the identity similarity of the
 * textured reconstruction to the photo. Both geometries are textured and lit the same way (the
 * appearance solve of the refinement, run with zero geometry rounds for the landmark fit), so
 * only the geometry differs.
 */
import type { RgbImage } from '../src/base/image.js';
import type { LandmarkModel } from '../src/fit/landmark-fit.js';
import type { FaceEmbedder } from '../src/identity/index.js';
import { instantiate } from '../src/model/instance.js';
import type { MorphableModel } from '../src/model/types.js';
import { refinePhotometric } from '../src/photometric/refine.js';
import { faceViews, identitySimilarity } from '../src/pipeline/compare-picture.js';
import { completeFaceAlbedo } from '../src/pipeline/outputs.js';
import type { FaceReconstruction } from '../src/pipeline/reconstruct.js';
import { sampleSkin } from '../src/skin/index.js';

export interface FaceQuality {
  skinErrorLandmarkFit: number;
  skinErrorRefined: number;
  identityLandmarkFit: number;
  identityRefined: number;
}

export async function faceQuality(
  model: MorphableModel, landmarks: LandmarkModel, photo: RgbImage, face: FaceReconstruction, embedder: FaceEmbedder,
): Promise<FaceQuality> {
  const { photometric, skin } = face;
  if (!photometric || !skin) throw new Error('faceQuality needs a photometric reconstruction');
  const targets = new Float32Array(2 * 468);
  for (let i = 0; i < 468; i++) { targets[2 * i] = face.detection.landmarks[3 * i]; targets[2 * i + 1] = face.detection.landmarks[3 * i + 1]; }
  const appearanceOnly = refinePhotometric(model, landmarks, photo, targets, face.fit, { rounds: 0, skin: (x, y) => sampleSkin(skin, x, y) });
  const identity = new Float32Array(model.identityCount);
  identity.set(face.fit.identity);
  const landmarkFace: FaceReconstruction = {
    ...face, photometric: appearanceOnly, pose: face.fit.pose, camera: face.fit.camera, identity: face.fit.identity,
    expression: face.fit.expression, positions: instantiate(model, { identity, expression: face.fit.expression }),
  };
  const similarity = async (f: FaceReconstruction) => identitySimilarity(embedder, faceViews(model, photo, f, completeFaceAlbedo(model, photo, f).albedo, { sh: f.photometric!.shWhite }), f);
  return {
    skinErrorLandmarkFit: photometric.photometricError.landmarkFit,
    skinErrorRefined: photometric.photometricError.refined,
    identityLandmarkFit: await similarity(landmarkFace),
    identityRefined: await similarity(face),
  };
}
