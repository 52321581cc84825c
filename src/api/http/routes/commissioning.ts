import { Router, type Request, type Response } from 'express';
import type { RefusalCode } from '../../../contract/refusals.js';
import { formatProblem } from '../../../config/report.js';
import type { Problem } from '../../../core/problems.js';
import { signalOf } from '../../../commissioning/walk-test.js';
import type { ApiContext } from '../../context.js';
import { runSiteCommand, SITE_COMMAND_SPECS, type SiteCommandSpec } from '../../commands/site-table.js';
import { allow, callerOf, clientIp, scopeOf } from '../access.js';
import { commissioningQuery, parseQuery } from '../inputs.js';
import { refuse } from '../refuse.js';

/** Diverted events (walk test, maintenance) listed per site: the latest few. */
const DIVERTED_SHOWN = 20;

const REFUSAL_STATUS: Partial<Record<RefusalCode, number>> = { bad_request: 400, unauthenticated: 401, forbidden: 403, not_found: 404 };

/**
 * The installer's view (issue 15): each site in scope with its devices' commissioning state and
 * supervision, the running walk test, the stored walk tests (验收记录), the config problems of the
 * site's file (the same words as `safegrid check`) and the recent rejected messages; and the site
 * commands from the one site command table.
 */
export function commissioningRoutes(ctx: ApiContext): Router {
  const r = Router();
  // `?site=<id>`: one site only (the page polls the site it shows; a district has a thousand).
  r.get('/commissioning', allow('commissioning:read'), async (req, res) => {
    const q = parseQuery(commissioningQuery, req, res);
    if (!q) return;
    const only = q.site ?? null;
    const scope = scopeOf(ctx.auth, res);
    const c = ctx.commissioning;
    if (!c) return void res.json({ sites: [] });
    const problems = ctx.configProblems();
    const shown = ctx.config().sites.filter((s) => scope.seesSite(s.id) && (only === null || s.id === only));
    const sites = [];
    for (const s of shown) {
      const v = c.view(s.id)!;
      sites.push({
        ...v,
        devices: v.devices.map((d) => ({ ...d, ...deviceFacts(ctx, s.id, d.deviceId!) })),
        problems: problems.filter((p) => p.file === s.file).map(worded),
        rejected: c.rejected.forSite(s.id),
        // Installers see no alarm events, except those that went to them instead of the queue
        // (read for one site only: the whole list would cost a query per site).
        diverted: only === null ? [] : await diverted(ctx, s.id),
      });
    }
    // Files held back whole (a site file that does not load) belong to no loaded site: listed apart.
    const loaded = new Set(ctx.config().sites.map((s) => s.file));
    const otherProblems = scope.all ? problems.filter((p) => !loaded.has(p.file)).map(worded) : [];
    res.json({ sites, problems: otherProblems, rejected: scope.all ? c.rejected.unowned() : [] });
  });
  r.get('/sites/:id/walktests', allow('commissioning:read'), async (req, res) => {
    const siteId = String(req.params.id);
    if (!ctx.commissioning || !scopeOf(ctx.auth, res).seesSite(siteId)) return void refuse(res, 404, 'not_found', 'no such site');
    res.json({ walkTests: await ctx.commissioning.walkTests(siteId) });
  });
  for (const spec of SITE_COMMAND_SPECS) r.post(spec.path, allow(spec.capability), siteCommandRoute(ctx, spec));
  return r;
}

/** The site's latest events that went to the installer (walk test, maintenance) instead of the queue. */
async function diverted(ctx: ApiContext, siteId: string) {
  return (await ctx.store.events.query({ siteId, limit: 100 }))
    .filter((e) => e.destination)
    .slice(0, DIVERTED_SHOWN)
    .map((e) => ({
      id: e.id,
      deviceId: e.deviceId,
      kind: e.kind,
      zone: e.zone,
      zoneName: e.zoneName,
      receivedAt: e.receivedAt,
      destination: e.destination!,
    }));
}

/** A config problem as `safegrid check` says it, in both languages of the page. */
function worded(p: Problem): { code: string; severity: string; file: string; line: number | null; en: string; zh: string } {
  return { code: p.code, severity: p.severity, file: p.file, line: p.line, en: formatProblem(p, 'en'), zh: formatProblem(p, 'zh-CN') };
}

function deviceFacts(ctx: ApiContext, siteId: string, deviceId: string) {
  const live = ctx.ingest.deviceAvailability(siteId, deviceId);
  const s = live?.supervision;
  const signal = signalOf(live?.state);
  return {
    lastSeenAt: live?.lastSeenMs ? new Date(live.lastSeenMs).toISOString() : null,
    availability: live?.availability ?? null,
    battery: s?.battery ?? null,
    signal,
    supervision: { offline: (s?.offlineRaisedMs ?? null) !== null, testMissed: (s?.testMissedRaisedMs ?? null) !== null },
  };
}

function siteCommandRoute(ctx: ApiContext, spec: SiteCommandSpec) {
  return async (req: Request, res: Response): Promise<void> => {
    const reply = await runSiteCommand(ctx, spec, { caller: callerOf(res), siteId: String(req.params.id), body: req.body, origin: `rest:${clientIp(req)}` });
    if (reply.ok) return void res.json(reply.site);
    const code = reply.code as RefusalCode;
    refuse(res, REFUSAL_STATUS[code] ?? 409, code, reply.error);
  };
}
