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

/**
 * The note beside the alarm when a camera gave no snapshot: which camera, and why, with the budget
 * the operator can hold the hub to ("cam3 did not answer within 2 s").
 */
export function snapshotFailureNote(label: string, err: unknown, o: { limitMs: number; elapsedMs: number }): string {
  const timedOut = (err instanceof OnvifError && err.code === 'timeout') || (err instanceof FfmpegError && err.code === 'timeout') || o.elapsedMs >= o.limitMs;
  const seconds = Number((o.limitMs / 1000).toFixed(1));
  if (timedOut) return `${label} did not answer within ${seconds} s`;
  if (err instanceof OnvifError && err.code === 'unreachable') return `${label} did not answer within ${seconds} s (${describeCameraError(err)})`;
  return `${label}: no snapshot, ${describeCameraError(err)}`;
}
