import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/core/event-bus.js';
import { newId } from '../../src/core/ids.js';
import { Metrics } from '../../src/core/metrics.js';

describe('core', () => {
  it('ids sort in creation order, even within one millisecond', () => {
    const ids = Array.from({ length: 1000 }, () => newId(1_700_000_000_000));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(1000);
  });

  it('a subscriber that throws is counted and does not stop the others', () => {
    const bus = new EventBus<{ 'x:y': number }>();
    const got: number[] = [];
    bus.on('x:y', () => {
      throw new Error('boom');
    });
    const off = bus.on('x:y', (n) => got.push(n));
    bus.emit('x:y', 1);
    off();
    bus.emit('x:y', 2);
    expect(got).toEqual([1]);
    expect(bus.subscriberErrors).toBe(2);
  });

  it('metrics render Prometheus text with escaped labels', () => {
    const m = new Metrics();
    const c = m.counter('sg_test_total', 'A test counter');
    c({ reason: 'a"b\\c' });
    c({ reason: 'a"b\\c' }, 2);
    m.gauge('sg_gauge', 'A gauge', () => 7);
    const text = m.render();
    expect(text).toContain('# TYPE sg_test_total counter');
    expect(text).toContain('sg_test_total{reason="a\\"b\\\\c"} 3');
    expect(text).toContain('sg_gauge 7');
    expect(m.value('sg_test_total', { reason: 'a"b\\c' })).toBe(3);
  });
});
