/**
 * Two parts of the dispatch shell on their own (src/dispatch/README.md "The shell"): the announcer
 * keeps correlation order when a batch waits for its write, and a replica's site shares — a site
 * being taken is not this replica's until its load is done, wake-ups read once, a dropped site is
 * forgotten. On a real bus, metrics and SQLite store; the whole shell with replicas is
 * dispatch-site-ownership and test/integration/replica-*.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/contract/incident.js';
import { EventBus } from '../../src/core/event-bus.js';
import type { HubEvents } from '../../src/core/hub-events.js';
import { silentLogger } from '../../src/core/logger.js';
import { Metrics } from '../../src/core/metrics.js';
import { Announcer } from '../../src/dispatch/announcer.js';
import { newIncident } from '../../src/dispatch/correlate.js';
import { IncidentWriter } from '../../src/dispatch/incident-writer.js';
import { ReplicaSites } from '../../src/dispatch/replica-sites.js';
import { SerialQueue } from '../../src/core/serial-queue.js';
import { SiteMemory } from '../../src/dispatch/site-memory.js';
import { openStore, type Store } from '../../src/store/index.js';
import { testAlarm } from '../helpers/alarm-event.js';

const AT = Date.UTC(2026, 11, 2, 3, 0, 0);
const naming = { siteName: () => null, cellName: () => null };

function incident(siteId: string, kind: 'intrusion' | 'fire' = 'intrusion', drill = false): Incident {
  const i = newIncident(testAlarm({ siteId, atMs: AT, kind }), { armed: null, night: false, repeatWindowMs: 1_800_000, previousId: null, naming });
  return { ...i, drill };
}

describe('Announcer', () => {
  it('announces batches in correlation order even when the first waits for its write, and counts openings apart from drills', async () => {
    const bus = new EventBus<HubEvents>();
    const metrics = new Metrics();
    const heard: string[] = [];
    bus.on('incident:new', (i) => heard.push(`new ${i.siteId}`));
    bus.on('incident:update', (i) => heard.push(`update ${i.siteId}`));
    const announcer = new Announcer(bus, silentLogger(), metrics);
    let written!: () => void;
    const write = new Promise<void>((ok) => {
      written = ok;
    });
    const a = incident('site-a');
    announcer.inOrder(write.then(() => [{ incident: a, how: 'new' as const }]));
    announcer.inOrder([{ incident: incident('site-b', 'fire', true), how: 'new' }]);
    announcer.inOrder([{ incident: a, how: 'update' }]);
    // Nothing may overtake the batch still being written.
    await new Promise((ok) => setTimeout(ok, 20));
    expect(heard).toEqual([]);
    written();
    await announcer.idle();
    expect(heard).toEqual(['new site-a', 'new site-b', 'update site-a']);
    expect(metrics.value('sg_incidents_opened_total', { category: 'police' })).toBe(1);
    expect(metrics.value('sg_drill_incidents_opened_total', { category: 'fire' })).toBe(1);
  });
});

describe('ReplicaSites', () => {
  let dir: string;
  let store: Store;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sg-replica-sites-'));
    store = openStore(join(dir, 'hub.db'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function sites(leased: Set<string>) {
    const queue = new SerialQueue();
    const memory = new SiteMemory(store, true);
    const writer = new IncidentWriter({ store, log: silentLogger(), delayMs: 0 });
    const replays: string[][] = [];
    const parts = new ReplicaSites({
      owns: (siteId) => leased.has(siteId),
      queue,
      memory,
      writer,
      log: silentLogger(),
      falseSince: () => 0,
      replay: async (_belongs, siteIds) => {
        replays.push(siteIds ? [...siteIds] : ['*']);
        return 0;
      },
    });
    return { queue, memory, parts, replays };
  }

  it('a site being taken is not owned until its load has run in the queue; then its events are replayed', async () => {
    const leased = new Set(['site-a']);
    const { queue, parts, replays } = sites(leased);
    let release!: () => void;
    const gate = new Promise<void>((ok) => {
      release = ok;
    });
    const busy = queue.run(() => gate);
    leased.add('site-b');
    const take = parts.take((s) => s === 'site-b');
    // The lease says yes, but work queued before the take must not correlate site-b without its incidents.
    expect(parts.owns('site-b')).toBe(false);
    expect(parts.owns('site-a')).toBe(true);
    release();
    await busy;
    await take;
    expect(parts.owns('site-b')).toBe(true);
    expect(replays).toEqual([['*']]);
  });

  it('wake-ups: one read for sites woken while the queue is busy, none for an event this run correlated', async () => {
    const { queue, memory, parts, replays } = sites(new Set(['site-a', 'site-b']));
    memory.noteSeen({ ...testAlarm({ siteId: 'site-a', atMs: AT }), seq: 41 });
    expect(parts.wake('site-a', 41)).toBe(false);
    let release!: () => void;
    const gate = new Promise<void>((ok) => {
      release = ok;
    });
    const busy = queue.run(() => gate);
    expect(parts.wake('site-a', 42)).toBe(true);
    expect(parts.wake('site-b', 43)).toBe(true);
    expect(parts.wake('site-b', 44)).toBe(false);
    release();
    await busy;
    await queue.run(async () => undefined);
    expect(replays).toEqual([['site-a', 'site-b']]);
    expect(parts.wake('site-c', 45)).toBe(false);
  });

  it('a dropped site leaves the memory at once; a site given up is forgotten after what is held is written', async () => {
    const { memory, parts } = sites(new Set(['site-a', 'site-b']));
    const a = incident('site-a');
    const b = incident('site-b');
    memory.track(a);
    memory.track(b);
    parts.drop((s) => s === 'site-a');
    expect(memory.open.has(a.id)).toBe(false);
    await parts.giveUp((s) => s === 'site-b');
    expect(memory.open.has(b.id)).toBe(false);
  });
});
