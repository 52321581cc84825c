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

  it('ids are 26 Crockford base32 characters and keep their order when the clock steps back', () => {
    const ids = [newId(1_800_000_000_000), newId(1_800_000_000_001), newId(1_799_999_999_000), newId(1_800_000_000_005)];
    for (const id of ids) expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    // The time part is the millisecond the id was made in (ULID layout: 10 characters, 48 bits).
    expect(ids[0]!.slice(0, 10)).toBe('01MCC5RM00');
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

import { contactId, CONTACT_ID_CODE } from '../../src/simulate/payloads.js';
import { builtinProfiles } from '../../src/profiles/index.js';

describe('the simulator speaks what the decoders read', () => {
  it('every Contact ID message the simulator can send passes the contact-id profile (checksums included)', () => {
    const profile = builtinProfiles().get('contact-id')!;
    const failures: string[] = [];
    for (const account of ['1012', '1033', '3001', '1234']) {
      for (const q of [1, 3] as const) {
        for (const code of [...Object.values(CONTACT_ID_CODE), 602]) {
          for (let zone = 0; zone < 16; zone++) {
            const payload = contactId({ account, qualifier: q, code: code!, group: 1, zone });
            const r = profile.decode({
              topic: 't',
              channel: 'state',
              payload: Buffer.from(payload),
              state: {},
              device: { id: 'd', zone: null, zones: [], account },
            });
            if (!r.ok) failures.push(`${payload}: ${r.reason}`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
  });
});
