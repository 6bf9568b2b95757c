import type { RgbImage } from '../base/image.js';
import type { MorphableModel } from '../model/types.js';
import type { LandmarkModel } from '../fit/landmark-fit.js';
import type { FaceEmbedder } from '../identity/index.js';
import { mediapipeLandmarkModel } from '../correspondence/landmark-model.js';
import { addDetail, detectFaces, reconstructImage, type DetectedFaces, type FaceDetectorLike, type ImageReconstruction, type StageListener } from './reconstruct.js';
import { buildImageOutputs, type ImageOutputOptions, type OutputFiles, type PngEncoder } from './outputs.js';
import type { ReconstructOptions } from './options.js';
import { reconstructPerson, type PersonOptions, type PersonPhoto, type PersonReconstruction } from './reconstruct-person.js';
import { buildPersonOutputs, type PersonOutputOptions } from './person-outputs.js';
import { buildAnimateOutputs, type AnimateOutputOptions, type AnimateTarget } from './animate.js';
import { trackSequence, type SequenceDetector, type SequenceFrame, type SequenceOptions, type SequenceProgress, type SequenceTracking } from './track-sequence.js';
import { buildSequenceOutputs } from './sequence-outputs.js';

/** What a reconstructor runs on; in a browser the caller loads each one (see README, Library). */
export interface ReconstructorParts {
  model: MorphableModel;
  /** E.g. `await createFaceDetector({ loadModel })` (its iris points give eyes.png its colour). */
  detector: FaceDetectorLike;
  /** The landmark scheme on the model. Default: the MediaPipe 468-point correspondence. */
  landmarks?: LandmarkModel;
  /** Face-recognition embedder; when given, params.json reports identitySimilarity. */
  embedder?: FaceEmbedder;
}

export interface Reconstructor {
  readonly model: MorphableModel;
  /**
   * Finds every face in decoded pixels and reconstructs each one. Touches no disk. `onStage` is told
   * as each stage begins. `detected`: faces found earlier by `detect` (all or some of them), not
   * detected again, so that one image's faces can be reconstructed by several threads.
   */
  reconstruct(image: RgbImage, options?: ReconstructOptions, onStage?: StageListener, detected?: DetectedFaces): Promise<ImageReconstruction>;
  /** Only finds the faces (detection, landmarks, iris): the first stage of `reconstruct`. */
  detect(image: RgbImage, options?: ReconstructOptions): Promise<DetectedFaces>;
  /** The detail band (and the mid band unless `mid` is false) added on demand to a reconstruction made without them (see addDetail). */
  addDetail(result: ImageReconstruction, options?: Pick<ReconstructOptions, 'detail' | 'mid'>, onStage?: StageListener): ImageReconstruction;
  /**
   * Every output file of a reconstruction, keyed by path relative to the output folder
   * (overlay.png, face<k>/head.glb, ...); `encodePng` turns pixels into PNG bytes. `original`:
   * the photo's size before it was downscaled for reconstruction (params.json reports its pixels);
   * `outputs`: build only these files (see OUTPUT_NAMES; default all); `encodeJpeg`: JPEG bytes for
   * the texture head.glb embeds (else it embeds the PNG).
   */
  outputFiles(
    result: ImageReconstruction, encodePng: PngEncoder,
    options?: Pick<ImageOutputOptions, 'original' | 'outputs' | 'encodeJpeg' | 'faceNumbers'> & { extraTimings?: Record<string, number> },
  ): Promise<OutputFiles>;
  /** Several photos of one person: one head (see reconstructPerson). Touches no disk. `onStage` is told as each stage begins. */
  reconstructPerson(photos: readonly PersonPhoto[], options?: PersonOptions, onStage?: StageListener): Promise<PersonReconstruction>;
  /** The files of a person's folder (see buildPersonOutputs), keyed by path relative to it. */
  personOutputFiles(person: PersonReconstruction, encodePng: PngEncoder, options?: Omit<PersonOutputOptions, 'embedder'>): Promise<OutputFiles>;
  /** Face k of a reconstruction with another expression (and pose): its files (see buildAnimateOutputs). */
  animateOutputFiles(
    result: ImageReconstruction, face: number, target: AnimateTarget, encodePng: PngEncoder, options?: Omit<AnimateOutputOptions, 'embedder'>,
  ): Promise<OutputFiles>;
  /** One person through the frames of a video (see trackSequence; the detector must have `track`). Touches no disk. */
  trackSequence(frames: AsyncIterable<SequenceFrame>, options?: SequenceOptions, onProgress?: SequenceProgress): Promise<SequenceTracking>;
  /** The files of a tracked sequence's folder (see buildSequenceOutputs). */
  sequenceOutputFiles(tracking: SequenceTracking, encodePng: PngEncoder, options?: Omit<PersonOutputOptions, 'embedder' | 'clip'>): Promise<OutputFiles>;
}

/** A reconstructor over parts loaded by the caller: the isomorphic core of createReconstructor in 'facerecon/node'. */
export function reconstructorFrom(parts: ReconstructorParts): Reconstructor {
  const context = { model: parts.model, detector: parts.detector, landmarks: parts.landmarks ?? mediapipeLandmarkModel(parts.model) };
  return {
    model: parts.model,
    reconstruct: (image, options, onStage, detected) => reconstructImage(context, image, options, onStage, detected),
    detect: (image, options) => detectFaces(context, image, options),
    addDetail: (result, options, onStage) => addDetail(context, result, options, onStage),
    outputFiles: (result, encodePng, options = {}) =>
      buildImageOutputs(parts.model, result.image, result, encodePng, options.extraTimings, {
        embedder: parts.embedder, original: options.original, outputs: options.outputs, encodeJpeg: options.encodeJpeg, faceNumbers: options.faceNumbers,
      }),
    reconstructPerson: (photos, options, onStage) => reconstructPerson({ ...context, embedder: parts.embedder }, photos, options, onStage),
    personOutputFiles: (person, encodePng, options = {}) => buildPersonOutputs(parts.model, person, encodePng, { ...options, embedder: parts.embedder }),
    animateOutputFiles: (result, face, target, encodePng, options = {}) =>
      buildAnimateOutputs(parts.model, result, face, target, encodePng, { ...options, embedder: parts.embedder }),
    trackSequence: (frames, options, onProgress) => {
      const detector = parts.detector as Partial<SequenceDetector>;
      if (typeof detector.track !== 'function') throw new Error('trackSequence needs a detector that can track (FaceDetector.track)');
      return trackSequence({ ...context, detector: detector as SequenceDetector, embedder: parts.embedder }, frames, options, onProgress);
    },
    sequenceOutputFiles: (tracking, encodePng, options = {}) => buildSequenceOutputs(parts.model, tracking, encodePng, { ...options, embedder: parts.embedder }),
  };
}
