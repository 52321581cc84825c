/**
 * hub.yaml `cluster` — several hub replicas behind a load balancer (issue 18). Absent: one hub, as
 * before (memory MQTT emitter and persistence, Socket.IO in one process). Present: the embedded
 * broker's message bus and session state, and the consoles' pushes, go through Redis, so a device
 * or a console may use any replica.
 */
import { z } from 'zod';
import { bothReferences, duration, envName, secretKey, secretRef } from './common.js';

const REDIS_URL_EXPECTED = 'a Redis URL such as redis://redis:6379/0 or rediss://redis.example.org:6380 (the password by reference, not in the URL)';
// 1–50: the lock session's application_name is `safegrid:<id>` and PostgreSQL keeps 63 bytes of it
// (store/postgres/partition-locks.ts refuses longer ids); test/unit/cluster-config.test.ts holds them together.
const REPLICA_ID_EXPECTED = 'a replica id of letters, digits, "-", "_" or "." (1–50), e.g. hub-1';

export const clusterSchema = z
  .strictObject({
    redis_url: z
      .string({ error: REDIS_URL_EXPECTED })
      // A password inline would sit in a file installers copy around; it comes by reference.
      .regex(/^rediss?:\/\/(?![^/]*@)[^\s/]+(\/\d{1,2})?$/, { error: REDIS_URL_EXPECTED })
      .describe(
        'Redis the replicas share: the embedded broker clusters through it (mqemitter-redis, aedes-persistence-redis), and Socket.IO pushes cross ' +
          'replicas (@socket.io/redis-adapter).',
      ),
    redis_password_env: envName().nullish().describe('Environment variable holding the Redis password (Redis AUTH); absent: no password.'),
    redis_password_file_key: secretKey().nullish().describe('… or the Redis password from config/secrets.yaml (one of the two).'),
    replica_id: z
      .string({ error: REPLICA_ID_EXPECTED })
      .regex(/^[A-Za-z0-9_.-]{1,50}$/, { error: REPLICA_ID_EXPECTED })
      .nullish()
      .describe(
        'This replica’s fixed name (broker id, MQTT client id suffix in external mode); absent: the SAFEGRID_REPLICA_ID environment variable, else the ' +
          'host name. Keep it the same across restarts.',
      ),
    lease_interval: duration()
      .prefault('2s')
      .describe(
        'With storage.backend postgres: how often this replica surveys the partition leases (one site, one writer) and takes or gives up partitions ' +
          '(± 20 % jitter); failover takes about one interval after PostgreSQL frees a dead replica’s locks.',
      ),
  })
  .superRefine((o, ctx) => {
    if (o.redis_password_env && o.redis_password_file_key) bothReferences(ctx, 'redis_password_env', 'redis_password_file_key');
  });

/**
 * `cluster` as the hub runs on it, its password still a reference (config/model.ts ClusterConfig:
 * the loader looks it up and settles a missing replica id from the environment or the host name).
 */
export const clusterModelSchema = clusterSchema.transform((c) => ({
  redisUrl: c.redis_url,
  redisPassword: secretRef(c.redis_password_env, c.redis_password_file_key),
  /** From hub.yaml; null: the loader takes SAFEGRID_REPLICA_ID, else the host name (fixed across restarts of this replica). */
  replicaId: c.replica_id ?? null,
  /** cluster.lease_interval: time between partition lease rounds (replica mode on PostgreSQL). */
  leaseIntervalMs: c.lease_interval,
}));
