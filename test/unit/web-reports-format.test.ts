/**
 * The reports page's pure formatting (web/src/reports/format.ts) and the wording of the patrol
 * suggestions: what a station chief reads in the tables — shares, changes against last month, the
 * default day and month in 北京时间 whatever the machine's zone, and the export links.
 */
import { describe, expect, it } from 'vitest';
import { PATROL_CODES, type PatrolSuggestion } from '../../src/contract/reports.js';
import { patrolEn, reportsEn } from '../../web/src/i18n/reports.en.js';
import { patrolZh, reportsZh } from '../../web/src/i18n/reports.zh-CN.js';
import {
  changeOf,
  formatChange,
  formatRate,
  formatShare,
  heatColour,
  lastMonth,
  minutesOf,
  reportUrl,
  today,
  yesterday,
} from '../../web/src/reports/format.js';

const SHANGHAI = 'Asia/Shanghai';

describe('shares, changes and rates as the tables show them', () => {
  it.each([
    [0.853, '85.3%'],
    [1, '100%'],
    [0, '0%'],
    [0.5, '50%'],
    [2 / 3, '66.7%'],
    [null, '—'],
    [Number.NaN, '—'],
  ])('share %s → %s', (share, text) => expect(formatShare(share)).toBe(text));

  it.each([
    [0.125, '+12.5%'],
    [-0.03, '−3%'],
    [0, '0%'],
    [1, '+100%'],
    [-1, '−100%'],
    [null, '—'],
  ])('change %s → %s', (change, text) => expect(formatChange(change)).toBe(text));

  it('a change from nothing is no percentage (the page says 新增 instead)', () => {
    expect(changeOf(5, 0)).toBeNull();
    expect(formatChange(changeOf(5, 0), '新增')).toBe('新增');
    expect(formatChange(changeOf(6, 4))).toBe('+50%');
    expect(formatChange(changeOf(3, 4))).toBe('−25%');
  });

  it('false alarms per 100 with one decimal; none → dash', () => {
    expect(formatRate(12.345)).toBe('12.3');
    expect(formatRate(0)).toBe('0.0');
    expect(formatRate(null)).toBe('—');
  });

  it('a standard in minutes', () => {
    expect(minutesOf(300)).toBe('5');
    expect(minutesOf(90)).toBe('1.5');
  });
});

describe('default day and month in the centre’s zone, not the machine’s', () => {
  // 2026-12-01 00:30 in Beijing is still 30 November in UTC.
  const justAfterMidnight = Date.parse('2026-11-30T16:30:00Z');
  it('yesterday: 30 November in Beijing (UTC would say the 29th)', () => {
    expect(today(justAfterMidnight, SHANGHAI)).toBe('2026-12-01');
    expect(yesterday(justAfterMidnight, SHANGHAI)).toBe('2026-11-30');
    expect(yesterday(justAfterMidnight, 'UTC')).toBe('2026-11-29');
  });
  it('last month: November in Beijing (UTC would say October)', () => {
    expect(lastMonth(justAfterMidnight, SHANGHAI)).toBe('2026-11');
    expect(lastMonth(justAfterMidnight, 'UTC')).toBe('2026-10');
  });
  it('across a year: January → December of the year before', () => {
    const jan = Date.parse('2027-01-01T01:00:00Z');
    expect(lastMonth(jan, SHANGHAI)).toBe('2026-12');
    expect(yesterday(Date.parse('2026-12-31T16:00:00Z'), SHANGHAI)).toBe('2026-12-31');
    expect(yesterday(Date.parse('2027-03-01T00:00:00Z'), SHANGHAI)).toBe('2027-02-28');
  });
});

describe('export links', () => {
  it('CSV of one table with the page language; empty parameters are left out', () => {
    expect(reportUrl('monthly', { month: '2026-11', station: '' }, 'csv', { table: 'by_cell', lang: 'zh-CN' })).toBe(
      '/api/reports/monthly?month=2026-11&format=csv&table=by_cell&lang=zh-CN',
    );
    expect(reportUrl('daily', { date: '2026-12-02', station: 'ps-hecheng' })).toBe('/api/reports/daily?date=2026-12-02&station=ps-hecheng');
    expect(reportUrl('bulletin', { community: '明湖社区', period: 'week', date: '2026-12-02' }, 'html', { lang: 'en' })).toBe(
      `/api/reports/bulletin?community=${encodeURIComponent('明湖社区')}&period=week&date=2026-12-02&format=html&lang=en`,
    );
  });
});

describe('heat colours', () => {
  it('none is the map’s plain cell colour; the most is the darkest red; more is never lighter', () => {
    expect(heatColour(0, 10)).toBe('#26385a');
    expect(heatColour(10, 10)).toBe('#991b1b');
    const order = ['#fde68a', '#fdba74', '#fb923c', '#f97316', '#ea580c', '#dc2626', '#991b1b'];
    let last = -1;
    for (let n = 1; n <= 10; n++) {
      const i = order.indexOf(heatColour(n, 10));
      expect(i).toBeGreaterThanOrEqual(last);
      last = i;
    }
  });
});

describe('patrol suggestions in words', () => {
  const samples: Record<(typeof PATROL_CODES)[number], PatrolSuggestion> = {
    'patrol.cell_hours': { code: 'patrol.cell_hours', params: { cellId: 'g1', cellName: '明湖一网格', fromHour: 22, toHour: 2, count: 7 } },
    'patrol.cell_weekday': { code: 'patrol.cell_weekday', params: { cellId: 'g1', cellName: '明湖一网格', weekday: 4, count: 5 } },
    'patrol.none': { code: 'patrol.none', params: {} },
  };
  const say = (w: typeof patrolZh, s: PatrolSuggestion): string => (w[s.code] as (p: PatrolSuggestion['params']) => string)(s.params);

  it('every code is worded in both languages with its figures', () => {
    for (const code of PATROL_CODES) {
      expect(say(patrolZh, samples[code]).length, code).toBeGreaterThan(5);
      expect(say(patrolEn, samples[code]).length, code).toBeGreaterThan(5);
    }
    expect(say(patrolZh, samples['patrol.cell_hours'])).toBe('建议在 22:00–02:00 加强明湖一网格的巡逻：本月该时段发生有效警情 7 起。');
    expect(say(patrolEn, samples['patrol.cell_hours'])).toContain('between 22:00–02:00');
    expect(say(patrolZh, samples['patrol.cell_weekday'])).toContain('星期五');
    expect(say(patrolEn, samples['patrol.cell_weekday'])).toContain('Fridays');
  });

  it('the zh-CN wording holds no Latin word; the English one no Chinese beyond the cell name', () => {
    for (const code of PATROL_CODES) {
      expect(say(patrolZh, samples[code]).replace(/\d+/g, '')).not.toMatch(/[A-Za-z]/);
      expect(say(patrolEn, samples[code]).replace(/明湖一网格/g, '')).not.toMatch(/[\u4e00-\u9fff]/);
    }
  });
});

describe('the two catalogues', () => {
  it('have the same keys and the same {placeholders} in each text', () => {
    expect(Object.keys(reportsEn).sort()).toEqual(Object.keys(reportsZh).sort());
    const vars = (s: string): string[] => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).sort();
    for (const key of Object.keys(reportsZh) as Array<keyof typeof reportsZh>) expect(vars(reportsEn[key]), key).toEqual(vars(reportsZh[key]));
  });
});
