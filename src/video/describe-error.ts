import { FfmpegError } from './ffmpeg/ffmpeg.js';
import { OnvifError } from './onvif/errors.js';

/** A camera failure in words for the operator (and the log); never a URL or a password. */
export function describeCameraError(err: unknown): string {
  if (err instanceof OnvifError) {
    switch (err.code) {
      case 'timeout':
        return 'did not answer in time';
      case 'unreachable':
        return `cannot be reached (${err.reason})`;
      case 'not_authorized':
        return 'refused the user name or password';
      default:
        return err.reason;
    }
  }
  if (err instanceof FfmpegError) return err.code === 'timeout' ? 'did not answer in time' : err.message;
  return err instanceof Error ? err.message : String(err);
}
