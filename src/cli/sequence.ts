import { InputError } from '../io/errors.js';
import { readImage } from '../io/read-image.js';
import { probeVideo, videoFrames } from '../io/video.js';
import { PersonError } from '../pipeline/reconstruct-person.js';
import type { SequenceFrame, SequenceTracking } from '../pipeline/track-sequence.js';
import { runIntoOutputFolder } from './staged-run.js';
import { listPhotos } from './batch/photo-list.js';
import { duration, type ProgressOutput } from './batch/progress.js';
import type { CliOptions } from './args.js';

/** A sequence's frames: where from, how many when known, and the frames themselves (read lazily, once). */
interface FrameSource {
  name: string;
  count?: number;
  frames: AsyncIterable<SequenceFrame>;
}

/**
 * `facerecon clip.mp4` or `facerecon --frames 'dir/*.jpg'`: one person tracked through the frames
 * (trackSequence), written to --out as one folder (buildSequenceOutputs). The video is probed (or
 * the frame files listed) and the folder claimed before the model loads; a clip without a face
 * leaves no folder.
 */
export async function sequenceCommand(options: CliOptions, log: (line: string) => void): Promise<number> {
  const source = options.frames !== undefined ? await frameFiles(options.frames, options.fps) : await videoFile(options.images[0]);
  let tracking: SequenceTracking;
  return runIntoOutputFolder(options, log, async (recon) => {
    const progress = new FrameProgress(source.count, options.json ? { write: () => {} } : process.stderr);
    tracking = await recon.trackSequence(source.frames, { ...options.reconstruct }, (pass, done) => progress.update(pass, done))
      .catch((err) => { throw err instanceof PersonError ? new InputError('no-face', `${source.name}: ${err.message}`) : err; });
    progress.finish();
    for (const r of tracking.person.rejected) log(`${source.name}: identity frame ${r.name.replace('frame', '')} left out: ${r.reason}`);
    return recon.sequenceOutputFiles(tracking, { outputs: options.outputs });
  }, (seconds) => {
    const found = tracking.frames.filter((f) => f.pose).length;
    log(`${source.name}: ${found} of ${tracking.frames.length} frames tracked, identity from ${tracking.person.views.length} frames -> ${options.out} (${seconds.toFixed(1)} s)`);
    if (options.json) {
      process.stdout.write(`${JSON.stringify({
        out: options.out, frames: tracking.frames.length, tracked: found, identityFrames: tracking.person.views.map((v) => v.name), seconds,
      }, null, 2)}\n`);
    }
  });
}

async function videoFile(path: string): Promise<FrameSource> {
  const info = await probeVideo(path);
  return { name: path, count: info.frames, frames: videoFrames(path, info) };
}

/** The images of --frames in file-name order, decoded one at a time, `fps` apart. */
async function frameFiles(input: string, fps: number): Promise<FrameSource> {
  const paths = (await listPhotos([input])).map((p) => p.path);
  if (paths.length === 0) throw new InputError('unreadable', `${input}: no frames found`);
  async function* frames(): AsyncGenerator<SequenceFrame> {
    for (const [i, path] of paths.entries()) yield { image: (await readImage(path)).image, timeMs: (1000 * i) / fps };
  }
  return { name: input, count: paths.length, frames: frames() };
}

/** The frames read, then fitted, with frames per second; a rewritten line on a terminal, a line every 5 s elsewhere. */
class FrameProgress {
  private started = performance.now();
  private pass = '';
  private done = 0;
  private last = 0;

  constructor(private total: number | undefined, private readonly out: ProgressOutput) {}

  update(pass: string, done: number): void {
    if (pass !== this.pass) {
      if (this.pass) {
        this.show(true);
        if (this.out.isTTY) this.out.write('\n');
        this.total = this.done; // every frame read is fitted (or found without a face)
        this.started = performance.now();
      }
      this.pass = pass;
    }
    this.done = done;
    this.show(false);
  }

  finish(): void {
    if (!this.pass) return;
    this.show(true);
    if (this.out.isTTY) this.out.write('\n');
  }

  private show(force: boolean): void {
    const now = performance.now();
    if (!force && now - this.last < (this.out.isTTY ? 100 : 5000)) return;
    this.last = now;
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? this.done / seconds : 0;
    const line = `${this.pass === 'landmarks' ? 'landmarks' : 'pose and expression'}: frame ${this.done}${this.total ? `/${this.total}` : ''}, `
      + `${rate.toFixed(1)} frames/s, ${duration(seconds)}`;
    this.out.write(this.out.isTTY ? `\r\x1b[K${line}` : `${line}\n`);
  }
}
