import type { WalkTest } from '../contract/commissioning.js';
import type { WalkTestTick } from './ports.js';

/** At most this many events are read for a walk test's end (a test's events are a few dozen). */
export const WALK_TEST_EVENTS = 10_000;

/** A tick row as both stores read it (migration 014 / PG 005). */
export interface TickRow {
  walk_test_id: string;
  zone: number;
  seen_at: string;
  kind: string;
  device_id: string;
  signal: number | null;
  battery: number | null;
}

export const tickOfRow = (r: TickRow): WalkTestTick => ({
  zone: r.zone,
  seenAt: r.seen_at,
  kind: r.kind,
  deviceId: r.device_id,
  signal: r.signal,
  battery: r.battery,
});

/**
 * A stored walk test as its readers see it: a running test's record (written whole at its start)
 * with its tick rows and counted other events applied; an ended test's record alone (written whole
 * at its end with every tick merged, and every zone its events committed before the end trip — a
 * tick written after that is not part of the result).
 */
export function withTicks(t: WalkTest, ticks: readonly WalkTestTick[], otherEvents: number): WalkTest {
  if (t.endedAt !== null) return t;
  const byZone = new Map(ticks.map((k) => [k.zone, k]));
  const zones = t.zones.map((z) => {
    const k = byZone.get(z.zone);
    if (!k || z.seen) return z;
    return { ...z, seen: true, seenAt: k.seenAt, kind: k.kind, deviceId: k.deviceId, signal: k.signal, battery: k.battery };
  });
  return { ...t, zones, otherEvents: t.otherEvents + otherEvents };
}

/** Groups rows by walk test id. */
export function byTest<R extends { walk_test_id: string }>(rows: readonly R[]): Map<string, R[]> {
  const m = new Map<string, R[]>();
  for (const r of rows) {
    const list = m.get(r.walk_test_id);
    if (list) list.push(r);
    else m.set(r.walk_test_id, [r]);
  }
  return m;
}
