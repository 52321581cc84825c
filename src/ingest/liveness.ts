import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { ReplicaRole } from '../cluster/role.js';
import type { DeviceStateRow } from '../store/index.js';
import { NO_SUPERVISION, troublesDue } from './supervision.js';
import type { Ingest } from './ingest.js';
import { deviceKey } from './router.js';

/** What liveness needs of ingest: the devices, what was last heard of them, and a way to record silence. */
export type LivenessSource = Pick<Ingest, 'currentRouter' | 'deviceAvailability' | 'raiseSynthetic'> & Partial<Pick<Ingest, 'reconcileStored'>>;

export interface LivenessOptions {
  ingest: LivenessSource;
  clock: Clock;
  log: Logger;
  /** How often silence is checked, ms. */
  checkEveryMs?: number;
  /** Slack after the expected interval before a device counts as silent, ms. */
  graceMs?: number;
  /** Replica mode (issue 18); absent: one hub, whose own memory knows every device. */
  replica?: LivenessReplica;
}

/**
 * A device may be connected to any replica, and only the one it talks to hears its heartbeats.
 * The site's owner alone decides on silence, from the last-seen every replica writes to the shared
 * device_state rows (ingest writes an unchanged heartbeat's last-seen at most every `lagMs`), so
 * the owner waits that much longer before it calls a device silent.
 */
export interface LivenessReplica {
  role: Pick<ReplicaRole, 'owns'>;
  /** The device rows in the shared store (last-seen and supervision, as every replica wrote them). */
  stored: () => Promise<DeviceStateRow[]>;
  /** How far behind the stored last-seen may be (ingest's LAST_SEEN_PERSIST_MS). */
  lagMs: number;
  /** How often the shared rows are read again, ms of real time (default 10 s; adds to the lag). */
  readEveryMs?: number;
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
  /** A replica-mode pass is reading the store: the next tick does not start a second one. */
  private checking = false;
  /** Replica mode: the shared device rows as last read, and when (performance.now()). */
  private shared: Map<string, DeviceStateRow> | null = null;
  private sharedReadAt = 0;
  private sharedClock = 0;

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
    if (this.o.replica) {
      if (this.checking) return;
      this.checking = true;
      this.checkReplicated(this.o.replica)
        .catch((err: unknown) => this.o.log.error({ err }, 'supervision pass failed; trying again at the next'))
        .finally(() => {
          this.checking = false;
        });
      return;
    }
    for (const c of this.candidates(this.o.graceMs ?? 5_000, () => true)) this.raise(c, c.due);
  }

  /**
   * Owned sites only, each device judged on the latest last-seen of any replica: this one's memory
   * or the shared store's row (a device may only ever have talked to another replica). The rows are
   * read at most every `readEveryMs` of real time, one query for all devices.
   */
  private async checkReplicated(r: LivenessReplica): Promise<void> {
    const every = r.readEveryMs ?? 10_000;
    const at = performance.now();
    // The rows are judged as of the clock reading taken BEFORE they were read: a last-seen written
    // after that reading only makes the device look fresher, never staler.
    if (this.shared === null || at - this.sharedReadAt >= every || this.o.clock.now() - this.sharedClock >= every) {
      const clockAt = this.o.clock.now();
      this.shared = new Map((await r.stored()).map((row) => [row.deviceId, row]));
      this.sharedReadAt = at;
      this.sharedClock = clockAt;
    }
    // Judged at the read's clock reading, so the cache's age never counts as silence; the next read
    // comes within `every` (real or clock time), which the grace covers with the persist lag.
    const grace = (this.o.graceMs ?? 5_000) + r.lagMs + every;
    for (const c of this.candidates(grace, (siteId) => r.role.owns(siteId), this.shared, this.sharedClock)) this.raise(c, c.due);
  }

  private candidates(graceMs: number, include: (siteId: string) => boolean, shared?: ReadonlyMap<string, DeviceStateRow>, nowMs?: number) {
    const now = nowMs ?? this.o.clock.now();
    const out = [];
    for (const { device, site } of this.o.ingest.currentRouter.allDevices()) {
      if (!include(site.id)) continue;
      const row = shared?.get(deviceKey(site.id, device.id));
      // A trouble another replica ended (it heard the device and restored it) is no longer marked
      // here, so it can be raised again; one raised here stays marked (issue 18).
      if (row) this.o.ingest.reconcileStored?.(site.id, device.id, row);
      const live = this.o.ingest.deviceAvailability(site.id, device.id);
      const supervision = live?.supervision ?? NO_SUPERVISION;
      const due = troublesDue({
        heartbeatMs: device.heartbeatMs,
        testIntervalMs: device.testIntervalMs ?? null,
        lastSeenMs: latest(live?.lastSeenMs ?? null, row?.lastSeenMs ?? null),
        installed: device.installed ?? false,
        supervision: row ? { ...supervision, lastTestMs: latest(supervision.lastTestMs, row.supervision?.lastTestMs ?? null) } : supervision,
        startedMs: this.startedMs,
        nowMs: now,
        graceMs,
      });
      if (due.length > 0) out.push({ device, site, due });
    }
    return out;
  }

  private raise(c: { site: { id: string }; device: { id: string } }, due: ReturnType<typeof troublesDue>): void {
    const { site, device } = c;
    for (const trouble of due) {
      this.o.log.warn({ site: site.id, device: device.id, detail: trouble.detail }, 'device supervision trouble');
      void this.o.ingest
        .raiseSynthetic({ siteId: site.id, deviceId: device.id, kind: trouble.kind, detail: trouble.detail, message: trouble.message, marks: trouble.marks })
        .catch((err: unknown) => this.o.log.error({ err, site: site.id, device: device.id }, 'could not record supervision trouble'));
    }
  }
}

function latest(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
}
