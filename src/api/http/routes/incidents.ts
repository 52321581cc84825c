import type { IncidentNotification } from '../../../contract/notify.js';
import { Router, type Response } from 'express';
import type { CommandReply } from '../../../contract/socket.js';
import type { RefusalCode } from '../../../contract/refusals.js';
import type { ApiContext } from '../../context.js';
import { COMMANDS, type CommandSpec } from '../../commands/table.js';
import { runCommand } from '../../commands/run.js';
import { allow, callerOf, clientIp, scopeOf } from '../access.js';
import { incidentListQuery, parseQuery, siteHistoryQuery } from '../inputs.js';
import { DEFAULT_HISTORY_DAYS } from '../../../dispatch/site-history.js';
import { summariseQueue } from '../../../dispatch/summary.js';
import { refuse } from '../refuse.js';
import { openIncidents } from '../../open-incidents.js';

/** HTTP status of a command refusal; any other code is a conflict with the incident's state. */
const REFUSAL_STATUS: Partial<Record<RefusalCode, number>> = {
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  internal: 500,
  // Replica mode: the site's owner did not answer; a retry may reach the next owner.
  owner_unreachable: 503,
  // Replica mode: the site moved while the command ran, nothing committed; a retry runs on the new owner.
  owner_changed: 503,
};

export function incidentRoutes(ctx: ApiContext): Router {
  const r = Router();
  r.get('/incidents', allow('incidents:read'), async (req, res) => {
    const scope = scopeOf(ctx.auth, res);
    const q = parseQuery(incidentListQuery, req, res);
    if (!q) return;
    if (q.status === 'open' && q.site === undefined && q.since === undefined) {
      // The live queue, in queue order, from memory (replica mode: other replicas' sites from the store).
      return void res.json({ incidents: await openIncidents(ctx, scope.all ? undefined : (i) => scope.sees(i)) });
    }
    if (q.site && !scope.seesSite(q.site)) return void res.json({ incidents: [] });
    res.json({
      incidents: await ctx.incidents.query({
        status: q.status,
        siteId: q.site,
        since: q.since,
        until: q.until,
        limit: q.limit,
        // Scope in SQL, not after the LIMIT, so a scoped list is as long as asked for.
        ...(scope.stationIds ? { stationIds: [...scope.stationIds] } : {}),
        ...(!scope.all && !scope.stationIds && scope.siteIds ? { siteIds: [...scope.siteIds] } : {}),
      }),
    });
  });
  // The queue grouped by kind and station (a storm reads as a few rows); before /incidents/:id.
  r.get('/incidents/summary', allow('incidents:read'), async (_req, res) => {
    const scope = scopeOf(ctx.auth, res);
    res.json(summariseQueue(await openIncidents(ctx, scope.all ? undefined : (i) => scope.sees(i))));
  });
  r.get('/incidents/:id', allow('incidents:read'), async (req, res) => {
    const i = await ctx.incidents.get(String(req.params.id));
    // Out of scope answers exactly like a missing id: a 403 would confirm that it exists.
    if (!i || !scopeOf(ctx.auth, res).sees(i)) return void refuse(res, 404, 'not_found', 'no such incident');
    res.json(i);
  });
  // Guard alerts of the incident (issue 13): each channel's state, scoped like the incident.
  r.get('/incidents/:id/notifications', allow('incidents:read'), async (req, res) => {
    const i = await ctx.incidents.get(String(req.params.id));
    if (!i || !scopeOf(ctx.auth, res).sees(i)) return void refuse(res, 404, 'not_found', 'no such incident');
    const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
    const list: IncidentNotification[] = (await ctx.store.outbox.forIncident(i.id)).map((o) => ({
      channel: o.channelId,
      guardGroup: o.guardGroup,
      status: o.status,
      attempts: o.attempts,
      lastError: o.lastError,
      createdAt: new Date(o.createdMs).toISOString(),
      sentAt: iso(o.sentMs),
      nextAttemptAt: o.status === 'pending' ? iso(o.nextAttemptMs) : null,
    }));
    res.json(list);
  });
  // Address history (地址历史): the site's incidents of the last `days` (default 90), scoped like the site itself.
  r.get('/sites/:id/incidents', allow('incidents:read'), async (req, res) => {
    const scope = scopeOf(ctx.auth, res);
    const siteId = String(req.params.id);
    if (!scope.seesSite(siteId)) return void refuse(res, 404, 'not_found', 'no such site');
    const q = parseQuery(siteHistoryQuery, req, res);
    if (!q) return;
    const { days } = q;
    res.json(await ctx.incidents.history(siteId, days ?? DEFAULT_HISTORY_DAYS, scope.all ? undefined : (i) => scope.sees(i)));
  });
  // REST equivalents of the console commands, for integrations, from the one command table.
  for (const command of COMMANDS) r.post(command.path, allow(command.capability), commandRoute(ctx, command));
  return r;
}

/** A command over REST: the actor is the logged-in user; the answer is the incident, or `{ error, code }`. */
function commandRoute(ctx: ApiContext, command: CommandSpec) {
  // Answered when runCommand resolves, after the change is committed; a rejection reaches the error handler.
  return async (req: import('express').Request, res: Response): Promise<void> => {
    const reply: CommandReply = await runCommand(ctx, command, { caller: callerOf(res), id: req.params.id, body: req.body, origin: `rest:${clientIp(req)}` });
    if (reply.ok) return void res.json(reply.incident);
    const code = reply.code as RefusalCode;
    refuse(res, REFUSAL_STATUS[code] ?? 409, code, reply.error);
  };
}
