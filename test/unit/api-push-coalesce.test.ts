import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KIND_INFO, type AlarmEvent, type EventKind } from '../../src/contract/alarm-event.js';
import { workflowDefaults, type Incident } from '../../src/contract/incident.js';
import { ManualClock } from '../../src/core/clock.js';
import { EventBus } from '../../src/core/event-bus.js';
import type { HubEvents } from '../../src/core/hub-events.js';
import { newId } from '../../src/core/ids.js';
import { silentLogger } from '../../src/core/logger.js';
import { Metrics } from '../../src/core/metrics.js';
import { IncidentService } from '../../src/dispatch/incidents.js';
import { PushCoalescer, UPDATE_COALESCE_MS } from '../../src/api/socket/coalesce.js';
import { openStore } from '../../src/store/index.js';

/** The real dispatch service on an in-memory store, its pushes going through a coalescer. */
async function setup() {
  const clock = new ManualClock();
  const store = openStore(':memory:');
  const bus = new EventBus<HubEvents>();
  const service = await IncidentService.open({
    store,
    bus,
    clock,
    log: silentLogger(),
    metrics: new Metrics(),
    correlationWindowMs: 120_000,
    directory: { siteName: (id) => `site ${id}`, cellName: (id) => `cell ${id}` },
  });
  service.attach(3_600_000);
  const sent: Array<{ event: string; incident: Incident; at: number }> = [];
  const pushes = new PushCoalescer((event, incident) => sent.push({ event, incident, at: Date.now() }));
  bus.on('incident:new', (i) => pushes.push('incident:new', i));
  bus.on('incident:update', (i) => pushes.push('incident:update', i));
  let n = 0;
  // Stored, announced, and correlated before it returns (the dispatch queue settled).
  const emit = async (siteId: string, kind: EventKind, zone: number | null = 1): Promise<AlarmEvent> => {
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
    await store.transaction(() => store.events.insert(e));
    bus.emit('event:stored', [e]);
    await service.settled();
    return e;
  };
  return { clock, service, pushes, sent, emit };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'Date', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('pushes of one incident are coalesced, never delayed for a new incident or an operator', () => {
  it('a burst of 20 events on one incident: the new incident at once, then one update with the final version and eventCount', async () => {
    const { sent, emit } = await setup();
    await emit('s1', 'intrusion');
    expect(sent.map((s) => s.event)).toEqual(['incident:new']);
    for (let k = 0; k < 20; k++) await emit('s1', 'intrusion');
    expect(sent).toHaveLength(1); // held
    vi.advanceTimersByTime(UPDATE_COALESCE_MS - 1);
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sent.map((s) => s.event)).toEqual(['incident:new', 'incident:update']);
    const last = sent.at(-1)!.incident;
    expect(last.eventCount).toBe(21);
    expect(last.version).toBe(21);
  });

  it('a new incident is pushed at once while updates of another are held, and goes out before them', async () => {
    const { sent, emit } = await setup();
    await emit('s1', 'intrusion');
    await emit('s1', 'intrusion');
    await emit('s2', 'panic');
    expect(sent.map((s) => [s.event, s.incident.siteId])).toEqual([
      ['incident:new', 's1'],
      ['incident:new', 's2'],
    ]);
    vi.advanceTimersByTime(UPDATE_COALESCE_MS);
    expect(sent.at(-1)).toMatchObject({ event: 'incident:update', incident: { siteId: 's1', eventCount: 2 } });
  });

  it('an operator action goes out at once and replaces the held update; no older version follows it', async () => {
    const { sent, emit, service } = await setup();
    const first = await emit('s1', 'intrusion');
    await emit('s1', 'intrusion');
    expect((await service.acknowledge(first.id, 'op1')).ok).toBe(true);
    expect(sent.map((s) => s.event)).toEqual(['incident:new', 'incident:update']);
    expect(sent[1]!.incident).toMatchObject({ status: 'acknowledged', owner: 'op1', eventCount: 2, version: 3 });
    vi.advanceTimersByTime(UPDATE_COALESCE_MS * 3);
    expect(sent).toHaveLength(2);
    // A note is news too; the event after it is routine again.
    expect((await service.note(first.id, 'op1', 'on my way')).ok).toBe(true);
    expect(sent).toHaveLength(3);
    await emit('s1', 'intrusion');
    expect(sent).toHaveLength(3);
    vi.advanceTimersByTime(UPDATE_COALESCE_MS);
    expect(sent.map((s) => s.incident.version)).toEqual([1, 3, 4, 5]);
  });

  it('a priority raise and a close go out at once', async () => {
    const { sent, emit, service } = await setup();
    const first = await emit('s1', 'intrusion', 1);
    await emit('s1', 'intrusion', 1);
    expect(sent).toHaveLength(1);
    await emit('s1', 'intrusion', 2); // a second zone confirms it: P2 → P1
    expect(sent).toHaveLength(2);
    expect(sent[1]!.incident).toMatchObject({ priority: 1, eventCount: 3 });
    await emit('s1', 'intrusion', 2);
    expect((await service.close(first.id, 'op1', 'false')).ok).toBe(true);
    expect(sent.at(-1)!.incident.status).toBe('closed');
    vi.advanceTimersByTime(UPDATE_COALESCE_MS * 3);
    expect(sent.at(-1)!.incident.status).toBe('closed');
    expect(sent.map((s) => s.incident.version)).toEqual([1, 3, 5]);
  });

  it('events spread over a second: every version is out within the window, in order, the last one included', async () => {
    const { sent, emit, clock } = await setup();
    await emit('s1', 'intrusion');
    const producedAt = new Map<number, number>(); // version → when it was produced
    for (let k = 0; k < 40; k++) {
      vi.advanceTimersByTime(25);
      clock.advance(25);
      await emit('s1', 'intrusion');
      producedAt.set(k + 2, Date.now());
    }
    vi.advanceTimersByTime(UPDATE_COALESCE_MS);
    const versions = sent.map((s) => s.incident.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(versions.at(-1)).toBe(41);
    expect(sent.length).toBeLessThan(15); // ~4 versions per push
    // A version waits at most the window: the push that carries it (or a newer one) leaves in time.
    for (const [version, at] of producedAt) {
      const carrier = sent.find((s) => s.incident.version >= version)!;
      expect(carrier.at - at).toBeLessThanOrEqual(UPDATE_COALESCE_MS);
    }
  });

  it('each incident has its own window, counted from its first held update', async () => {
    const { sent, emit, clock } = await setup();
    const step = (ms: number): void => {
      vi.advanceTimersByTime(ms);
      clock.advance(ms);
    };
    await emit('a', 'intrusion');
    await emit('b', 'intrusion');
    sent.length = 0;
    await emit('a', 'intrusion'); // t=0: a held until 100
    step(60);
    await emit('b', 'intrusion'); // t=60: b held until 160
    step(30);
    await emit('a', 'intrusion'); // t=90: joins a's window
    step(10); // t=100
    expect(sent.map((s) => [s.incident.siteId, s.incident.eventCount])).toEqual([['a', 3]]);
    step(10);
    await emit('a', 'intrusion'); // t=110: a new window for a, until 210
    step(40);
    await emit('b', 'intrusion'); // t=150: joins b's window
    step(10); // t=160
    expect(sent.map((s) => [s.incident.siteId, s.incident.eventCount])).toEqual([
      ['a', 3],
      ['b', 3],
    ]);
    step(50); // t=210
    expect(sent.map((s) => [s.incident.siteId, s.incident.eventCount])).toEqual([
      ['a', 3],
      ['b', 3],
      ['a', 4],
    ]);
  });

  it('with a window of 0 nothing is held', async () => {
    const sent: number[] = [];
    const c = new PushCoalescer((_e, i) => sent.push(i.version), 0);
    const base = {
      id: 'x',
      status: 'new',
      owner: null,
      priority: 2,
      kind: 'intrusion',
      responsibleStationId: null,
      escalationLevel: 0,
      disposition: null,
      media: [],
      ...workflowDefaults(),
      timeline: [{ at: '', type: 'event' }],
    } as unknown as Incident;
    c.push('incident:new', { ...base, version: 1 });
    c.push('incident:update', { ...base, version: 2 });
    c.push('incident:update', { ...base, version: 2 }); // a repeat of a version already sent is dropped
    expect(sent).toEqual([1, 2]);
    expect(c.pending).toBe(0);
  });
});
