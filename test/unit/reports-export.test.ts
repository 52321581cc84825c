/**
 * Exports and the public bulletin (issue 14): CSV opens in Excel with its columns and Chinese
 * intact (UTF-8 BOM), XLSX reads back with the same library, the standalone HTML escapes what it
 * shows, and the community bulletin holds none of the sample district's names, phones, door
 * plates or addresses. Real SQLite file, the repository's own sample config.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import type { Config } from '../../src/config/model.js';
import { ManualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { toCsv, toHtml, toXlsx } from '../../src/reports/export.js';
import { ReportService, WHOLE_DISTRICT } from '../../src/reports/service.js';
import { tablesOf } from '../../src/reports/tables.js';
import { openStore, type Store } from '../../src/store/index.js';
import { reportIncident } from '../helpers/report-incidents.js';

const ROOT = join(import.meta.dirname, '../..');
const NATURES = ['criminal', 'public_order', 'fire', 'help', 'dispute'];

let dir: string;
let store: Store;
let reports: ReportService;
let sample: Config;

beforeAll(async () => {
  const loaded = loadConfig(ROOT, { env: {} });
  if (!loaded.config) throw new Error('the sample config does not load');
  sample = loaded.config;
  dir = mkdtempSync(join(tmpdir(), 'sg-export-'));
  store = openStore(join(dir, 'e.db'));
  // Every sample site has real incidents in the week of 2026-11-23 (and a false alarm), natures in turn.
  await store.transaction(async () => {
    for (const [n, s] of sample.sites.entries()) {
      for (let k = 0; k < 1 + (n % 3); k++) {
        await store.incidents.save(
          reportIncident({
            id: `${s.id}-${k}`,
            siteId: s.id,
            siteName: k === 0 && n === 2 ? '=HYPERLINK("http://x.invalid","点我")' : s.name,
            stationId: s.stationId,
            cellId: s.gridCellId,
            openedAt: `2026-11-2${3 + k}T1${k}:00:00+08:00`,
            closedAfter: 900,
            disposition: 'real',
            nature: NATURES[(n + k) % NATURES.length]!,
            location: s.location,
          }),
        );
      }
      await store.incidents.save(
        reportIncident({
          id: `${s.id}-f`,
          siteId: s.id,
          stationId: s.stationId,
          cellId: s.gridCellId,
          openedAt: '2026-11-25T03:00:00+08:00',
          closedAfter: 60,
          disposition: 'false',
        }),
      );
    }
  });
  reports = new ReportService({
    store,
    clock: new ManualClock(Date.parse('2026-12-01T09:00:00+08:00')),
    log: silentLogger(),
    rootDir: ROOT,
    config: () => sample,
  });
});

afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('CSV', () => {
  it('starts with a BOM, has the report’s columns and keeps Chinese intact', async () => {
    const daily = await reports.daily('2026-11-23', WHOLE_DISTRICT);
    const csv = toCsv(tablesOf(daily).find((t) => t.id === 'by_station')!, 'zh-CN');
    const bytes = Buffer.from(csv, 'utf8');
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.subarray(3).toString('utf8').trimEnd().split('\r\n');
    expect(lines[0]!.split(',').slice(0, 7)).toEqual(['派出所', '派出所名称', '当日接警', '当日出警', '当日发案', '当日误报', '当日24时未结']);
    const hecheng = lines.find((l) => l.startsWith('ps-hecheng,'));
    expect(hecheng).toMatch(/^ps-hecheng,钟山分局荷城派出所,\d+,/);
    expect(lines.slice(1).reduce((n, l) => n + Number(l.split(',')[2]), 0)).toBe(daily.figures.day.received);
  });

  it('a cell that a spreadsheet would run as a formula is written as text', async () => {
    const monthly = await reports.monthly('2026-11', WHOLE_DISTRICT);
    const csv = toCsv(tablesOf(monthly).find((t) => t.id === 'top_sites')!, 'en');
    expect(csv).toContain(`"'=HYPERLINK(""http://x.invalid"",""点我"")"`);
    expect(csv.split('\r\n')[0]).toBe('\uFEFFsite,name,cell,incidents,alarm events,real,false alarms');
  });
});

describe('XLSX', () => {
  it('reads back with exceljs: one sheet per table, headings and figures as written', async () => {
    const monthly = await reports.monthly('2026-11', WHOLE_DISTRICT);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await toXlsx(monthly, 'zh-CN')) as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['by_cell', 'hour_of_day', 'day_of_week', 'top_sites', 'patrol']);
    const byCell = wb.getWorksheet('by_cell')!;
    expect(byCell.getRow(1).getCell(2).value).toBe('网格名称');
    expect(byCell.rowCount).toBe(monthly.byCell.length + 1);
    const first = monthly.byCell[0]!;
    expect(byCell.getRow(2).getCell(2).value).toBe(first.cellName);
    expect(byCell.getRow(2).getCell(10).value).toBe(first.total);
    expect(wb.getWorksheet('patrol')!.getRow(2).getCell(1).value).toMatch(/^建议加强.+巡逻/);
  });
});

describe('the community bulletin', () => {
  const communities = () => [...new Set(sample.cells.map((c) => c.community))];

  it('holds none of the district’s names, phones, door plates or addresses (checked against the sample config)', async () => {
    const secrets = new Set<string>();
    for (const s of sample.sites) {
      secrets.add(s.name);
      secrets.add(s.doorPlate);
      if (s.address) secrets.add(s.address);
      for (const c of s.contacts) {
        secrets.add(c.name);
        secrets.add(c.phone);
      }
    }
    for (const c of sample.cells) {
      if (c.leader) secrets.add(c.leader);
      if (c.phone) secrets.add(c.phone);
    }
    for (const st of sample.stations) {
      for (const u of st.units ?? []) {
        for (const o of u.officers) {
          secrets.add(o.name);
          if (o.phone) secrets.add(o.phone);
        }
      }
    }
    expect(secrets.size).toBeGreaterThan(40);
    let roads = 0;
    for (const community of communities()) {
      const b = (await reports.bulletin(community, 'week', '2026-11-25', WHOLE_DISTRICT))!;
      roads += b.roads.length;
      const text = [JSON.stringify(b), toHtml(b, 'zh-CN'), toHtml(b, 'en'), ...tablesOf(b).map((t) => toCsv(t, 'zh-CN'))].join('\n');
      for (const s of secrets) expect(text.includes(s), `${community} bulletin contains "${s}"`).toBe(false);
      for (const site of sample.sites) expect(text.includes(site.id), site.id).toBe(false);
    }
    expect(roads).toBeGreaterThan(3);
  });

  it('counts the week’s real incidents by nature, with a trend, roads and advice from the template', async () => {
    const b = (await reports.bulletin('明湖社区', 'week', '2026-11-25', WHOLE_DISTRICT))!;
    expect([b.firstDay, b.lastDay]).toEqual(['2026-11-23', '2026-11-29']);
    expect(b.trend.map((t) => t.label)).toEqual(['2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28', '2026-11-29']);
    expect(b.trend.reduce((n, t) => n + t.count, 0)).toBe(b.total);
    expect(b.total).toBeGreaterThan(0);
    expect(b.byNature.reduce((n, x) => n + x.count, 0)).toBe(b.total);
    expect(b.dominant.length).toBeGreaterThanOrEqual(2);
    expect(b.dominant.length).toBeLessThanOrEqual(3);
    // advice comes from config/bulletin-advice.yaml
    expect(b.dominant.every((d) => d.advice !== null && d.advice.text.length > 10)).toBe(true);
    expect(b.roads.some((r) => r.road === '明湖路')).toBe(true);
    expect(b.falseAlarms).toBeGreaterThan(0);
  });

  it('the standalone HTML escapes what it shows and fetches nothing', async () => {
    const b = (await reports.bulletin('明湖社区', 'month', '2026-11-25', WHOLE_DISTRICT))!;
    const html = toHtml({ ...b, community: '<script>alert(1)</script>' }, 'zh-CN');
    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toMatch(/(src|href)=/);
    expect(html).toContain('@media print');
  });
});
