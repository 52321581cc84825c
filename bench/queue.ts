/**
 * Queue figures for the triage issue: workflow operations per second with 10,000 open incidents
 * (each one a durable SQLite commit with its audit row), and the time to build `queue:snapshot`
 * for 10,000 open incidents (sort + the pushed form + JSON, what one console connect costs).
 * Run alone: `npx tsx bench/queue.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { KIND_INFO, type AlarmEvent, type EventKind } from '../src/contract/alarm-event.js';
import { systemClock } from '../src/core/clock.js';
import { EventBus } from '../src/core/event-bus.js';
import type { HubEvents } from '../src/core/hub-events.js';
import { newId } from '../src/core/ids.js';
import { silentLogger } from '../src/core/logger.js';
import { Metrics } from '../src/core/metrics.js';
import { DEFAULT_WORKFLOW_CONFIG, IncidentService } from '../src/dispatch/incidents.js';
import { forPush } from '../src/api/socket/console.js';
import { openStore } from '../src/store/index.js';

export async function benchQueue(open = 10_000): Promise<{
  openIncidents: number;
  opsPerSec: number;
  snapshotMs: { p50: number; max: number };
  snapshotBytes: number;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'safegrid-queue-'));
  const store = openStore(join(dir, 'queue.db'));
  const bus = new EventBus<HubEvents>();
  const service = await IncidentService.open({
    store,
    bus,
    clock: systemClock,
    log: silentLogger(),
    metrics: new Metrics(),
    correlationWindowMs: 120_000,
    ackTimeoutMs: { 1: 3_600_000, 2: 3_600_000, 3: 3_600_000, 4: 3_600_000 },
    directory: { siteName: (id) => `站点${id}`, cellName: (id) => `网格${id}`, stationParent: () => null },
    // 派警 names one of the station's units (issue 12): one unit serves every station here.
    workflow: {
      workflow: {
        ...DEFAULT_WORKFLOW_CONFIG,
        units: (stationId) => [{ id: 'unit-1', name: '巡逻车1', kind: 'patrol_car', stationId: stationId ?? '-', officers: [] }],
      },
    },
  });
  const kinds: EventKind[] = ['intrusion', 'panic', 'smoke', 'tamper', 'trouble.offline'];
  const events: AlarmEvent[] = [];
  for (let i = 0; i < open; i++) {
    const at = new Date().toISOString();
    const kind = kinds[i % kinds.length]!;
    events.push({
      drill: false,
      id: newId(),
      siteId: `s${i}`,
      deviceId: 'panel',
      kind,
      category: KIND_INFO[kind].category,
      zone: 1,
      zoneName: '前门',
      occurredAt: at,
      receivedAt: at,
      location: [26.6, 104.83],
      gridCellId: `c${i % 100}`,
      stationId: 'ps-1',
      detail: null,
      profile: 'native',
      topic: `safegrid/s${i}/panel/event`,
      raw: '{}',
      dedupeKey: `k${i}`,
    });
  }
  await store.transaction(async () => {
    for (const e of events) await store.events.insert(e);
  });
  for (let i = 0; i < events.length; i += 500) await service.handleStored(events.slice(i, i + 500));

  // Snapshot: what one console connect costs.
  const times: number[] = [];
  let bytes = 0;
  for (let r = 0; r < 20; r++) {
    const t0 = performance.now();
    const json = JSON.stringify({ incidents: service.snapshot().map(forPush), serverTime: new Date().toISOString() });
    times.push(performance.now() - t0);
    bytes = json.length;
  }
  times.sort((a, b) => a - b);

  // Workflow operations on random open incidents: acknowledge, dispatch, note, close.
  const ids = service.snapshot().map((i) => i.id);
  let ops = 0;
  const t0 = performance.now();
  for (let k = 0; k < 2000; k++) {
    const id = ids[(k * 7919) % ids.length]!;
    const i = (await service.get(id))!;
    if (i.status === 'new') await service.acknowledge(id, 'op1');
    else if (i.status === 'acknowledged') await service.dispatchUnit(id, 'op1', 'unit-1');
    else if (i.status === 'dispatched') await service.note(id, 'op1', '已联系业主');
    else continue;
    ops++;
  }
  const seconds = (performance.now() - t0) / 1000;
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    openIncidents: open,
    opsPerSec: Math.round(ops / seconds),
    snapshotMs: { p50: Math.round(times[10]! * 10) / 10, max: Math.round(times.at(-1)! * 10) / 10 },
    snapshotBytes: bytes,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(JSON.stringify(await benchQueue(), null, 2));
}
