/** A replica's name when hub.yaml does not give one: SAFEGRID_REPLICA_ID, else the host name (a container's is its own). */
import { hostname } from 'node:os';

/** As hub.yaml `cluster.replica_id`: at most 50, what the partition locks' application_name holds. */
const REPLICA_ID = /^[A-Za-z0-9_.-]{1,50}$/;

export function defaultReplicaId(env: NodeJS.ProcessEnv, host: string = hostname()): string {
  const fromEnv = env.SAFEGRID_REPLICA_ID?.trim();
  if (fromEnv && REPLICA_ID.test(fromEnv)) return fromEnv;
  return host.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 50) || 'hub';
}
