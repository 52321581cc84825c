import { Router } from 'express';
import type { ApiContext } from '../../context.js';
import { can } from '../../../auth/roles.js';
import { anonymous, authOf } from '../access.js';

/**
 * `/health/live` and `/health/ready` are for a load balancer and a container runtime (issue 18):
 * no login, no body beyond a flag and reason codes. Live: the process answers HTTP (restart it if
 * not). Ready: this replica can take alarms now (send it devices and consoles if so) — see
 * src/core/readiness.ts for what makes it false.
 */
function probeRoutes(r: Router, ctx: ApiContext): void {
  r.get('/health/live', anonymous(), (_req, res) => {
    res.status(200).json({ live: true });
  });
  r.get('/health/ready', anonymous(), async (_req, res) => {
    // Without a hub (API tests), readiness is storage alone.
    const reasons = ctx.readiness ? await ctx.readiness.reasons() : (await ctx.store.ping()) ? [] : ['storage_unavailable'];
    if (reasons.length === 0) return void res.status(200).json({ ready: true });
    res.status(503).json({ ready: false, reasons });
  });
}

/**
 * `/health`: liveness and readiness in one (kept as it was, the contract). Anonymous callers (load balancers) get the status only; signed-in
 * roles with `health:detail` also get broker figures and the config problems (file names, site ids).
 */
export function healthRoutes(ctx: ApiContext): Router {
  const r = Router();
  probeRoutes(r, ctx);
  r.get('/health', anonymous(), async (_req, res) => {
    const storage: 'ok' | 'failed' = (await ctx.store.ping()) ? 'ok' : 'failed';
    const problems = ctx.configProblems();
    const heldBack = [...new Set(problems.filter((p) => p.severity === 'error').map((p) => p.file))];
    const status = storage === 'ok' ? (heldBack.length ? 'degraded' : 'ok') : 'failed';
    const caller = authOf(res);
    if (!caller || !can(caller.user.role, 'health:detail')) {
      return void res.status(storage === 'ok' ? 200 : 503).json({ status, storage, uptimeSeconds: Math.round((Date.now() - ctx.startedAt) / 1000) });
    }
    res.status(storage === 'ok' ? 200 : 503).json({
      status,
      uptimeSeconds: Math.round((Date.now() - ctx.startedAt) / 1000),
      storage,
      mqtt: { mode: ctx.config().hub.mqtt.mode, port: ctx.broker.port, clients: ctx.broker.connectedClients },
      sites: ctx.config().sites.length,
      openIncidents: ctx.incidents.snapshot().length,
      config: {
        heldBackFiles: heldBack,
        problems: problems.map((p) => ({ code: p.code, severity: p.severity, file: p.file, line: p.line, path: p.path, message: p.message })),
      },
    });
  });
  return r;
}
