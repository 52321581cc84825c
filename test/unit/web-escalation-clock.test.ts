/** web/src/escalation-clock.ts: the countdown to escalation and the queue's site marks. */
import { describe, expect, it } from 'vitest';
import { escalationCountdown, siteMarks } from '../../web/src/escalation-clock.js';

const NOW = Date.parse('2026-12-02T04:00:00Z');
const at = (s: number): string => new Date(NOW + s * 1000).toISOString();

describe('escalationCountdown', () => {
  it.each([
    { name: '3 minutes left', escalateAt: at(180), status: 'new', want: { text: '3:00', seconds: 180, due: false } },
    { name: '59.2 s left: rounds up', escalateAt: at(59.2), status: 'new', want: { text: '1:00', seconds: 60, due: false } },
    { name: 'an hour and more', escalateAt: at(3723), status: 'new', want: { text: '1:02:03', seconds: 3723, due: false } },
    { name: 'overdue: 0:00, due', escalateAt: at(-5), status: 'new', want: { text: '0:00', seconds: 0, due: true } },
    { name: 'acknowledged: no countdown', escalateAt: at(100), status: 'acknowledged', want: null },
    { name: 'no escalation: none', escalateAt: null, status: 'new', want: null },
  ] as const)('$name', ({ escalateAt, status, want }) => {
    expect(escalationCountdown({ escalateAt, status }, NOW)).toEqual(want);
  });
});

describe('siteMarks', () => {
  it.each([
    { name: 'one alarm, nothing before', i: { eventCount: 1, repeatOf: null, previousId: null }, want: [] },
    { name: 'N 次报警', i: { eventCount: 4, repeatOf: null, previousId: null }, want: ['alarms'] },
    { name: 'a recent 误报 wins over an earlier incident', i: { eventCount: 1, repeatOf: 'x', previousId: 'x' }, want: ['recentFalse'] },
    { name: 'an earlier incident of the category', i: { eventCount: 2, repeatOf: null, previousId: 'y' }, want: ['alarms', 'previous'] },
  ])('$name', ({ i, want }) => {
    expect(siteMarks(i)).toEqual(want);
  });
});
