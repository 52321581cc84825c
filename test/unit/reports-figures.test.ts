/**
 * The reports' figures over a generated month with known answers (issue 14): day and month
 * boundaries in Asia/Shanghai whatever the process's zone, empty days, a station's scope, the
 * exclusion of tests and drills, response times. Real SQLite file, real repository, no mocks.
 */
// The server runs in New York here: every day below must still be a Beijing day.
process.env.TZ = 'America/New_York';

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { ReportService, WHOLE_DISTRICT } from '../../src/reports/service.js';
import { dayWindow, monthWindow } from '../../src/reports/time.js';
import { openStore, type Store } from '../../src/store/index.js';
import { type IncidentSpec, REPORT_CONFIG, reportIncident } from '../helpers/report-incidents.js';

const CELL_STATION: Record<string, string> = { 'cell-sw': 'ps-hecheng', 'cell-se': 'ps-hecheng', 'cell-nw': 'ps-minghu' };

/**
 * November 2026 in cells cell-sw and cell-nw: on day d, (d mod 4) incidents per cell, the k-th
 * opened at 10+k o'clock Beijing time and closed 30 minutes later: k=0 real (刑事), k=1 false,
 * k=2 test. So days 4, 8, … 28 are empty; per cell the month holds 45, of which 23 real, 15
 * false, 7 tests. cell-sw acknowledges in 20 s, cell-nw in 40 s.
 */
function generatedMonth(): IncidentSpec[] {
  const out: IncidentSpec[] = [];
  for (let d = 1; d <= 30; d++) {
    for (const cell of ['cell-sw', 'cell-nw']) {
      for (let k = 0; k < d % 4; k++) {
        const dd = String(d).padStart(2, '0');
        out.push({
          id: `${cell}-${dd}-${k}`,
          siteId: `site-${cell}`,
          stationId: CELL_STATION[cell]!,
          cellId: cell,
          openedAt: `2026-11-${dd}T${10 + k}:00:00+08:00`,
          closedAfter: 1800,
          disposition: k === 0 ? 'real' : k === 1 ? 'false' : 'test',
          nature: k === 0 ? 'criminal' : null,
          ackSeconds: cell === 'cell-sw' ? 20 : 40,
          dispatchedAfter: k === 0 ? 120 : null,
          unitId: `unit-${cell}`,
          onSceneSeconds: k === 0 ? 400 : null,
          owner: cell === 'cell-sw' ? 'op-hecheng' : 'op-minghu',
        });
      }
    }
  }
  return out;
}

/** At the edges of days and months, in cell-se, all real and closed 10 minutes after opening. */
const EDGES: IncidentSpec[] = [
  { id: 'edge-1110-late', openedAt: '2026-11-10T23:59:59+08:00' },
  { id: 'edge-1111-midnight', openedAt: '2026-11-11T00:00:00+08:00' },
  { id: 'edge-1130-late', openedAt: '2026-11-30T23:59:59+08:00' },
  { id: 'edge-1201-midnight', openedAt: '2026-12-01T00:00:00+08:00' },
  { id: 'edge-1031-late', openedAt: '2026-10-31T23:59:59+08:00' },
].map((e) => ({
  ...e,
  siteId: 'site-edge',
  stationId: 'ps-hecheng',
  cellId: 'cell-se',
  closedAfter: 600,
  disposition: 'real' as const,
  nature: 'public_order',
}));

/** A drill on 2026-11-10: counted apart, never in a figure. */
const DRILL: IncidentSpec = {
  id: 'drill-1110',
  siteId: 'site-drill',
  stationId: 'ps-minghu',
  cellId: 'cell-nw',
  openedAt: '2026-11-10T15:00:00+08:00',
  closedAfter: 60,
  disposition: 'real',
  drill: true,
};

let dir: string;
let store: Store;
let reports: ReportService;
const clock = new ManualClock(Date.parse('2026-12-03T09:00:00+08:00'));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sg-reports-'));
  store = openStore(join(dir, 'r.db'));
  await store.transaction(async () => {
    for (const s of [...generatedMonth(), ...EDGES, DRILL]) await store.incidents.save(reportIncident(s));
  });
  reports = new ReportService({ store, clock, log: silentLogger(), rootDir: dir, config: () => REPORT_CONFIG });
});

afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('days and months are Beijing days, whatever the server’s zone', () => {
  it('the process really runs in another zone', async () => {
    expect(new Date('2026-11-10T12:00:00Z').getTimezoneOffset()).toBe(300);
  });
  it.each([
    ['2026-11-10', '2026-11-09T16:00:00.000Z', '2026-11-10T16:00:00.000Z'],
    ['2026-12-01', '2026-11-30T16:00:00.000Z', '2026-12-01T16:00:00.000Z'],
    ['2027-01-01', '2026-12-31T16:00:00.000Z', '2027-01-01T16:00:00.000Z'],
  ])('%s runs from %s to %s', (date, from, to) => {
    const w = dayWindow(date, 'Asia/Shanghai');
    expect([new Date(w.sinceMs).toISOString(), new Date(w.untilMs).toISOString()]).toEqual([from, to]);
  });
  it('a month runs from its 1st 00:00 to the next 1st 00:00 Beijing time', async () => {
    const w = monthWindow('2026-11', 'Asia/Shanghai');
    expect([new Date(w.sinceMs).toISOString(), new Date(w.untilMs).toISOString()]).toEqual(['2026-10-31T16:00:00.000Z', '2026-11-30T16:00:00.000Z']);
  });
});

describe('daily 三个一通报', () => {
  // date, received, dispatched, cases, false alarms, open at 24:00, tests excluded, drills excluded
  it.each([
    // day 10: 2 per cell (real + false) and the 23:59:59 edge, which closes on the 11th
    ['2026-11-10', 5, 2, 2, 2, 1, 0, 1],
    // day 11: 3 per cell (one a test) and the 00:00:00 edge; the 10th's edge closes today
    ['2026-11-11', 5, 2, 4, 2, 0, 2, 0],
    // an empty day
    ['2026-11-12', 0, 0, 0, 0, 0, 0, 0],
    // the month's last day: 2 per cell and the 23:59:59 edge
    ['2026-11-30', 5, 2, 2, 2, 1, 0, 0],
    // the 1st of December: only the midnight edge, and November's last edge closing
    ['2026-12-01', 1, 0, 2, 0, 0, 0, 0],
  ])('%s: 接警 %i, 出警 %i, 发案 %i, 误报 %i, open %i, tests %i, drills %i', async (date, received, dispatched, cases, falseAlarms, open, tests, drills) => {
    const r = await reports.daily(date, WHOLE_DISTRICT);
    const f = r.figures.day;
    expect([f.received, f.dispatched, f.cases, f.falseAlarms, f.openAtEnd]).toEqual([received, dispatched, cases, falseAlarms, open]);
    expect(r.excluded).toEqual({ test: tests, drill: drills });
  });

  it('compares with the day before and the same day last week', async () => {
    const r = await reports.daily('2026-11-10', WHOLE_DISTRICT);
    // the 9th: 1 per cell; the 3rd: 3 per cell, one of them a test
    expect(r.figures.previousDay.received).toBe(2);
    expect(r.figures.sameDayLastWeek.received).toBe(4);
    expect(r.excludedCompared.sameDayLastWeek.test).toBe(2);
    expect(r.figures.day.casesByNature).toEqual({ criminal: 2, public_order: 0 });
    expect(r.figures.day.receivedByCategory.police).toBe(5);
    expect(r.figures.day.units).toBe(2);
  });

  it('a station sees its own cells only; per-station and per-cell rows add up', async () => {
    const hecheng = await reports.daily('2026-11-10', { stationIds: ['ps-hecheng'], station: 'ps-hecheng' });
    expect(hecheng.figures.day.received).toBe(3);
    expect(hecheng.byCell.map((c) => c.cellId)).toEqual(['cell-sw', 'cell-se']);
    expect(hecheng.byStation.map((s) => s.stationId)).toEqual(['ps-hecheng']);
    expect(hecheng.excluded.drill).toBe(0);
    const all = await reports.daily('2026-11-10', WHOLE_DISTRICT);
    expect(all.byStation.map((s) => [s.stationId, s.day.received])).toEqual([
      ['ps-hecheng', 3],
      ['ps-minghu', 2],
    ]);
    expect(all.byCell.reduce((n, c) => n + c.day.received, 0)).toBe(all.figures.day.received);
  });
});

describe('monthly analysis per grid cell', () => {
  const r = () => reports.monthly('2026-11', WHOLE_DISTRICT);
  it('counts per cell with the change against the month before', async () => {
    const m = await r();
    const row = (id: string) => m.byCell.find((c) => c.cellId === id)!;
    expect([row('cell-sw').total, row('cell-sw').real, row('cell-sw').falseAlarms]).toEqual([38, 23, 15]);
    expect([row('cell-nw').total, row('cell-nw').real, row('cell-nw').falseAlarms]).toEqual([38, 23, 15]);
    // 11-10 late, 11-11 midnight, 11-30 late: in November; 12-01 midnight and 10-31 late are not
    expect([row('cell-se').total, row('cell-se').previousMonth, row('cell-se').changeVsPreviousMonth]).toEqual([3, 1, 2]);
    expect(m.totals).toEqual({ received: 79, real: 49, falseAlarms: 30, previousMonth: 1, sameMonthLastYear: 0 });
    expect(m.excluded).toEqual({ test: 14, drill: 1 });
  });
  it('distributes real incidents by Beijing hour and weekday', async () => {
    const m = await r();
    expect(m.hourOfDay.real[10]).toBe(46);
    expect(m.hourOfDay.real[23]).toBe(2);
    expect(m.hourOfDay.real[0]).toBe(1);
    expect(m.hourOfDay.all.reduce((a, b) => a + b, 0)).toBe(79);
    expect(m.dayOfWeek.real.reduce((a, b) => a + b, 0)).toBe(49);
    expect(m.heat).toHaveLength(49);
  });
  it('suggests patrols where and when the real incidents were', async () => {
    const m = await r();
    expect(m.suggestions[0]).toEqual({
      code: 'patrol.cell_hours',
      params: { cellId: 'cell-nw', cellName: '明湖第1网格', fromHour: 10, toHour: 13, count: 23 },
    });
    expect(m.topSites[0]?.incidents).toBe(38);
  });
  it('an empty month has no suggestion but says so', async () => {
    const m = await reports.monthly('2026-06', WHOLE_DISTRICT);
    expect(m.totals.received).toBe(0);
    expect(m.suggestions).toEqual([{ code: 'patrol.none', params: {} }]);
  });
});

describe('response times', () => {
  it('median, p90 and the share within the standards, per station and per operator', async () => {
    const r = await reports.response('2026-11', WHOLE_DISTRICT);
    // 38 acknowledged in 20 s (cell-sw) and 38 in 40 s (cell-nw); the edges were never acknowledged
    expect(r.overall.steps.ack).toEqual({ count: 76, median: 30, p90: 40 });
    expect(r.overall.ackWithin).toBe(0.5);
    expect(r.overall.steps.onScene).toEqual({ count: 46, median: 400, p90: 400 });
    expect(r.overall.onSceneWithin).toEqual([0, 1]);
    expect(r.byStation.map((s) => [s.key, s.steps.ack.median])).toEqual([
      ['ps-hecheng', 20],
      ['ps-minghu', 40],
    ]);
    expect(r.byOperator.map((o) => o.key)).toEqual(['op-hecheng', 'op-minghu']);
    expect(r.byMonth.map((m) => [m.key, m.steps.total.count])).toEqual([
      ['2026-10', 1],
      ['2026-11', 79],
    ]);
  });
});
