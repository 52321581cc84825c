/**
 * This replica's share of the sites (issue 18, src/cluster/README.md). Replica mode is
 * `storage.backend: postgres` AND hub.yaml `cluster`: partition leases on PostgreSQL advisory locks
 * decide which replica correlates, commands and escalates each site (src/cluster/replica.ts).
 * Anything else is one hub, which owns every site (`singleHubRole`).
 */
import { moduleLogger } from '../core/logger.js';
import { postgresReplica, type Replica } from '../cluster/replica.js';
import { singleHubRole } from '../cluster/role.js';
import type { HubContext } from './context.js';

export type { Replica, SiteOwner } from '../cluster/replica.js';

export function buildReplica(ctx: HubContext): Replica {
  const { storage, cluster } = ctx.running.config.hub;
  if (storage.backend !== 'postgres' || !cluster || !storage.url) {
    const replicaId = cluster?.replicaId ?? 'hub';
    return {
      role: singleHubRole(replicaId),
      leases: null,
      readiness: null,
      start: async () => undefined,
      onStored: () => () => undefined,
      stop: async () => undefined,
    };
  }
  return postgresReplica({
    url: storage.url,
    password: storage.password,
    replicaId: cluster.replicaId,
    leaseIntervalMs: cluster.leaseIntervalMs,
    clock: ctx.clock,
    log: moduleLogger(ctx.root, 'replica'),
    metrics: ctx.metrics,
  });
}
