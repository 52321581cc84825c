import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../src/core/errors.js';
import { LIMITS } from '../../src/core/limits.js';
import { bindingKey, capUtf8, decode, type DecodeRoutes } from '../../src/ingest/decode.js';
import type { Binding } from '../../src/ingest/router.js';
import type { DecodeOutcome } from '../../src/profiles/types.js';
import { device, site, stubProfile } from './ingest-fixture.js';

/** Decodes `{"kind":…,"zone":…}`; "bad" is refused by the profile; "throw" makes it throw; state counts messages. */
const profile = stubProfile((text, state): DecodeOutcome => {
  if (text === 'throw') throw new Error('bug in a decoder');
  if (text === 'bad') return { ok: false, code: 'SG_INGEST_BAD_JSON', reason: 'not JSON' };
  if (text === 'offline') return { ok: true, signals: [], state, availability: 'offline' };
  const seen = Number(state.seen ?? 0) + 1;
  return { ok: true, signals: text === 'alarm' ? [{ kind: 'burglary', zone: 1 }] : [], state: { seen } };
});
const shop = site();
const panel = shop.devices[0]!;
const deviceBinding: Binding = { type: 'device', topic: panel.topic, channel: 'state', profile, device: panel, site: shop };
const frigate = { id: 'frigate', profile: 'stub', topic: 'frigate' };
const bridgeBinding: Binding = { type: 'bridge', topic: 'frigate/events', channel: 'events', profile, bridge: frigate };
const routes: DecodeRoutes = {
  route: (t) => (t === panel.topic ? deviceBinding : t === 'frigate/events' ? bridgeBinding : undefined),
  isHousekeeping: (t) => t.startsWith('zigbee2mqtt/bridge/'),
};
const msg = (topic: string, payload: string | Buffer, retained = false) => ({
  topic,
  payload: Buffer.isBuffer(payload) ? payload : Buffer.from(payload),
  retained,
});

describe('decode: every way a message is turned away, cheapest check first', () => {
  const cases: Array<{ name: string; topic: string; payload: string | Buffer; code: ErrorCode }> = [
    { name: 'empty topic', topic: '', payload: 'alarm', code: 'SG_INGEST_BAD_TOPIC' },
    { name: 'wildcard', topic: 'safegrid/+/x', payload: 'alarm', code: 'SG_INGEST_BAD_TOPIC' },
    { name: 'NUL in topic', topic: 'safegrid/\u0000', payload: 'alarm', code: 'SG_INGEST_BAD_TOPIC' },
    { name: 'too long a topic', topic: 'a'.repeat(LIMITS.maxTopicLength + 1), payload: 'alarm', code: 'SG_INGEST_BAD_TOPIC' },
    {
      name: 'too deep a topic',
      topic: Array(LIMITS.maxTopicLevels + 1)
        .fill('a')
        .join('/'),
      payload: 'alarm',
      code: 'SG_INGEST_BAD_TOPIC',
    },
    // Size is checked before routing: an oversize payload on an unknown topic is oversize.
    { name: 'oversize', topic: 'nobody/here', payload: Buffer.alloc(LIMITS.maxPayloadBytes + 1, 0x41), code: 'SG_INGEST_OVERSIZE' },
    { name: 'unknown topic', topic: 'nobody/here', payload: 'alarm', code: 'SG_INGEST_UNKNOWN_TOPIC' },
    { name: 'bad UTF-8', topic: panel.topic, payload: Buffer.from([0x7b, 0xff, 0xfe]), code: 'SG_INGEST_BAD_UTF8' },
    { name: 'the profile refuses', topic: panel.topic, payload: 'bad', code: 'SG_INGEST_BAD_JSON' },
    { name: 'the decoder throws', topic: panel.topic, payload: 'throw', code: 'SG_INGEST_UNDECODABLE' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = decode(msg(c.topic, c.payload), routes, () => ({}));
      expect(d).toMatchObject({ type: 'rejected', code: c.code });
    });
  }

  it('a decoder that throws is reported with its profile, for the log', () => {
    const d = decode(msg(panel.topic, 'throw'), routes, () => ({}));
    expect(d).toMatchObject({ type: 'rejected', reason: 'profile stub failed on this payload', thrown: { profile: 'stub' } });
  });

  it('a profile refusal carries no thrown error', () => {
    const d = decode(msg(panel.topic, 'bad'), routes, () => ({}));
    expect(d).toEqual({ type: 'rejected', code: 'SG_INGEST_BAD_JSON', reason: 'not JSON' });
  });
});

describe('decode: what comes through', () => {
  it('a bridge talking about itself is housekeeping, not an unknown topic', () => {
    expect(decode(msg('zigbee2mqtt/bridge/state', 'online'), routes, () => ({}))).toEqual({ type: 'housekeeping' });
  });

  const cases: Array<{ name: string; topic: string; payload: string; key: string; signals: number; availability?: string }> = [
    { name: 'a device alarm', topic: panel.topic, payload: 'alarm', key: 'shop-a/panel-1', signals: 1 },
    { name: 'a device heartbeat', topic: panel.topic, payload: 'hb', key: 'shop-a/panel-1', signals: 0 },
    { name: 'a device saying it is offline', topic: panel.topic, payload: 'offline', key: 'shop-a/panel-1', signals: 0, availability: 'offline' },
    { name: 'a bridge message', topic: 'frigate/events', payload: 'alarm', key: 'bridge:frigate', signals: 1 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = decode(msg(c.topic, c.payload), routes, () => ({}));
      if (d.type !== 'decoded') throw new Error(`not decoded: ${JSON.stringify(d)}`);
      expect(d.key).toBe(c.key);
      expect(d.signals).toHaveLength(c.signals);
      expect(d.availability).toBe(c.availability);
      expect(d.raw).toBe(c.payload);
      expect(d.payloadHash).toMatch(/^[0-9a-f]{20}$/);
    });
  }

  it('decodes with the publisher’s previous state, looked up by its key', () => {
    const asked: string[] = [];
    const d = decode(msg(panel.topic, 'hb'), routes, (key) => {
      asked.push(key);
      return { seen: 41 };
    });
    expect(asked).toEqual(['shop-a/panel-1']);
    expect(d).toMatchObject({ type: 'decoded', state: { seen: 42 } });
  });

  it('the same payload hashes the same (the dedupe key of retransmissions); another differs', () => {
    const hash = (p: string) => (decode(msg(panel.topic, p), routes, () => ({})) as { payloadHash: string }).payloadHash;
    expect(hash('alarm')).toBe(hash('alarm'));
    expect(hash('alarm')).not.toBe(hash('alarm '));
  });

  it('keys devices by site and bridges by id', () => {
    expect(bindingKey(deviceBinding)).toBe('shop-a/panel-1');
    expect(bindingKey(bridgeBinding)).toBe('bridge:frigate');
    expect(bindingKey({ ...deviceBinding, device: device({ id: 'panel-1' }), site: site({ id: 'home-b' }) })).toBe('home-b/panel-1');
  });
});

describe('capUtf8', () => {
  const cases: Array<[string, number, string]> = [
    ['short', 10, 'short'],
    ['exactly10!', 10, 'exactly10!'],
    ['abcdefghijk', 10, 'abcdefghij…'],
    // 报 is three bytes: a cut inside it drops the partial character instead of leaving U+FFFD.
    ['ab报警', 4, 'ab…'],
    ['ab报警', 5, 'ab报…'],
  ];
  for (const [text, max, expected] of cases) {
    it(`${JSON.stringify(text)} to ${max} bytes`, () => expect(capUtf8(text, max)).toBe(expected));
  }
});
