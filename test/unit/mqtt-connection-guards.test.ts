/** The pure parts of issue 17's MQTT hardening: packet size from the fixed header, client-id and certificate binding. */
import { describe, expect, it } from 'vitest';
import { certificateRefusal, ClientIdBinding, namedOwner } from '../../src/broker/login-binding.js';
import { AddressCounter, CoolOff, PacketSizeScanner } from '../../src/broker/packet-guard.js';

/** MQTT remaining length, 7 bits per byte, least significant first [MQTT-2.2.3]. */
function remainingLength(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}
const packet = (type: number, body: number): Buffer => Buffer.concat([Buffer.from([type, ...remainingLength(body)]), Buffer.alloc(body, 0x61)]);

describe('oversize packets are seen from the fixed header alone (issue 17, item 1)', () => {
  it('a CONNECT announcing 256 MiB (the most MQTT can say) is refused at its header, before any of the body', () => {
    const s = new PacketSizeScanner(128 * 1024);
    expect(s.feed(Buffer.from([0x10, ...remainingLength(256 * 1024 * 1024 - 1)]))).toEqual({
      ok: false,
      announced: 268_435_455,
      reason: 'too_big',
      first: true,
    });
  });

  it('packets up to the limit pass, also split across chunks at every byte', () => {
    const limit = 1000;
    const stream = Buffer.concat([packet(0x10, 30), packet(0x32, 1000), packet(0xc0, 0), packet(0x30, 200)]);
    for (let cut = 1; cut < stream.length; cut += 37) {
      const s = new PacketSizeScanner(limit);
      expect(s.feed(stream.subarray(0, cut))).toEqual({ ok: true });
      expect(s.feed(stream.subarray(cut))).toEqual({ ok: true });
    }
    const bytewise = new PacketSizeScanner(limit);
    for (const b of stream) expect(bytewise.feed(Buffer.from([b]))).toEqual({ ok: true });
  });

  it('the first packet over the limit after good ones is caught, even when its length bytes arrive one by one', () => {
    const s = new PacketSizeScanner(1000);
    expect(s.feed(packet(0x10, 50))).toEqual({ ok: true });
    const header = [0x32, ...remainingLength(5000)];
    let r = s.feed(Buffer.from(header.slice(0, 2)));
    if (r.ok) r = s.feed(Buffer.from(header.slice(2)));
    expect(r).toMatchObject({ ok: false, reason: 'too_big', first: false, announced: 5000 });
  });

  it('a fifth length byte is a malformed length', () => {
    expect(new PacketSizeScanner(Number.MAX_SAFE_INTEGER).feed(Buffer.from([0x32, 0xff, 0xff, 0xff, 0xff, 0x7f]))).toMatchObject({
      ok: false,
      reason: 'bad_length',
    });
  });

  it('an address that sent an oversize CONNECT cools off for a while; others do not', () => {
    const c = new CoolOff(10_000);
    c.start('10.0.0.9', 1000);
    expect(c.remaining('10.0.0.9', 5000)).toBe(6000);
    expect(c.remaining('10.0.0.8', 5000)).toBe(0);
    expect(c.remaining('10.0.0.9', 11_000)).toBe(0);
  });

  it('connections per address are counted and released', () => {
    const c = new AddressCounter(2);
    expect([c.admit('10.0.0.1'), c.admit('10.0.0.1'), c.admit('10.0.0.1'), c.admit('10.0.0.2')]).toEqual([true, true, false, true]);
    c.release('10.0.0.1');
    expect(c.admit('10.0.0.1')).toBe(true);
    expect(c.count('10.0.0.1')).toBe(2);
  });
});

describe('a client id belongs to one login (issue 17, item 4)', () => {
  const logins = new Map([
    ['shop', 'site:shop'],
    ['shop-a', 'site:shop-a'],
    ['home-b', 'site:home-b'],
  ]);
  const principalOf = (u: string): string | null => logins.get(u) ?? null;

  it('an id named after a login belongs to the longest such login name', () => {
    const isLogin = (u: string): boolean => logins.has(u);
    expect(namedOwner('shop-a', isLogin)).toBe('shop-a');
    expect(namedOwner('shop-a-panel-1', isLogin)).toBe('shop-a');
    expect(namedOwner('shop-b-1', isLogin)).toBe('shop');
    expect(namedOwner('shop_x', isLogin)).toBe('shop');
    expect(namedOwner('shopping', isLogin)).toBe(null);
    expect(namedOwner('mqttjs_1234', isLogin)).toBe(null);
  });

  it("site A cannot use B's named id, nor one B used first; each keeps its own", () => {
    const b = new ClientIdBinding();
    expect(b.claim('home-b-gw', 'site:shop-a', principalOf)).toBe(false);
    expect(b.claim('home-b-gw', 'site:home-b', principalOf)).toBe(true);
    expect(b.claim('shop-a-1', 'site:shop', principalOf)).toBe(false);
    expect(b.claim('gw-42', 'site:home-b', principalOf)).toBe(true);
    expect(b.claim('gw-42', 'site:shop-a', principalOf)).toBe(false);
    expect(b.claim('gw-42', 'site:home-b', principalOf)).toBe(true);
    // A login removed by a reload frees the ids it had bound by first use.
    b.keepOnly(new Set(['site:shop-a']));
    expect(b.claim('gw-42', 'site:shop-a', principalOf)).toBe(true);
    // An id aedes assigned to an empty one is random: nobody's.
    expect(b.claim('aedes_0f8fad5b-d9cb-469f-a165-70867728950e', 'site:shop-a', principalOf)).toBe(true);
  });
});

describe('a client certificate names its login (issue 17, item 14)', () => {
  it('with certificates required: none, or one for another login, is refused; the matching one passes', () => {
    const base = { requireClientCert: true, encrypted: true, username: 'shop-a-panel' };
    expect(certificateRefusal({ ...base, certCommonName: 'shop-a-panel' })).toBe(null);
    expect(certificateRefusal({ ...base, certCommonName: 'home-b' })).toBe('cert_login_mismatch');
    expect(certificateRefusal({ ...base, encrypted: false, certCommonName: null })).toBe('client_cert_required');
    expect(certificateRefusal({ ...base, requireClientCert: false, encrypted: false, certCommonName: null })).toBe(null);
  });
});
