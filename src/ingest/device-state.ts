import type { DeviceState } from '../profiles/types.js';
import type { DeviceStateRow } from '../store/index.js';
import {
  afterMessage,
  afterTrouble,
  NO_SUPERVISION,
  type DeviceSupervision,
  type MessageFacts,
  type SupervisionRestore,
  type SupervisionTrouble,
} from './supervision.js';

/**
 * What the hub knows about each publisher between messages: its decoded state (for on-change
 * decoding), its availability, when it was last heard from — and what device_state holds, so a
 * heartbeat that changes nothing is not written. In memory only; ingest loads it from the store at
 * start and hands the rows it produces to the journal.
 */

export type Availability = 'online' | 'offline';

export interface LiveDevice {
  state: DeviceState;
  availability: Availability | null;
  lastSeenMs: number | null;
  /** Last test, battery, supervision troubles raised (supervision.ts); absent: none yet. */
  supervision?: DeviceSupervision;
  /** The run of identical payloads the device is in (duplicates by identity); absent: none yet. */
  run?: PayloadRun;
}

/**
 * A run of identical payloads from one device: the payload's hash and when the run started. A
 * payload that repeats within its run is a resend; the same payload after a different one starts a
 * new run, so it is news (a door that opens, closes and opens again opened twice).
 */
export interface PayloadRun {
  /** Hash of the payload; null after a restart until the next message (the run is not known). */
  hash: string | null;
  sinceMs: number;
}

/**
 * The run after a message with payload hash `hash`. After a restart the stored run (hash null)
 * continues with the first message, so a resend of the last message before the restart is still
 * recognised as one (its run started at the stored last-seen time).
 */
export function runAfter(prev: PayloadRun | undefined, hash: string, nowMs: number): PayloadRun {
  if (prev && (prev.hash === hash || prev.hash === null)) return { hash, sinceMs: prev.sinceMs };
  return { hash, sinceMs: nowMs };
}

export interface AvailabilityTransition {
  from: Availability | null;
  to: Availability;
}

/** How stale the stored last-seen time of a device may get while only heartbeats arrive. */
export const LAST_SEEN_PERSIST_MS = 60_000;

/** Any message proves a device alive; an explicit availability message says which way. Null: no change. */
export function availabilityAfter(previous: Availability | null, reported: Availability | undefined): AvailabilityTransition | null {
  const to = reported ?? 'online';
  return to === previous ? null : { from: previous, to };
}

/** What device_state holds for one device, as last committed by ingest. */
export interface PersistedRow {
  stateJson: string;
  /** The state object committed: decoders hand the same object on when nothing changed, so most heartbeats compare by reference. */
  state?: DeviceState;
  availability: Availability | null;
  atMs: number;
  /** The supervision record as committed; absent: compared as none. */
  supervision?: DeviceSupervision | null;
}

/** Field by field: this runs for every heartbeat, and a JSON encoding of the record cost as much again as the state's. */
function sameSupervision(a: DeviceSupervision | null | undefined, b: DeviceSupervision | null | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return !a && !b;
  return a.lastTestMs === b.lastTestMs && a.battery === b.battery && a.offlineRaisedMs === b.offlineRaisedMs && a.testMissedRaisedMs === b.testMissedRaisedMs;
}

/**
 * True when `row` says nothing the stored row does not, and the stored last-seen is recent. The
 * state is compared as JSON unless it is the very object committed. (A WeakMap of each state's
 * JSON did this before: one entry per message, and an alarm's state is a new object every time.)
 */
export function sameAsPersisted(persisted: PersistedRow | undefined, row: DeviceStateRow, nowMs: number): boolean {
  if (!persisted || nowMs - persisted.atMs > LAST_SEEN_PERSIST_MS || persisted.availability !== row.availability) return false;
  if (!sameSupervision(persisted.supervision, row.supervision)) return false;
  return persisted.state === row.state || persisted.stateJson === JSON.stringify(row.state);
}

/** Slack before a device counts as possibly judged silent elsewhere (the owner waits longer: grace + persist lag + read interval). */
export const JUDGED_ELSEWHERE_SLACK_MS = 5_000;

/**
 * Replicas (issue 18): whether this replica must read a device's shared row before acting on its
 * message, because the site's owner may have raised a trouble this replica does not know of (the
 * device was silent here long enough), or may have seen the trouble ended elsewhere (this replica
 * still marks one). Everything else — nearly every message — needs no read.
 */
export function mayBeJudgedElsewhere(
  live: LiveDevice | undefined,
  device: { heartbeatMs: number | null; testIntervalMs?: number | null },
  tested: boolean,
  nowMs: number,
): boolean {
  if (!live || live.lastSeenMs === null) return true;
  const s = live.supervision ?? NO_SUPERVISION;
  if (s.offlineRaisedMs !== null || s.testMissedRaisedMs !== null) return true;
  if (device.heartbeatMs && nowMs - live.lastSeenMs > device.heartbeatMs + JUDGED_ELSEWHERE_SLACK_MS) return true;
  const every = device.testIntervalMs ?? null;
  return tested && every !== null && (s.lastTestMs === null || nowMs - s.lastTestMs > every + JUDGED_ELSEWHERE_SLACK_MS);
}

/**
 * A device as this replica knows it, brought up to date with its shared row (issue 18): a trouble
 * the owner raised after this replica last heard of the device is adopted (so the message that
 * ends it here earns the restore), and a trouble this replica marks but the row shows ended — the
 * device was heard after it was raised, by another replica that then restored it — is dropped (so
 * it is not restored twice, and the owner may raise it again).
 */
export function reconcileWithStored(live: LiveDevice | undefined, row: DeviceStateRow): LiveDevice {
  const base: LiveDevice = live ?? { state: row.state, availability: row.availability, lastSeenMs: null };
  const mine = base.supervision ?? NO_SUPERVISION;
  const theirs = row.supervision ?? NO_SUPERVISION;
  const lastSeenMs = latestOf(base.lastSeenMs, row.lastSeenMs);
  const lastTestMs = latestOf(mine.lastTestMs, theirs.lastTestMs);
  let { offlineRaisedMs, testMissedRaisedMs } = mine;
  let availability = base.availability;
  if (offlineRaisedMs === null && theirs.offlineRaisedMs !== null && theirs.offlineRaisedMs > (base.lastSeenMs ?? Number.NEGATIVE_INFINITY)) {
    offlineRaisedMs = theirs.offlineRaisedMs;
    availability = 'offline';
  } else if (offlineRaisedMs !== null && theirs.offlineRaisedMs === null && (row.lastSeenMs ?? Number.NEGATIVE_INFINITY) > offlineRaisedMs) {
    offlineRaisedMs = null;
    availability = row.availability;
  }
  if (testMissedRaisedMs === null && theirs.testMissedRaisedMs !== null && theirs.testMissedRaisedMs > (mine.lastTestMs ?? Number.NEGATIVE_INFINITY)) {
    testMissedRaisedMs = theirs.testMissedRaisedMs;
  } else if (testMissedRaisedMs !== null && theirs.testMissedRaisedMs === null && (theirs.lastTestMs ?? Number.NEGATIVE_INFINITY) > testMissedRaisedMs) {
    testMissedRaisedMs = null;
  }
  const same =
    lastSeenMs === base.lastSeenMs &&
    lastTestMs === mine.lastTestMs &&
    offlineRaisedMs === mine.offlineRaisedMs &&
    testMissedRaisedMs === mine.testMissedRaisedMs &&
    availability === base.availability;
  if (same) return base;
  return { ...base, availability, lastSeenMs, supervision: { ...mine, lastTestMs, offlineRaisedMs, testMissedRaisedMs } };
}

function latestOf(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
}

export class DeviceStates {
  private readonly live = new Map<string, LiveDevice>();
  private readonly persisted = new Map<string, PersistedRow>();

  /** Starts from the stored rows: decoding on change and liveness survive a restart. */
  constructor(rows: Iterable<DeviceStateRow>) {
    for (const row of rows) {
      const run = row.lastSeenMs === null ? undefined : { hash: null, sinceMs: row.lastSeenMs };
      // A row written before supervision was recorded: an "offline" there was the hub's trouble.
      const supervision = row.supervision ?? (row.availability === 'offline' ? { ...NO_SUPERVISION, offlineRaisedMs: row.lastSeenMs ?? 0 } : NO_SUPERVISION);
      this.live.set(row.deviceId, { state: row.state, availability: row.availability, lastSeenMs: row.lastSeenMs, supervision, run });
    }
  }

  /** Reads the devices' stored rows: ingest and commissioning start from the same table. */
  static async load(store: { deviceState: { all(): Promise<DeviceStateRow[]> } }): Promise<DeviceStates> {
    return new DeviceStates(await store.deviceState.all());
  }

  get(key: string): LiveDevice | undefined {
    return this.live.get(key);
  }

  /** Adopts what the shared row says of the device's troubles (replicas, `reconcileWithStored`). */
  reconcile(key: string, row: DeviceStateRow): void {
    const live = this.live.get(key);
    const next = reconcileWithStored(live, row);
    if (next !== live) this.live.set(key, next);
  }

  /** The previous decoded state ({} for a publisher never heard from). */
  stateOf(key: string): DeviceState {
    return this.live.get(key)?.state ?? {};
  }

  /**
   * A device's message was decoded: it is alive (or says it went offline). Returns the availability
   * change, the row to keep, the restores its supervision earns, and the payload run it belongs to.
   */
  heardFromDevice(
    key: string,
    state: DeviceState,
    reported: Availability | undefined,
    facts: Omit<MessageFacts, 'reportedOffline'> & { payloadHash: string },
  ): {
    transition: AvailabilityTransition | null;
    row: DeviceStateRow;
    restores: readonly SupervisionRestore[];
    run: PayloadRun;
  } {
    const nowMs = facts.nowMs;
    const live = this.live.get(key);
    const previous = live?.availability ?? null;
    const transition = availabilityAfter(previous, reported);
    const availability = transition ? transition.to : previous;
    const { next, restores } = afterMessage(live?.supervision ?? NO_SUPERVISION, {
      tested: facts.tested,
      battery: facts.battery,
      nowMs,
      reportedOffline: reported === 'offline',
    });
    const run = runAfter(live?.run, facts.payloadHash, nowMs);
    this.live.set(key, { state, availability, lastSeenMs: nowMs, supervision: next, run });
    return { transition, row: { deviceId: key, state, availability, lastSeenMs: nowMs, supervision: next }, restores, run };
  }

  /** A bridge's message was decoded: bridges keep state but have no availability of their own here. */
  heardFromBridge(key: string, state: DeviceState, nowMs: number): DeviceStateRow {
    this.live.set(key, { state, availability: null, lastSeenMs: nowMs });
    return { deviceId: key, state, availability: null, lastSeenMs: nowMs };
  }

  /**
   * The hub raised a supervision trouble for a device (silence, a missed test): it is recorded so
   * it is raised once; silence also makes the device offline. Returns the row to keep and whether
   * the availability changed.
   */
  raised(key: string, trouble: SupervisionTrouble['marks'], nowMs: number): { row: DeviceStateRow; availabilityChanged: boolean; lastSeenMs: number | null } {
    const live = this.live.get(key) ?? { state: {}, availability: null, lastSeenMs: null };
    const supervision = afterTrouble(live.supervision ?? NO_SUPERVISION, trouble, nowMs);
    const availability = trouble === 'offline' ? 'offline' : live.availability;
    const availabilityChanged = availability !== live.availability;
    this.live.set(key, { ...live, availability, supervision });
    return {
      row: { deviceId: key, state: live.state, availability, lastSeenMs: live.lastSeenMs, supervision },
      availabilityChanged,
      lastSeenMs: live.lastSeenMs,
    };
  }

  /** True when writing `row` would change nothing that matters in device_state. */
  unchanged(key: string, row: DeviceStateRow, nowMs: number): boolean {
    return sameAsPersisted(this.persisted.get(key), row, nowMs);
  }

  /** `row` was committed at `nowMs`. */
  committed(key: string, row: DeviceStateRow, nowMs: number): void {
    this.persisted.set(key, {
      stateJson: JSON.stringify(row.state),
      state: row.state,
      availability: row.availability,
      atMs: nowMs,
      supervision: row.supervision ?? null,
    });
  }
}
