/**
 * The embedded broker clustered on Redis (issue 18) through aedes' own maintained packages, so a
 * device may connect to any replica behind a TCP load balancer:
 *
 * - `mqemitter-redis` is aedes' message bus: a PUBLISH on replica A reaches subscribers connected to
 *   replica B, and aedes' own cluster messages ride on it too (`$SYS/<broker id>/heartbeat`, a
 *   client id connecting on B closes its stale connection on A, subscriptions made on A enter B's
 *   topic index).
 * - `aedes-persistence-redis` holds what a session needs wherever it reconnects: subscriptions of
 *   persistent sessions (clean: false), the QoS 1 messages queued for them while offline or not yet
 *   acknowledged, retained messages and last wills (a will left on a replica that died is sent by
 *   another once the dead one's heartbeats stop).
 *
 * Each replica needs its own broker id: packets are keyed `packet:<broker id>:<counter>` in Redis,
 * so two replicas with one id would overwrite each other's queued messages.
 */
import { createRequire } from 'node:module';
import MQEmitterRedis from 'mqemitter-redis';
import type { RedisLink } from '../cluster/redis.js';

/** What EmbeddedBroker hands to `Aedes.createBroker` in cluster mode. */
export interface AedesCluster {
  id: string;
  mq: unknown;
  persistence: unknown;
}

/** aedes-persistence-redis ships no types; the factory takes ioredis options or a ready connection. */
type PersistenceFactory = (opts: { conn: unknown; maxSessionDelivery?: number }) => unknown;
const require = createRequire(import.meta.url);

/**
 * Offline messages delivered per reconnect (the package's default is 1000): a panel that was off
 * for a while gets its queued commands in one go; more wait for its next connection.
 */
const MAX_SESSION_DELIVERY = 1000;

export function aedesCluster(link: RedisLink, replicaId: string): AedesCluster {
  const persistenceRedis = require('aedes-persistence-redis') as PersistenceFactory;
  // The package's types name its own (nested) ioredis; the connection it gets is ioredis 6, which
  // keeps the same command API (promises and callbacks, *Buffer variants).
  const conns = [link.connection('mqtt-bus-sub'), link.connection('mqtt-bus-pub'), link.connection('mqtt-state')] as const;
  const mq = MQEmitterRedis({ subConn: conns[0] as never, pubConn: conns[1] as never });
  // mqemitter-redis re-emits every connection error on its `state` emitter, which has no listener:
  // the first failed reconnect while Redis is down would throw ("Unhandled 'error' event") and end
  // the process. The link (redis.ts) already logs the outage and flips readiness.
  (mq as unknown as { state: { on(event: 'error', listener: () => void): unknown } }).state.on('error', () => undefined);
  const persistence = persistenceRedis({ conn: conns[2], maxSessionDelivery: MAX_SESSION_DELIVERY });
  return { id: `safegrid-${replicaId}`, mq, persistence };
}

/** The few fields of an aedes client the gate reads. */
interface GateClient {
  connackSent: boolean;
  conn: { once(event: 'close', listener: () => void): unknown };
}

/**
 * Holds a live QoS 1 delivery to a persistent session until its CONNACK is out. aedes restores a
 * persistent session's subscriptions *before* it sends the CONNACK (connect.js: fetchSubs,
 * restoreSubs, … doConnack); with Redis each step takes a round trip, and a message published in
 * that window was written to the socket ahead of the CONNACK — against "the first packet from the
 * server MUST be CONNACK" [MQTT-3.2.0-1], and mqtt.js then never saw itself connected (found by
 * test/integration/cluster-mqtt.test.ts). The delivery path awaits `persistence.outgoingUpdate`
 * before it writes, so waiting there delays the write without losing the message; a QoS 0 copy in
 * that window is dropped instead (`dropEarlyQos0`), which QoS 0 allows.
 */
export function gateUntilConnack(
  broker: { on(event: 'connackSent', listener: (connack: unknown, client: GateClient) => void): unknown },
  persistence: unknown,
): void {
  const waiting = new Map<GateClient, Array<() => void>>();
  const release = (client: GateClient): void => {
    const list = waiting.get(client);
    waiting.delete(client);
    for (const go of list ?? []) go();
  };
  broker.on('connackSent', (_connack, client) => release(client));
  const p = persistence as { outgoingUpdate(client: GateClient, packet: unknown): Promise<unknown> };
  const outgoingUpdate = p.outgoingUpdate.bind(p);
  p.outgoingUpdate = async (client, packet) => {
    const result = await outgoingUpdate(client, packet);
    if (client.connackSent) return result;
    await new Promise<void>((go) => {
      let list = waiting.get(client);
      if (!list) {
        list = [];
        waiting.set(client, list);
        // A connection that ends before its CONNACK lets its deliveries go (they fail to write,
        // and the message stays queued in Redis for the session's next connection).
        client.conn.once('close', () => release(client));
      }
      list.push(go);
    });
    return result;
  };
}

/** aedes `authorizeForward`: no QoS 0 message before the CONNACK (see gateUntilConnack). */
export function dropEarlyQos0<P extends { qos: number }>(client: object, packet: P): P | null {
  // aedes' typings do not list `connackSent`; the client object has it (lib/client.js).
  return packet.qos === 0 && !(client as { connackSent?: boolean }).connackSent ? null : packet;
}
