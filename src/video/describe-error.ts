import type { IncidentMedia } from '../contract/incident.js';
import { message, type VideoFailure } from '../contract/messages.js';
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

/** Why a camera failed, as a `video.failed` reason the page words, with the technical rest. */
export function cameraFailureReason(err: unknown): { reason: VideoFailure; detail: string | null } {
  if (err instanceof OnvifError) {
    if (err.code === 'timeout') return { reason: 'timeout', detail: null };
    if (err.code === 'unreachable') return { reason: 'unreachable', detail: err.reason };
    if (err.code === 'not_authorized') return { reason: 'not_authorized', detail: null };
    return { reason: 'other', detail: err.reason };
  }
  if (err instanceof FfmpegError) {
    const reason = FFMPEG_REASONS[err.code];
    return { reason: reason ?? 'other', detail: reason && reason !== 'unreachable' ? null : err.message };
  }
  return { reason: 'other', detail: err instanceof Error ? err.message : String(err) };
}

/** ffmpeg's failures the operator can act on; the rest are `other`, with ffmpeg's words as detail. */
const FFMPEG_REASONS: Partial<Record<FfmpegError['code'], VideoFailure>> = {
  timeout: 'timeout',
  not_authorized: 'not_authorized',
  unreachable: 'unreachable',
  ended: 'ended',
  no_binary: 'no_ffmpeg',
};

/** The media note's code and parameters (`video.failed`) beside its English `error`. */
export function videoFailure(
  camera: { id: string; name?: string | null | undefined },
  media: 'snapshot' | 'clip',
  why: { reason: VideoFailure; detail?: string | null; seconds?: number | null },
): Pick<IncidentMedia, 'errorCode' | 'errorParams'> {
  const m = message('video.failed', {
    camera: camera.id,
    cameraName: camera.name || camera.id,
    media,
    reason: why.reason,
    seconds: why.seconds ?? null,
    detail: why.detail ?? null,
  });
  return { errorCode: m.code, errorParams: m.params };
}

/** The code of a snapshot failure, by the same rule as snapshotFailureNote. */
export function snapshotFailure(
  camera: { id: string; name?: string | null | undefined },
  err: unknown,
  o: { limitMs: number; elapsedMs: number },
): Pick<IncidentMedia, 'errorCode' | 'errorParams'> {
  const timedOut = (err instanceof OnvifError && err.code === 'timeout') || (err instanceof FfmpegError && err.code === 'timeout') || o.elapsedMs >= o.limitMs;
  const seconds = Number((o.limitMs / 1000).toFixed(1));
  if (timedOut) return videoFailure(camera, 'snapshot', { reason: 'timeout', seconds });
  const why = cameraFailureReason(err);
  // An ONVIF camera that cannot be reached is worded as the budget it missed, as snapshotFailureNote does.
  return videoFailure(camera, 'snapshot', { ...why, seconds: err instanceof OnvifError && err.code === 'unreachable' ? seconds : null });
}
