/**
 * A camera's own events (ONVIF PullPoint, Event spec §5.1): one long-poll loop per camera that
 * offers them, started after a good health poll, its notifications turned into SafeGrid events
 * (motion, tamper, digital input) by onvif/events.ts. A lost subscription is re-created with
 * back-off; an offline camera's loop ends and the next good poll starts it again.
 */
import type { EventKind } from '../contract/alarm-event.js';
import { message, type Coded } from '../contract/messages.js';
import type { VideoSettings } from '../config/model.js';
import type { Logger } from '../core/logger.js';
import { describeCameraError } from './describe-error.js';
import { OnvifError } from './onvif/errors.js';
import { EventInterpreter } from './onvif/events.js';
import type { CameraEntry } from './registry.js';

export interface CameraEventsOptions {
  raise(siteId: string, cameraId: string, kind: EventKind, detail: string, message?: Coded): Promise<unknown>;
  settings(): VideoSettings;
  /** PullMessages long-poll, seconds. */
  pullTimeoutSeconds: number;
  log: Logger;
}

export class CameraEvents {
  private stopped = false;

  constructor(private readonly o: CameraEventsOptions) {}

  /** Start the camera's subscription loop if it offers PullPoint and none runs yet. */
  ensure(e: CameraEntry): void {
    if (this.stopped || !e.client || !e.probe?.services.pullPoint || e.events.running) return;
    void this.run(e);
  }

  /** Drop the camera's subscription (best effort: it expires anyway); its abort signal ends the loop. */
  release(e: CameraEntry): void {
    const sub = e.events.sub;
    e.events.sub = null;
    if (sub && e.client) void e.client.unsubscribe(sub).catch(() => undefined);
  }

  stop(): void {
    this.stopped = true;
  }

  private async run(e: CameraEntry): Promise<void> {
    const client = e.client!;
    const ended = (): boolean => this.stopped || e.abort.signal.aborted;
    e.events.running = true;
    const interpreter = new EventInterpreter();
    let backoff = 1000;
    try {
      while (!ended()) {
        try {
          if (!e.events.sub) {
            e.events.sub = await client.createPullPoint(120);
            this.o.log.info({ site: e.site.id, camera: e.camera.id }, 'subscribed to camera events');
          }
          let renewAt = Date.now() + 60_000;
          while (!ended() && e.events.sub) {
            const messages = await client.pullMessages(e.events.sub, this.o.pullTimeoutSeconds, 32);
            for (const n of interpreter.feed(messages)) {
              const detail = `ONVIF ${n.topic}${n.source ? ` (${n.source})` : ''}`;
              await this.o.raise(
                e.site.id,
                e.camera.id,
                n.kind!,
                detail,
                message('onvif.event', { topic: n.topic.slice(0, 200), source: n.source ? n.source.slice(0, 200) : null }),
              );
            }
            if (Date.now() > renewAt) {
              await client.renew(e.events.sub, 120);
              renewAt = Date.now() + 60_000;
            }
            backoff = 1000;
          }
        } catch (err) {
          if (ended()) break;
          e.events.sub = null;
          this.o.log.debug({ site: e.site.id, camera: e.camera.id, reason: describeCameraError(err) }, 'event subscription lost; retrying');
          if (err instanceof OnvifError && err.code === 'unsupported') break;
          await sleep(backoff, e.abort.signal);
          backoff = Math.min(backoff * 2, Math.max(this.o.settings().pollIntervalMs, 2000));
          if (e.health.availability === 'offline') break; // the next good poll restarts events
        }
      }
    } finally {
      e.events.running = false;
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
