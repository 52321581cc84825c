/**
 * The daily report is generated at `reports.daily_at` on the centre's clock, stored once, and
 * never changes afterwards: a later edit to an incident changes a rebuilt report, not the stored
 * copy, whose hash sits in the audit chain (issue 14). Real SQLite file, injected clock.
 */
process.env.TZ = 'Europe/London';

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertMessage } from '../../src/notify/message.js';
import { ManualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { dailyDue, ReportService } from '../../src/reports/service.js';
import { openStore, type Store } from '../../src/store/index.js';
import { REPORT_CONFIG, reportIncident } from '../helpers/report-incidents.js';
import { openSecondConnection } from '../helpers/sqlite-file.js';

const sent: Array<{ key: string; channels: readonly string[]; message: AlertMessage }> = [];
const config = { ...REPORT_CONFIG, hub: { ...REPORT_CONFIG.hub, reports: { ...REPORT_CONFIG.hub.reports!, notifyChannels: ['centre-wecom'] } } };

let dir: string;
let store: Store;
let reports: ReportService;
const clock = new ManualClock(Date.parse('2026-12-03T07:59:59+08:00'));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sg-daily-'));
  store = openStore(join(dir, 'd.db'));
  const at = (id: string, openedAt: string, disposition: 'real' | 'false') =>
    reportIncident({ id, siteId: 's1', stationId: 'ps-hecheng', cellId: 'cell-sw', openedAt, closedAfter: 600, disposition, nature: 'criminal' });
  await store.incidents.save(at('a', '2026-12-02T09:00:00+08:00', 'real'));
  await store.incidents.save(at('b', '2026-12-02T21:00:00+08:00', 'false'));
  reports = new ReportService({
    store,
    clock,
    log: silentLogger(),
    rootDir: dir,
    config: () => config,
    send: async (key, channels, message) => {
      sent.push({ key, channels, message });
      return channels.length;
    },
  });
});

afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the daily report on its clock', () => {
  it('is due for the day before once the Beijing clock passes 08:00', async () => {
    expect(dailyDue(Date.parse('2026-12-03T07:59:59+08:00'), 'Asia/Shanghai', 480)).toBeNull();
    expect(dailyDue(Date.parse('2026-12-03T08:00:00+08:00'), 'Asia/Shanghai', 480)).toBe('2026-12-02');
    // 00:30 UTC is 08:30 in Beijing: due, although the server's own clock says half past midnight
    expect(dailyDue(Date.parse('2026-12-03T00:30:00Z'), 'Asia/Shanghai', 480)).toBe('2026-12-02');
  });

  it('is not generated before 08:00, then once at 08:00: the district and each station, each hash in the audit chain', async () => {
    expect(await reports.tick()).toBe(0);
    expect(await reports.storedList(undefined)).toEqual([]);
    clock.set(Date.parse('2026-12-03T08:00:00+08:00'));
    expect(await reports.tick()).toBe(3);
    const list = await reports.storedList(undefined);
    expect(list.map((r) => [r.date, r.station])).toEqual([
      ['2026-12-02', null],
      ['2026-12-02', 'ps-hecheng'],
      ['2026-12-02', 'ps-minghu'],
    ]);
    const whole = (await reports.stored('2026-12-02', null))!;
    expect(whole.verified).toBe(true);
    expect(whole.report.figures.day).toMatchObject({ received: 2, cases: 1, falseAlarms: 1 });
    expect(whole.generatedAt).toBe('2026-12-03T00:00:00.000Z');
    const audit = await store.audit.forIncident('report:daily:2026-12-02:*');
    expect(audit).toHaveLength(1);
    expect(audit[0]!.note).toBe(`sha256=${whole.hash}`);
    expect(await store.audit.verify()).toMatchObject({ ok: true });
  });

  it('is sent once through the notification channels, in Chinese', async () => {
    expect(sent).toHaveLength(1);
    expect(sent[0]!.key).toBe('report:daily:2026-12-02');
    expect(sent[0]!.channels).toEqual(['centre-wecom']);
    expect(sent[0]!.message.text).toContain('接警 2');
  });

  it('stays unchanged after a later edit to an incident, and is not generated again', async () => {
    const before = (await reports.stored('2026-12-02', null))!;
    // the false alarm is re-closed as real an hour later
    await store.incidents.save({ ...(await store.incidents.get('b'))!, disposition: 'real', version: 2 });
    clock.advance(3_600_000);
    expect(await reports.tick()).toBe(0);
    expect((await reports.daily('2026-12-02', { stationIds: null, station: null })).figures.day.cases).toBe(2);
    const after = (await reports.stored('2026-12-02', null))!;
    expect(after.hash).toBe(before.hash);
    expect(after.report.figures.day.cases).toBe(1);
    expect(after.verified).toBe(true);
    expect(await store.audit.forIncident('report:daily:2026-12-02:*')).toHaveLength(1);
    expect(sent).toHaveLength(1);
  });

  it('a hub restarted after 08:00 catches up on yesterday; a new database writes nothing until its first 08:00', async () => {
    const restarted = new ReportService({
      store,
      clock: new ManualClock(Date.parse('2026-12-04T09:30:00+08:00')),
      log: silentLogger(),
      rootDir: dir,
      config: () => config,
    });
    expect(await restarted.tick()).toBe(3);
    expect((await reports.storedList(null)).map((r) => r.date)).toEqual(['2026-12-03', '2026-12-02']);
    const fresh = openStore(join(dir, 'fresh.db'));
    try {
      const other = new ReportService({
        store: fresh,
        clock: new ManualClock(Date.parse('2026-12-04T09:30:00+08:00')),
        log: silentLogger(),
        rootDir: dir,
        config: () => config,
      });
      expect(await other.tick()).toBe(0);
      expect(await fresh.audit.all()).toEqual([]);
    } finally {
      await fresh.close();
    }
  });

  it('a copy changed behind the hub’s back no longer verifies', async () => {
    const db = openSecondConnection(join(dir, 'd.db'));
    try {
      db.prepare(`UPDATE daily_reports SET doc = replace(doc, '"cases":1', '"cases":0') WHERE date = '2026-12-02' AND station = ''`).run();
    } finally {
      db.close();
    }
    expect((await reports.stored('2026-12-02', null))!.verified).toBe(false);
    expect((await reports.stored('2026-12-02', 'ps-hecheng'))!.verified).toBe(true);
  });
});
