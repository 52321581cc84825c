/**
 * The console's queue filters and sort orders (web/src/queue-filter.ts), pure: what an operator
 * sees after choosing 一级, 我签收的, 未签收, a station, or another order — and that a filter never
 * hides a P1 without saying so.
 */
import { describe, expect, it } from 'vitest';
import { workflowDefaults, type Incident } from '../../src/contract/incident.js';
import { hiddenUrgent, isFiltering, matches, NO_FILTER, shortStationName, spansStations, viewQueue } from '../../web/src/queue-filter.js';

let n = 0;
function incident(over: Partial<Incident>): Incident {
  n++;
  return {
    drill: false,
    id: `i${String(n).padStart(3, '0')}`,
    version: 1,
    siteId: `s${n}`,
    siteName: `站点${n}`,
    kind: 'intrusion',
    category: 'police',
    priority: 2,
    priorityReason: '',
    priorityReasonZh: '',
    status: 'new',
    disposition: null,
    owner: null,
    location: [26.6, 104.8],
    gridCellId: null,
    gridCellName: null,
    stationId: 'ps-a',
    responsibleStationId: 'ps-a',
    escalationLevel: 0,
    escalateAt: null,
    repeatOf: null,
    zones: [],
    eventCount: 1,
    openedAt: new Date(Date.UTC(2026, 11, 3, 2, 0, n)).toISOString(),
    updatedAt: new Date(Date.UTC(2026, 11, 3, 2, 0, n)).toISOString(),
    lastEventAt: new Date(Date.UTC(2026, 11, 3, 2, 0, n)).toISOString(),
    closedAt: null,
    timeline: [],
    timelineOmitted: 0,
    media: [],
    ...workflowDefaults(),
    ...over,
  };
}

const names: Record<string, string> = { 'ps-a': '钟山分局荷城派出所', 'ps-b': '钟山分局黄土坡派出所' };
const stationName = (id: string | null): string => (id ? (names[id] ?? id) : '网格外');

describe('queue filters and sort', () => {
  const oldP2 = incident({ priority: 2 });
  const panicB = incident({ priority: 1, kind: 'panic', responsibleStationId: 'ps-b', stationId: 'ps-b' });
  const mine = incident({ priority: 3, status: 'acknowledged', owner: 'zhang.wei', kind: 'tamper' });
  const fire = incident({ priority: 1, kind: 'fire', category: 'fire', status: 'dispatched', owner: 'li.na' });
  const battery = incident({ priority: 4, kind: 'trouble.low_battery', category: 'technical', responsibleStationId: null, stationId: null });
  const all = [battery, fire, mine, panicB, oldP2];

  it('the 110 default: most urgent first, then oldest', () => {
    expect(viewQueue(all, NO_FILTER, 'priority', 'zhang.wei', stationName).map((i) => i.id)).toEqual([panicB.id, fire.id, oldP2.id, mine.id, battery.id]);
  });

  it('by age: oldest first whatever the priority', () => {
    expect(viewQueue(all, NO_FILTER, 'age', 'zhang.wei', stationName).map((i) => i.id)).toEqual([oldP2.id, panicB.id, mine.id, fire.id, battery.id]);
  });

  it('by station: by the station name (pinyin order), each station in the 110 order', () => {
    const ids = viewQueue(all, NO_FILTER, 'station', 'zhang.wei', stationName).map((i) => i.id);
    // 网格外 (wang) before 钟山分局… (zhong); then 荷城 (he) before 黄土坡 (huang).
    expect(ids).toEqual([battery.id, fire.id, oldP2.id, mine.id, panicB.id]);
  });

  it('each filter keeps only what it names', () => {
    const f = (over: Partial<typeof NO_FILTER>) => viewQueue(all, { ...NO_FILTER, ...over }, 'priority', 'zhang.wei', stationName).map((i) => i.id);
    expect(f({ priority: 1 })).toEqual([panicB.id, fire.id]);
    expect(f({ category: 'technical' })).toEqual([battery.id]);
    expect(f({ status: 'dispatched' })).toEqual([fire.id]);
    expect(f({ station: 'ps-b' })).toEqual([panicB.id]);
    expect(f({ mine: true })).toEqual([mine.id]);
    expect(f({ unacknowledged: true })).toEqual([panicB.id, oldP2.id, battery.id]);
    expect(f({ priority: 1, unacknowledged: true })).toEqual([panicB.id]);
  });

  it('counts the P1s a filter hides, so the queue can warn about them', () => {
    expect(hiddenUrgent(all, NO_FILTER, 'zhang.wei')).toBe(0);
    expect(hiddenUrgent(all, { ...NO_FILTER, mine: true }, 'zhang.wei')).toBe(2);
    expect(hiddenUrgent(all, { ...NO_FILTER, station: 'ps-b' }, 'zhang.wei')).toBe(1);
    expect(isFiltering(NO_FILTER)).toBe(false);
    expect(isFiltering({ ...NO_FILTER, unacknowledged: true })).toBe(true);
    expect(matches(panicB, NO_FILTER, 'x')).toBe(true);
  });

  it('knows when the queue spans several stations', () => {
    expect(spansStations([oldP2, mine])).toBe(false);
    expect(spansStations([oldP2, panicB])).toBe(true);
    expect(spansStations([])).toBe(false);
  });

  it('shortens a station name by its bureau, never to nothing', () => {
    expect(shortStationName('钟山分局荷城派出所')).toBe('荷城派出所');
    expect(shortStationName('六盘水市公安局110指挥中心')).toBe('110指挥中心');
    expect(shortStationName('一号派出所')).toBe('一号派出所');
    expect(shortStationName('钟山分局')).toBe('钟山分局');
    expect(shortStationName('119 接警点')).toBe('119 接警点');
  });
});
