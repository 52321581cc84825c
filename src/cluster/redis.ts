/**
 * The replica's connections to Redis (issue 18), and the one signal of whether they all work.
 *
 * Redis carries what crosses replicas but is never the record: the embedded broker's message bus
 * and session state (mqemitter-redis, aedes-persistence-redis) and the consoles' pushes
 * (@socket.io/redis-adapter). Alarms are stored in the database before their PUBACK, so losing
 * Redis loses no alarm; it stops pushes from other replicas reaching this one's consoles and
 * devices moving between replicas. `ready()` says whether every connection is up, and `lost` /
 * `ready` events mark the changes, so `/api/health/ready` can take the replica out of the load
 * balancer while Redis is gone.
 *
 * ioredis reconnects by itself (forever, with a capped back-off). Commands issued while it is
 * down wait in its offline queue (`maxRetriesPerRequest: null`) instead of failing after 20
 * retries: a publish or a session write that failed would surface as an unhandled rejection
 * inside the libraries above, which do not all catch it; queued, it goes out on reconnect.
 */
import { EventEmitter } from 'node:events';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';

export interface RedisLinkOptions {
  url: string;
  password: string | null;
  /** Names the connections in `CLIENT LIST` (`safegrid:<replica>:<role>`), so an operator sees who is who. */
  replicaId: string;
  log: Logger;
  metrics?: Metrics;
}

/** What a readiness check reads: whether Redis works now, and its changes. */
export interface ClusterSignal {
  ready(): boolean;
  /** `lost` when any connection drops (after having been up), `ready` when all are up again. Returns its disposer. */
  on(event: 'lost' | 'ready', listener: () => void): () => void;
}

/** ioredis' back-off: 100 ms, 200 ms, … capped at 2 s, never giving up. */
const retryStrategy = (times: number): number => Math.min(times * 100, 2_000);

export class RedisLink implements ClusterSignal {
  private readonly connections = new Map<string, Redis>();
  /** Connections that answered a PING since their last (re)connect. */
  private readonly confirmed = new WeakSet<Redis>();
  private readonly events = new EventEmitter();
  private up = false;
  private closing = false;
  private readonly changes: ((labels: { to: string }) => void) | null;

  constructor(private readonly o: RedisLinkOptions) {
    this.changes = o.metrics?.counter('sg_cluster_redis_changes_total', 'Redis link state changes of this replica (to: lost, ready)') ?? null;
    o.metrics?.gauge('sg_cluster_redis_ready', 'Whether every Redis connection of this replica is up (1) or not (0)', () => (this.up ? 1 : 0));
  }

  /**
   * A new connection for one role (a subscriber cannot publish, so pub/sub users take two). The
   * link watches it; whoever takes it may close it (quit) — it is then forgotten, not "lost".
   * `extra` overrides options for this one (the login limiter fails fast instead of queueing).
   */
  connection(role: string, extra: Partial<RedisOptions> = {}): Redis {
    if (this.closing) throw new Error('the Redis link is closed');
    const name = this.connections.has(role) ? `${role}-${this.connections.size}` : role;
    const conn = new Redis(this.o.url, {
      ...(this.o.password ? { password: this.o.password } : {}),
      connectionName: `safegrid:${this.o.replicaId}:${name}`,
      maxRetriesPerRequest: null,
      retryStrategy,
      // The default (10 s) would hold a start-up against a Redis that is not there yet: connect in
      // the background instead; the readiness signal says when it is there.
      connectTimeout: 5_000,
      ...extra,
    });
    this.connections.set(name, conn);
    let complained = false;
    conn.on('error', (err: Error) => {
      // Every reconnect attempt fails the same way while Redis is down: say it once per outage.
      if (complained || this.closing) return;
      complained = true;
      this.o.log.warn({ code: 'SG_CLUSTER_REDIS_LOST', role: name, err: err.message }, 'Redis connection failed; reconnecting');
    });
    conn.on('ready', () => {
      complained = false;
      // ioredis says "ready" before its automatic re-SUBSCRIBE has reached Redis; a PING sent now is
      // answered after it (one connection, in order), so only then does a subscriber hear again.
      conn.ping().then(
        () => {
          if (conn.status !== 'ready') return;
          this.confirmed.add(conn);
          this.update();
        },
        () => undefined, // the connection dropped again; its next 'ready' tries anew
      );
    });
    conn.on('close', () => {
      this.confirmed.delete(conn);
      // A quit() by its owner (aedes closing its bus) emits 'close' and then, in the same turn,
      // 'end': judge after both, so a connection closed on purpose is not reported as lost.
      setImmediate(() => this.update());
    });
    conn.on('end', () => {
      // `end` comes only from quit()/disconnect() (retryStrategy never gives up): its owner closed it.
      this.connections.delete(name);
      this.update();
    });
    return conn;
  }

  ready(): boolean {
    return this.up;
  }

  on(event: 'lost' | 'ready', listener: () => void): () => void {
    this.events.on(event, listener);
    return () => this.events.off(event, listener);
  }

  /** Resolves when every connection is up (start-up waits for this with a ceiling, then goes on). */
  whenReady(ms: number): Promise<boolean> {
    if (this.up) return Promise.resolve(true);
    return new Promise((ok) => {
      const timer = setTimeout(() => {
        off();
        ok(false);
      }, ms);
      const off = this.on('ready', () => {
        clearTimeout(timer);
        off();
        ok(true);
      });
    });
  }

  private update(): void {
    if (this.closing) return;
    const all = [...this.connections.values()];
    const now = all.length > 0 && all.every((c) => c.status === 'ready' && this.confirmed.has(c));
    if (now === this.up) return;
    this.up = now;
    this.changes?.({ to: now ? 'ready' : 'lost' });
    if (now) this.o.log.info({ connections: all.length }, 'Redis link ready');
    else this.o.log.warn({ code: 'SG_CLUSTER_REDIS_LOST' }, 'Redis link lost; this replica is not ready until it is back');
    this.events.emit(now ? 'ready' : 'lost');
  }

  /** Closes what its users have not closed already. */
  async close(): Promise<void> {
    this.closing = true;
    this.up = false;
    const open = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(
      open.map(async (c) => {
        if (c.status === 'end') return;
        // quit() waits for Redis; while Redis is down it would wait for ever, so disconnect then.
        if (c.status === 'ready') await c.quit().catch(() => c.disconnect());
        else c.disconnect();
      }),
    );
    this.events.removeAllListeners();
  }
}
