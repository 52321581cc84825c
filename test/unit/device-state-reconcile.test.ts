/** device-state.ts across replicas (issue 18): when a replica reads a device's shared row, and what it adopts from it. */
import { describe, expect, it } from 'vitest';
import { type LiveDevice, mayBeJudgedElsewhere, reconcileWithStored } from '../../src/ingest/device-state.js';
import { NO_SUPERVISION } from '../../src/ingest/supervision.js';

const heardAt = (ms: number, marks: Partial<typeof NO_SUPERVISION> = {}): LiveDevice => ({
  state: {},
  availability: 'online',
  lastSeenMs: ms,
  supervision: { ...NO_SUPERVISION, ...marks },
});

describe('mayBeJudgedElsewhere', () => {
  const device = { heartbeatMs: 60_000, testIntervalMs: 3_600_000 };
  it('a device heard within its heartbeat needs no read; one silent past it, never heard, or marked here does', () => {
    expect(mayBeJudgedElsewhere(heardAt(0, { lastTestMs: 0 }), device, false, 60_000)).toBe(false);
    expect(mayBeJudgedElsewhere(heardAt(0), device, false, 70_000)).toBe(true);
    expect(mayBeJudgedElsewhere(undefined, device, false, 0)).toBe(true);
    expect(mayBeJudgedElsewhere(heardAt(0, { offlineRaisedMs: 1 }), device, false, 1_000)).toBe(true);
  });
  it('a periodic test long overdue here needs a read; without a heartbeat, silence alone never does', () => {
    expect(mayBeJudgedElsewhere(heardAt(4_000_000, { lastTestMs: 0 }), device, true, 4_000_000)).toBe(true);
    expect(mayBeJudgedElsewhere(heardAt(0), { heartbeatMs: null }, false, 10_000_000)).toBe(false);
  });
});

describe('reconcileWithStored', () => {
  const row = (lastSeenMs: number, marks: Partial<typeof NO_SUPERVISION> = {}, availability: 'online' | 'offline' = 'online') => ({
    deviceId: 'site/dev',
    state: {},
    availability,
    lastSeenMs,
    supervision: { ...NO_SUPERVISION, ...marks },
  });
  it("adopts the owner's offline mark raised after this replica last heard the device", () => {
    const next = reconcileWithStored(heardAt(1_000), row(1_000, { offlineRaisedMs: 130_000 }, 'offline'));
    expect(next.supervision?.offlineRaisedMs).toBe(130_000);
    expect(next.availability).toBe('offline');
  });
  it('ignores a mark older than what this replica heard since (it was restored here)', () => {
    const live = heardAt(200_000);
    expect(reconcileWithStored(live, row(100_000, { offlineRaisedMs: 130_000 }))).toBe(live);
  });
  it('drops its own mark when the row shows the device heard after it and the mark gone (restored elsewhere)', () => {
    const next = reconcileWithStored(heardAt(1_000, { offlineRaisedMs: 130_000 }), row(131_000));
    expect(next.supervision?.offlineRaisedMs).toBeNull();
    expect(next.lastSeenMs).toBe(131_000);
  });
  it('keeps its own mark when the row is older than the mark (the row was read before the raise was written)', () => {
    const live = heardAt(1_000, { offlineRaisedMs: 130_000 });
    expect(reconcileWithStored(live, row(1_000)).supervision?.offlineRaisedMs).toBe(130_000);
  });
  it('adopts and drops a missed-test mark the same way', () => {
    expect(
      reconcileWithStored(heardAt(5_000, { lastTestMs: 0 }), row(5_000, { lastTestMs: 0, testMissedRaisedMs: 9_000 })).supervision?.testMissedRaisedMs,
    ).toBe(9_000);
    expect(reconcileWithStored(heardAt(5_000, { testMissedRaisedMs: 9_000 }), row(20_000, { lastTestMs: 15_000 })).supervision?.testMissedRaisedMs).toBeNull();
  });
});
