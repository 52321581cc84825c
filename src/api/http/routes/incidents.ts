import { Router, type Response } from 'express';
import type { CommandReply } from '../../../contract/socket.js';
import type { ApiContext } from '../../context.js';
import { GUARD_DISPOSITIONS } from '../../../auth/roles.js';
import { allow, callerOf, clientIp, scopeOf } from '../access.js';
import { idParam, intParam, timeParam } from '../query.js';
import { summariseQueue } from '../../../dispatch/summary.js';

const STATUSES = new Set(['open', 'closed', 'new', 'acknowledged', 'dispatched', 'on_scene']);

export function incidentRoutes(ctx: ApiContext): Router {
  const r = Router();
  r.get('/incidents', allow('incidents:read'), (req, res) => {
    const scope = scopeOf(ctx.auth, res);
    const status = typeof req.query.status === 'string' && STATUSES.has(req.query.status) ? req.query.status : undefined;
    if (status === 'open' && !req.query.site && !req.query.since) {
      // The live queue, in queue order, from memory.
      return void res.json({ incidents: ctx.incidents.snapshot(scope.all ? undefined : (i) => scope.sees(i)) });
    }
    const siteId = idParam(req.query.site);
    if (siteId && !scope.seesSite(siteId)) return void res.json({ incidents: [] });
    res.json({
      incidents: ctx.incidents.query({
        status: status as never,
        siteId,
        since: timeParam(req.query.since),
        until: timeParam(req.query.until),
        limit: intParam(req.query.limit, 1, 1000),
        // Scope in SQL, not after the LIMIT, so a scoped list is as long as asked for.
        ...(scope.stationIds ? { stationIds: [...scope.stationIds] } : {}),
        ...(!scope.all && !scope.stationIds && scope.siteIds ? { siteIds: [...scope.siteIds] } : {}),
      }),
    });
  });
  // The queue grouped by kind and station (a storm reads as a few rows); before /incidents/:id.
  r.get('/incidents/summary', allow('incidents:read'), (_req, res) => {
    const scope = scopeOf(ctx.auth, res);
    res.json(summariseQueue(ctx.incidents.snapshot(scope.all ? undefined : (i) => scope.sees(i))));
  });
  r.get('/incidents/:id', allow('incidents:read'), (req, res) => {
    const i = ctx.incidents.get(String(req.params.id));
    // Out of scope answers exactly like a missing id: a 403 would confirm that it exists.
    if (!i || !scopeOf(ctx.auth, res).sees(i)) return void res.status(404).json({ error: 'no such incident' });
    res.json(i);
  });

  // REST equivalents of the console commands, for integrations. The actor is the logged-in user.
  const reply = (res: Response, r: CommandReply): void => {
    if (r.ok) res.json(r.incident);
    else res.status(r.code === 'not_found' ? 404 : r.code === 'forbidden' ? 403 : 409).json({ error: r.error, code: r.code });
  };
  /** Runs a command on an incident the caller can see; anything else is not found. */
  const command = (res: Response, id: string, run: (actor: { username: string; origin: string }) => CommandReply): void => {
    const i = ctx.incidents.get(id);
    if (!i || !scopeOf(ctx.auth, res).sees(i)) return reply(res, { ok: false, code: 'not_found', error: `no open incident ${id}` });
    reply(res, run({ username: callerOf(res).user.username, origin: `rest:${clientIp(res.req)}` }));
  };
  const id = (raw: unknown): string => String(raw).slice(0, 64);
  r.post('/incidents/:id/ack', allow('incidents:ack'), (req, res) => command(res, id(req.params.id), (by) => ctx.incidents.acknowledge(id(req.params.id), by)));
  r.post('/incidents/:id/dispatch', allow('incidents:dispatch'), (req, res) =>
    command(res, id(req.params.id), (by) => ctx.incidents.dispatchUnit(id(req.params.id), by, str(req.body?.unit), str(req.body?.note))),
  );
  r.post('/incidents/:id/onscene', allow('incidents:onscene'), (req, res) =>
    command(res, id(req.params.id), (by) => ctx.incidents.onScene(id(req.params.id), by, str(req.body?.note))),
  );
  r.post('/incidents/:id/close', allow('incidents:close'), (req, res) => {
    const disposition = str(req.body?.disposition) ?? '';
    command(res, id(req.params.id), (by) =>
      callerOf(res).user.role === 'guard' && !GUARD_DISPOSITIONS.includes(disposition)
        ? { ok: false, code: 'forbidden', error: 'a guard closes an incident only as a false alarm (误报); the station closes the rest' }
        : ctx.incidents.close(id(req.params.id), by, disposition, str(req.body?.note)),
    );
  });
  r.post('/incidents/:id/note', allow('incidents:note'), (req, res) =>
    command(res, id(req.params.id), (by) => ctx.incidents.note(id(req.params.id), by, str(req.body?.text) ?? '')),
  );
  r.post('/incidents/:id/handover', allow('incidents:handover'), (req, res) =>
    command(res, id(req.params.id), (by) => {
      const target = ctx.auth.handoverTarget(str(req.body?.to) ?? '', ctx.incidents.get(id(req.params.id))!);
      return target.ok ? ctx.incidents.handOver(id(req.params.id), by, target.username) : { ok: false, code: 'bad_target', error: target.error };
    }),
  );
  r.post('/incidents/:id/takeover', allow('incidents:takeover'), (req, res) =>
    command(res, id(req.params.id), (by) => ctx.incidents.takeOver(id(req.params.id), by)),
  );
  return r;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v.slice(0, 1000) : undefined;
}
