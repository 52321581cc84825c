/**
 * The workflow's shell (IncidentService) on an injected clock: what it reads from the config — a
 * site's guard_first and guard group at open, its contacts and verbal password at a call, the
 * station's units at 派警 — and the constant-time verbal password check.
 */
import { describe, expect, it } from 'vitest';
import { KIND_INFO, type AlarmEvent } from '../../src/contract/alarm-event.js';
import { ManualClock } from '../../src/core/clock.js';
import { EventBus } from '../../src/core/event-bus.js';
import type { HubEvents } from '../../src/core/hub-events.js';
import { newId } from '../../src/core/ids.js';
import { silentLogger } from '../../src/core/logger.js';
import { Metrics } from '../../src/core/metrics.js';
import { DEFAULT_WORKFLOW_CONFIG, IncidentService, type WorkflowConfig } from '../../src/dispatch/incidents.js';
import { verbalPasswordMatches } from '../../src/dispatch/verbal-password.js';
import { openStore } from '../../src/store/index.js';

const SITES: Record<string, ReturnType<WorkflowConfig['site']>> = {
  guarded: { contacts: [{ name: '王店主' }, { name: '王太太' }], verbalPassword: '梅花三弄', guardFirst: true, guardGroup: 'team-1' },
  plain: { contacts: [{ name: '李女士' }], verbalPassword: null, guardFirst: false, guardGroup: null },
};

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
    directory: { siteName: (id) => id, cellName: (id) => id },
    workflow: { workflow: { ...DEFAULT_WORKFLOW_CONFIG, site: (id) => SITES[id] } },
  });
  const off = service.attach(60_000);
  const open = async (siteId: string) => {
    const at = new Date(clock.now()).toISOString();
    const e: AlarmEvent = {
      drill: false,
      id: newId(clock.now()),
      siteId,
      deviceId: 'panel-1',
      kind: 'panic',
      category: KIND_INFO.panic.category,
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
      raw: '{}',
      dedupeKey: newId(clock.now()),
    };
    await store.transaction(() => store.events.insert(e));
    bus.emit('event:stored', [e]);
    await service.settled();
    return service.snapshot().find((i) => i.siteId === siteId)!;
  };
  return { service, open, off };
}

describe('what a new incident takes from its site', () => {
  it.each([
    { site: 'guarded', guardFirst: true, property: { status: 'waiting', owner: null, finding: null } },
    { site: 'plain', guardFirst: false, property: null },
  ])('$site: guardFirst $guardFirst', async ({ site, guardFirst, property }) => {
    const { open, off } = await setup();
    const i = await open(site);
    expect(i.guardFirst).toBe(guardFirst);
    if (property) expect(i.property).toMatchObject(property);
    else expect(i.property).toBeNull();
    await off();
  });
});

describe('calls and 派警 read the live config', () => {
  it('a call names the contact by index; 业主撤警 checks the verbal password; a station without units refuses 派警', async () => {
    const { service, open, off } = await setup();
    const { id } = await open('guarded');
    expect((await service.acknowledge(id, 'op1')).ok).toBe(true);
    expect(await service.call(id, 'op1', { contact: 2, outcome: 'answered' })).toMatchObject({ ok: false, code: 'bad_contact' });
    const wrong = await service.call(id, 'op1', { contact: 1, outcome: 'cancelled_by_owner', password: '梅花' });
    expect(wrong).toMatchObject({ ok: true, incident: { calls: [{ contactName: '王太太', passwordOk: false }] } });
    const none = await service.call(id, 'op1', { contact: 1, outcome: 'cancelled_by_owner' });
    expect(none).toMatchObject({ ok: true, incident: { calls: [{}, { passwordOk: false }] } });
    const right = await service.call(id, 'op1', { contact: 1, outcome: 'cancelled_by_owner', password: ' 梅花三弄 ' });
    expect(right).toMatchObject({ ok: true, incident: { calls: [{}, {}, { passwordOk: true }] } });
    expect(await service.dispatchUnit(id, 'op1', 'car-1')).toMatchObject({ ok: false, code: 'no_units' });
    expect(await service.close(id, 'op1', 'cancelled')).toMatchObject({ ok: true, incident: { disposition: 'cancelled' } });
    await off();
  });
});

describe('verbalPasswordMatches', () => {
  it.each([
    { expected: '梅花三弄', given: '梅花三弄', result: true },
    { expected: '梅花三弄', given: ' 梅花三弄\n', result: true },
    { expected: '梅花三弄', given: '梅花', result: false },
    { expected: '梅花三弄', given: '梅花三弄四', result: false },
    { expected: '梅花三弄', given: '', result: null },
    { expected: '梅花三弄', given: undefined, result: null },
    { expected: null, given: '梅花三弄', result: null },
  ])('$expected vs $given → $result', async ({ expected, given, result }) => {
    expect(verbalPasswordMatches(expected, given)).toBe(result);
  });
});
