import { createReadStream } from 'node:fs';
import { Router } from 'express';
import type { CameraService } from '../../../video/camera-service.js';
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
 *   GET /cameras/:id/live     MJPEG (multipart/x-mixed-replace) for an <img>; ffmpeg runs while
 *                             someone watches. `?site=` picks the site when camera ids repeat.
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

  r.get('/cameras/:id/live', allow('cameras:live'), (req, res) => {
    const v = video();
    const id = String(req.params.id);
    const q = parseQuery(liveQuery, req, res);
    if (!q) return;
    const site = q.site ?? null;
    if (!v || !CAMERA_ID.test(id) || (site !== null && !CAMERA_ID.test(site))) return void refuse(res, 404, 'not_found', 'no such camera');
    const scope = scopeOf(ctx.auth, res);
    const matches = v.findCamera(id).filter((c) => (site === null || c.siteId === site) && scope.seesSite(c.siteId));
    if (matches.length === 0) return void refuse(res, 404, 'not_found', 'no such camera');
    if (matches.length > 1) return void refuse(res, 409, 'ambiguous_camera', 'camera id is used by several sites; add ?site=');
    res.status(200);
    res.setHeader('Content-Type', `multipart/x-mixed-replace; boundary=${LIVE_BOUNDARY}`);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Connection', 'close');
    res.flushHeaders();
    let dispose: (() => void) | null = null;
    try {
      dispose = v.watchLive(matches[0]!.siteId, id, res);
    } catch (err) {
      ctx.log.warn({ camera: id, reason: (err as Error).message }, 'live view refused');
      res.end();
      return;
    }
    req.on('close', () => dispose?.());
    res.on('close', () => dispose?.());
  });
  return r;
}
