import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KIND_INFO, type AlarmEvent, type EventKind } from '../../src/contract/alarm-event.js';
import type { Incident } from '../../src/contract/incident.js';
import { ManualClock } from '../../src/core/clock.js';
import { EventBus } from '../../src/core/event-bus.js';
import type { HubEvents } from '../../src/core/hub-events.js';
import { newId } from '../../src/core/ids.js';
import { silentLogger } from '../../src/core/logger.js';
import { Metrics } from '../../src/core/metrics.js';
import { DERIVED_WRITE_DELAY_MS, DERIVED_WRITE_PART, IncidentService } from '../../src/dispatch/incidents.js';
import { openStore, type Store } from '../../src/store/index.js';
import { countOnDisk, rowsOnDisk } from '../helpers/sqlite-file.js';

/**
 * Incidents changed by device events are written to SQLite up to DERIVED_WRITE_DELAY_MS later,
 * once per incident; the events stay unprocessed until then. Nothing an operator does and nothing
 * read in the process may see or leave a state a restart would rebuild differently.
 */
let dir: string;
const stores: Store[] = [];

beforeEach(() => {
  vi.useFakeTimers();
  dir = mkdtempSync(join(tmpdir(), 'sg-write-behind-'));
});
afterEach(async () => {
  vi.useRealTimers();
  for (const s of stores.splice(0)) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

function service(store: Store, clock: ManualClock, bus = new EventBus<HubEvents>()) {
  return IncidentService.open({
    store,
    bus,
    clock,
    log: silentLogger(),
    metrics: new Metrics(),
    correlationWindowMs: 120_000,
    ackTimeoutMs: { 1: 60_000, 2: 120_000, 3: 300_000, 4: 600_000 },
    directory: { siteName: (id) => `site ${id}`, cellName: (id) => `cell ${id}`, stationParent: (id) => (id === 'ps-1' ? 'city' : null) },
  });
}

async function setup() {
  const clock = new ManualClock();
  const path = join(dir, 'hub.db');
  const store = openStore(path);
  stores.push(store);
  const bus = new EventBus<HubEvents>();
  const pushed: Incident[] = [];
  bus.on('incident:new', (i) => pushed.push(i));
  bus.on('incident:update', (i) => pushed.push(i));
  const s = await service(store, clock, bus);
  const detach = s.attach(3_600_000);
  let n = 0;
  const emit = async (siteId: string, kind: EventKind = 'intrusion', zone: number | null = 1): Promise<AlarmEvent> => {
    const at = new Date(clock.now()).toISOString();
    const e: AlarmEvent = {
      drill: false,
      id: newId(clock.now()),
      siteId,
      deviceId: 'panel-1',
      kind,
      category: KIND_INFO[kind].category,
      zone,
      zoneName: zone === null ? null : `zone ${zone}`,
      occurredAt: at,
      receivedAt: at,
      location: [26.6, 104.8],
      gridCellId: 'c1',
      stationId: 'ps-1',
      detail: null,
      profile: 'native',
      topic: 't',
      raw: '{}',
      dedupeKey: `k${++n}`,
    };
    const seq = await store.transaction(() => store.events.insert(e));
    bus.emit('event:stored', [{ ...e, seq }]);
    await s.settled(); // correlated and published (dispatch runs the batch in its queue)
    clock.advance(10);
    return e;
  };
  /** What another connection (or the file after a SIGKILL) sees: there are no read barriers any more. */
  const onDisk = () => ({
    incidents: rowsOnDisk<{ id: string; version: number; doc: string }>(path, 'SELECT id, version, doc FROM incidents'),
    unprocessed: countOnDisk(path, 'SELECT count(*) AS n FROM events WHERE incident_id IS NULL'),
    audit: countOnDisk(path, `SELECT count(*) AS n FROM audit WHERE action = 'open'`),
  });
  /** A restart after SIGKILL: a new service on the file as it is, correlating what was left. */
  const restart = async () => {
    const other = openStore(path);
    stores.push(other);
    const fresh = await service(other, clock);
    await fresh.recover();
    return fresh;
  };
  /** The next timer fires (fake time); then whatever write it started ends (real I/O, awaited). */
  const nextTimer = async () => {
    vi.advanceTimersToNextTimer();
    await s.settled();
  };
  return { clock, store, s, detach, emit, pushed, onDisk, restart, nextTimer };
}

describe('incident writes are held and coalesced, and a restart rebuilds exactly what was pushed', () => {
  it('30 events on one incident: pushed each time, written once after the delay, with the events marked in the same write', async () => {
    const { s, emit, pushed, onDisk } = await setup();
    for (let k = 0; k < 30; k++) await emit('s1');
    expect(pushed.at(-1)).toMatchObject({ version: 30, eventCount: 30 });
    expect(s.heldWrites).toEqual({ incidents: 1, events: 30 });
    expect(onDisk()).toEqual({ incidents: [], unprocessed: 30, audit: 0 });
    vi.advanceTimersByTime(DERIVED_WRITE_DELAY_MS);
    await s.settled();
    const disk = onDisk();
    expect(disk.incidents.map((r) => r.version)).toEqual([30]);
    expect(disk.unprocessed).toBe(0);
    expect(disk.audit).toBe(1);
    expect(s.heldWrites).toEqual({ incidents: 0, events: 0 });
  });

  it('reads in the process see the latest version at once (REST lists, event marks), and a read writes nothing', async () => {
    const { s, store, emit, onDisk } = await setup();
    const first = await emit('s1');
    const second = await emit('s1');
    expect((await s.query({ status: 'open' })).map((i) => i.version)).toEqual([2]);
    expect((await s.get(first.id))?.version).toBe(2);
    expect(s.withHeldMarks([(await store.events.get(first.id))!, (await store.events.get(second.id))!]).map((e) => e.incidentId)).toEqual([first.id, first.id]);
    // Reading wrote nothing: the writes are still held.
    expect(s.heldWrites).toEqual({ incidents: 1, events: 2 });
    expect(onDisk()).toEqual({ incidents: [], unprocessed: 2, audit: 0 });
    await s.persist();
    expect((await store.incidents.query({ status: 'open' })).map((i) => i.version)).toEqual([2]);
    expect((await store.events.get(first.id))?.incidentId).toBe(first.id);
    expect(await store.events.unprocessed()).toHaveLength(0);
  });

  it('an incident list overlays held versions on what the store has: updated rows, new incidents, filters and limit kept', async () => {
    const { s, emit } = await setup();
    const a = await emit('s1');
    vi.advanceTimersByTime(DERIVED_WRITE_DELAY_MS);
    await s.settled(); // version 1 of s1 on disk
    await emit('s1'); // version 2, held
    const b = await emit('s2', 'panic', null); // new, held
    expect((await s.query({ status: 'open' })).map((i) => [i.id, i.version])).toEqual([
      [b.id, 1],
      [a.id, 2],
    ]);
    expect((await s.query({ status: 'open', limit: 1 })).map((i) => i.id)).toEqual([b.id]);
    expect((await s.query({ siteId: 's1' })).map((i) => [i.id, i.version])).toEqual([[a.id, 2]]);
    expect(await s.query({ status: 'closed' })).toEqual([]);
    expect(await s.query({ status: 'open', siteIds: [] })).toEqual([]);
    expect(s.heldWrites.incidents).toBe(2);
  });

  it('SIGKILL before the write: the restart rebuilds the same incident, same id, version and eventCount', async () => {
    const { s, emit, pushed, onDisk, restart } = await setup();
    await emit('s1');
    vi.advanceTimersByTime(DERIVED_WRITE_DELAY_MS);
    await s.settled(); // the first version is on disk
    for (let k = 0; k < 5; k++) await emit('s1');
    await emit('s2', 'panic', null); // a new incident, never written
    expect(onDisk().unprocessed).toBe(6);
    const fresh = await restart();
    const last = new Map(pushed.map((i) => [i.id, i]));
    for (const i of fresh.snapshot()) {
      const p = last.get(i.id)!;
      expect({ version: i.version, eventCount: i.eventCount, priority: i.priority, zones: i.zones }).toEqual({
        version: p.version,
        eventCount: p.eventCount,
        priority: p.priority,
        zones: p.zones,
      });
      expect(i.timeline.map((t) => t.eventId)).toEqual(p.timeline.map((t) => t.eventId));
    }
    expect(fresh.snapshot()).toHaveLength(2);
  });

  it('an operator action writes everything held first, durably; a restart right after counts no event twice', async () => {
    const { s, emit, onDisk, restart } = await setup();
    const first = await emit('s1');
    await emit('s1');
    await emit('s1');
    const r = await s.acknowledge(first.id, 'op1');
    expect(r.ok && r.incident).toMatchObject({ version: 4, eventCount: 3, status: 'acknowledged' });
    const disk = onDisk();
    expect(disk.incidents.map((x) => x.version)).toEqual([4]);
    expect(disk.unprocessed).toBe(0);
    await emit('s1'); // held again
    const fresh = await restart();
    expect(await fresh.get(first.id)).toMatchObject({ version: 5, eventCount: 4, status: 'acknowledged', owner: 'op1' });
  });

  it('an escalation writes what was held in its transaction', async () => {
    const { s, emit, clock, onDisk, restart } = await setup();
    const first = await emit('s1');
    await emit('s1');
    clock.advance(130_000); // P2 waits 120 s
    expect(await s.checkEscalations()).toBe(1);
    expect(onDisk().unprocessed).toBe(0);
    expect(await (await restart()).get(first.id)).toMatchObject({ eventCount: 2, escalationLevel: 1, responsibleStationId: 'city' });
  });

  it('a burst of 350 new incidents is written DERIVED_WRITE_PART per transaction, the event loop free between two', async () => {
    const { store, emit, onDisk, nextTimer } = await setup();
    let transactions = 0;
    const derived = store.derivedTransaction;
    store.derivedTransaction = <T>(fn: () => Promise<T>): Promise<T> => {
      transactions++;
      return derived(fn);
    };
    for (let k = 0; k < 350; k++) await emit(`s${k}`);
    await emit('s0'); // an update of the first: written with it, in the first part
    await nextTimer(); // the delay ran out: the first part only
    expect(transactions).toBe(1);
    const first = onDisk();
    expect(first.incidents).toHaveLength(DERIVED_WRITE_PART);
    expect(first.unprocessed).toBe(351 - DERIVED_WRITE_PART - 1);
    expect(first.audit).toBe(DERIVED_WRITE_PART);
    await nextTimer(); // the next part, on the next turn of the event loop
    expect(transactions).toBe(2);
    const parts = Math.ceil(350 / DERIVED_WRITE_PART);
    for (let k = 2; k < parts; k++) await nextTimer();
    expect(transactions).toBe(parts);
    expect(onDisk()).toMatchObject({ unprocessed: 0, audit: 350 });
  });

  it('a crash between two parts: the restart rebuilds the rest from their unmarked events', async () => {
    const { emit, onDisk, restart, nextTimer } = await setup();
    for (let k = 0; k < 350; k++) await emit(`s${k}`);
    await emit('s0');
    await emit('s349'); // an update of one in the last part
    await nextTimer();
    expect(onDisk().incidents).toHaveLength(DERIVED_WRITE_PART);
    const fresh = await restart(); // SIGKILL now; the other parts never run
    const rebuilt = fresh.snapshot();
    expect(rebuilt).toHaveLength(350);
    expect(
      rebuilt
        .filter((i) => i.version !== 1)
        .map((i) => [i.siteId, i.version, i.eventCount])
        .sort(),
    ).toEqual([
      ['s0', 2, 2],
      ['s349', 2, 2],
    ]);
    expect(onDisk()).toMatchObject({ unprocessed: 0, audit: 350 });
  });

  it('a write that fails is kept and tried again: nothing lost, no audit row twice', async () => {
    const { store, emit, onDisk, s, nextTimer } = await setup();
    await emit('s1');
    await emit('s2');
    const save = store.incidents.save.bind(store.incidents);
    let fail = true;
    store.incidents.save = async (i) => {
      if (fail && i.siteId === 's2') throw new Error('disk full');
      await save(i);
    };
    await nextTimer();
    expect(onDisk()).toMatchObject({ incidents: [], unprocessed: 2, audit: 0 }); // rolled back whole
    expect(s.heldWrites).toEqual({ incidents: 2, events: 2 });
    await emit('s1'); // held meanwhile: newer than what failed
    fail = false;
    await nextTimer();
    const disk = onDisk();
    expect(disk.incidents.map((r) => [JSON.parse(r.doc).siteId, r.version]).sort()).toEqual([
      ['s1', 2],
      ['s2', 1],
    ]);
    expect(disk).toMatchObject({ unprocessed: 0, audit: 2 });
  });

  it('stopping writes everything held', async () => {
    const { emit, detach, onDisk } = await setup();
    await emit('s1');
    await emit('s2');
    await detach();
    expect(onDisk()).toMatchObject({ unprocessed: 0, audit: 2 });
  });

  it('a delay of 0 writes after every batch, as before', async () => {
    const clock = new ManualClock();
    const store = openStore(':memory:');
    stores.push(store);
    const bus = new EventBus<HubEvents>();
    const s = await IncidentService.open({
      store,
      bus,
      clock,
      log: silentLogger(),
      metrics: new Metrics(),
      correlationWindowMs: 120_000,
      derivedWriteDelayMs: 0,
      directory: { siteName: () => null, cellName: () => null },
    });
    s.attach(3_600_000);
    const at = new Date(clock.now()).toISOString();
    const e: AlarmEvent = {
      drill: false,
      id: newId(clock.now()),
      siteId: 's1',
      deviceId: 'd',
      kind: 'panic',
      category: 'police',
      zone: null,
      zoneName: null,
      occurredAt: at,
      receivedAt: at,
      location: [26.6, 104.8],
      gridCellId: null,
      stationId: null,
      detail: null,
      profile: 'native',
      topic: 't',
      raw: '',
      dedupeKey: 'x',
    };
    await store.transaction(() => store.events.insert(e));
    bus.emit('event:stored', [e]);
    await s.settled();
    expect(s.heldWrites).toEqual({ incidents: 0, events: 0 });
    expect(await store.incidents.count()).toBe(1);
  });
});
