/**
 * Change notices between replicas (issue 18): "the drills changed", "a site's commissioning state
 * changed". The record is the shared store; a notice only tells the other replicas to read it again
 * now instead of at their next periodic reload. Redis pub/sub is not durable, so every listener is
 * also called when the link comes back (what was missed meanwhile), and the services reload on a
 * timer as the safety net.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import type { RedisLink } from './redis.js';

export type NoticeTopic = 'drills' | 'commissioning';
const TOPICS: readonly NoticeTopic[] = ['drills', 'commissioning'];

export interface ChangeNotices {
  /** True when other replicas share the store: services reload on a timer too. */
  readonly replicated: boolean;
  /** Tells the other replicas (never this one) that `topic` changed in the store. */
  publish(topic: NoticeTopic): void;
  /** `listener` runs when another replica changed `topic` (or after Redis was back). Returns its disposer. */
  on(topic: NoticeTopic, listener: () => void): () => void;
  close(): Promise<void>;
}

/** One hub: nobody else to tell. */
export function localNotices(): ChangeNotices {
  return { replicated: false, publish: () => undefined, on: () => () => undefined, close: async () => undefined };
}

/** The channel every replica of a centre listens on. */
export const NOTICE_CHANNEL = 'safegrid:changes';

export class RedisChangeNotices implements ChangeNotices {
  readonly replicated = true;
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly listeners = new Map<NoticeTopic, Set<() => void>>();
  private readonly offReady: () => void;
  private readonly countBad: () => void;

  constructor(private readonly o: { link: RedisLink; replicaId: string; log: Logger; metrics: Metrics }) {
    this.countBad = o.metrics.counter('sg_cluster_bad_notices_total', 'Change notices on Redis that were not understood (ignored)');
    this.pub = o.link.connection('notices-pub');
    this.sub = o.link.connection('notices-sub');
    this.sub.subscribe(NOTICE_CHANNEL).catch((err: unknown) => o.log.warn({ err }, 'could not subscribe to change notices; relying on the periodic reload'));
    this.sub.on('message', (_channel: string, text: string) => this.received(text));
    // A notice sent while this replica's Redis was down is lost: read everything again once it is back.
    this.offReady = o.link.on('ready', () => {
      for (const t of TOPICS) this.fire(t);
    });
  }

  publish(topic: NoticeTopic): void {
    this.pub
      .publish(NOTICE_CHANNEL, JSON.stringify({ from: this.o.replicaId, topic }))
      .catch((err: unknown) => this.o.log.warn({ err, topic }, 'change notice not published; other replicas see it at their next reload'));
  }

  on(topic: NoticeTopic, listener: () => void): () => void {
    const set = this.listeners.get(topic) ?? new Set();
    set.add(listener);
    this.listeners.set(topic, set);
    return () => set.delete(listener);
  }

  async close(): Promise<void> {
    this.offReady();
    this.listeners.clear();
    await Promise.all([this.pub.quit().catch(() => undefined), this.sub.quit().catch(() => undefined)]);
  }

  private received(text: string): void {
    let m: { from?: unknown; topic?: unknown };
    try {
      m = JSON.parse(text) as typeof m;
    } catch {
      m = {};
    }
    if (typeof m.from !== 'string' || !TOPICS.includes(m.topic as NoticeTopic)) {
      this.countBad();
      return;
    }
    if (m.from !== this.o.replicaId) this.fire(m.topic as NoticeTopic);
  }

  private fire(topic: NoticeTopic): void {
    for (const l of this.listeners.get(topic) ?? []) {
      try {
        l();
      } catch (err) {
        this.o.log.error({ err, topic }, 'change notice listener failed');
      }
    }
  }
}
