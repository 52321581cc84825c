/**
 * The dispatch shell on a real store (issue 12 part B): one open incident per site and category,
 * re-alarms linked to the last, routing to the 119/120 receiving points and the community post,
 * and 警情编号 that a restart (recover()) gives back unchanged.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KIND_INFO, type AlarmEvent, type EventKind } from '../../src/contract/alarm-event.js';
import type { ReceivingPoint, ReceivingTier } from '../../src/contract/routing.js';
import { ManualClock } from '../../src/core/clock.js';
import { EventBus } from '../../src/core/event-bus.js';
import type { HubEvents } from '../../src/core/hub-events.js';
import { newId } from '../../src/core/ids.js';
import { silentLogger } from '../../src/core/logger.js';
import { Metrics } from '../../src/core/metrics.js';
import { type Directory, IncidentService } from '../../src/dispatch/incidents.js';
import { openStore, type Store } from '../../src/store/index.js';

const POINTS: Record<ReceivingTier, ReceivingPoint[]> = {
  fire: [{ id: 'fire-119', name: '市消防救援支队119指挥中心', location: [26.59, 104.83] }],
  medical: [{ id: 'med-120', name: '市120急救指挥中心', location: [26.58, 104.82] }],
  traffic: [],
};
const CODES: Record<string, string> = { 'ps-1': 'ZS', 'fire-119': 'XF', 'med-120': 'JJ' };
const directory: Directory = {
  siteName: (id) => `site ${id}`,
  cellName: (id) => `cell ${id}`,
  stationCode: (id) => CODES[id] ?? null,
  receivingPoints: (tier) => POINTS[tier],
  cellPost: (cell) => (cell === 'c1' ? 'cp-1' : null),
};

let dir: string | null = null;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

function service(store: Store, clock: ManualClock): Promise<IncidentService> {
  return IncidentService.open({ store, bus: new EventBus<HubEvents>(), clock, log: silentLogger(), metrics: new Metrics(), directory });
}

async function setup(path = ':memory:') {
  // 2026-12-02 07:00 in Shanghai is 2026-12-01 23:00 UTC: the number carries the Shanghai day.
  const clock = new ManualClock(Date.parse('2026-12-01T23:00:00Z'));
  const store = openStore(path);
  const incidents = await service(store, clock);
  let n = 0;
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
      zoneName: null,
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
    await incidents.handleStored([e]);
    return e;
  };
  return { clock, store, incidents, emit };
}

describe('routing by category through the shell', () => {
  it.each([
    { kind: 'gas', station: 'fire-119', number: 'XF-20261202-0001', service: '119' },
    { kind: 'smoke', station: 'fire-119', number: 'XF-20261202-0001', service: '119' },
    { kind: 'medical', station: 'med-120', number: 'JJ-20261202-0001', service: '120' },
    { kind: 'intrusion', station: 'ps-1', number: 'ZS-20261202-0001', service: undefined },
  ] as Array<{ kind: EventKind; station: string; number: string; service?: string }>)('$kind → $station', async ({ kind, station, number, service }) => {
    const { incidents, emit } = await setup();
    await emit('s1', kind);
    const [i] = incidents.snapshot();
    expect(i).toMatchObject({ responsibleStationId: station, stationId: 'ps-1', communityPostId: 'cp-1', number });
    const route = i!.timeline.find((t) => t.type === 'route');
    expect(route?.params?.station).toBe(station);
    if (service) expect(route?.params?.service).toBe(service);
  });
});

describe('one open incident per site and category', () => {
  it('a fire at a site with an open medical incident is its own; later alarms join their own category', async () => {
    const { clock, incidents, emit } = await setup();
    await emit('s1', 'medical');
    clock.advance(60_000);
    await emit('s1', 'fire');
    clock.advance(2 * 3_600_000);
    await emit('s1', 'smoke', 2);
    await emit('s1', 'medical');
    const open = incidents.snapshot();
    expect(open.map((i) => [i.category, i.eventCount]).sort()).toEqual([
      ['fire', 2],
      ['medical', 2],
    ]);
  });

  it('a re-alarm after close opens a new incident linked to the last of its category, numbered next', async () => {
    const { clock, incidents, emit } = await setup();
    await emit('s1', 'intrusion');
    const first = incidents.snapshot()[0]!;
    expect((await incidents.acknowledge(first.id, 'op1')).ok).toBe(true);
    expect((await incidents.close(first.id, 'op1', 'false')).ok).toBe(true);
    clock.advance(5 * 60_000);
    await emit('s1', 'intrusion');
    const second = incidents.snapshot()[0]!;
    expect(second).toMatchObject({ previousId: first.id, repeatOf: first.id, number: 'ZS-20261202-0002' });
    await emit('s1', 'medical');
    expect(incidents.snapshot().find((i) => i.category === 'medical')?.previousId).toBeNull();
  });

  it('the day boundary is the Shanghai day: 16:00 UTC starts a new sequence', async () => {
    const { clock, incidents, emit } = await setup();
    clock.advance(16 * 3_600_000); // 2026-12-02 15:00 UTC = 23:00 in Shanghai
    await emit('a', 'intrusion');
    clock.advance(3_600_000); // 00:00 on the 3rd in Shanghai
    await emit('b', 'intrusion');
    expect(
      incidents
        .snapshot()
        .map((i) => i.number)
        .sort(),
    ).toEqual(['ZS-20261202-0001', 'ZS-20261203-0001']);
  });
});

describe('警情编号 across a restart', () => {
  it('incidents rebuilt by recover() after a crash get the numbers consoles were shown', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sg-numbering-'));
    const path = join(dir, 'hub.db');
    const { store, clock, incidents, emit } = await setup(path);
    await emit('s1', 'intrusion');
    await incidents.persist(); // the first is written
    await emit('s2', 'intrusion');
    await emit('s3', 'gas');
    await emit('s4', 'intrusion');
    const shown = new Map(incidents.snapshot().map((i) => [i.id, i.number]));
    expect([...shown.values()].sort()).toEqual(['XF-20261202-0001', 'ZS-20261202-0001', 'ZS-20261202-0002', 'ZS-20261202-0003']);
    // SIGKILL: the held writes of s2..s4 are lost; their events are still unprocessed.
    const after = await service(store, clock);
    expect(await after.recover()).toBe(3);
    expect(new Map(after.snapshot().map((i) => [i.id, i.number]))).toEqual(shown);
    await after.persist();
    await store.close();
  });
});
