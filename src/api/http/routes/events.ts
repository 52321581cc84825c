import { Router } from 'express';
import type { ApiContext } from '../../context.js';
import { idParam, intParam, timeParam } from '../query.js';

export function eventRoutes(ctx: ApiContext): Router {
  const r = Router();
  r.get('/events', (req, res) => {
    const events = ctx.store.events.query({
      siteId: idParam(req.query.site),
      deviceId: idParam(req.query.device),
      kind: idParam(req.query.kind),
      since: timeParam(req.query.since),
      until: timeParam(req.query.until),
      afterSeq: intParam(req.query.after, 0, Number.MAX_SAFE_INTEGER),
      limit: intParam(req.query.limit, 1, 1000),
    });
    res.json({ events });
  });
  r.get('/events/:id', (req, res) => {
    const e = ctx.store.events.get(String(req.params.id));
    if (!e) return void res.status(404).json({ error: 'no such event' });
    res.json(e);
  });
  return r;
}
