import type { EventKind } from '../contract/alarm-event.js';
import type { DeviceStatus } from '../contract/socket.js';
import { message, type Coded } from '../contract/messages.js';
import type { DeviceStateRow, DeviceSupervision } from '../store/index.js';

/**
 * Supervision is state, not alarms (issue 12). Periodic tests, heartbeats, availability and battery
 * reports update a device's supervision record; they never become events of their own. Only what
 * the hub concludes from them is an event: a device silent past its heartbeat (`trouble.offline`),
 * a missed periodic test (`trouble.comm`), and the restore when the device is heard again. Pure:
 * time comes in as values.
 */

export type { DeviceSupervision } from '../store/index.js';

/** A device with no record yet: never tested, no battery reading, no trouble raised. */
export const NO_SUPERVISION: DeviceSupervision = Object.freeze({ lastTestMs: null, battery: null, offlineRaisedMs: null, testMissedRaisedMs: null });

const NO_RESTORES: readonly SupervisionRestore[] = Object.freeze([]);

/** Kinds that are supervision reports, recorded on the device and never stored as events. */
export const SUPERVISION_KINDS: ReadonlySet<EventKind> = new Set(['test']);

/** Detail code of a missed periodic test (the `trouble.comm` event's detail starts with it). */
export const TEST_MISSED_CODE = 'test_missed';

/** The battery level a decoded state reports (zigbee2mqtt `battery`, percent), or null. */
export function batteryOf(state: Readonly<Record<string, unknown>>): number | null {
  const b = state.battery;
  return typeof b === 'number' && Number.isFinite(b) && b >= 0 && b <= 100 ? b : null;
}

export interface MessageFacts {
  /** The message carried a periodic test report. */
  tested: boolean;
  /** The message says the device is offline (availability topic, last will). */
  reportedOffline: boolean;
  /** Battery level from the decoded state, if it reports one. */
  battery: number | null;
  nowMs: number;
}

/** A restore the hub raises because a trouble it raised earlier is over. */
export interface SupervisionRestore {
  kind: 'restore';
  detail: string;
  /** The detail as a code for the page (src/contract/messages.ts). */
  message?: Coded;
}

/**
 * A message from the device: the record after it, and the restores it earns. Any message but an
 * explicit "offline" ends an offline trouble; a periodic test ends a missed-test trouble.
 */
export function afterMessage(prev: DeviceSupervision, m: MessageFacts): { next: DeviceSupervision; restores: readonly SupervisionRestore[] } {
  // Nearly every message (each alarm of a storm, each heartbeat) changes nothing here: the record
  // stays the same object, which also lets the unchanged-row check compare it by reference.
  const quiet = !m.tested && (m.battery === null || m.battery === prev.battery) && (prev.offlineRaisedMs === null || m.reportedOffline);
  if (quiet) return { next: prev, restores: NO_RESTORES };
  const restores: SupervisionRestore[] = [];
  let { offlineRaisedMs, testMissedRaisedMs } = prev;
  if (offlineRaisedMs !== null && !m.reportedOffline) {
    restores.push({ kind: 'restore', detail: 'device heard from again', message: message('supervision.heard_again', {}) });
    offlineRaisedMs = null;
  }
  if (testMissedRaisedMs !== null && m.tested) {
    restores.push({ kind: 'restore', detail: 'periodic test received again', message: message('supervision.test_again', {}) });
    testMissedRaisedMs = null;
  }
  const next: DeviceSupervision = {
    lastTestMs: m.tested ? m.nowMs : prev.lastTestMs,
    battery: m.battery ?? prev.battery,
    offlineRaisedMs,
    testMissedRaisedMs,
  };
  return { next, restores };
}

/** What supervision needs to know of a device, from the config and from what was heard. */
export interface SupervisionCheck {
  /** Expected heartbeat interval; null: silence is not supervised. */
  heartbeatMs: number | null;
  /** Expected periodic test interval; null: tests are not supervised. */
  testIntervalMs: number | null;
  /** Last time anything was heard from the device; null: never (pending install, unless `installed`). */
  lastSeenMs: number | null;
  /** The installer marked the device installed (`installed: true`): supervised even before its first message. */
  installed?: boolean;
  supervision: DeviceSupervision;
  /** When supervision started (hub start): nothing is overdue before a full interval from then. */
  startedMs: number;
  nowMs: number;
  graceMs: number;
}

export type SupervisionTrouble =
  | { kind: 'trouble.offline'; marks: 'offline'; detail: string; message: Coded }
  | { kind: 'trouble.comm'; marks: 'testMissed'; detail: string; message: Coded };

/** True until the device's first message: a device saved in a site file before it is installed. */
export function pendingInstall(lastSeenMs: number | null | undefined): boolean {
  return lastSeenMs === null || lastSeenMs === undefined;
}

/**
 * The troubles now due for one device, each raised once until the device recovers: silence past
 * the heartbeat interval plus grace (an explicit "offline" report counts as the last thing heard),
 * and no periodic test within the test interval plus grace. A device pending install raises none
 * (one never heard from, unless the installer marked it installed).
 */
export function troublesDue(c: SupervisionCheck): SupervisionTrouble[] {
  if (pendingInstall(c.lastSeenMs) && !c.installed) return [];
  const out: SupervisionTrouble[] = [];
  const s = c.supervision;
  if (c.heartbeatMs && s.offlineRaisedMs === null) {
    const silentMs = c.nowMs - Math.max(c.lastSeenMs ?? 0, c.startedMs);
    if (silentMs > c.heartbeatMs + c.graceMs) {
      const detail = `no heartbeat for ${seconds(silentMs)} s (expected every ${seconds(c.heartbeatMs)} s)`;
      const m = message('supervision.no_heartbeat', { silent: seconds(silentMs), expected: seconds(c.heartbeatMs) });
      out.push({ kind: 'trouble.offline', marks: 'offline', detail, message: m });
    }
  }
  if (c.testIntervalMs && s.testMissedRaisedMs === null) {
    const sinceMs = c.nowMs - Math.max(s.lastTestMs ?? 0, c.startedMs);
    if (sinceMs > c.testIntervalMs + c.graceMs) {
      const detail = `${TEST_MISSED_CODE}: no periodic test for ${seconds(sinceMs)} s (expected every ${seconds(c.testIntervalMs)} s)`;
      const m = message('supervision.test_missed', { since: seconds(sinceMs), expected: seconds(c.testIntervalMs) });
      out.push({ kind: 'trouble.comm', marks: 'testMissed', detail, message: m });
    }
  }
  return out;
}

/** The record after the hub raised `trouble` at `nowMs`. */
export function afterTrouble(prev: DeviceSupervision, marks: SupervisionTrouble['marks'], nowMs: number): DeviceSupervision {
  return marks === 'offline' ? { ...prev, offlineRaisedMs: nowMs } : { ...prev, testMissedRaisedMs: nowMs };
}

function seconds(ms: number): number {
  return Math.round(ms / 1000);
}

/** A device's row as the consoles see it (`device:status`). */
export function deviceStatusOf(siteId: string, deviceId: string, row: DeviceStateRow, installed = false): DeviceStatus {
  const s = row.supervision ?? NO_SUPERVISION;
  return {
    deviceId,
    siteId,
    availability: row.availability ?? 'online',
    lastSeenAt: iso(row.lastSeenMs),
    lastTestAt: iso(s.lastTestMs),
    battery: s.battery,
    pendingInstall: pendingInstall(row.lastSeenMs) && !installed,
    supervision: { offline: s.offlineRaisedMs !== null, testMissed: s.testMissedRaisedMs !== null },
  };
}

/** True when the consoles should hear of the change from `before` to `after` (availability, test, battery, troubles). */
export function statusChanged(before: DeviceSupervision, after: DeviceSupervision): boolean {
  return (
    before.lastTestMs !== after.lastTestMs ||
    before.battery !== after.battery ||
    (before.offlineRaisedMs === null) !== (after.offlineRaisedMs === null) ||
    (before.testMissedRaisedMs === null) !== (after.testMissedRaisedMs === null)
  );
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
