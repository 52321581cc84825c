/**
 * The site commands of commissioning (issue 15), declared once beside the incident command table
 * (table.ts): each names its REST path, input schema (src/contract/commissioning.ts), capability
 * and refusal codes; the REST routes (http/routes/commissioning.ts) and the access-matrix test are
 * made from it. Scope: the caller must see the site; one out of scope answers like a missing site.
 */
import type { Authenticated } from '../../auth/service.js';
import { can, type Capability } from '../../auth/roles.js';
import { SITE_COMMAND_INPUTS, SITE_COMMANDS, type SiteCommand, type SiteCommandReply } from '../../contract/commissioning.js';
import type { RefusalCode } from '../../contract/refusals.js';
import type { CommissioningActor, CommissioningService } from '../../commissioning/service.js';
import type { ApiContext } from '../context.js';
import { describeIssues } from '../validation.js';
import type { z } from 'zod';

type Input<C extends SiteCommand> = z.output<(typeof SITE_COMMAND_INPUTS)[C]>;

export interface SiteCommandSpec<C extends SiteCommand = SiteCommand> {
  command: C;
  /** Under /api. */
  path: `/sites/:id/${string}`;
  capability: Capability;
  refusals: readonly RefusalCode[];
  /** Resolves once the change is committed: the answer goes out after that. */
  run(service: CommissioningService, siteId: string, by: CommissioningActor, input: Input<C>): Promise<SiteCommandReply>;
}

const EDGE: readonly RefusalCode[] = ['unauthenticated', 'forbidden', 'bad_request', 'not_found'];

type Handlers = { [C in SiteCommand]: Omit<SiteCommandSpec<C>, 'command'> };

const HANDLERS: Handlers = {
  walktest_start: {
    path: '/sites/:id/walktest/start',
    capability: 'commissioning:write',
    refusals: ['walk_test_running', 'no_zones'],
    run: (s, site, by, input) => s.startWalkTest(site, by, input.minutes),
  },
  walktest_stop: {
    path: '/sites/:id/walktest/stop',
    capability: 'commissioning:write',
    refusals: ['no_walk_test'],
    run: (s, site, by) => s.stopWalkTest(site, by),
  },
  maintenance_start: {
    path: '/sites/:id/maintenance/start',
    capability: 'commissioning:write',
    refusals: [],
    run: (s, site, by, input) => s.startMaintenance({ siteId: site, deviceId: input.device ?? null, minutes: input.minutes, by, note: input.note }),
  },
  maintenance_end: {
    path: '/sites/:id/maintenance/end',
    capability: 'commissioning:write',
    refusals: ['not_in_maintenance'],
    run: (s, site, by, input) => s.endMaintenance(site, input.device ?? null, by),
  },
  mark_in_service: {
    path: '/sites/:id/in-service',
    capability: 'commissioning:write',
    refusals: [],
    run: (s, site, by, input) => s.markInService(site, by, input.note),
  },
};

export const SITE_COMMAND_SPECS: readonly SiteCommandSpec[] = SITE_COMMANDS.map(
  (command) => ({ command, ...HANDLERS[command], refusals: [...EDGE, ...HANDLERS[command].refusals] }) as unknown as SiteCommandSpec,
);

/** The one pipeline of a site command: caller, capability, input, site in scope, handler. */
export async function runSiteCommand(
  ctx: ApiContext,
  spec: SiteCommandSpec,
  req: { caller: Authenticated | null; siteId: string; body: unknown; origin: string },
): Promise<SiteCommandReply> {
  const { caller } = req;
  if (!caller) return { ok: false, code: 'unauthenticated', error: 'session ended; log in again' };
  if (!can(caller.user.role, spec.capability)) return { ok: false, code: 'forbidden', error: `your role (${caller.user.role}) may not do this` };
  const input = SITE_COMMAND_INPUTS[spec.command].safeParse(req.body ?? {});
  if (!input.success) return { ok: false, code: 'bad_request', error: describeIssues(input.error) };
  const siteId = req.siteId.slice(0, 64);
  if (!ctx.commissioning || !ctx.auth.scope(caller.principal).seesSite(siteId)) return { ok: false, code: 'not_found', error: `no site ${siteId}` };
  return spec.run(ctx.commissioning, siteId, { username: caller.user.username, origin: req.origin }, input.data as never);
}
