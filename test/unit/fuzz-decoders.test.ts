import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { builtinProfiles } from '../../src/profiles/index.js';
import type { DeviceState } from '../../src/profiles/types.js';

/**
 * Every decoder, fed anything a device or an attacker could send, returns a verdict: signals or a
 * coded rejection. It never throws, never loops, never lets `__proto__` reach an object prototype.
 */
const registry = builtinProfiles();

const jsonish = fc.oneof(
  fc.json(),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc
    .dictionary(
      fc.constantFrom('contact', 'occupancy', 'smoke', 'action', 'kind', 'zone', 'at', 'msgId', 'state', '__proto__', 'constructor', 'type', 'after', 'before'),
      fc.jsonValue(),
    )
    .map((o) => JSON.stringify(o)),
  fc.string(),
  fc.constantFrom(
    '{"__proto__":{"polluted":true},"contact":false}',
    '{"kind":"panic","zone":1e308}',
    '{"zone":NaN}',
    '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]',
    '1234181130010028',
    '12341811300100',
    'triggered',
    '',
  ),
);

describe('decoders survive hostile payloads', () => {
  for (const profile of registry.all()) {
    it(`${profile.id}: any payload on any of its channels gives a verdict, never an exception`, () => {
      const channels = profile.topics('dev/topic');
      fc.assert(
        fc.property(
          jsonish,
          fc.constantFrom(...channels),
          fc.dictionary(fc.string({ maxLength: 10 }), fc.oneof(fc.boolean(), fc.integer(), fc.constant(null))),
          (payload, ch, state) => {
            const r = profile.decode({
              topic: ch.topic,
              channel: ch.channel,
              payload: Buffer.from(payload),
              state: state as DeviceState,
              device: { id: 'd', zone: 1, zones: [{ number: 1, name: 'z', type: 'entry' }], account: '1234' },
            });
            expect(typeof r.ok).toBe('boolean');
            if (!r.ok) expect(r.code).toMatch(/^SG_/);
            expect(({} as Record<string, unknown>).polluted).toBeUndefined();
          },
        ),
        { numRuns: 300 },
      );
    });
  }

  it('a 60 KB string inside JSON is decoded or rejected quickly, and detail stays bounded', () => {
    const big = JSON.stringify({ kind: 'panic', detail: 'x'.repeat(60_000), msgId: 'm' });
    const native = registry.get('native')!;
    const t0 = performance.now();
    const r = native.decode({
      topic: 'a/event',
      channel: 'event',
      payload: Buffer.from(big),
      state: {},
      device: { id: 'd', zone: null, zones: [], account: null },
    });
    // A generous ceiling, not a budget: it guards against catastrophic backtracking on a 60 KB string (minutes), and
    // holds on a loaded machine where an honest decode takes a few ms.
    expect(performance.now() - t0).toBeLessThan(10_000);
    if (r.ok) for (const s of r.signals) expect((s.detail ?? '').length).toBeLessThanOrEqual(500);
  });
});
