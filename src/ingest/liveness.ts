import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { NO_SUPERVISION, troublesDue } from './supervision.js';
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
 * Supervision over time (supervision.ts troublesDue): raises `trouble.offline` for a device that
 * stays silent past its heartbeat interval (plus grace) and `trouble.comm` (test_missed) for one
 * whose periodic test is overdue, each once, through the same durable path as device events. A
 * device never heard from is pending install and raises nothing. Recovery happens in ingest.
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
      const due = troublesDue({
        heartbeatMs: device.heartbeatMs,
        testIntervalMs: device.testIntervalMs ?? null,
        lastSeenMs: live?.lastSeenMs ?? null,
        installed: device.installed ?? false,
        supervision: live?.supervision ?? NO_SUPERVISION,
        startedMs: this.startedMs,
        nowMs: now,
        graceMs: grace,
      });
      for (const trouble of due) {
        this.o.log.warn({ site: site.id, device: device.id, detail: trouble.detail }, 'device supervision trouble');
        void this.o.ingest
          .raiseSynthetic({ siteId: site.id, deviceId: device.id, kind: trouble.kind, detail: trouble.detail, message: trouble.message, marks: trouble.marks })
          .catch((err: unknown) => this.o.log.error({ err, site: site.id, device: device.id }, 'could not record supervision trouble'));
      }
    }
  }
}
