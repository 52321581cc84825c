import { Router } from 'express';
import type { ApiContext } from '../../context.js';
import { can } from '../../../auth/roles.js';
import { anonymous, authOf } from '../access.js';

/**
 * Liveness and readiness in one. Anonymous callers (load balancers) get the status only; signed-in
 * roles with `health:detail` also get broker figures and the config problems (file names, site ids).
 */
export function healthRoutes(ctx: ApiContext): Router {
  const r = Router();
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
