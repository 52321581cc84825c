/**
 * Drills (演练, issue 15) over REST: the list, and the drill commands of the command table
 * (POST /api/drills to start one, POST /api/drills/:id/end to end one early).
 */
import { Router, type Request, type Response } from 'express';
import type { RefusalCode } from '../../../contract/refusals.js';
import type { ApiContext } from '../../context.js';
import { drillView, runDrillCommand } from '../../commands/run.js';
import { DRILL_COMMANDS, type DrillCommandSpec } from '../../commands/table.js';
import { allow, callerOf, clientIp } from '../access.js';
import { refuse } from '../refuse.js';

const REFUSAL_STATUS: Partial<Record<RefusalCode, number>> = { bad_request: 400, unauthenticated: 401, forbidden: 403, not_found: 404 };

export function drillRoutes(ctx: ApiContext): Router {
  const r = Router();
  // Active and recent drills, as far as the caller's scope sees all their sites (newest first).
  r.get('/drills', allow('drills:read'), async (_req, res) => {
    res.json({ drills: (await ctx.drills?.list(drillView(ctx, callerOf(res)))) ?? [] });
  });
  for (const command of DRILL_COMMANDS) r.post(command.path, allow(command.capability), drillRoute(ctx, command));
  return r;
}

function drillRoute(ctx: ApiContext, command: DrillCommandSpec) {
  return async (req: Request, res: Response): Promise<void> => {
    // The path's id joins an object body (or none); any other body goes to the schema as sent, to be refused there.
    const merge = req.params.id !== undefined && (req.body === undefined || (req.body !== null && typeof req.body === 'object' && !Array.isArray(req.body)));
    const body = merge ? { ...(req.body as object | undefined), id: req.params.id } : req.body;
    const reply = await runDrillCommand(ctx, command, { caller: callerOf(res), body, origin: `rest:${clientIp(req)}` });
    if (reply.ok) return void res.json(reply.drill);
    const code = reply.code as RefusalCode;
    refuse(res, REFUSAL_STATUS[code] ?? 409, code, reply.error);
  };
}
