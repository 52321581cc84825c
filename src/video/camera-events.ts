/**
 * A camera's own events (ONVIF PullPoint, Events ver10 §9.1): one long-poll loop per camera that
 * offers them, started after a good health poll, its notifications turned into SafeGrid events
 * (motion, tamper, digital input) by onvif/events.ts. An offline camera's loop ends and the next
 * good poll starts it again.
 *
 * Issue 16 — subscriptions that last, and never more than one per camera:
 * - every request carries WS-Addressing (Action, MessageID, ReplyTo, To; soap.ts);
 * - Renew before the subscription ends, timed from the reply's own TerminationTime − CurrentTime
 *   (device clock skew cancels out; subscription-timing.ts);
 * - a subscription that is replaced (after a fault) or no longer needed (camera removed or
 *   changed, hub stopping) is Unsubscribed first, so a device with few slots never fills up;
 * - faults back off exponentially with jitter, bounded;
 * - MessageLimit is enforced on what a reply carries (the rest is counted, not processed);
 * - the interpreter's per-source state is capped (events.ts).
 */
import type { EventKind } from '../contract/alarm-event.js';
import { message, type Coded } from '../contract/messages.js';
import type { VideoSettings } from '../config/model.js';
import { systemClock, type Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import { describeCameraError } from './describe-error.js';
import { OnvifError } from './onvif/errors.js';
import { EventInterpreter } from './onvif/events.js';
import type { PullPointSubscription } from './onvif/messages.js';
import { backoffMs, remainingLifetimeMs, renewDelayMs } from './onvif/subscription-timing.js';
import type { CameraEntry } from './registry.js';

/** A camera's event for its site, raised through ingest's durable path. */
export interface CameraEvent {
  siteId: string;
  cameraId: string;
  kind: EventKind;
  detail: string;
  message?: Coded;
}

export interface CameraEventsOptions {
  raise(event: CameraEvent): Promise<unknown>;
  settings(): VideoSettings;
  /** PullMessages long-poll, seconds (device time). */
  pullTimeoutSeconds: number;
  log: Logger;
  metrics?: Metrics;
  /** Decides when to renew (default: the system clock); tests run it fast, with the camera's. */
  clock?: Clock;
  /** Lifetime asked for at CreatePullPointSubscription and Renew, seconds (default 120). */
  subscriptionSeconds?: number;
  /** PullMessages MessageLimit (default 32). */
  messageLimit?: number;
  /** Cap of the per-camera interpreter state (default 256 topic/source pairs). */
  maxInterpreterEntries?: number;
}

/** Unsubscribe gets this long; a camera that does not answer lets the subscription expire. */
const UNSUBSCRIBE_TIMEOUT_MS = 3000;

export class CameraEvents {
  private stopped = false;
  /** Unsubscribes in flight (stop() waits for them, bounded). */
  private readonly leaving = new Set<Promise<void>>();
  private readonly live = new Map<string, { site: string; camera: string }>();
  private readonly clock: Clock;
  private readonly count: {
    op: (op: 'create' | 'renew' | 'unsubscribe' | 'pull', outcome: 'ok' | 'fault') => void;
    dropped: (n: number) => void;
    evicted: (n: number) => void;
  };

  constructor(private readonly o: CameraEventsOptions) {
    this.clock = o.clock ?? systemClock;
    const m = o.metrics;
    const ops = m?.counter('sg_onvif_subscription_requests_total', 'ONVIF event subscription requests (create, renew, pull, unsubscribe) by outcome');
    const dropped = m?.counter('sg_onvif_messages_over_limit_total', 'ONVIF notifications beyond MessageLimit in one PullMessages reply: not processed');
    const evicted = m?.counter('sg_onvif_event_states_evicted_total', 'ONVIF event states forgotten because a camera named more sources than the cap');
    this.count = {
      op: (op, outcome) => ops?.({ op, outcome }),
      dropped: (n) => dropped?.({}, n),
      evicted: (n) => evicted?.({}, n),
    };
    // Per camera, 0 or 1: a second live subscription for one camera is the bug issue 16 describes.
    m?.gauge('sg_onvif_event_subscriptions', 'Live ONVIF event subscriptions per camera (at most one)', () =>
      [...this.live.values()].map((l) => ({ labels: { site: l.site, camera: l.camera }, value: 1 })),
    );
  }

  /** Start the camera's subscription loop if it offers PullPoint and none runs yet. */
  ensure(e: CameraEntry): void {
    if (this.stopped || !e.client || !e.probe?.services.pullPoint || e.events.running || e.events.stoppedFor) return;
    void this.run(e);
  }

  /** Drop the camera's subscription (its abort signal, set by the caller, ends the loop). */
  release(e: CameraEntry): void {
    const sub = e.events.sub;
    e.events.sub = null;
    if (sub) void this.leave(e, sub); // never rejects; stop() awaits it through `leaving`
  }

  /** Stop every loop and wait (at most a few seconds) for the Unsubscribes already sent. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.leaving]);
  }

  /** Unsubscribe (best effort, bounded): the device frees the slot now instead of at expiry. */
  private leave(e: CameraEntry, sub: PullPointSubscription): Promise<void> {
    this.live.delete(e.key);
    if (!e.client) return Promise.resolve();
    const p = e.client
      .unsubscribe(sub, UNSUBSCRIBE_TIMEOUT_MS)
      .then(() => this.count.op('unsubscribe', 'ok'))
      .catch((err: unknown) => {
        this.count.op('unsubscribe', 'fault');
        this.o.log.debug({ site: e.site.id, camera: e.camera.id, reason: describeCameraError(err) }, 'unsubscribe failed; the subscription expires on its own');
      })
      .finally(() => this.leaving.delete(p));
    this.leaving.add(p);
    return p;
  }

  private async run(e: CameraEntry): Promise<void> {
    const client = e.client!;
    const where = { site: e.site.id, camera: e.camera.id };
    const ended = (): boolean => this.stopped || e.abort.signal.aborted;
    const lifeSeconds = this.o.subscriptionSeconds ?? 120;
    const limit = this.o.messageLimit ?? 32;
    e.events.running = true;
    // One interpreter for the camera's loop, across re-subscriptions: it remembers what was
    // inactive, so an Initialized "active" after a gap is the edge that happened in the gap.
    const interpreter = new EventInterpreter(this.o.maxInterpreterEntries);
    let failures = 0;
    let renewAt = 0;
    const schedule = (r: { currentTime: string | null; terminationTime: string | null }): void => {
      const now = this.clock.now();
      const left = remainingLifetimeMs({ ...r, requestedMs: lifeSeconds * 1000, localNowMs: now, deviceOffsetMs: client.deviceOffsetMs });
      renewAt = now + renewDelayMs(left);
    };
    try {
      while (!ended()) {
        try {
          if (!e.events.sub) {
            const sub = await client.createPullPoint(lifeSeconds).catch((err: unknown) => {
              this.count.op('create', 'fault');
              throw err;
            });
            this.count.op('create', 'ok');
            if (ended()) {
              await this.leave(e, sub);
              break;
            }
            e.events.sub = sub;
            this.live.set(e.key, { site: e.site.id, camera: e.camera.id });
            schedule(sub);
            this.o.log.info(where, 'subscribed to camera events');
          }
          const sub = e.events.sub;
          const untilRenew = renewAt - this.clock.now();
          if (untilRenew <= 0) {
            const r = await client.renew(sub, lifeSeconds).catch((err: unknown) => {
              this.count.op('renew', 'fault');
              throw err;
            });
            this.count.op('renew', 'ok');
            schedule(r);
          } else {
            // Never long-poll past the renewal time.
            const pullFor = Math.max(1, Math.min(this.o.pullTimeoutSeconds, Math.ceil(untilRenew / 1000)));
            const pulled = await client.pullMessages(sub, pullFor, limit).catch((err: unknown) => {
              this.count.op('pull', 'fault');
              throw err;
            });
            this.count.op('pull', 'ok');
            if (pulled.dropped > 0) {
              this.count.dropped(pulled.dropped);
              this.o.log.warn({ ...where, limit, dropped: pulled.dropped }, 'camera sent more event messages than MessageLimit; the rest were not processed');
            }
            const evictedBefore = interpreter.evicted;
            const raised = interpreter.feed(pulled.messages);
            if (interpreter.evicted > evictedBefore) this.count.evicted(interpreter.evicted - evictedBefore);
            for (const n of raised) {
              if (ended()) break;
              const detail = `ONVIF ${n.topic}${n.source ? ` (${n.source})` : ''}`;
              await this.o.raise({
                siteId: e.site.id,
                cameraId: e.camera.id,
                kind: n.kind!,
                detail,
                message: message('onvif.event', { topic: n.topic.slice(0, 200), source: n.source ? n.source.slice(0, 200) : null }),
              });
            }
          }
          failures = 0;
        } catch (err) {
          // The subscription may still live on the device (a refused Renew): free its slot before
          // asking for another, so there is never more than one.
          const old = e.events.sub;
          e.events.sub = null;
          if (old) await this.leave(e, old);
          if (ended()) break;
          failures++;
          const reason = describeCameraError(err);
          if (err instanceof OnvifError && (err.code === 'unsupported' || err.code === 'foreign_host')) {
            // Not retried on every good poll: each try would leave the camera one more
            // subscription we cannot Unsubscribe. A config change (new entry) tries again.
            e.events.stoppedFor = reason;
            this.o.log.warn({ ...where, reason }, 'camera events not used');
            break;
          }
          const wait = backoffMs(failures, { baseMs: 1000, maxMs: Math.max(this.o.settings().pollIntervalMs, 30_000) });
          this.o.log.warn({ ...where, reason, failures, retryInMs: wait }, 'event subscription lost; subscribing again');
          await sleep(wait, e.abort.signal);
          if (e.health.availability === 'offline') break; // the next good poll restarts events
        }
      }
    } finally {
      e.events.running = false;
      if (e.events.sub && ended()) this.release(e);
    }
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((ok) => {
    const t = setTimeout(ok, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        ok();
      },
      { once: true },
    );
  });
}
