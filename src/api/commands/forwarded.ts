/**
 * A command on its way to the replica that owns its incident's site (issue 18, replica mode).
 * The replica the console is connected to has already run the edge of the pipeline (run.ts: the
 * session, the capability, the input, the scope); the owner runs only the handler, with the actor
 * and the input as that replica validated them.
 *
 * Why no second auth on the owner: the session store is shared (PostgreSQL) but the caller's
 * session cookie never leaves the replica it came in at, and the request travels over the
 * replicas' Redis, which is the internal network (like PostgreSQL itself): whoever can publish
 * there can already write the store directly. Hardening that would pay off: Redis ACLs with one
 * user per replica and TLS (`rediss://`), and an HMAC over each request with a cluster secret.
 */
import type { CommandReply } from '../../contract/socket.js';
import { INCIDENT_ACTIONS, type IncidentAction } from '../../contract/workflow.js';
import type { ApiContext } from '../context.js';
import { describeIssues } from '../validation.js';
import { findIncident } from '../open-incidents.js';
import { COMMANDS, type CommandActor } from './table.js';

/** What travels over Redis (JSON): the command's action, its incident, who ran it, its validated input. */
export interface ForwardedIncidentCommand {
  action: IncidentAction;
  id: string;
  by: CommandActor;
  input: unknown;
}

/** Sends a command to its site's owner (or runs it here when this replica owns it); answers the owner's reply. */
export type CommandForwarding = (siteId: string, command: ForwardedIncidentCommand) => Promise<CommandReply>;

const BY_ACTION = new Map(COMMANDS.map((c) => [c.action, c]));

/**
 * Runs a forwarded command on the owner. What arrives is re-read as untrusted JSON (a message on a
 * shared channel): an unknown action or an input its schema refuses is answered `bad_request`,
 * never run.
 */
export async function runForwardedCommand(ctx: ApiContext, c: ForwardedIncidentCommand): Promise<CommandReply> {
  const command = typeof c?.action === 'string' && (INCIDENT_ACTIONS as readonly string[]).includes(c.action) ? BY_ACTION.get(c.action) : undefined;
  if (!command || typeof c.id !== 'string' || typeof c.by?.username !== 'string' || typeof c.by?.origin !== 'string') {
    return { ok: false, code: 'bad_request', error: 'forwarded command: unreadable' };
  }
  const input = command.input.safeParse(c.input ?? {});
  if (!input.success) return { ok: false, code: 'bad_request', error: describeIssues(input.error) };
  // The owner's own copy: the latest version, from its memory.
  const incident = await findIncident(ctx, c.id);
  if (!incident) return { ok: false, code: 'not_found', error: `no open incident ${c.id}` };
  const by = { username: c.by.username, origin: c.by.origin };
  return command.run({ ctx, by, incident, input: input.data as never });
}
