import { Router } from 'express';
import type { ApiContext } from '../../context.js';
import { allow, scopeOf } from '../access.js';
import { idParam, intParam, timeParam } from '../query.js';

export function eventRoutes(ctx: ApiContext): Router {
  const r = Router();
  r.get('/events', allow('events:read'), (req, res) => {
    const scope = scopeOf(ctx.auth, res);
    const siteId = idParam(req.query.site);
    if (siteId && !scope.seesSite(siteId)) return void res.json({ events: [] });
    const events = ctx.incidents.withHeldMarks(ctx.store.events.query({
      siteId,
      deviceId: idParam(req.query.device),
      kind: idParam(req.query.kind),
      since: timeParam(req.query.since),
      until: timeParam(req.query.until),
      afterSeq: intParam(req.query.after, 0, Number.MAX_SAFE_INTEGER),
      limit: intParam(req.query.limit, 1, 1000),
      ...(scope.stationIds ? { stationIds: [...scope.stationIds] } : {}),
      ...(!scope.all && !scope.stationIds && scope.siteIds ? { siteIds: [...scope.siteIds] } : {}),
    }));
    res.json({ events });
  });
  r.get('/events/:id', allow('events:read'), (req, res) => {
    const stored = ctx.store.events.get(String(req.params.id));
    const e = stored && ctx.incidents.withHeldMarks([stored])[0];
    if (!e || !scopeOf(ctx.auth, res).sees(e)) return void res.status(404).json({ error: 'no such event' });
    res.json(e);
  });
  return r;
}
