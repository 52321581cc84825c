/**
 * The one pipeline every command takes, over REST and over the socket alike: a caller, the
 * capability, the input against its schema, the incident within the caller's scope, then the
 * handler from the table. Each refusal carries its code (src/contract/refusals.ts). With replicas
 * (issue 18) the handler runs on the replica that owns the incident's site (forwarded.ts).
 */
import type { Authenticated } from '../../auth/service.js';
import { can } from '../../auth/roles.js';
import { incidentIdSchema } from '../../contract/commands.js';
import type { CommandReply } from '../../contract/socket.js';
import type { ApiContext } from '../context.js';
import { describeIssues } from '../validation.js';
import { findIncident } from '../open-incidents.js';
import type { CommandSpec, DrillCommandSpec } from './table.js';
import type { DrillReply } from '../../contract/drill.js';
import type { DrillView } from '../../drill/plan.js';

export interface CommandRequest {
  /** The caller as of now (null: no session, or it ended). */
  caller: Authenticated | null;
  /** The incident id, unvalidated (REST path `:id`, socket payload `id`). */
  id: unknown;
  /** The command's input, unvalidated (REST JSON body, socket payload). */
  body: unknown;
  /** Where the command came from, for the timeline and audit: `rest:<ip>`, `console:<ip>`… */
  origin: string;
}

/** Answers once what the command changed is committed (the handler's promise resolves after the store's commit). */
export async function runCommand(ctx: ApiContext, command: CommandSpec, req: CommandRequest): Promise<CommandReply> {
  const { caller } = req;
  if (!caller) return { ok: false, code: 'unauthenticated', error: 'session ended; log in again' };
  if (!can(caller.user.role, command.capability)) return { ok: false, code: 'forbidden', error: `your role (${caller.user.role}) may not do this` };
  const id = incidentIdSchema.safeParse(req.id);
  if (!id.success) return { ok: false, code: 'bad_request', error: `id: ${describeIssues(id.error)}` };
  const input = command.input.safeParse(req.body ?? {});
  if (!input.success) return { ok: false, code: 'bad_request', error: describeIssues(input.error) };
  const incident = await findIncident(ctx, id.data);
  // Out of scope answers exactly like a missing id: another answer would confirm that it exists.
  if (!incident || !ctx.auth.scope(caller.principal).sees(incident)) return { ok: false, code: 'not_found', error: `no open incident ${id.data}` };
  const by = { username: caller.user.username, origin: req.origin };
  // Replica mode: the site's owner runs it (here or over Redis), once, whichever replica asks;
  // the edge above ran here, where the caller's session is (see forwarded.ts for why that is enough).
  if (ctx.role?.replicated && ctx.forwardCommand) {
    return ctx.forwardCommand(incident.siteId, { action: command.action, id: id.data, by, input: input.data });
  }
  return command.run({ ctx, by, incident, input: input.data as never });
}

/**
 * The pipeline of a drill command (演练): a caller, the capability, the input against its schema,
 * then the handler with the caller's view of sites and stations (its scope over the live config),
 * by which the drill service answers a site outside the scope exactly like one that does not exist.
 */
export async function runDrillCommand(ctx: ApiContext, command: DrillCommandSpec, req: Omit<CommandRequest, 'id'>): Promise<DrillReply> {
  const { caller } = req;
  if (!caller) return { ok: false, code: 'unauthenticated', error: 'session ended; log in again' };
  if (!can(caller.user.role, command.capability)) return { ok: false, code: 'forbidden', error: `your role (${caller.user.role}) may not do this` };
  const input = command.input.safeParse(req.body ?? {});
  if (!input.success) return { ok: false, code: 'bad_request', error: describeIssues(input.error) };
  const by = { username: caller.user.username, origin: req.origin };
  return command.run({ ctx, caller, by, view: drillView(ctx, caller), input: input.data as never });
}

/** What exists in the live config, as far as the caller's scope sees it. */
export function drillView(ctx: ApiContext, caller: Authenticated): DrillView {
  const scope = ctx.auth.scope(caller.principal);
  const directory = ctx.directory();
  return {
    site: (id) => {
      const s = directory.site(id);
      return s && scope.seesSite(id) ? { stationId: s.stationId } : undefined;
    },
    station: (id) => directory.station(id) !== undefined && scope.seesStation(id),
  };
}
