/**
 * The parts the dispatch shell is made of (src/dispatch/README.md "The shell"): the serial queue
 * every change runs in, the 警情编号 counters, and the site memory a replica fills and forgets.
 * The shell's behaviour through them is tested in dispatch-incidents, -site-ownership and -triage.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/contract/incident.js';
import { newIncident } from '../../src/dispatch/correlate.js';
import { IncidentNumbers } from '../../src/dispatch/incident-numbers.js';
import { SerialQueue } from '../../src/core/serial-queue.js';
import { SiteMemory } from '../../src/dispatch/site-memory.js';
import { openStore, type Store } from '../../src/store/index.js';
import { testAlarm } from '../helpers/alarm-event.js';

const DAY = Date.UTC(2026, 11, 2, 3, 0, 0); // 11:00 in Asia/Shanghai

function incidentAt(siteId: string, atMs: number, stationId: string | null): Incident {
  const e = testAlarm({ siteId, atMs });
  const i = newIncident(e, { armed: null, night: false, repeatWindowMs: 1_800_000, previousId: null, naming: { siteName: () => null, cellName: () => null } });
  return { ...i, responsibleStationId: stationId };
}

describe('SerialQueue', () => {
  it('runs changes one after the other, in the order queued, each to its end before the next starts', async () => {
    const q = new SerialQueue();
    const log: string[] = [];
    const step = (name: string, ms: number) =>
      q.run(async () => {
        log.push(`${name} starts`);
        await new Promise((ok) => setTimeout(ok, ms));
        log.push(`${name} ends`);
        return name;
      });
    expect(q.busy).toBe(false);
    const all = Promise.all([step('a', 30), step('b', 1), step('c', 10)]);
    expect(q.busy).toBe(true);
    expect(await all).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['a starts', 'a ends', 'b starts', 'b ends', 'c starts', 'c ends']);
    expect(q.busy).toBe(false);
  });

  it('a change that fails rejects its caller and does not stop the next', async () => {
    const q = new SerialQueue();
    const failed = q.run(async () => {
      throw new Error('disk full');
    });
    const next = q.run(async () => 'ran');
    await expect(failed).rejects.toThrow('disk full');
    expect(await next).toBe('ran');
  });
});

describe('site memory and 警情编号 on a real store', () => {
  let dir: string;
  let store: Store;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sg-shell-parts-'));
    store = openStore(join(dir, 'hub.db'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('numbers count on per station and local day, in opening order, once the series is read', async () => {
    const numbers = new IncidentNumbers({ store, timezone: 'Asia/Shanghai', stationCode: (id) => (id === 'zs-ps' ? 'ZS' : null) });
    // The third station has no code: derived from its id.
    const first = [incidentAt('s1', DAY, 'zs-ps'), incidentAt('s2', DAY + 1000, 'zs-ps'), incidentAt('s3', DAY, 'other-station')];
    expect(numbers.known(first)).toBe(false);
    await numbers.load(first);
    expect(numbers.known(first)).toBe(true);
    expect(numbers.assign(first).map((i) => i.number)).toEqual(['ZS-20261202-0001', 'ZS-20261202-0002', 'STATION-20261202-0001']);
    // 16:30 UTC is the next day in Shanghai: a new series, counted from its own start.
    const nextDay = incidentAt('s1', DAY + 13.5 * 3_600_000, 'zs-ps');
    expect(numbers.known([nextDay])).toBe(false);
    await numbers.load([nextDay]);
    expect(numbers.assign([nextDay])[0]!.number).toBe('ZS-20261203-0001');
    expect(numbers.assign([incidentAt('s4', DAY, 'zs-ps')])[0]!.number).toBe('ZS-20261202-0003');
  });

  it('remembers open incidents per site, lets a closed one go as the link of its category, and forgets a partition', () => {
    const memory = new SiteMemory(store, true);
    const a = incidentAt('site-a', DAY, null);
    const b = incidentAt('site-b', DAY, null);
    memory.track(a);
    memory.track(b);
    expect(memory.openAt('site-a').map((i) => i.id)).toEqual([a.id]);
    memory.track({ ...a, status: 'closed' });
    expect(memory.openAt('site-a')).toEqual([]);
    expect(memory.previousOf('site-a', a.category)).toBe(a.id);
    memory.noteFalse('site-b', b.id, DAY);
    memory.noteSeen({ ...testAlarm({ siteId: 'site-b', atMs: DAY }), seq: 7 });
    expect(memory.hasSeenSeq(7)).toBe(true);
    memory.forget((siteId) => siteId === 'site-b');
    expect(memory.open.has(b.id)).toBe(false);
    expect(memory.lastFalseAt('site-b')).toBeUndefined();
    expect(memory.hasSeenSeq(7)).toBe(false);
    // Site A is another partition's: untouched.
    expect(memory.previousOf('site-a', a.category)).toBe(a.id);
  });
});
