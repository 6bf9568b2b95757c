/**
 * facerecon: the isomorphic core (typed arrays and TensorFlow.js, no Node APIs), for browsers and
 * Node alike. The caller loads the model and the networks and passes them in:
 *
 *   const model = deserialiseModel(new Uint8Array(await (await fetch('ict.frm')).arrayBuffer()));
 *   const detector = await createFaceDetector({ loadModel: (name) => tf.loadGraphModel(`models/${name}.json`) });
 *   const recon = reconstructorFrom({ model, detector });
 *   const result = await recon.reconstruct({ width, height, data });   // 8-bit RGB pixels
 *
 * In Node, 'facerecon/node' finds and loads all of that itself (createReconstructor).
 */
export { reconstructorFrom, type Reconstructor, type ReconstructorParts } from './pipeline/reconstructor.js';
export {
  reconstructImage, reconstructFace, addDetail, detectFaces, landmarkTargets,
  type FaceReconstruction, type ImageReconstruction, type ReconstructContext, type FaceDetectorLike, type DetectedFaces,
  type ReconstructStage, type StageListener,
} from './pipeline/reconstruct.js';
export {
  RECONSTRUCT_DEFAULTS, expandReconstructOptions, optionsRecord,
  type ReconstructOptions, type ExpandedReconstructOptions,
} from './pipeline/options.js';
export { buildImageOutputs, OUTPUT_NAMES, type OutputFiles, type OutputName, type PngEncoder, type JpegEncoder } from './pipeline/outputs.js';
export { OptionError } from './base/options.js';
export {
  FIT_DEFAULTS, SHARED_FIT_DEFAULTS, expandFitOptions,
  type FitOptions, type SharedFitOptions, type ExpandedFitOptions,
} from './fit/options.js';
export { PHOTOMETRIC_DEFAULTS, expandPhotometricOptions, type PhotometricOptions, type ExpandedPhotometricOptions } from './photometric/options.js';
export { fitLandmarks, type FitResult, type LandmarkModel } from './fit/landmark-fit.js';
export { PoseExpressionTracker, type TrackOptions, type TrackedPose, type TemporalSmoothness } from './fit/track.js';
export { trackFrames, type ClipFrame, type FrameFit } from './fit/track-frames.js';
export { fitLandmarksMultiView, type LandmarkView, type MultiViewFit, type MultiViewFitOptions } from './fit/multi-view-fit.js';
export { refinePhotometric, type PhotometricResult } from './photometric/refine.js';
export { refinePhotometricMultiView, type PhotometricView } from './photometric/multi-view-refine.js';
export {
  reconstructPerson, PersonError, PERSON_MIN_SIMILARITY, PERSON_MAX_RESIDUAL,
  type PersonPhoto, type PersonOptions, type PersonView, type RejectedView, type PersonReconstruction,
} from './pipeline/reconstruct-person.js';
export { buildPersonOutputs, personOverlayName, type PersonOutputOptions } from './pipeline/person-outputs.js';
export { buildAnimateOutputs, animatedFace, type AnimateTarget, type AnimateOutputOptions } from './pipeline/animate.js';
export {
  trackSequence, SEQUENCE_TEMPORAL_DEFAULTS,
  type SequenceFrame, type SequenceDetector, type SequenceOptions, type SequenceProgress, type SequenceTracking, type TrackedFrame,
} from './pipeline/track-sequence.js';
export { buildSequenceOutputs, TRACKING_CSV_COLUMNS } from './pipeline/sequence-outputs.js';
export {
  createFaceDetector, initBackend, DETECT_DEFAULTS, expandDetectOptions,
  type FaceDetector, type FaceDetectorOptions, type DetectOptions, type ExpandedDetectOptions, type DetectTimings,
  type DetectedFace, type FaceConfidence, type FaceEvidence, type ModelLoader, type PerceptionModelName, type BackendOptions,
} from './perception/index.js';
export { createFaceEmbedder, cosineSimilarity, type FaceEmbedder, type FaceEmbedderOptions } from './identity/index.js';
export { mediapipeLandmarkModel } from './correspondence/landmark-model.js';
export { deserialiseModel, serialiseModel } from './model/binary.js';
export { instantiate } from './model/instance.js';
export type { MorphableModel, ModelCoefficients } from './model/types.js';
export {
  buildExports, EXPRESSION_PRESETS, expressionFromNames, presetExpression, expressionClip, arkit52Sources,
  type ExportFiles, type ExportOptions, type FaceParams, type ExpressionClip,
} from './export/index.js';
export { poseAngles, type Camera, type HeadPose } from './base/camera.js';
export type { RgbImage, RgbaImage } from './base/image.js';
