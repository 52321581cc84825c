import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { KIND_INFO, type AlarmEvent, type EventKind } from '../../src/contract/alarm-event.js';
import type { DeviceStatus } from '../../src/contract/socket.js';
import { ManualClock } from '../../src/core/clock.js';
import { EventBus } from '../../src/core/event-bus.js';
import type { HubEvents } from '../../src/core/hub-events.js';
import { createRootLogger, type Logger, silentLogger } from '../../src/core/logger.js';
import { Metrics } from '../../src/core/metrics.js';
import { Journal, type JournalEntry, type ReadAhead } from '../../src/ingest/journal.js';
import { openStore, type Store } from '../../src/store/index.js';

let store: Store | null = null;
afterEach(async () => {
  await store?.close();
  store = null;
});

function setup(over: { maxBatch?: number; readAhead?: ReadAhead; log?: Logger } = {}) {
  store = openStore(':memory:');
  const clock = new ManualClock();
  const bus = new EventBus<HubEvents>(silentLogger());
  const metrics = new Metrics();
  const journal = new Journal({
    store,
    bus,
    clock,
    log: silentLogger(),
    metrics,
    payloadDedupeWindowMs: 10_000,
    msgIdDedupeWindowMs: 24 * 3600_000,
    lastSeq: 0,
    ...over,
  });
  /** Everything that happened, in order: commits acknowledged and announcements. */
  const trail: string[] = [];
  bus.on('event:stored', (events) => trail.push(`stored ${events.map((e) => `${e.dedupeKey}#${e.seq}`).join(',')}`));
  bus.on('device:status', (s) => trail.push(`status ${s.deviceId} ${s.availability}`));
  return { store, clock, bus, metrics, journal, trail };
}

let n = 0;
function event(dedupeKey: string, kind: EventKind = 'burglary'): AlarmEvent {
  const at = '2026-11-29T02:00:00.000Z';
  return {
    drill: false,
    id: `e${++n}`,
    siteId: 'shop-a',
    deviceId: 'panel-1',
    kind,
    category: KIND_INFO[kind].category,
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
    dedupeKey,
  };
}
const entry = (events: AlarmEvent[], statuses: DeviceStatus[] = []): JournalEntry => ({ events, states: [], statuses });
const nextMacrotask = () => new Promise((r) => setImmediate(r));

describe('journal: commit, acknowledge, then announce', () => {
  it('every promise of a batch resolves before the batch is announced, and the announcement carries the seq', async () => {
    const { journal, trail } = setup();
    const acks = ['h:a', 'h:b', 'h:c'].map((k) => journal.append(entry([event(k)])).then(() => trail.push(`ack ${k}`)));
    await Promise.all(acks);
    expect(trail).toEqual(['ack h:a', 'ack h:b', 'ack h:c']);
    await nextMacrotask();
    expect(trail).toEqual(['ack h:a', 'ack h:b', 'ack h:c', 'stored h:a#1,h:b#2,h:c#3']);
  });

  it('announces batches in commit order, statuses of a batch before its events', async () => {
    const { journal, trail } = setup({ maxBatch: 2 });
    const online: DeviceStatus = { deviceId: 'panel-1', siteId: 'shop-a', availability: 'online', lastSeenAt: null };
    await Promise.all([journal.append(entry([event('h:1')])), journal.append(entry([event('h:2')], [online])), journal.append(entry([event('h:3')]))]);
    await nextMacrotask();
    expect(trail).toEqual(['status panel-1 online', 'stored h:1#1,h:2#2', 'stored h:3#3']);
  });

  it('a subscriber that throws or is slow delays no acknowledgement and stops no other subscriber', async () => {
    const { journal, bus, trail } = setup();
    bus.on('event:stored', () => {
      const until = Date.now() + 50;
      while (Date.now() < until); // a slow subscriber
      throw new Error('subscriber bug');
    });
    await journal.append(entry([event('h:slow')]));
    // Acknowledged before the subscriber ran at all: the order says so, no stopwatch needed.
    trail.push('acked');
    await nextMacrotask();
    expect(trail).toEqual(['acked', 'stored h:slow#1']);
    expect(bus.subscriberErrors).toBe(1);
    await journal.append(entry([event('h:next')]));
    await nextMacrotask();
    expect(trail.at(-1)).toBe('stored h:next#2');
  });

  it("dispatch's read-ahead runs after the batch is acknowledged and before it is announced", async () => {
    const trail: string[] = [];
    let release = (): void => {};
    let reads = 0;
    const readAhead: ReadAhead = {
      readAhead: (stored) => {
        trail.push(`read ${stored.map((e) => e.dedupeKey).join(',')}`);
        if (++reads > 1) return Promise.resolve();
        // The first batch's read is slow (a site history from PostgreSQL): its announcement waits, the PUBACKs do not.
        return new Promise<void>((ok) => {
          release = ok;
        });
      },
    };
    const { journal, bus } = setup({ readAhead });
    bus.on('event:stored', (events) => trail.push(`stored ${events.map((e) => e.dedupeKey).join(',')}`));
    await Promise.all(['h:r1', 'h:r2'].map((k) => journal.append(entry([event(k)])).then(() => trail.push(`ack ${k}`))));
    expect(trail).toEqual(['ack h:r1', 'ack h:r2']);
    await expect.poll(() => trail.length).toBe(3);
    expect(trail[2]).toBe('read h:r1,h:r2');
    // A later batch is acknowledged while the first one's read still runs; its own read starts then
    // too (after its acknowledgement), and its announcement waits its turn.
    await journal.append(entry([event('h:r3')]));
    trail.push('ack h:r3');
    expect(trail.slice(3)).toEqual(['ack h:r3']);
    await expect.poll(() => trail.at(-1)).toBe('read h:r3');
    await nextMacrotask();
    expect(trail.slice(3)).toEqual(['ack h:r3', 'read h:r3']);
    release();
    await expect.poll(() => trail.at(-1)).toBe('stored h:r3');
    expect(trail.slice(3)).toEqual(['ack h:r3', 'read h:r3', 'stored h:r1,h:r2', 'stored h:r3']);
  });

  it('a read-ahead that fails is logged and the batch is announced anyway', async () => {
    const lines: Array<{ level: number; msg: string; err?: { message: string } }> = [];
    const log = createRootLogger({
      level: 'warn',
      destination: new Writable({
        write(chunk: Buffer, _enc, done) {
          for (const l of chunk.toString('utf8').split('\n')) if (l) lines.push(JSON.parse(l));
          done();
        },
      }),
    });
    const readAhead: ReadAhead = { readAhead: () => Promise.reject(new Error('history read failed')) };
    const { journal, trail } = setup({ readAhead, log });
    await journal.append(entry([event('h:after-failure')]));
    await expect.poll(() => trail).toEqual(['stored h:after-failure#1']);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, msg: 'read-ahead failed; announcing the batch anyway', err: { message: 'history read failed' } });
  });

  it('flush writes and announces everything queued before it resolves (shutdown)', async () => {
    const { journal, trail, store } = setup();
    void journal.append(entry([event('h:x')]));
    void journal.append(entry([event('h:y')]));
    await journal.flush();
    expect(trail).toEqual(['stored h:x#1,h:y#2']);
    expect(await store.events.count()).toBe(2);
  });

  it('a failed write rejects the batch and announces nothing; the next batch goes on', async () => {
    const { journal, trail, store } = setup();
    const realCommit = store.events.commitBatch.bind(store.events);
    store.events.commitBatch = async () => {
      throw new Error('disk full');
    };
    await expect(journal.append(entry([event('h:lost')]))).rejects.toThrow('disk full');
    await nextMacrotask();
    expect(trail).toEqual([]);
    store.events.commitBatch = realCommit;
    await journal.append(entry([event('h:kept')]));
    await nextMacrotask();
    expect(trail).toEqual(['stored h:kept#1']);
  });

  it('an entry with nothing stored and no status announces nothing', async () => {
    const { journal, trail } = setup();
    await journal.append({ events: [], states: [{ deviceId: 'shop-a/panel-1', state: { n: 1 }, availability: null, lastSeenMs: 1 }], statuses: [] });
    await nextMacrotask();
    expect(trail).toEqual([]);
  });
});

describe('journal: duplicates (unchanged semantics: payload hash 10 s, device message id 24 h)', () => {
  const cases: Array<{ name: string; key: string; laterMs: number; storedAgain: boolean }> = [
    { name: 'same payload hash within 10 s', key: 'h:shop-a/panel-1:abc:0', laterMs: 9_000, storedAgain: false },
    { name: 'same payload hash at 10 s exactly', key: 'h:shop-a/panel-1:abc:0', laterMs: 10_000, storedAgain: false },
    { name: 'same payload hash after 10 s', key: 'h:shop-a/panel-1:abc:0', laterMs: 10_001, storedAgain: true },
    { name: 'same message id after an hour', key: 'm:shop-a/panel-1:77:burglary:1', laterMs: 3600_000, storedAgain: false },
    { name: 'same message id after a day', key: 'm:shop-a/panel-1:77:burglary:1', laterMs: 24 * 3600_000 + 1, storedAgain: true },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const { journal, clock, store, metrics } = setup();
      await journal.append(entry([event(c.key)]));
      clock.advance(c.laterMs);
      // The stored receive time is the event's own; make the resend's match the clock.
      const resend = { ...event(c.key), receivedAt: new Date(clock.now()).toISOString() };
      await journal.append(entry([resend]));
      expect(await store.events.count()).toBe(c.storedAgain ? 2 : 1);
      expect(metrics.value('sg_events_duplicate_total') ?? 0).toBe(c.storedAgain ? 0 : 1);
    });
  }

  it('the same key twice in one batch is stored once', async () => {
    const { journal, store } = setup();
    await Promise.all([journal.append(entry([event('h:twice')])), journal.append(entry([event('h:twice'), event('h:other')]))]);
    expect(await store.events.count()).toBe(2);
  });

  it('device state: the last row of a device in a batch is the one saved', async () => {
    const { journal, store } = setup();
    const row = (n: number) => ({ deviceId: 'shop-a/panel-1', state: { n }, availability: 'online' as const, lastSeenMs: n });
    await Promise.all([1, 2, 3].map((i) => journal.append({ events: [], states: [row(i)], statuses: [] })));
    expect(await store.deviceState.all()).toEqual([row(3)]);
  });
});
