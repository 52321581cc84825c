import { Router } from 'express';
import type { ApiContext } from '../../context.js';
import { allow, scopeOf } from '../access.js';
import { eventListQuery, parseQuery } from '../inputs.js';
import { refuse } from '../refuse.js';

export function eventRoutes(ctx: ApiContext): Router {
  const r = Router();
  r.get('/events', allow('events:read'), async (req, res) => {
    const scope = scopeOf(ctx.auth, res);
    const q = parseQuery(eventListQuery, req, res);
    if (!q) return;
    if (q.site && !scope.seesSite(q.site)) return void res.json({ events: [] });
    const events = ctx.incidents.withHeldMarks(
      await ctx.store.events.query({
        siteId: q.site,
        deviceId: q.device,
        kind: q.kind,
        since: q.since,
        until: q.until,
        afterSeq: q.after,
        limit: q.limit,
        ...(scope.stationIds ? { stationIds: [...scope.stationIds] } : {}),
        ...(!scope.all && !scope.stationIds && scope.siteIds ? { siteIds: [...scope.siteIds] } : {}),
      }),
    );
    res.json({ events });
  });
  r.get('/events/:id', allow('events:read'), async (req, res) => {
    const stored = await ctx.store.events.get(String(req.params.id));
    const e = stored && ctx.incidents.withHeldMarks([stored])[0];
    if (!e || !scopeOf(ctx.auth, res).sees(e)) return void refuse(res, 404, 'not_found', 'no such event');
    res.json(e);
  });
  return r;
}
