/**
 * Video files through the system's ffmpeg (and its ffprobe): probed, then decoded as a stream of
 * 8-bit RGB frames, so a long clip is never held in memory. $FACERECON_FFMPEG names the ffmpeg
 * binary (its ffprobe is looked for beside it).
 */
import { spawn } from 'node:child_process';
import { open } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import type { RgbImage } from '../base/image.js';
import { InputError, describeFsError } from './errors.js';

const VIDEO_EXTENSIONS = new Set(['.mp4', '.m4v', '.mov', '.mkv', '.webm', '.avi', '.mpg', '.mpeg', '.y4m', '.ogv', '.wmv', '.flv', '.3gp', '.mts', '.m2ts']);
/** ISO base media brands that are still pictures, not video (HEIC, AVIF). */
const IMAGE_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'mif1', 'msf1', 'avif', 'avis']);

/** Whether a file is a video: by its extension, else by its first bytes (MP4/MOV, Matroska/WebM, AVI, YUV4MPEG2, MPEG). */
export async function isVideoFile(path: string): Promise<boolean> {
  if (VIDEO_EXTENSIONS.has(extname(path).toLowerCase())) return true;
  const head = Buffer.alloc(16);
  try {
    const file = await open(path, 'r');
    try { await file.read(head, 0, 16, 0); } finally { await file.close(); }
  } catch {
    return false; // not readable: the image reader says why
  }
  const text = (a: number, b: number) => head.toString('latin1', a, b);
  if (text(4, 8) === 'ftyp') return !IMAGE_BRANDS.has(text(8, 12));
  return head.readUInt32BE(0) === 0x1a45dfa3 || (text(0, 4) === 'RIFF' && text(8, 11) === 'AVI') || text(0, 9) === 'YUV4MPEG2'
    || head.readUInt32BE(0) === 0x000001ba || head.readUInt32BE(0) === 0x000001b3;
}

export interface VideoInfo {
  /** Size of the decoded frames (upright, scaled down to maxSide), pixels. */
  width: number;
  height: number;
  /** The file's own upright size. */
  originalWidth: number;
  originalHeight: number;
  fps: number;
  /** Frames, when the container says. */
  frames?: number;
}

/** The decoder binaries. */
function binaries(): { ffmpeg: string; ffprobe: string } {
  const given = process.env.FACERECON_FFMPEG;
  return given ? { ffmpeg: given, ffprobe: join(dirname(given), 'ffprobe') } : { ffmpeg: 'ffmpeg', ffprobe: 'ffprobe' };
}

const NO_DECODER = 'decoding video needs ffmpeg, which was not found: install it (Debian/Ubuntu: apt-get install ffmpeg; '
  + "macOS: brew install ffmpeg) or set FACERECON_FFMPEG to its path, or pass the frames as images with --frames 'dir/*.jpg'";

/** Runs a binary to the end: its stdout; a missing binary is the no-decoder error. */
function run(binary: string, args: string[], path: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'ENOENT' || err.code === 'EACCES' ? new InputError('no-decoder', `${path}: ${NO_DECODER}`) : err);
    });
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** The video stream's size, rotation and frame rate; frames are scaled so the longer side is at most maxSide (default 1280). */
export async function probeVideo(path: string, maxSide = 1280): Promise<VideoInfo> {
  try {
    await (await open(path, 'r')).close();
  } catch (error) {
    throw new InputError('unreadable', `${path}: cannot read file (${describeFsError(error)})`, { cause: error });
  }
  const { ffprobe } = binaries();
  const probe = await run(ffprobe, [
    '-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height,avg_frame_rate,r_frame_rate,nb_frames:stream_side_data=rotation:stream_tags=rotate',
    '-of', 'json', path,
  ], path);
  const stream = probe.code === 0 ? JSON.parse(probe.stdout).streams?.[0] : undefined;
  if (!stream?.width || !stream?.height) {
    throw new InputError('not-image', `${path}: not a video ffmpeg can decode${probe.stderr.trim() ? ` (${probe.stderr.trim().split('\n').pop()})` : ''}`);
  }
  const rotation = Number(stream.side_data_list?.[0]?.rotation ?? stream.tags?.rotate ?? 0);
  const turned = Math.abs(rotation) % 180 === 90;
  const originalWidth = turned ? stream.height : stream.width, originalHeight = turned ? stream.width : stream.height;
  const scale = Math.min(1, maxSide / Math.max(originalWidth, originalHeight));
  const even = (v: number) => Math.max(2, 2 * Math.round((v * scale) / 2));
  const rate = (text: string | undefined) => { const [a, b] = (text ?? '').split('/').map(Number); return a > 0 && b > 0 ? a / b : NaN; };
  const fps = [rate(stream.avg_frame_rate), rate(stream.r_frame_rate), 30].find((f) => Number.isFinite(f))!;
  const frames = Number(stream.nb_frames);
  return {
    width: even(originalWidth), height: even(originalHeight), originalWidth, originalHeight, fps,
    ...(Number.isInteger(frames) && frames > 0 ? { frames } : {}),
  };
}

/** The frames of a probed video, decoded one at a time (time = frame number / fps). Stopping early ends the decoder. */
export async function* videoFrames(path: string, info: VideoInfo): AsyncGenerator<{ image: RgbImage; timeMs: number }> {
  const { ffmpeg } = binaries();
  const child = spawn(ffmpeg, ['-v', 'error', '-nostdin', '-i', path, '-vf', `scale=${info.width}:${info.height}`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', (err: NodeJS.ErrnoException) => reject(err.code === 'ENOENT' ? new InputError('no-decoder', `${path}: ${NO_DECODER}`) : err));
    child.on('close', (code) => resolve(code ?? 1));
  });
  exited.catch(() => {}); // awaited below
  const bytes = 3 * info.width * info.height;
  let frame = new Uint8Array(bytes), filled = 0, index = 0;
  let finished = false;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      let offset = 0;
      while (offset < chunk.length) {
        const n = Math.min(bytes - filled, chunk.length - offset);
        frame.set(chunk.subarray(offset, offset + n), filled);
        filled += n; offset += n;
        if (filled === bytes) {
          yield { image: { width: info.width, height: info.height, data: frame }, timeMs: (1000 * index++) / info.fps };
          frame = new Uint8Array(bytes);
          filled = 0;
        }
      }
    }
    const code = await exited;
    finished = true;
    if (code !== 0 && index === 0) throw new InputError('not-image', `${path}: ffmpeg could not decode it (${stderr.trim().split('\n').pop() ?? `exit ${code}`})`);
  } finally {
    if (!finished) child.kill();
  }
}
