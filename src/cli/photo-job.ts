import { InputError } from '../io/errors.js';
import type { DecodedImage } from '../io/read-image.js';
import type { NodeReconstructor, OutputFiles, OutputName, ReconstructOptions } from '../node.js';
import { poseAngles } from '../base/camera.js';

/** What the command line prints and summarises of one face. */
export interface FaceSummary {
  yaw: number;
  pitch: number;
  roll: number;
  residualPx: number;
  residualNormalised: number;
  skinError?: { landmarkFit: number; refined: number };
}

/** One photo reconstructed: its output files in memory and what the command line reports of it. */
export interface PhotoJobResult {
  files: OutputFiles;
  faces: FaceSummary[];
  timingsMs: Record<string, number>;
}

/**
 * Reconstructs one decoded photo and builds its output files, without touching the disk: the same
 * work whether it runs in the command line's own thread or in a worker (see worker-pool.ts).
 * A photo without a face is an InputError. `outputs`: only these files (default all; see OUTPUT_NAMES).
 */
export async function runPhotoJob(
  recon: NodeReconstructor, path: string, decoded: DecodedImage, options: ReconstructOptions, outputs?: readonly OutputName[],
): Promise<PhotoJobResult> {
  const result = await recon.reconstruct(decoded, options);
  if (result.faces.length === 0) {
    throw new InputError('no-face', `${path}: no face found (faces smaller than about ${result.options.detection.minFaceSize} px are not detected)`);
  }
  const t0 = performance.now();
  const files = await recon.outputFiles(result, { outputs });
  const outputsMs = performance.now() - t0;
  const faces = result.faces.map((f): FaceSummary => {
    const a = poseAngles(f.pose.rotation);
    const final = f.photometric ?? f.fit;
    return {
      yaw: a.yaw, pitch: a.pitch, roll: a.roll, residualPx: final.residualPx, residualNormalised: final.residualNormalised,
      ...(f.photometric ? { skinError: f.photometric.photometricError } : {}),
    };
  });
  return { files, faces, timingsMs: { ...result.timings, outputs: outputsMs } };
}
