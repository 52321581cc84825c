import { createReadStream } from 'node:fs';
import { Router, type Request, type Response } from 'express';
import { LiveRefusal, type CameraService } from '../../../video/camera-service.js';
import { LIVE_BOUNDARY } from '../../../video/live.js';
import { MEDIA_ID } from '../../../video/media-store.js';
import type { ApiContext } from '../../context.js';
import { allow, scopeOf } from '../access.js';
import { liveQuery, parseQuery } from '../inputs.js';
import { refuse } from '../refuse.js';

const CAMERA_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * Video evidence and live view (issue 6):
 *   GET /media/:id            a stored snapshot or clip, streamed; the id is checked against the
 *                             media index, never joined into a path
 *   GET /cameras/status       availability of every camera (online / offline / unknown / disabled / pending_install)
 *   GET /sites/:site/cameras/:id/live
 *                             multipart/x-mixed-replace: JPEG parts, or for an H.264 camera and a
 *                             request with `Accept: video/mp4` fragmented-MP4 parts (no transcoding);
 *                             one ffmpeg per camera while someone watches.
 *                             A camera that cannot stream answers 502/503 `live_unavailable` with
 *                             `reason`; a stream that ends closes with a JSON part saying why
 *                             (src/contract/live-view.ts)
 *   GET /cameras/:id/live     the same, older path: `?site=` picks the site when camera ids repeat
 */
export function mediaRoutes(ctx: ApiContext & { video?: CameraService | null }): Router {
  const r = Router();
  const video = (): CameraService | null => ctx.video ?? null;

  r.get('/media/:id', allow('media:read'), (req, res) => {
    const id = String(req.params.id);
    const v = video();
    const file = v && MEDIA_ID.test(id) ? v.mediaFile(id) : undefined;
    // Another site's evidence answers like a missing file; media of unknown site only for city-wide roles.
    const scope = scopeOf(ctx.auth, res);
    if (!file || !(file.siteId ? scope.seesSite(file.siteId) : scope.all)) return void refuse(res, 404, 'not_found', 'no such media');
    res.status(200);
    res.setHeader('Content-Type', file.contentType);
    res.setHeader('Content-Length', String(file.bytes));
    res.setHeader('Cache-Control', 'private, max-age=3600');
    const stream = createReadStream(file.path);
    stream.on('error', () => {
      // Pruned between lookup and read: the client sees a cut response, the hub goes on.
      if (!res.headersSent) refuse(res, 404, 'not_found', 'no such media');
      else res.destroy();
    });
    stream.pipe(res);
  });

  r.get('/cameras/status', allow('cameras:read'), (_req, res) => {
    const scope = scopeOf(ctx.auth, res);
    res.json({ cameras: (video()?.status() ?? []).filter((c) => scope.seesSite(c.siteId)) });
  });

  // Cameras are identified by site and camera (ids repeat across sites); the older path takes `?site=`.
  const live = (siteParam: string | null, id: string, res: Response, mp4: boolean): void => {
    const v = video();
    if (!v || !CAMERA_ID.test(id) || (siteParam !== null && !CAMERA_ID.test(siteParam))) return void refuse(res, 404, 'not_found', 'no such camera');
    const scope = scopeOf(ctx.auth, res);
    const matches = v.findCamera(id).filter((c) => (siteParam === null || c.siteId === siteParam) && scope.seesSite(c.siteId));
    if (matches.length === 0) return void refuse(res, 404, 'not_found', 'no such camera');
    if (matches.length > 1) return void refuse(res, 409, 'ambiguous_camera', 'camera id is used by several sites; add ?site=');
    const siteId = matches[0]!.siteId;
    let gone = false;
    let dispose: (() => void) | null = null;
    const leave = (): void => {
      gone = true;
      dispose?.();
    };
    // The response's close (finished, or the viewer went away); a request's close can come earlier.
    res.on('close', leave);
    const start = (): void => {
      res.status(200);
      res.setHeader('Content-Type', `multipart/x-mixed-replace; boundary=${LIVE_BOUNDARY}`);
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('Connection', 'close');
      res.flushHeaders();
    };
    v.watchLive({ siteId, cameraId: id, out: res, onStart: start, mp4 }).then(
      (d) => {
        dispose = d;
        // The viewer left while the camera was being asked for its stream.
        if (gone) d();
      },
      (err: unknown) => {
        const code = err instanceof LiveRefusal ? err.code : 'failed';
        const detail = err instanceof LiveRefusal ? err.detail : 'live view could not start';
        ctx.log.warn({ site: siteId, camera: id, reason: detail, code }, 'live view refused');
        if (res.headersSent) return void res.end();
        refuse(res, code === 'disabled' || code === 'no_ffmpeg' ? 503 : 502, 'live_unavailable', detail, { reason: code });
      },
    );
  };
  // A page that plays H.264 (Media Source Extensions) says so; H.264 cameras then come as fMP4 parts.
  const wantsMp4 = (req: Request): boolean => /\bvideo\/mp4\b/i.test(req.get('accept') ?? '');
  r.get('/sites/:site/cameras/:id/live', allow('cameras:live'), (req, res) => live(String(req.params.site), String(req.params.id), res, wantsMp4(req)));
  r.get('/cameras/:id/live', allow('cameras:live'), (req, res) => {
    const q = parseQuery(liveQuery, req, res);
    if (q) live(q.site ?? null, String(req.params.id), res, wantsMp4(req));
  });
  return r;
}
