/**
 * /api/reports over real HTTP (issue 14): each role sees what its scope allows (a station its own
 * cells, the city centre all, guards and installers nothing), exports come with the right types,
 * the daily report stored at 08:00 on the hub's clock is listed per station.
 */
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BulletinReport, DailyReport, StoredDailyList, StoredDailyReport } from '../../src/contract/reports.js';
import { ManualClock } from '../../src/core/clock.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import { reportIncident } from '../helpers/report-incidents.js';

let t: TestHub;
const clock = new ManualClock(Date.parse('2026-12-03T07:00:00+08:00'));

beforeAll(async () => {
  t = await startTestHub({ clock });
  const at = (id: string, stationId: string, cellId: string, openedAt: string, disposition: 'real' | 'false') =>
    reportIncident({ id, siteId: `site-${cellId}`, stationId, cellId, openedAt, closedAfter: 600, disposition, nature: 'criminal' });
  await t.hub.store.transaction(async () => {
    await t.hub.store.incidents.save(at('r-hc-1', 'ps-hecheng', 'cell-sw', '2026-12-02T09:00:00+08:00', 'real'));
    await t.hub.store.incidents.save(at('r-hc-2', 'ps-hecheng', 'cell-se', '2026-12-02T23:59:59+08:00', 'false'));
    await t.hub.store.incidents.save(at('r-mh-1', 'ps-minghu', 'cell-nw', '2026-12-02T12:00:00+08:00', 'real'));
    // 00:00:00 Beijing on the 3rd: the next day, not the 2nd
    await t.hub.store.incidents.save(at('r-mh-2', 'ps-minghu', 'cell-ne', '2026-12-03T00:00:00+08:00', 'real'));
  });
  clock.set(Date.parse('2026-12-03T08:00:00+08:00'));
  await t.hub.reports.tick();
});

afterAll(async () => {
  await t?.close();
});

describe('scope by role', () => {
  it('a station operator gets the figures of their own cells only; the city centre gets all', async () => {
    const hc = await t.login('op-hecheng');
    const mine = (await (await hc.get('/api/reports/daily?date=2026-12-02')).json()) as DailyReport;
    expect(mine.scope.stationIds).toEqual(['ps-hecheng']);
    expect(mine.figures.day).toMatchObject({ received: 2, cases: 1, openAtEnd: 1 });
    expect(mine.byCell.map((c) => c.cellId)).toEqual(['cell-sw', 'cell-se']);
    const city = await t.login('op-city');
    const all = (await (await city.get('/api/reports/daily?date=2026-12-02')).json()) as DailyReport;
    expect(all.scope.stationIds).toBeNull();
    expect(all.figures.day.received).toBe(3);
    const narrowed = (await (await city.get('/api/reports/daily?date=2026-12-02&station=ps-minghu')).json()) as DailyReport;
    expect(narrowed.figures.day.received).toBe(1);
  });

  it('another station is answered like an unknown one; guards and installers are refused', async () => {
    const hc = await t.login('op-hecheng');
    const other = await hc.get('/api/reports/monthly?month=2026-12&station=ps-minghu');
    expect(other.status).toBe(404);
    expect(await other.json()).toMatchObject({ code: 'not_found' });
    expect((await hc.get('/api/reports/bulletin?community=明湖社区')).status).toBe(404);
    for (const who of ['guard-hecheng', 'installer']) {
      const s = await t.login(who);
      const res = await s.get('/api/reports/daily?date=2026-12-02');
      expect(res.status, who).toBe(403);
      expect(await res.json()).toMatchObject({ code: 'forbidden' });
    }
  });

  it('every report answers over the migrated database (each query runs against the real schema)', async () => {
    const s = await t.login('admin');
    for (const url of [
      '/api/reports/daily?date=2026-12-02',
      '/api/reports/monthly?month=2026-12',
      '/api/reports/response?month=2026-12',
      '/api/reports/devices?month=2026-12',
      '/api/reports/bulletin?community=明湖社区&period=month&date=2026-12-02',
      '/api/reports/daily/stored',
    ]) {
      const res = await s.get(url);
      expect(res.status, url).toBe(200);
    }
  });

  it('a query that does not parse gets a specific 400', async () => {
    const s = await t.login('admin');
    for (const url of [
      '/api/reports/daily?date=2026-02-30',
      '/api/reports/monthly?month=2026-13',
      '/api/reports/daily?format=pdf',
      '/api/reports/daily?format=csv&table=nope',
    ]) {
      const res = await s.get(url);
      expect(res.status, url).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'bad_filter' });
    }
  });
});

describe('exports over HTTP', () => {
  it('CSV: text/csv, a BOM, Chinese headings, as a download', async () => {
    const s = await t.login('op-city');
    const res = await s.get('/api/reports/daily?date=2026-12-02&format=csv&table=by_cell');
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="daily-2026-12-02-by_cell.csv"');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.toString('utf8')).toContain('网格名称');
    expect(bytes.toString('utf8')).toContain('荷城街道第1网格');
  });

  it('XLSX: reads back with exceljs', async () => {
    const s = await t.login('op-hecheng');
    const res = await s.get('/api/reports/response?month=2026-12&format=xlsx&lang=en');
    expect(res.headers.get('content-type')).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await res.arrayBuffer());
    expect(wb.worksheets.map((w) => w.name)).toEqual(['overall', 'by_station', 'by_operator', 'by_month', 'incidents']);
    expect(wb.getWorksheet('incidents')!.rowCount).toBe(3);
  });

  it('bulletin: JSON for the page, and a standalone HTML page that runs nothing', async () => {
    const s = await t.login('op-hecheng');
    const b = (await (await s.get('/api/reports/bulletin?community=荷城街道&period=month&date=2026-12-02')).json()) as BulletinReport;
    expect([b.firstDay, b.lastDay, b.total, b.falseAlarms]).toEqual(['2026-12-01', '2026-12-31', 1, 1]);
    const html = await s.get('/api/reports/bulletin?community=荷城街道&period=month&date=2026-12-02&format=html');
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(html.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await html.text()).toContain('荷城街道社区警情通报');
  });
});

describe('the stored daily report', () => {
  it('is listed per scope and served unchanged with its verification', async () => {
    const hc = await t.login('op-hecheng');
    const list = (await (await hc.get('/api/reports/daily/stored')).json()) as StoredDailyList;
    expect(list.reports.map((r) => [r.date, r.station])).toEqual([['2026-12-02', 'ps-hecheng']]);
    const one = (await (await hc.get('/api/reports/daily/stored/2026-12-02')).json()) as StoredDailyReport;
    expect(one.verified).toBe(true);
    expect(one.report.figures.day.received).toBe(2);
    const city = await t.login('op-city');
    const whole = (await (await city.get('/api/reports/daily/stored/2026-12-02')).json()) as StoredDailyReport;
    expect([whole.station, whole.report.figures.day.received]).toEqual([null, 3]);
    expect((await city.get('/api/reports/daily/stored/2026-11-30')).status).toBe(404);
  });
});
