/** numbering.ts and the store's daily sequence: 警情编号 by local day, in order, the same after a restart. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/contract/incident.js';
import { newIncident } from '../../src/dispatch/correlate.js';
import { defaultStationCode, formatNumber, localDay, numberSeries } from '../../src/dispatch/numbering.js';
import { openSqliteStore } from '../../src/store/index.js';

describe('localDay: the day in the centre time zone, whatever the server zone', () => {
  it.each([
    { name: 'UTC 15:59 is 23:59 in Shanghai', utc: '2026-12-01T15:59:59.999Z', tz: 'Asia/Shanghai', want: '20261201' },
    { name: 'UTC 16:00 is the next day in Shanghai', utc: '2026-12-01T16:00:00.000Z', tz: 'Asia/Shanghai', want: '20261202' },
    { name: 'the same instant in UTC', utc: '2026-12-01T16:00:00.000Z', tz: 'UTC', want: '20261201' },
    { name: 'new year in Shanghai', utc: '2026-12-31T16:00:00.000Z', tz: 'Asia/Shanghai', want: '20270101' },
  ])('$name', ({ utc, tz, want }) => {
    expect(localDay(Date.parse(utc), tz)).toBe(want);
  });
});

describe('station codes and formatting', () => {
  it.each([
    { id: 'ps-hecheng', want: 'HECHENG' },
    { id: 'lps-110', want: '110' },
    { id: 'zs', want: 'ZS' },
    { id: '---', want: 'SG' },
  ])('defaultStationCode($id) = $want', ({ id, want }) => {
    expect(defaultStationCode(id)).toBe(want);
  });

  it.each([
    { seq: 42, want: 'ZS-20261202-0042' },
    { seq: 1, want: 'ZS-20261202-0001' },
    { seq: 12345, want: 'ZS-20261202-12345' },
  ])('formatNumber $seq', ({ seq, want }) => {
    expect(formatNumber(numberSeries('ZS', '20261202'), seq)).toBe(want);
  });
});

describe('the store daily sequence', () => {
  let dir: string | null = null;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = null;
  });

  it('the store holds the largest number of each series, written with the incident, across a restart', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sg-numbers-'));
    const path = join(dir, 'hub.db');
    const first = openSqliteStore(path);
    const save = (s: typeof first, id: string, number: string | null): Promise<void> => s.transaction(() => s.incidents.save({ ...incident(id), number }));
    expect(await first.incidents.lastNumber('ZS-20261202')).toBe(0);
    await save(first, 'i1', 'ZS-20261202-0001');
    await save(first, 'i2', 'ZS-20261202-0002');
    await save(first, 'i2', 'ZS-20261202-0002'); // saved again (a later version): still one number
    await save(first, 'i3', 'ZS-20261203-0001');
    await save(first, 'i4', null);
    expect(await first.incidents.lastNumber('ZS-20261202')).toBe(2);
    expect(await first.incidents.lastNumber('ZS-20261203')).toBe(1);
    expect(await first.incidents.lastNumber('HC-20261202')).toBe(0);
    await first.close();
    const again = openSqliteStore(path);
    expect(await again.incidents.lastNumber('ZS-20261202')).toBe(2);
    await again.close();
  });
});

function incident(id: string): Incident {
  return {
    ...newIncident(
      {
        drill: false,
        id,
        siteId: 's1',
        deviceId: 'd',
        kind: 'intrusion',
        category: 'police',
        zone: 1,
        zoneName: null,
        occurredAt: '2026-12-02T01:00:00.000Z',
        receivedAt: '2026-12-02T01:00:00.000Z',
        location: [26.6, 104.8],
        gridCellId: null,
        stationId: 'ps-1',
        detail: null,
        profile: 'native',
        topic: 't',
        raw: '{}',
        dedupeKey: id,
      },
      { armed: null, night: false, repeatWindowMs: 0, naming: { siteName: () => null, cellName: () => null } },
    ),
  };
}
