/**
 * Change notices between replicas (issue 18, src/cluster/change-notices.ts): on Redis when this hub
 * shares a PostgreSQL store with others (`storage.backend: postgres` and a `cluster` section);
 * otherwise nobody else needs telling.
 */
import { type ChangeNotices, localNotices, RedisChangeNotices } from '../cluster/change-notices.js';
import type { RedisLink } from '../cluster/redis.js';
import { moduleLogger } from '../core/logger.js';
import type { HubContext } from './context.js';

export function openNotices(ctx: HubContext, cluster: RedisLink | null): ChangeNotices {
  const { hub } = ctx.running.config;
  if (!cluster || !hub.cluster || hub.storage.backend !== 'postgres') return localNotices();
  return new RedisChangeNotices({ link: cluster, replicaId: hub.cluster.replicaId, log: moduleLogger(ctx.root, 'cluster'), metrics: ctx.metrics });
}
