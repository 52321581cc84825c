import { Router } from 'express';
import type { ApiContext } from '../../context.js';
import { allow, callerOf, scopeOf } from '../access.js';
import { liveQuery, parseQuery } from '../inputs.js';
import { refuse } from '../refuse.js';

/**
 * Role and scope rules for the video routes (routes/media.ts), mounted in front of them so the
 * video module's handlers stay about video. A camera outside the caller's sites is "not found".
 * Media ids are not yet tied to a site here, so /media/:id is guarded by role only.
 */
export function videoAccess(ctx: ApiContext): Router {
  const r = Router();
  r.get('/media/:id', allow('media:read'));
  r.get('/cameras/status', allow('cameras:read'));
  r.get('/sites/:site/cameras/:id/live', allow('cameras:live'), (req, res, next) => {
    const scope = scopeOf(ctx.auth, res);
    const siteId = String(req.params.site);
    if (!scope.seesSite(siteId) || !ctx.directory().camera(siteId, String(req.params.id))) return void refuse(res, 404, 'not_found', 'no such camera');
    next();
  });
  r.get('/cameras/:id/live', allow('cameras:live'), (req, res, next) => {
    const scope = scopeOf(ctx.auth, res);
    const q = parseQuery(liveQuery, req, res);
    if (!q) return;
    const cameraId = String(req.params.id);
    const directory = ctx.directory();
    const visible =
      q.site === undefined
        ? directory.sitesWithCamera(cameraId).some((s) => scope.seesSite(s.id))
        : scope.seesSite(q.site) && directory.camera(q.site, cameraId) !== undefined;
    if (!visible) return void refuse(res, 404, 'not_found', 'no such camera');
    // A live stream runs as long as the browser keeps it open: it must end with the session
    // (logout, expiry, disabled account, new password), not play on (issue 17, item 6).
    const key = callerOf(res).session.key;
    const off = ctx.auth.sessions.onEnd((s) => {
      if (s.key === key) res.destroy();
    });
    res.once('close', off);
    next();
  });
  return r;
}
