/**
 * Errors caused by the user's input (files, folders, photos), as opposed to bugs.
 * The CLI prints `error: <message>` and exits non-zero for these instead of a stack trace,
 * so the message is always a single self-contained line that names the file.
 */

/** Why the input was rejected. Add new codes here rather than overloading existing ones. */
export type InputErrorCode =
  | 'unreadable' // missing file, directory, permission denied
  | 'not-image' // not decodable as an image: wrong content, empty, truncated, corrupt
  | 'unsupported-format' // decodable but not a photo format we accept (e.g. SVG)
  | 'too-large' // more pixels than the configured or safety limit
  | 'too-small' // too few pixels to find and fit a face
  | 'no-face' // no face found in the photo
  | 'no-decoder' // a video, and no decoder (ffmpeg) on this machine
  | 'invalid-argument' // a bad command-line value or option
  | 'output-not-directory' // the output path (or a folder inside it) exists as a non-directory
  | 'output-not-ours' // the output folder is not empty and holds no results of ours (no manifest)
  | 'unwritable'; // the output could not be created or written

export class InputError extends Error {
  override readonly name = 'InputError';
  readonly code: InputErrorCode;

  constructor(code: InputErrorCode, message: string, options?: { cause?: unknown }) {
    // Keep the promise of "one line" even if a caller interpolates a multi-line string.
    super(message.replace(/\s*[\r\n]+\s*/g, ' ').trim(), options);
    this.code = code;
  }
}

export function isInputError(error: unknown): error is InputError {
  return error instanceof InputError;
}

/** Short human reason for a Node filesystem error, e.g. "no such file" for ENOENT. */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'ENOTDIR':
      return 'a parent path is not a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    case 'ENOSPC':
      return 'no space left on device';
    case 'EROFS':
      return 'read-only file system';
    case 'ELOOP':
      return 'too many symbolic links';
    case 'ENAMETOOLONG':
      return 'file name too long';
    default:
      return code ?? (error instanceof Error ? error.message : String(error));
  }
}
