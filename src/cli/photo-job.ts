import { InputError } from '../io/errors.js';
import type { DecodedImage } from '../io/read-image.js';
import type { NodeReconstructor, OutputFiles, OutputName, ReconstructOptions } from '../node.js';
import { DEFAULT_OUTPUTS, type OverlayFace } from '../pipeline/outputs.js';
import type { DetectedFaces } from '../pipeline/reconstruct.js';
import { poseAngles } from '../base/camera.js';

/** What the command line prints and summarises of one face. */
export interface FaceSummary {
  yaw: number;
  pitch: number;
  roll: number;
  residualPx: number;
  residualNormalised: number;
  skinError?: { landmarkFit: number; refined: number; diverged?: boolean };
}

/** One photo reconstructed: its output files in memory and what the command line reports of it. */
export interface PhotoJobResult {
  files: OutputFiles;
  faces: FaceSummary[];
  timingsMs: Record<string, number>;
}

/** Some of a photo's faces, found earlier by detectFaces, and the folder number of each (face<number>/). */
export interface FacePart {
  detected: DetectedFaces;
  numbers: number[];
}

/** A part of a photo reconstructed: its faces' folders, and what overlay.png needs to draw them. */
export interface FacePartResult extends PhotoJobResult {
  overlay: OverlayFace[];
}

/**
 * Reconstructs one decoded photo and builds its output files, without touching the disk: the same
 * work whether it runs in the command line's own thread or in a worker (see worker-pool.ts).
 * A photo without a face is an InputError. `outputs`: only these files (default DEFAULT_OUTPUTS; see OUTPUT_NAMES).
 * `detected`: its faces, found earlier.
 */
export async function runPhotoJob(
  recon: NodeReconstructor, path: string, decoded: DecodedImage, options: ReconstructOptions, outputs?: readonly OutputName[],
  detected?: DetectedFaces,
): Promise<PhotoJobResult> {
  const result = await recon.reconstruct(decoded, options, detected);
  if (result.faces.length === 0) {
    throw new InputError('no-face', `${path}: no face found (faces smaller than about ${result.options.detection.minFaceSize} px are not detected)`);
  }
  const t0 = performance.now();
  const files = await recon.outputFiles(result, { outputs });
  return { files, faces: result.faces.map(faceSummary), timingsMs: { ...result.timings, outputs: performance.now() - t0 } };
}

/**
 * The faces of `part` alone: their folders as runPhotoJob writes them (overlay.png aside, which
 * needs every face: see overlayImage), so that several threads can share one photo's faces.
 */
export async function runFacePart(
  recon: NodeReconstructor, decoded: DecodedImage, options: ReconstructOptions, part: FacePart, outputs?: readonly OutputName[],
): Promise<FacePartResult> {
  const result = await recon.reconstruct(decoded, options, part.detected);
  const t0 = performance.now();
  const faceOutputs = (outputs ?? DEFAULT_OUTPUTS).filter((name) => name !== 'overlay.png');
  const files = await recon.outputFiles(result, { outputs: faceOutputs, faceNumbers: part.numbers });
  return {
    files, faces: result.faces.map(faceSummary), timingsMs: { ...result.timings, outputs: performance.now() - t0 },
    overlay: result.faces.map(({ positions, pose, camera, detection, fit }) => ({ positions, pose, camera, detection: { landmarks: detection.landmarks }, fit: { faceSize: fit.faceSize } })),
  };
}

function faceSummary(f: Awaited<ReturnType<NodeReconstructor['reconstruct']>>['faces'][number]): FaceSummary {
  const a = poseAngles(f.pose.rotation);
  const final = f.photometric ?? f.fit;
  return {
    yaw: a.yaw, pitch: a.pitch, roll: a.roll, residualPx: final.residualPx, residualNormalised: final.residualNormalised,
    ...(f.photometric ? { skinError: { ...f.photometric.photometricError, ...(f.photometric.diverged ? { diverged: true } : {}) } } : {}),
  };
}
