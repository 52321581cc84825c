import type { Logger } from './logger.js';

/**
 * A typed in-process event bus. Events are named `noun:verb`. A subscriber that throws is logged
 * and counted and never stops the others; every subscription returns its disposer.
 */
export class EventBus<Events extends Record<string, unknown>> {
  private readonly handlers = new Map<keyof Events, Set<(payload: never) => void>>();
  /** Subscriber failures, for /metrics. */
  subscriberErrors = 0;

  constructor(private readonly log?: Logger) {}

  on<K extends keyof Events>(name: K, handler: (payload: Events[K]) => void): () => void {
    let set = this.handlers.get(name);
    if (!set) {
      set = new Set();
      this.handlers.set(name, set);
    }
    set.add(handler as (payload: never) => void);
    return () => {
      set.delete(handler as (payload: never) => void);
    };
  }

  emit<K extends keyof Events>(name: K, payload: Events[K]): void {
    const set = this.handlers.get(name);
    if (!set) return;
    for (const handler of [...set]) {
      try {
        (handler as (p: Events[K]) => void)(payload);
      } catch (err) {
        this.subscriberErrors++;
        this.log?.error({ err, event: String(name) }, 'event subscriber failed');
      }
    }
  }
}
