/**
 * Bad input at every entry point (issue 7), property-based where the input space is large: MQTT
 * framing, payloads, Contact ID over MQTT, HTTP, Socket.IO. Each case asserts: no crash, no
 * unhandled rejection, the rejection is counted and logged, and a good alarm sent right after is
 * still recorded. (Decoders alone: test/unit/fuzz-decoders.test.ts; config files:
 * test/unit/fuzz-config.test.ts.)
 */
import { connect, type Socket as NetSocket } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandReply } from '../../src/contract/socket.js';
import { startTestHub, waitFor, type TestHub } from '../helpers/hub.js';
import { TREE_LOGINS } from '../helpers/tree.js';
import type { MqttClient } from 'mqtt';

// --- a hand-made MQTT 3.1.1 encoder: mqtt.js refuses to send most of what these tests need ---
const u16 = (n: number): Buffer => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const lp = (b: Buffer | string): Buffer => {
  const buf = Buffer.isBuffer(b) ? b : Buffer.from(b);
  return Buffer.concat([u16(buf.length), buf]);
};
function varint(n: number): Buffer {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Buffer.from(out);
}
const frame = (first: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([first]), varint(body.length), body]);
const connectPacket = (clientId: string, user: string, pass: string): Buffer =>
  frame(0x10, Buffer.concat([lp('MQTT'), Buffer.from([4, 0xc2]), u16(30), lp(clientId), lp(user), lp(pass)]));
const publishPacket = (topic: Buffer | string, payload: Buffer | string, id: number, dup = false): Buffer =>
  frame(0x32 | (dup ? 0x08 : 0), Buffer.concat([lp(topic), u16(id), Buffer.isBuffer(payload) ? payload : Buffer.from(payload)]));

/** A raw TCP MQTT client logged in as `user`; collects what the broker sends and whether it closed. */
async function rawClient(port: number, user: string): Promise<{ sock: NetSocket; received: () => Buffer; closed: () => boolean }> {
  const sock = connect(port, '127.0.0.1');
  let data = Buffer.alloc(0);
  let isClosed = false;
  sock.on('data', (d) => (data = Buffer.concat([data, d])));
  sock.on('close', () => (isClosed = true));
  sock.on('error', () => undefined);
  await new Promise<void>((ok) => sock.once('connect', () => ok()));
  sock.write(connectPacket(`raw-${user}-${Math.random().toString(36).slice(2, 8)}`, user, TREE_LOGINS[user]!));
  await waitFor(() => data.length >= 4, WAIT_MS);
  expect([...data.subarray(0, 4)]).toEqual([0x20, 2, 0, 0]); // CONNACK, accepted
  data = Buffer.alloc(0);
  return { sock, received: () => data, closed: () => isClosed };
}

/** How long a case waits for the reply it expects: a ceiling for a loaded machine, not a budget. */
const WAIT_MS = 30_000;
/** The per-test ceiling of the property-based cases (hundreds of round trips each). */
const PROPERTY_TEST_MS = 180_000;

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

describe('bad input at every entry point', () => {
  let t: TestHub;
  let good: MqttClient;
  let goodSeq = 0;

  /** Sum of every counter that records a refused input. */
  const refusals = (): number => {
    let n = 0;
    for (const line of t.hub.metrics.render().split('\n')) {
      if (/^(sg_ingest_rejected_total|sg_mqtt_publish_denied_total|sg_mqtt_client_errors_total|sg_mqtt_refused_total)\b/.test(line))
        n += Number(line.split(' ').at(-1));
    }
    return n;
  };
  /** A good alarm right after: it must be stored. */
  const goodAlarmRecorded = async (): Promise<void> => {
    const msgId = `good-${++goodSeq}`;
    await good.publishAsync('safegrid/home-b/home-b-panel/event', JSON.stringify({ kind: 'intrusion', zone: 1, msgId }), { qos: 1 });
    // The PUBACK left after the commit: the row is there now.
    expect((await t.hub.store.events.query({ siteId: 'home-b', limit: 5 })).some((e) => e.dedupeKey.includes(`:${msgId}:`))).toBe(true);
  };

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    // The malformed-command flood below is about validation, not rate: the socket command rate
    // limit (issue 17, test/integration/socket-rate-limit.test.ts) is raised out of its way.
    t = await startTestHub({ commandRate: { socket: { burst: 10_000, perSecond: 10_000 }, user: { burst: 10_000, perSecond: 10_000 } } });
    good = await t.deviceAs('home-b');
  });
  afterAll(async () => {
    await t.close();
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
  });

  describe('MQTT framing', () => {
    const cases: Array<[string, (id: number) => Buffer]> = [
      ['a topic that is not UTF-8', (id) => publishPacket(Buffer.from([0x73, 0x61, 0xff, 0xfe, 0x2f, 0x61]), '{"kind":"panic"}', id)],
      ['an empty topic', (id) => publishPacket('', '{"kind":"panic"}', id)],
      ['a wildcard topic (+)', (id) => publishPacket('safegrid/shop-a/+/event', '{"kind":"panic"}', id)],
      ['a wildcard topic (#)', (id) => publishPacket('#', '{"kind":"panic"}', id)],
      ['a topic with 300 levels', (id) => publishPacket('safegrid/shop-a/shop-a-panel/' + 'x/'.repeat(300) + 'event', '{"kind":"panic"}', id)],
      [
        'a payload over the 64 KiB cap',
        (id) => publishPacket('safegrid/shop-a/shop-a-panel/event', JSON.stringify({ kind: 'panic', detail: 'x'.repeat(70_000) }), id),
      ],
      ['a payload that is not UTF-8', (id) => publishPacket('safegrid/shop-a/shop-a-panel/event', Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), id)],
      ['a remaining length that lies (short)', () => Buffer.concat([Buffer.from([0x32, 0x05]), lp('safegrid/shop-a/shop-a-panel/event')])],
      ['a packet type 0 (reserved)', () => Buffer.from([0x00, 0x00])],
      ['a second CONNECT', () => connectPacket('again', 'shop-a', TREE_LOGINS['shop-a']!)],
      ['a remaining length over 4 bytes', () => Buffer.from([0x32, 0xff, 0xff, 0xff, 0xff, 0x7f])],
    ];
    for (const [name, make] of cases) {
      it(`${name}: refused and counted; the next good alarm is stored`, async () => {
        const before = refusals();
        const c = await rawClient(t.mqttUrl.includes(':') ? Number(t.mqttUrl.split(':').at(-1)) : 1883, 'shop-a');
        c.sock.write(make(7));
        // Either the broker closes the connection, or ingest answers with a PUBACK after rejecting.
        await waitFor(() => c.closed() || c.received().length >= 4, WAIT_MS);
        await waitFor(() => refusals() > before, WAIT_MS);
        c.sock.destroy();
        await goodAlarmRecorded();
      });
    }

    it('reused packet ids carry different alarms: both are stored (a packet id is not an identity)', async () => {
      const c = await rawClient(Number(t.mqttUrl.split(':').at(-1)), 'shop-a');
      c.sock.write(publishPacket('safegrid/shop-a/shop-a-panel/event', JSON.stringify({ kind: 'intrusion', zone: 1, msgId: 'reuse-1' }), 42));
      c.sock.write(publishPacket('safegrid/shop-a/shop-a-panel/event', JSON.stringify({ kind: 'intrusion', zone: 2, msgId: 'reuse-2' }), 42));
      await waitFor(() => c.received().length >= 8, WAIT_MS); // two PUBACKs
      c.sock.destroy();
      const keys = (await t.hub.store.events.query({ siteId: 'shop-a', limit: 50 })).map((e) => e.dedupeKey);
      expect(keys.filter((k) => k.includes(':reuse-')).length).toBe(2);
    });

    it('a DUP storm (the same PUBLISH 300 times) is stored once, and every copy is acknowledged', async () => {
      const c = await rawClient(Number(t.mqttUrl.split(':').at(-1)), 'shop-a');
      const p = publishPacket('safegrid/shop-a/shop-a-panel/event', JSON.stringify({ kind: 'intrusion', zone: 1, msgId: 'dup-storm' }), 9, true);
      c.sock.write(Buffer.concat(Array.from({ length: 300 }, () => p)));
      await waitFor(() => c.received().length >= 300 * 4, WAIT_MS);
      c.sock.destroy();
      const keys = (await t.hub.store.events.query({ siteId: 'shop-a', limit: 100 })).map((e) => e.dedupeKey);
      expect(keys.filter((k) => k.includes(':dup-storm:')).length).toBe(1);
      await goodAlarmRecorded();
    });

    it('a subscriber that never reads does not hold up other devices’ acknowledgements', async () => {
      // The frigate bridge may subscribe to its namespace; it stops reading its socket entirely.
      const slow = await t.deviceAs('frigate');
      await slow.subscribeAsync('frigate/#', { qos: 1 });
      slow.stream.pause();
      const flooder = await t.deviceAs('frigate', { clientId: 'frigate-flooder' });
      const big = JSON.stringify({ type: 'end', after: { camera: 'nowhere', label: 'person', pad: 'x'.repeat(8000) } });
      // 2,000 × 8 KB to the slow reader: far more than its socket buffers hold. (A marker from the flooder cannot show
      // the flood has piled up: the broker holds the flooder's later messages back behind the slow reader, which is
      // fine — only other devices must not wait.) The marker is the slow reader's own side: its paused socket has
      // filled its buffer, so the kernel's buffers behind it fill and the rest of the flood waits in the broker.
      for (let i = 0; i < 2000; i++) flooder.publish('frigate/events', big, { qos: 0 });
      await waitFor(() => slow.stream.readableLength >= slow.stream.readableHighWaterMark, WAIT_MS);
      const t0 = performance.now();
      // A held-up acknowledgement never comes at all (the slow reader never reads): the ceiling tells held up from
      // slow and fails with its reason; how fast the acknowledgement comes is printed, its budget is the bench's.
      let stuck: NodeJS.Timeout | undefined;
      await Promise.race([
        goodAlarmRecorded(),
        new Promise<never>((_, fail) => {
          stuck = setTimeout(() => fail(new Error(`a good alarm was not acknowledged within ${WAIT_MS} ms: held up behind the slow reader`)), WAIT_MS);
        }),
      ]).finally(() => clearTimeout(stuck));
      console.info(`slow subscriber: a good alarm was acknowledged in ${(performance.now() - t0).toFixed(0)} ms`);
      slow.stream.destroy();
      flooder.stream.destroy();
    });
  });

  describe('payloads', () => {
    const hostile = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.json({ maxDepth: 4 }),
      fc.constantFrom(
        '{"__proto__":{"polluted":true},"kind":"panic"}',
        '{"constructor":{"prototype":{"polluted":true}},"kind":"panic"}',
        '{"kind":"panic","zone":NaN}',
        '{"kind":"panic","zone":Infinity}',
        '{"kind":"panic","zone":-1e308}',
        '{"kind":"panic","zone":1.5}',
        '{"kind":"panic","location":[999,-999]}',
        '{"kind":"panic","lat":91,"lng":181}',
        '{"kind":"panic","at":"+275760-09-13T00:00:00.001Z"}',
        JSON.stringify({ kind: 'panic', detail: '\u0000\u202e'.repeat(5000) }),
        '['.repeat(5000) + ']'.repeat(5000),
        JSON.stringify({ kind: 'panic', msgId: 'm'.repeat(10_000) }),
      ),
      fc
        .dictionary(fc.constantFrom('kind', 'zone', 'at', 'msgId', 'detail', '__proto__', 'state'), fc.jsonValue({ maxDepth: 3 }))
        .map((o) => JSON.stringify(o)),
    );

    it(
      'anything on a native event or status topic: a verdict each time, the hub keeps recording',
      async () => {
        const dev = await t.deviceAs('shop-a');
        await fc.assert(
          fc.asyncProperty(hostile, fc.constantFrom('event', 'status'), async (payload, channel) => {
            const before = t.hub.metrics.render();
            await dev.publishAsync(`safegrid/shop-a/shop-a-panel/${channel}`, payload, { qos: 1 });
            expect(t.hub.metrics.render()).not.toBe(before); // counted: accepted, stored or rejected
            expect(({} as Record<string, unknown>).polluted).toBeUndefined();
          }),
          { numRuns: 150 },
        );
        await goodAlarmRecorded();
        // Rejections were logged with their code.
        expect(t.logs.some((l) => l.msg === 'message rejected' && typeof l.code === 'string' && (l.code as string).startsWith('SG_INGEST_'))).toBe(true);
      },
      PROPERTY_TEST_MS,
    );

    it(
      'Contact ID: bad checksums, bad lengths and unknown codes are rejected with their codes',
      async () => {
        const dev = await t.deviceAs('shop-a');
        const codeCount = (code: string): number => {
          const m = new RegExp(`sg_ingest_rejected_total\\{reason="${code}"\\} (\\d+)`).exec(t.hub.metrics.render());
          return m ? Number(m[1]) : 0;
        };
        const cases: Array<[string, string]> = [
          ['1234181130010029', 'SG_INGEST_BAD_CHECKSUM'],
          ['12341811300100', 'SG_INGEST_UNDECODABLE'],
          ['123418113001002899', 'SG_INGEST_UNDECODABLE'],
        ];
        for (const [payload, code] of cases) {
          const before = codeCount(code);
          await dev.publishAsync('alarms/shop-a/cid', payload, { qos: 1 });
          expect(codeCount(code), `${payload} → ${code}`).toBe(before + 1);
        }
        await fc.assert(
          fc.asyncProperty(fc.stringMatching(/^[0-9A-F]{0,20}$/), async (payload) => {
            const before = refusals();
            const stored = await t.hub.store.events.count();
            await dev.publishAsync('alarms/shop-a/cid', payload, { qos: 1 });
            expect(refusals() > before || (await t.hub.store.events.count()) >= stored).toBe(true);
          }),
          { numRuns: 100 },
        );
        await goodAlarmRecorded();
      },
      PROPERTY_TEST_MS,
    );
  });

  describe('HTTP', () => {
    it(
      'path traversal on the static pages and /api/media never reads outside their folders',
      async () => {
        const admin = await t.login('admin');
        const segment = fc.constantFrom(
          '..',
          '%2e%2e',
          '%2E%2E',
          '..%2f',
          '..%5c',
          '%252e%252e',
          '.%2e',
          'etc',
          'passwd',
          'config',
          'secrets.yaml',
          'users.yaml',
          'package.json',
          '%00',
          '',
        );
        await fc.assert(
          fc.asyncProperty(fc.array(segment, { minLength: 1, maxLength: 8 }), fc.constantFrom('/', '/api/media/', '/assets/'), async (parts, prefix) => {
            const r = await admin.fetch(prefix + parts.join('/'));
            const body = await r.text();
            expect(r.status).toBeLessThan(500);
            expect(body).not.toMatch(/root:x:0:0|pw-|password|"dependencies"/);
          }),
          { numRuns: 120 },
        );
        await goodAlarmRecorded();
      },
      PROPERTY_TEST_MS,
    );

    it('a huge body is refused with 413 before it is parsed', async () => {
      const r = await fetch(`${t.baseUrl}/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: 'x'.repeat(2_000_000) }),
      });
      expect(r.status).toBe(413);
      const admin = await t.login('admin');
      const r2 = await admin.post('/api/incidents/none/note', { text: 'y'.repeat(100_000) });
      expect(r2.status).toBe(413);
      await goodAlarmRecorded();
    });
  });

  describe('Socket.IO', () => {
    it('a page on another origin cannot open the console', async () => {
      const refused = await t.consoleRefused({ headers: { origin: 'http://evil.example' } });
      expect(refused.code).toBe(403);
    });

    it(
      'a flood of 3,000 malformed commands is answered one by one, and alarms keep flowing',
      async () => {
        const { socket } = await t.console({ as: 'op-city' });
        const junk = fc.sample(
          fc.oneof(
            fc.anything(),
            fc.record({
              id: fc.oneof(fc.string(), fc.integer(), fc.constant({ toString: null })),
              disposition: fc.string(),
              text: fc.string({ maxLength: 2000 }),
            }),
          ),
          { numRuns: 3000, seed: 7 },
        );
        const events = ['incident:ack', 'incident:close', 'incident:note', 'incident:dispatch', 'incident:handover'] as const;
        const replies = await Promise.all(
          junk.map(
            (req, n) =>
              new Promise<CommandReply>((ok) =>
                (socket.emit as (e: string, r: unknown, cb: (x: CommandReply) => void) => void)(events[n % events.length]!, req, ok),
              ),
          ),
        );
        expect(replies.every((r) => r && r.ok === false && typeof r.code === 'string')).toBe(true);
        // Events without a callback, or with a callback in the wrong place, are ignored.
        for (let i = 0; i < 200; i++) (socket.emit as (e: string, ...a: unknown[]) => void)('incident:ack', () => undefined, { id: 'x' });
        expect(socket.connected).toBe(true);
        await goodAlarmRecorded();
      },
      PROPERTY_TEST_MS,
    );
  });
});
