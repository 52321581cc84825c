/** The 110 workflow's config keys (issue 12): triage natures and close rules, station units, site guard_first and verbal password. */
import { describe, expect, it } from 'vitest';
import { triageSchema } from '../../src/config/schema/hub.js';
import { siteFileSchema } from '../../src/config/schema/site.js';
import { stationSchema } from '../../src/config/schema/stations.js';

describe('hub.yaml triage', () => {
  it.each([
    { name: 'defaults', input: {}, closeBeforeDispatch: ['false', 'duplicate', 'cancelled', 'test'], natures: 7, guardFirstMs: 300_000 },
    {
      name: 'an unquoted YAML false is the disposition false',
      input: { close_before_dispatch: [false, 'test'] },
      closeBeforeDispatch: ['false', 'test'],
      natures: 7,
      guardFirstMs: 300_000,
    },
    {
      name: 'own natures and timeout',
      input: { natures: [{ code: 'theft', zh: '盗窃', en: 'theft' }], close_before_dispatch: [], guard_first_timeout: '2m' },
      closeBeforeDispatch: [],
      natures: 1,
      guardFirstMs: 120_000,
    },
  ])('$name', ({ input, closeBeforeDispatch, natures, guardFirstMs }) => {
    const t = triageSchema.parse(input);
    expect(t.close_before_dispatch).toEqual(closeBeforeDispatch);
    expect(t.natures).toHaveLength(natures);
    expect(t.guard_first_timeout).toBe(guardFirstMs);
  });

  it.each([
    { name: 'an unknown disposition', input: { close_before_dispatch: ['maybe'] } },
    { name: 'no natures', input: { natures: [] } },
    { name: 'a nature without code', input: { natures: [{ zh: '盗窃', en: 'theft' }] } },
  ])('refuses $name', ({ input }) => {
    expect(triageSchema.safeParse(input).success).toBe(false);
  });
});

describe('stations.yaml units', () => {
  const station = { id: 'ps-1', name: '荷城派出所', tier: 'station' };
  it('units default to none; officers to none', () => {
    expect(stationSchema.parse(station).units).toEqual([]);
    expect(stationSchema.parse({ ...station, units: [{ id: 'car-1', name: '巡逻车', kind: 'patrol_car' }] }).units[0]!.officers).toEqual([]);
  });
  it('refuses a unit kind outside 巡逻车 / 民警 / 保安队', () => {
    expect(stationSchema.safeParse({ ...station, units: [{ id: 'car-1', name: '车', kind: 'helicopter' }] }).success).toBe(false);
  });
});

describe('site guard_first and the verbal password reference', () => {
  const site = {
    id: 's1',
    name: '店',
    kind: 'shop',
    address: '路1号',
    door_plate: '1号',
    location: [26.59, 104.83],
    contacts: [{ name: '王', phone: '1' }],
  };
  it.each([
    { name: 'defaults', extra: {}, ok: true },
    { name: 'guard_first and an env reference', extra: { guard_first: true, verbal_password_env: 'VERBAL_S1' }, ok: true },
    { name: 'a file-key reference', extra: { verbal_password_file_key: 'verbal_s1' }, ok: true },
    { name: 'both references', extra: { verbal_password_env: 'VERBAL_S1', verbal_password_file_key: 'verbal_s1' }, ok: false },
    { name: 'an inline verbal password', extra: { verbal_password: '梅花' }, ok: false },
  ])('$name', ({ extra, ok }) => {
    expect(siteFileSchema.safeParse({ site: { ...site, ...extra } }).success).toBe(ok);
  });
});
