/**
 * Live view of a camera (issue 13): how a page asks for it and why it stopped. Cameras are
 * identified by site AND camera everywhere: camera ids are unique within a site only, so
 * `cam-1` of one shop is not `cam-1` of the next.
 *
 *   GET /api/sites/:siteId/cameras/:cameraId/live   multipart/x-mixed-replace of image/jpeg parts,
 *                                                   or of video/mp4 parts (see LiveMode)
 *
 * A refusal before the stream starts is a JSON body `{ error, code }` with an HTTP status (404 out
 * of scope or unknown, 503 the camera cannot stream, 502 the camera refused or failed). A stream
 * the camera ends (or never starts) ends with one last part of type `application/json` holding a
 * `LiveEnd`, so a page that reads the stream can say why instead of showing a broken picture.
 * The page words the code (zh-CN/en); `detail` is the hub's log wording, for people who read logs.
 */

/** Why a live view could not start or ended. */
export const LIVE_END_CODES = [
  /** The camera refused the user name or password (ONVIF or RTSP 401/403). */
  'not_authorized',
  /** Nothing answers at the camera's address (refused, no route, no answer in time). */
  'unreachable',
  /** The camera closed the stream (or the stream stopped sending pictures). */
  'ended',
  /** The camera answered with something that is not a stream we can show. */
  'failed',
  /** The camera is switched off in its site file (`disabled`), or its password is missing. */
  'disabled',
  /** The hub has no ffmpeg, so it cannot turn streams into pictures. */
  'no_ffmpeg',
] as const;
export type LiveEndCode = (typeof LIVE_END_CODES)[number];

export const isLiveEndCode = (v: unknown): v is LiveEndCode => typeof v === 'string' && (LIVE_END_CODES as readonly string[]).includes(v);

export interface LiveEnd {
  code: LiveEndCode;
  /** The hub's wording for the log (English); pages show their own words for `code`. */
  detail: string;
  /** Pictures delivered before the end (0: it never started). */
  frames: number;
}

/** The REST path of a camera's live view. */
export function livePath(siteId: string, cameraId: string): string {
  return `/api/sites/${encodeURIComponent(siteId)}/cameras/${encodeURIComponent(cameraId)}/live`;
}

/**
 * How the pictures travel. `mjpeg`: image/jpeg parts (any camera; the hub transcodes). `fmp4`:
 * video/mp4 parts — first the init segment (ftyp+moov), then fragments (moof+mdat), each whole —
 * the camera's H.264 copied without transcoding, for Media Source Extensions. A page that can play
 * H.264 asks with `Accept: video/mp4`; the hub answers fmp4 only for H.264 cameras (the parts'
 * Content-Type says which), so the page handles both. A viewer joining a running camera gets the
 * init segment and the fragments since the last key frame.
 */
export type LiveMode = 'mjpeg' | 'fmp4';
export const LIVE_MP4_CONTENT_TYPE = 'video/mp4';

/** Content type of the closing part that carries the LiveEnd. */
export const LIVE_END_CONTENT_TYPE = 'application/json';
export const LIVE_BOUNDARY = 'sgframe';
