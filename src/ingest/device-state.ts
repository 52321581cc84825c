import type { DeviceState } from '../profiles/types.js';
import type { DeviceStateRow } from '../store/index.js';

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
  availability: Availability | null;
  atMs: number;
}

/** True when `row` says nothing the stored row does not, and the stored last-seen is recent. */
export function sameAsPersisted(persisted: PersistedRow | undefined, row: DeviceStateRow, nowMs: number): boolean {
  if (!persisted || nowMs - persisted.atMs > LAST_SEEN_PERSIST_MS || persisted.availability !== row.availability) return false;
  return persisted.stateJson === JSON.stringify(row.state);
}

export interface SupervisionInput {
  /** Expected heartbeat interval; null: the device is not supervised. */
  heartbeatMs: number | null;
  live: LiveDevice | undefined;
  /** When supervision started (hub start): a device never heard from gets a full interval from then. */
  startedMs: number;
  nowMs: number;
  graceMs: number;
}

/**
 * Supervision: how long a device has been silent past its heartbeat interval plus grace, or null
 * when it is not overdue (unsupervised, heard from in time, or already known to be offline).
 */
export function overdueSilenceMs(s: SupervisionInput): number | null {
  if (!s.heartbeatMs || s.live?.availability === 'offline') return null;
  const since = Math.max(s.live?.lastSeenMs ?? 0, s.startedMs);
  const silent = s.nowMs - since;
  return silent > s.heartbeatMs + s.graceMs ? silent : null;
}

export class DeviceStates {
  private readonly live = new Map<string, LiveDevice>();
  private readonly persisted = new Map<string, PersistedRow>();

  /** Starts from the stored rows: decoding on change and liveness survive a restart. */
  constructor(rows: Iterable<DeviceStateRow>) {
    for (const row of rows) this.live.set(row.deviceId, { state: row.state, availability: row.availability, lastSeenMs: row.lastSeenMs });
  }

  get(key: string): LiveDevice | undefined {
    return this.live.get(key);
  }

  /** The previous decoded state ({} for a publisher never heard from). */
  stateOf(key: string): DeviceState {
    return this.live.get(key)?.state ?? {};
  }

  /** A device's message was decoded: it is alive (or says it went offline); returns the change and the row to keep. */
  heardFromDevice(
    key: string,
    state: DeviceState,
    reported: Availability | undefined,
    nowMs: number,
  ): {
    transition: AvailabilityTransition | null;
    row: DeviceStateRow;
  } {
    const previous = this.live.get(key)?.availability ?? null;
    const transition = availabilityAfter(previous, reported);
    const availability = transition ? transition.to : previous;
    this.live.set(key, { state, availability, lastSeenMs: nowMs });
    return { transition, row: { deviceId: key, state, availability, lastSeenMs: nowMs } };
  }

  /** A bridge's message was decoded: bridges keep state but have no availability of their own here. */
  heardFromBridge(key: string, state: DeviceState, nowMs: number): DeviceStateRow {
    this.live.set(key, { state, availability: null, lastSeenMs: nowMs });
    return { deviceId: key, state, availability: null, lastSeenMs: nowMs };
  }

  /**
   * The hub itself decided a device's availability (a missed heartbeat). Returns the row to keep
   * and when the device was last seen, or null when it already had that availability.
   */
  declare(key: string, availability: Availability): { row: DeviceStateRow; lastSeenMs: number | null } | null {
    const live = this.live.get(key) ?? { state: {}, availability: null, lastSeenMs: null };
    if (availability === live.availability) return null;
    live.availability = availability;
    this.live.set(key, live);
    return { row: { deviceId: key, state: live.state, availability, lastSeenMs: live.lastSeenMs }, lastSeenMs: live.lastSeenMs };
  }

  /** True when writing `row` would change nothing that matters in device_state. */
  unchanged(key: string, row: DeviceStateRow, nowMs: number): boolean {
    return sameAsPersisted(this.persisted.get(key), row, nowMs);
  }

  /** `row` was committed at `nowMs`. */
  committed(key: string, row: DeviceStateRow, nowMs: number): void {
    this.persisted.set(key, { stateJson: JSON.stringify(row.state), availability: row.availability, atMs: nowMs });
  }
}
