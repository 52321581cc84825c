/**
 * Socket.IO across replicas (issue 18): `@socket.io/redis-adapter` (Redis pub/sub) carries every
 * room broadcast to the other replicas, so a console on replica A gets what replica B pushed to its
 * station's room: incidents (versioned: the page keeps the newer), device and camera status. Not
 * the event log: two replicas' relays reach a console out of seq order, so each replica pushes
 * `event:stored` to its own sockets from the store instead (event-tail.ts).
 *
 * Why pub/sub and not the Redis streams adapter: the streams adapter can replay what a client
 * missed while it reconnected (connection state recovery), but the console's catch-up does not
 * rest on the transport: on every (re)connect it gets `queue:snapshot` and asks for the event log
 * `since` the last seq it holds, both read from the store, which is the record on whichever
 * replica it lands. A replay by the adapter would be a second, bounded copy of the same thing
 * (and a stream per namespace to trim); pub/sub is fire-and-forget and costs one PUBLISH per push.
 */
import { createAdapter, RedisAdapter } from '@socket.io/redis-adapter';
import type { Namespace } from 'socket.io';
import type { RedisLink } from '../../cluster/redis.js';
import type { Logger } from '../../core/logger.js';

/** The `adapter` option of `new Server(...)`: Socket.IO rooms that span every replica on this Redis. */
export function clusterAdapter(link: RedisLink, log: Logger): ReturnType<typeof createAdapter> {
  const pub = link.connection('socket-pub');
  const sub = link.connection('socket-sub');
  // The adapter does not catch its PUBLISH promise. While Redis is down the command waits in the
  // offline queue (redis.ts); it can still fail once the connection is closed for good (stop), and
  // an unhandled rejection must not be what ends a replica. The push is lost either way; the
  // consoles' catch-up by `since` recovers it when they reconnect.
  const publish = pub.publish.bind(pub) as (channel: string, message: string | Buffer) => Promise<number>;
  Object.assign(pub, {
    publish: (channel: string, message: string | Buffer) =>
      publish(channel, message).catch((err: unknown) => {
        log.warn({ code: 'SG_CLUSTER_PUSH_LOST', err: err instanceof Error ? err.message : String(err) }, 'push to other replicas not sent');
        return 0;
      }),
  });
  return createAdapter(pub, sub, { key: 'safegrid.io', publishOnSpecificResponseChannel: true });
}

/**
 * Whether a broadcast on this namespace may reach sockets of other replicas: then an emit to a room
 * with no socket here is not wasted, and must not be skipped.
 */
export function crossesReplicas(ns: Namespace): boolean {
  return ns.adapter instanceof RedisAdapter;
}
