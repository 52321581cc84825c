import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { ReplicaRole } from '../cluster/role.js';
import type { DeviceStateRow } from '../store/index.js';
import { NO_SUPERVISION, troublesDue } from './supervision.js';
import type { Ingest } from './ingest.js';
import { deviceKey } from './router.js';

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
   * Owned sites only; a device this replica finds silent is checked again against the shared
   * store's last-seen (read once per pass, and only when some device looks silent: one query in
   * the common case of none) before anything is raised.
   */
  private async checkReplicated(r: LivenessReplica): Promise<void> {
    const grace = (this.o.graceMs ?? 5_000) + r.lagMs;
    const owned = (siteId: string): boolean => r.role.owns(siteId);
    const first = this.candidates(grace, owned);
    if (first.length === 0) return;
    const rows = new Map((await r.stored()).map((row) => [row.deviceId, row]));
    const now = this.o.clock.now();
    for (const c of first) {
      if (!owned(c.site.id)) continue; // handed over while the store answered
      const row = rows.get(deviceKey(c.site.id, c.device.id));
      const live = this.o.ingest.deviceAvailability(c.site.id, c.device.id);
      const supervision = live?.supervision ?? NO_SUPERVISION;
      const due = troublesDue({
        ...c.input,
        lastSeenMs: latest(live?.lastSeenMs ?? null, row?.lastSeenMs ?? null),
        supervision: { ...supervision, lastTestMs: latest(supervision.lastTestMs, row?.supervision?.lastTestMs ?? null) },
        nowMs: now,
      });
      this.raise(c, due);
    }
  }

  private candidates(graceMs: number, include: (siteId: string) => boolean) {
    const now = this.o.clock.now();
    const out = [];
    for (const { device, site } of this.o.ingest.currentRouter.allDevices()) {
      if (!include(site.id)) continue;
      const live = this.o.ingest.deviceAvailability(site.id, device.id);
      const input = {
        heartbeatMs: device.heartbeatMs,
        testIntervalMs: device.testIntervalMs ?? null,
        lastSeenMs: live?.lastSeenMs ?? null,
        installed: device.installed ?? false,
        supervision: live?.supervision ?? NO_SUPERVISION,
        startedMs: this.startedMs,
        nowMs: now,
        graceMs,
      };
      const due = troublesDue(input);
      if (due.length > 0) out.push({ device, site, input, due });
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
