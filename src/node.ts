/**
 * facerecon/node: the core (see index.ts) plus what needs Node: finding, importing and
 * downloading the model, loading the networks from node_modules, reading image files, writing
 * output folders. The command line runs on this too.
 *
 *   import { createReconstructor } from 'facerecon/node';
 *   const recon = await createReconstructor();
 *   const faces = await recon.reconstruct('photo.jpg');
 *   await recon.writeOutputs(faces, 'out/');
 */
import type { RgbImage } from './base/image.js';
import type { MorphableModel } from './model/types.js';
import { loadIctModel, type LoadedModel, type LoadModelOptions } from './model/node/load-ict.js';
import { createFaceDetector, type FaceDetector, type FaceDetectorOptions } from './perception/index.js';
import { nodeDetectorSetup, nodeModelLoader } from './perception/node-model-loader.js';
import { createFaceEmbedder, type FaceEmbedder } from './identity/index.js';
import { readImage, type DecodedImage, type ImageInfo } from './io/read-image.js';
import { encodeJpeg, encodePng } from './io/write-image.js';
import { createStaging, OutputStaging } from './io/output-dir.js';
import { reconstructorFrom } from './pipeline/reconstructor.js';
import type { OutputFiles, OutputName } from './pipeline/outputs.js';
import type { DetectedFaces, ImageReconstruction } from './pipeline/reconstruct.js';
import type { ReconstructOptions } from './pipeline/options.js';
import type { PersonOptions, PersonReconstruction } from './pipeline/reconstruct-person.js';
import type { AnimateOutputOptions, AnimateTarget } from './pipeline/animate.js';
import type { SequenceFrame, SequenceOptions, SequenceProgress, SequenceTracking } from './pipeline/track-sequence.js';

export * from './index.js';
export { loadIctModel, defaultCacheDir, type LoadModelOptions, type LoadedModel } from './model/node/load-ict.js';
export { nodeDetectorSetup, nodeModelLoader } from './perception/node-model-loader.js';
export {
  readImage, decodeImage, encodeJpeg, encodePng, writePng, createStaging, withStaging, OutputStaging, InputError, isInputError,
  type DecodedImage, type ImageInfo, type ReadImageOptions, type InputErrorCode,
} from './io/index.js';

export interface NodeReconstructorOptions extends Pick<LoadModelOptions, 'cacheDir' | 'progress' | 'progressOutput'> {
  /**
   * The ICT-FaceKit model: a folder (the repository or its FaceXModel folder), a cached .frm file,
   * or a model already loaded. Default: $FACERECON_MODEL, then ../shared/ict-facekit, then the
   * cache, then a download (see loadIctModel).
   */
  model?: string | MorphableModel;
  /** Detector settings (thresholds; `iris: false` skips the iris network, and eyes.png falls back to a neutral colour). */
  detector?: Omit<FaceDetectorOptions, 'loadModel'>;
  /** Compare each photo with its textured reconstruction by face recognition (identitySimilarity in params.json). Default true. */
  identitySimilarity?: boolean;
  /**
   * Load the detector's networks on the first call that finds faces, not up front: a worker thread
   * given only faces found elsewhere (reconstruct with `detected`) never loads them. Default false.
   */
  detectorWhenNeeded?: boolean;
}

/** A reconstruction of one photo, with what the file said about itself when it came from one. */
export interface PhotoReconstruction extends ImageReconstruction {
  /** Format, original size, EXIF orientation and downscaling of the file (absent for pixels passed in). */
  file?: ImageInfo;
}

export interface NodeReconstructor {
  readonly model: MorphableModel;
  /** Where the model came from and how long loading it and the networks took, milliseconds. */
  readonly loaded: { source: string; how: LoadedModel['how'] | 'given'; modelMs: number; networksMs: number };
  /**
   * An image file's path, decoded pixels (8-bit RGB) or a readImage result; options per call.
   * `detected`: faces found earlier in this image by `detect` (all or some), not detected again.
   */
  reconstruct(input: string | RgbImage | DecodedImage, options?: ReconstructOptions, detected?: DetectedFaces): Promise<PhotoReconstruction>;
  /** Only finds the faces of decoded pixels (detection, landmarks, iris): the first stage of `reconstruct`. */
  detect(image: RgbImage, options?: ReconstructOptions): Promise<DetectedFaces>;
  /**
   * Writes the output folder of one reconstruction (overlay.png, face<k>/..., manifest.json), all
   * or nothing, as the command line does (a folder of earlier results is replaced; a non-empty
   * folder that is not ours is refused); `out` is a folder path or a staging claimed earlier with
   * createStaging. Resolves to the paths written, relative to the folder.
   */
  writeOutputs(result: PhotoReconstruction, out: string | OutputStaging): Promise<string[]>;
  /**
   * The files writeOutputs would write, in memory, keyed by path relative to the output folder;
   * `outputs`: only these (see OUTPUT_NAMES; params.json always), skipping the work the others need.
   */
  outputFiles(result: PhotoReconstruction, options?: { outputs?: readonly OutputName[]; faceNumbers?: readonly number[] }): Promise<OutputFiles>;
  /**
   * Several photos of one person (decoded with readImage; `name` says which in reasons and file
   * names, unique): one head, the photos of someone else or whose fit failed left out (see reconstructPerson).
   */
  reconstructPerson(photos: readonly { name: string; decoded: DecodedImage }[], options?: PersonOptions): Promise<PersonReconstruction>;
  /** The files of a person's folder in memory (see buildPersonOutputs). */
  personOutputFiles(person: PersonReconstruction, options?: { outputs?: readonly OutputName[] }): Promise<OutputFiles>;
  /**
   * Face k of a reconstruction with the expression (and optionally the pose) of `target`: the files of
   * `facerecon animate` in memory (see buildAnimateOutputs); `clip` and `arkit52` shape head.glb; `wrinkleMaps` adds face<k>/wrinkles/.
   */
  animateOutputFiles(
    result: PhotoReconstruction, face: number, target: AnimateTarget,
    options?: Pick<AnimateOutputOptions, 'outputs' | 'clip' | 'arkit52' | 'wrinkleMaps'>,
  ): Promise<OutputFiles>;
  /** One person through the frames of a video (see trackSequence); src/io/video.ts reads a file's frames. */
  trackSequence(frames: AsyncIterable<SequenceFrame>, options?: SequenceOptions, onProgress?: SequenceProgress): Promise<SequenceTracking>;
  /** The files of a tracked sequence's folder in memory (see buildSequenceOutputs). */
  sequenceOutputFiles(tracking: SequenceTracking, options?: { outputs?: readonly OutputName[] }): Promise<OutputFiles>;
  /** Frees the networks' weights. */
  dispose(): void;
}

/** Finds and loads the model, the face detector with its landmark network and the identity embedder, once. */
export async function createReconstructor(options: NodeReconstructorOptions = {}): Promise<NodeReconstructor> {
  const loaded = typeof options.model === 'object'
    ? { model: options.model, source: options.model.name, how: 'given' as const, milliseconds: 0 }
    : await loadIctModel({ modelPath: options.model, cacheDir: options.cacheDir, progress: options.progress, progressOutput: options.progressOutput });
  const t0 = performance.now();
  const loadDetector = () => createFaceDetector({ ...nodeDetectorSetup(), ...options.detector });
  const detector = options.detectorWhenNeeded ? detectorWhenNeeded(loadDetector) : await loadDetector();
  const embedder: FaceEmbedder | undefined = options.identitySimilarity === false ? undefined : await createFaceEmbedder(nodeModelLoader());
  const core = reconstructorFrom({ model: loaded.model, detector, embedder });
  const networksMs = performance.now() - t0;

  /** Each person's photos as given (params.json reports their pixels). */
  const originals = new WeakMap<PersonReconstruction, Record<string, { width: number; height: number; scale: number }>>();
  const reconstructor: NodeReconstructor = {
    model: loaded.model,
    loaded: { source: loaded.source, how: loaded.how, modelMs: loaded.milliseconds, networksMs },
    async reconstruct(input, callOptions, detected) {
      const decoded = typeof input === 'string' ? await readImage(input) : 'info' in input ? input : undefined;
      const result = await core.reconstruct(decoded?.image ?? (input as RgbImage), callOptions, undefined, detected);
      return decoded ? { ...result, file: decoded.info } : result;
    },
    detect: (image, callOptions) => core.detect(image, callOptions),
    outputFiles(result, { outputs, faceNumbers } = {}) {
      const info = result.file;
      const original = info && { width: info.originalWidth, height: info.originalHeight, scale: info.scale };
      return core.outputFiles(result, encodePng, { extraTimings: { modelLoad: loaded.milliseconds }, original, outputs, encodeJpeg, faceNumbers });
    },
    async writeOutputs(result, out) {
      const stage = out instanceof OutputStaging ? out : await createStaging(out);
      try {
        const files = await reconstructor.outputFiles(result);
        for (const [name, data] of Object.entries(files)) await stage.write(name, data);
        await stage.commit();
        return Object.keys(files);
      } finally {
        await stage.abort(); // no-op after the commit
      }
    },
    async reconstructPerson(photos, callOptions) {
      const person = await core.reconstructPerson(photos.map((p) => ({ name: p.name, image: p.decoded.image })), callOptions);
      originals.set(person, Object.fromEntries(photos.map(({ name, decoded: { info } }) =>
        [name, { width: info.originalWidth, height: info.originalHeight, scale: info.scale }])));
      return person;
    },
    personOutputFiles(person, { outputs } = {}) {
      return core.personOutputFiles(person, encodePng, { originals: originals.get(person), outputs, encodeJpeg });
    },
    animateOutputFiles(result, face, target, options = {}) {
      const info = result.file;
      const original = info && { width: info.originalWidth, height: info.originalHeight, scale: info.scale };
      return core.animateOutputFiles(result, face, target, encodePng, { ...options, original, encodeJpeg });
    },
    trackSequence: (frames, callOptions, onProgress) => core.trackSequence(frames, callOptions, onProgress),
    sequenceOutputFiles: (tracking, { outputs } = {}) => core.sequenceOutputFiles(tracking, encodePng, { outputs, encodeJpeg }),
    dispose() {
      detector.dispose();
      embedder?.dispose();
    },
  };
  return reconstructor;
}

/** A detector whose networks `load` loads on the first detect or track (see NodeReconstructorOptions.detectorWhenNeeded). */
function detectorWhenNeeded(load: () => Promise<FaceDetector>): FaceDetector {
  let loading: Promise<FaceDetector> | undefined;
  let loaded: FaceDetector | undefined;
  const get = () => (loading ??= load().then((d) => (loaded = d)));
  return {
    get backend() { return loaded?.backend ?? 'not loaded'; },
    get lastTimings() { return loaded?.lastTimings; },
    detect: async (image, options) => (await get()).detect(image, options),
    track: async (image, previous) => (await get()).track(image, previous),
    dispose: () => { loading?.then((d) => d.dispose(), () => {}); },
  };
}
