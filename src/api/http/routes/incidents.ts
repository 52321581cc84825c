import { Router } from 'express';
import type { CommandReply } from '../../../contract/socket.js';
import type { ApiContext } from '../../context.js';
import { idParam, intParam, timeParam } from '../query.js';

const STATUSES = new Set(['open', 'closed', 'new', 'acknowledged', 'dispatched', 'on_scene']);

export function incidentRoutes(ctx: ApiContext): Router {
  const r = Router();
  r.get('/incidents', (req, res) => {
    const status = typeof req.query.status === 'string' && STATUSES.has(req.query.status) ? req.query.status : undefined;
    if (status === 'open' && !req.query.site && !req.query.since) {
      // The live queue, in queue order, from memory.
      return void res.json({ incidents: ctx.incidents.snapshot() });
    }
    res.json({
      incidents: ctx.store.incidents.query({
        status: status as never,
        siteId: idParam(req.query.site),
        since: timeParam(req.query.since),
        until: timeParam(req.query.until),
        limit: intParam(req.query.limit, 1, 1000),
      }),
    });
  });
  r.get('/incidents/:id', (req, res) => {
    const i = ctx.incidents.get(String(req.params.id));
    if (!i) return void res.status(404).json({ error: 'no such incident' });
    res.json(i);
  });
  // REST equivalents of the console commands, for integrations. Until accounts exist (issue 3) the
  // actor is taken from the body and marked as coming over REST.
  const reply = (res: import('express').Response, r: CommandReply): void => {
    if (r.ok) res.json(r.incident);
    else res.status(r.code === 'not_found' ? 404 : 409).json({ error: r.error, code: r.code });
  };
  const actor = (body: unknown): string => {
    const by = (body as { by?: unknown } | undefined)?.by;
    return typeof by === 'string' && /^[\p{L}\p{N}_.\-]{1,64}$/u.test(by) ? by : 'rest';
  };
  r.post('/incidents/:id/ack', (req, res) => reply(res, ctx.incidents.acknowledge(String(req.params.id), actor(req.body))));
  r.post('/incidents/:id/dispatch', (req, res) =>
    reply(res, ctx.incidents.dispatchUnit(String(req.params.id), actor(req.body), str(req.body?.unit), str(req.body?.note))),
  );
  r.post('/incidents/:id/onscene', (req, res) => reply(res, ctx.incidents.onScene(String(req.params.id), actor(req.body), str(req.body?.note))));
  r.post('/incidents/:id/close', (req, res) =>
    reply(res, ctx.incidents.close(String(req.params.id), actor(req.body), str(req.body?.disposition) ?? '', str(req.body?.note))),
  );
  r.post('/incidents/:id/note', (req, res) => reply(res, ctx.incidents.note(String(req.params.id), actor(req.body), str(req.body?.text) ?? '')));
  return r;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v.slice(0, 1000) : undefined;
}
