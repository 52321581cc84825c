import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { overdueSilenceMs } from './device-state.js';
import type { Ingest } from './ingest.js';

/** What liveness needs of ingest: the devices, what was last heard of them, and a way to record silence. */
export type LivenessSource = Pick<Ingest, 'currentRouter' | 'deviceAvailability' | 'raiseSynthetic'>;

export interface LivenessOptions {
  ingest: LivenessSource;
  clock: Clock;
  log: Logger;
  /** How often silence is checked, ms. */
  checkEveryMs?: number;
  /** Slack after the expected interval before a device counts as silent, ms. */
  graceMs?: number;
}

/**
 * Raises `trouble.offline` for a device that stays silent past its heartbeat interval (plus grace),
 * through the same durable path as device events. A device heard from again recovers in ingest.
 */
export class LivenessMonitor {
  private timer: NodeJS.Timeout | null = null;
  private readonly startedMs: number;

  constructor(private readonly o: LivenessOptions) {
    this.startedMs = o.clock.now();
  }

  start(): void {
    this.timer = setInterval(() => this.check(), this.o.checkEveryMs ?? 2_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One pass; public so tests can drive it with a manual clock. */
  check(): void {
    const now = this.o.clock.now();
    const grace = this.o.graceMs ?? 5_000;
    for (const { device, site } of this.o.ingest.currentRouter.allDevices()) {
      const live = this.o.ingest.deviceAvailability(site.id, device.id);
      // A device not heard from since the hub started gets a full interval from start.
      const silentMs = overdueSilenceMs({ heartbeatMs: device.heartbeatMs, live, startedMs: this.startedMs, nowMs: now, graceMs: grace });
      if (silentMs === null || !device.heartbeatMs) continue;
      const silentFor = Math.round(silentMs / 1000);
      this.o.log.warn({ site: site.id, device: device.id, silentFor }, 'device silent past its heartbeat interval');
      const detail = `no heartbeat for ${silentFor} s (expected every ${device.heartbeatMs / 1000} s)`;
      void this.o.ingest
        .raiseSynthetic({ siteId: site.id, deviceId: device.id, kind: 'trouble.offline', detail, availability: 'offline' })
        .catch((err: unknown) => this.o.log.error({ err, site: site.id, device: device.id }, 'could not record offline event'));
    }
  }
}
