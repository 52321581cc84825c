/**
 * Replica mode (issue 18): every incident command runs on the replica that owns the incident's
 * site — here, or forwarded over Redis (src/cluster/forward.ts) — at most once per request. The
 * owner runs the handler from the command table (api/commands/forwarded.ts). Null for one hub.
 */
import { randomUUID } from 'node:crypto';
import type { ApiContext } from '../api/context.js';
import { runForwardedCommand, type CommandForwarding, type ForwardedIncidentCommand } from '../api/commands/forwarded.js';
import { Forwarder } from '../cluster/forward.js';
import type { RedisLink } from '../cluster/redis.js';
import type { ReplicaRole } from '../cluster/role.js';
import type { CommandReply } from '../contract/socket.js';
import { moduleLogger } from '../core/logger.js';
import { StaleOwnerError } from '../dispatch/incident-writer.js';
import type { HubContext } from './context.js';
import type { SiteOwner } from './replica.js';

export interface CommandForwardingShell {
  forward: CommandForwarding;
  forwarder: Forwarder<ForwardedIncidentCommand, CommandReply>;
  start(): Promise<void>;
  /** Waits for the commands running here for the sites `belongs` picks (a partition being released). */
  drain(belongs: (siteId: string) => boolean): Promise<void>;
  stop(): Promise<void>;
}

export function buildForwarding(ctx: HubContext, api: ApiContext, role: ReplicaRole, cluster: RedisLink | null): CommandForwardingShell | null {
  const conf = ctx.running.config.hub.cluster;
  if (!cluster || !conf || !role.replicated) return null;
  const log = moduleLogger(ctx.root, 'forwarding');
  const forwarder = new Forwarder<ForwardedIncidentCommand, CommandReply>({
    redisUrl: conf.redisUrl,
    password: conf.redisPassword,
    replicaId: role.replicaId,
    ownerOf: (siteId) => role.ownerOf(siteId),
    execute: (r) => runForwardedCommand(api, r.command),
    // The lease fence refused the command's write: this replica lost the site mid-command and the
    // whole transaction rolled back, so the command did not happen (`owner_changed`, retryable).
    lostSite: (err) => err instanceof StaleOwnerError,
    log,
  });
  const forwarded = ctx.metrics.counter('sg_cluster_commands_forwarded_total', 'Incident commands sent to the replica that owns their site');
  const unreachable = ctx.metrics.counter('sg_cluster_commands_owner_unreachable_total', 'Incident commands answered owner_unreachable');
  const changed = ctx.metrics.counter(
    'sg_cluster_commands_owner_changed_total',
    'Incident commands answered owner_changed (the site moved to another replica while the command ran; nothing committed)',
  );
  return {
    forwarder,
    // A fresh request id per command: a console's retry is a new command, refused by the workflow if it already ran.
    forward: async (siteId, command) => {
      if (!role.owns(siteId)) forwarded();
      const answer = await forwarder.send(siteId, command, randomUUID());
      if (!answer.ok && answer.code === 'owner_unreachable') unreachable();
      if (!answer.ok && answer.code === 'owner_changed') changed();
      return answer;
    },
    start: () => forwarder.start(),
    drain: (belongs) => forwarder.drain(belongs),
    stop: () => forwarder.stop(),
  };
}

/**
 * The dispatch shell as the lease manager drives it, with one step added: before the sites of a
 * partition being given up are flushed and dropped, the commands running here for them end
 * (`owns()` is already false, so no new one starts; src/cluster/README.md "Failover", step 5).
 * `forwarding`: null on one hub (nothing is forwarded, so nothing to wait for).
 */
export function drainingCommands(owner: SiteOwner, forwarding: CommandForwardingShell | null): SiteOwner {
  return {
    takeSites: (belongs) => owner.takeSites(belongs),
    giveUpSites: async (belongs) => {
      await forwarding?.drain(belongs);
      await owner.giveUpSites(belongs);
    },
    dropSites: (belongs) => owner.dropSites(belongs),
    wake: (siteId, seq) => owner.wake(siteId, seq),
    sweep: () => owner.sweep(),
  };
}
