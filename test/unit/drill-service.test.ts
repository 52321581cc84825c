/**
 * DrillService on a real SQLite file and a manual clock: a drill is stored with its audit row, ends
 * by itself at its end time, and a drill that ran out while the hub was down is ended on start
 * (at its own end time, by the hub) — its sites' alarms are real again after a restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Drill } from '../../src/contract/drill.js';
import { DRILL_INPUTS } from '../../src/contract/drill.js';
import { ManualClock } from '../../src/core/clock.js';
import { EventBus } from '../../src/core/event-bus.js';
import type { HubEvents } from '../../src/core/hub-events.js';
import { createRootLogger } from '../../src/core/logger.js';
import { Metrics } from '../../src/core/metrics.js';
import { DrillService } from '../../src/drill/service.js';
import type { DrillView } from '../../src/drill/plan.js';
import { openStore, type Store } from '../../src/store/index.js';

const dir = mkdtempSync(join(tmpdir(), 'sg-drill-'));
const view: DrillView = { site: (id) => (id.startsWith('s') ? { stationId: 'ps-1' } : undefined), station: () => true };
const by = { username: 'op1', origin: 'rest:127.0.0.1' };
const open: Array<{ store: Store; drills: DrillService }> = [];

async function hub(path: string, clock: ManualClock): Promise<{ store: Store; drills: DrillService; bus: EventBus<HubEvents> }> {
  const store = openStore(path);
  const bus = new EventBus<HubEvents>();
  const drills = await DrillService.open({ store, bus, clock, log: createRootLogger({ level: 'silent' }), metrics: new Metrics() });
  open.push({ store, drills });
  return { store, drills, bus };
}

afterEach(async () => {
  for (const h of open.splice(0)) {
    h.drills.stop();
    await h.store.close();
  }
});

describe('drill windows over time', () => {
  it('a drill covers its sites until its end, then ends by itself as the hub, audited both ways', async () => {
    const clock = new ManualClock();
    const { store, drills, bus } = await hub(join(dir, 'a.db'), clock);
    const ended: Drill[] = [];
    bus.on('drill:ended', (d) => ended.push(d));
    const r = await drills.begin(DRILL_INPUTS.start.parse({ sites: ['s1'], durationSeconds: 60 }), by, view);
    if (!r.ok) throw new Error(r.error);
    expect(drills.isDrill('s1', 'ps-1', clock.now())).toBe(true);
    expect(drills.isDrill('s2', 'ps-1', clock.now())).toBe(false);
    clock.advance(59_999);
    expect(await drills.endDue()).toBe(0);
    clock.advance(1);
    expect(await drills.endDue()).toBe(1);
    expect(drills.isDrill('s1', 'ps-1', clock.now())).toBe(false);
    expect(ended).toEqual([expect.objectContaining({ id: r.drill.id, endedBy: 'hub', endedAt: r.drill.endsAt })]);
    expect(await store.drills.get(r.drill.id)).toMatchObject({ endedBy: 'hub', endedAt: r.drill.endsAt });
    expect((await store.audit.all()).map((a) => [a.action, a.actor])).toEqual([
      ['drill.start', 'op1'],
      ['drill.end', 'hub'],
    ]);
    expect(await store.audit.verify()).toMatchObject({ ok: true });
  });

  it('after a restart an active drill still covers its sites; one that ran out while the hub was down ends on start', async () => {
    const path = join(dir, 'b.db');
    const clock = new ManualClock();
    const first = await hub(path, clock);
    const long = await first.drills.begin(DRILL_INPUTS.start.parse({ sites: ['s1'], durationSeconds: 3600 }), by, view);
    const short = await first.drills.begin(DRILL_INPUTS.start.parse({ sites: ['s2'], durationSeconds: 60 }), by, view);
    if (!long.ok || !short.ok) throw new Error('drills did not start');
    first.drills.stop();
    await first.store.close();
    open.length = 0;

    clock.advance(10 * 60_000);
    const second = await hub(path, clock);
    await second.drills.start();
    expect(second.drills.isDrill('s1', 'ps-1', clock.now())).toBe(true);
    expect(second.drills.isDrill('s2', 'ps-1', clock.now())).toBe(false);
    expect(await second.store.drills.get(short.drill.id)).toMatchObject({ endedBy: 'hub', endedAt: short.drill.endsAt });
    expect(await second.store.drills.get(long.drill.id)).toMatchObject({ endedAt: null });
    const list = await second.drills.list(view);
    expect(list.map((d) => d.id).sort()).toEqual([long.drill.id, short.drill.id].sort());
  });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));
