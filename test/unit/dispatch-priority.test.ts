import { describe, expect, it } from 'vitest';
import type { EventKind } from '../../src/contract/alarm-event.js';
import { assessPriority } from '../../src/dispatch/priority.js';

describe('priority says what it is and why', () => {
  const cases: Array<{ kinds: EventKind[]; zones: number; priority: number; reason: RegExp }> = [
    { kinds: ['panic'], zones: 1, priority: 1, reason: /panic → P1/ },
    { kinds: ['duress'], zones: 0, priority: 1, reason: /duress → P1/ },
    { kinds: ['smoke'], zones: 1, priority: 1, reason: /smoke → P1/ },
    { kinds: ['medical'], zones: 0, priority: 1, reason: /medical → P1/ },
    { kinds: ['intrusion'], zones: 1, priority: 2, reason: /intrusion → P2/ },
    { kinds: ['intrusion'], zones: 2, priority: 1, reason: /confirmed by 2 zones/ },
    { kinds: ['burglary', 'person_detected'], zones: 1, priority: 1, reason: /confirmed by video/ },
    { kinds: ['tamper'], zones: 1, priority: 3, reason: /tamper → P3/ },
    { kinds: ['perimeter'], zones: 1, priority: 3, reason: /perimeter → P3/ },
    { kinds: ['trouble.offline'], zones: 0, priority: 4, reason: /trouble.offline → P4/ },
    { kinds: ['trouble.ac_loss', 'intrusion'], zones: 1, priority: 2, reason: /intrusion → P2/ },
    { kinds: ['restore'], zones: 0, priority: 4, reason: /technical/ },
  ];
  it.each(cases)('$kinds with $zones zone(s) → P$priority', ({ kinds, zones, priority, reason }) => {
    const v = assessPriority(kinds, zones);
    expect(v.priority).toBe(priority);
    expect(v.reason).toMatch(reason);
    expect(v.reasonZh.length).toBeGreaterThan(3);
  });

  it('the Chinese reason uses the 110 level words', () => {
    expect(assessPriority(['panic'], 1).reasonZh).toBe('紧急求助 → 一级');
    expect(assessPriority(['intrusion'], 2).reasonZh).toContain('一级');
  });
});
