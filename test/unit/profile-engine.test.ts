/**
 * The decoder engine: on-change semantics (what an operator notices as "one alarm per door
 * opening, not one per battery report") and hostile payloads that must never throw.
 */
import { describe, expect, it } from 'vitest';
import { builtinProfiles } from '../../src/profiles/index.js';
import type { DecodeInput, DecodeOutcome, DeviceState, Profile } from '../../src/profiles/types.js';

const registry = builtinProfiles();
const z2m = registry.get('zigbee2mqtt')!;
const native = registry.get('native')!;

function input(channel: string, payload: string | Buffer | object, state: DeviceState = {}, zone: number | null = 1): DecodeInput {
  const buf = Buffer.isBuffer(payload) ? payload : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
  return { topic: 'zigbee2mqtt/shop12_front_door', channel, payload: buf, state, device: { id: 'front-door', zone, zones: [], account: null } };
}

/** Feeds messages in order, carrying the state like ingest does; returns every outcome. */
function feed(profile: Profile, channel: string, payloads: object[]): DecodeOutcome[] {
  let state: DeviceState = {};
  return payloads.map((p) => {
    const out = profile.decode(input(channel, p, state));
    if (out.ok) state = out.state;
    return out;
  });
}

const kinds = (o: DecodeOutcome) => (o.ok ? o.signals.map((s) => s.kind) : o.code);

describe('on-change semantics', () => {
  it('zigbee2mqtt repeating the whole state yields one alarm per opening', () => {
    const outs = feed(z2m, 'state', [
      { contact: false, battery: 97, linkquality: 120 },
      { contact: false, battery: 97, linkquality: 118 },
      { contact: false, battery: 96, voltage: 2990 },
      { contact: true, battery: 96 },
      { contact: true, battery: 96 },
      { contact: false, battery: 96 },
    ]);
    expect(outs.map(kinds)).toEqual([['intrusion'], [], [], ['restore'], [], ['intrusion']]);
  });

  it('contact: true means closed, so a first closed report raises nothing', () => {
    const out = z2m.decode(input('state', { contact: true }));
    expect(out).toMatchObject({ ok: true, signals: [] });
    expect(out.ok && out.state.contact).toBe(true);
  });

  it('a first message with contact: false is an alarm in the device zone', () => {
    expect(z2m.decode(input('state', { contact: false }, {}, 7))).toMatchObject({ ok: true, signals: [{ kind: 'intrusion', zone: 7 }] });
  });

  it('the returned state keeps earlier values of other properties', () => {
    const out = z2m.decode(input('state', { occupancy: true }, { contact: true }));
    expect(out.ok && { ...out.state }).toEqual({ contact: true, occupancy: true });
  });

  it('unknown properties are ignored', () => {
    expect(z2m.decode(input('state', { linkquality: 3, update: { state: 'idle' }, color: 'red' }))).toMatchObject({ ok: true, signals: [] });
  });

  it('a wrong type for a known property is rejected with the property named', () => {
    expect(z2m.decode(input('state', { occupancy: 'yes' }))).toEqual({
      ok: false,
      code: 'SG_INGEST_UNDECODABLE',
      reason: 'occupancy: got "yes"; expected true/false',
    });
  });

  it('availability: 1.x plain text and 2.x JSON both work', () => {
    expect(z2m.decode(input('availability', 'offline'))).toMatchObject({ ok: true, availability: 'offline', signals: [] });
    expect(z2m.decode(input('availability', '{"state":"online"}'))).toMatchObject({ ok: true, availability: 'online' });
    expect(z2m.decode(input('availability', '  online\n'))).toMatchObject({ ok: true, availability: 'online' });
    expect(z2m.decode(input('availability', '{"state":"gone"}'))).toEqual({
      ok: false,
      code: 'SG_INGEST_UNDECODABLE',
      reason: 'availability: got "gone"; expected "online"/"offline" or {"state":"online"}',
    });
  });

  it('a channel the profile does not decode is rejected', () => {
    expect(z2m.decode(input('set', {}))).toMatchObject({ ok: false, code: 'SG_INGEST_UNDECODABLE' });
  });

  it('native events are not on-change: the same kind twice is two events, msgId passed through', () => {
    const body = { kind: 'panic', zone: 3, at: '2024-05-01T08:30:00+08:00', msgId: 'm-1' };
    const a = native.decode(input('event', body));
    const b = native.decode(input('event', body, a.ok ? a.state : {}));
    expect(a).toMatchObject({ ok: true, signals: [{ kind: 'panic', zone: 3, msgId: 'm-1', occurredAt: '2024-05-01T00:30:00.000Z' }] });
    expect(kinds(b)).toEqual(['panic']);
  });

  it('frigate: new person carries camera, msgId and start time; end raises nothing', () => {
    const frigate = registry.get('frigate')!;
    const after = { id: '1700000000.1-abc', camera: 'front_door', label: 'person', top_score: 0.9, start_time: 1700000000.1 };
    expect(frigate.decode(input('state', { type: 'new', after }))).toMatchObject({
      ok: true,
      signals: [{ kind: 'person_detected', camera: 'front_door', msgId: '1700000000.1-abc:new', occurredAt: '2023-11-14T22:13:20.100Z', zone: null }],
    });
    expect(frigate.decode(input('state', { type: 'end', after }))).toMatchObject({ ok: true, signals: [] });
  });

  it('homeassistant: triggered → burglary once, then disarm', () => {
    const ha = registry.get('homeassistant')!;
    let state: DeviceState = {};
    const out = ['armed_away', 'pending', 'triggered', 'triggered', 'disarmed'].map((p) => {
      const o = ha.decode(input('state', p, state));
      if (o.ok) state = o.state;
      return kinds(o);
    });
    // Issue 12 (initial state is state): the first armed_away sets the site's armed state.
    expect(out).toEqual([['arm'], [], ['burglary'], [], ['disarm']]);
  });
});

describe('hostile payloads never throw', () => {
  const profiles = registry.all();
  const nasty: Array<[string, string | Buffer]> = [
    ['__proto__ key', '{"__proto__":{"contact":false,"polluted":true},"constructor":{"prototype":{"x":1}}}'],
    ['constructor as a property', '{"constructor":false,"toString":true}'],
    ['deep nesting', '['.repeat(5000) + ']'.repeat(5000)],
    ['deep objects', '{"a":'.repeat(100) + '1' + '}'.repeat(100)],
    ['huge string', JSON.stringify({ kind: 'intrusion', detail: 'x'.repeat(60_000), action: 'y'.repeat(60_000) })],
    ['non-JSON', 'not json at all {'],
    ['NaN', '{"contact": NaN}'],
    ['bare number', '42'],
    ['null', 'null'],
    ['array', '[{"contact":false}]'],
    ['empty', ''],
    ['invalid UTF-8', Buffer.from([0xff, 0xfe, 0x7b, 0x22])],
    ['oversize', Buffer.alloc(70_000, 0x20)],
  ];
  for (const profile of profiles) {
    for (const [name, payload] of nasty) {
      it(`${profile.id}: ${name}`, () => {
        for (const channel of ['state', 'availability', 'event', 'status', 'nope']) {
          const out = profile.decode(input(channel, payload));
          expect(typeof out.ok).toBe('boolean');
          if (!out.ok) expect(out.reason.length).toBeLessThanOrEqual(500);
          else for (const s of out.signals) expect((s.detail ?? '').length).toBeLessThanOrEqual(500);
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      });
    }
  }

  it('a __proto__ key never reaches the prototype and state stays a plain record', () => {
    const out = z2m.decode(input('state', '{"__proto__":{"contact":false}}', { __proto__: 'x' } as unknown as DeviceState));
    expect(out).toMatchObject({ ok: true, signals: [] });
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });

  it('deep nesting is rejected with a reason, not a stack overflow', () => {
    expect(z2m.decode(input('state', '{"a":'.repeat(40) + '1' + '}'.repeat(40)))).toEqual({
      ok: false,
      code: 'SG_INGEST_UNDECODABLE',
      reason: 'JSON nested deeper than 32 levels',
    });
  });

  it('NaN is not JSON', () => {
    expect(z2m.decode(input('state', '{"contact": NaN}'))).toMatchObject({ ok: false, code: 'SG_INGEST_BAD_JSON' });
  });

  it('a huge detail is capped to 500 characters', () => {
    const out = native.decode(input('event', { kind: 'intrusion', detail: 'x'.repeat(10_000) }));
    expect(out.ok && out.signals[0]!.detail!.length).toBe(500);
  });

  it('a huge wrong value is quoted short in the reason', () => {
    const out = z2m.decode(input('state', { occupancy: 'y'.repeat(10_000) }));
    expect(!out.ok && out.reason.length).toBeLessThan(100);
  });
});
