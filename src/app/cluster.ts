/** Replicas sharing Redis (hub.yaml `cluster`, issue 18): the link the broker and Socket.IO use, or null for one hub. */
import { RedisLink } from '../cluster/redis.js';
import { moduleLogger } from '../core/logger.js';
import type { HubContext } from './context.js';

export function openCluster(ctx: HubContext): RedisLink | null {
  const cluster = ctx.running.config.hub.cluster;
  if (!cluster) return null;
  return new RedisLink({
    url: cluster.redisUrl,
    password: cluster.redisPassword,
    replicaId: cluster.replicaId,
    log: moduleLogger(ctx.root, 'cluster'),
    metrics: ctx.metrics,
  });
}
