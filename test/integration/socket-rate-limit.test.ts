/**
 * Issue 17, item 9: a console or guard socket that floods commands is refused `rate_limited` (a
 * token bucket per socket and per user), while alarms keep being acknowledged and other people's
 * consoles keep working. Real hub, real Socket.IO clients, real MQTT.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CommandReply } from '../../src/contract/socket.js';
import { nativeEvent } from '../../src/simulate/payloads.js';
import { startTestHub, waitFor, type TestHub } from '../helpers/hub.js';
import { countOnDisk } from '../helpers/sqlite-file.js';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t?.close();
});

type Emit = (event: string, payload: unknown, reply: (r: CommandReply) => void) => void;

describe('command flooding on a socket (issue 17, item 9)', () => {
  it('a flooding guard socket gets rate_limited refusals; an alarm still gets its PUBACK and an operator is unaffected', async () => {
    const { socket: flooder } = await t.console({ as: 'guard-hecheng', namespace: '/guard' });
    const { socket: operator } = await t.console({ as: 'op-hecheng' });
    const FLOOD = 3000;
    const codes: string[] = [];
    for (let n = 0; n < FLOOD; n++) (flooder.emit as unknown as Emit)('incident:ack', { id: `no-such-${n}` }, (r) => codes.push(r.ok ? 'ok' : r.code));
    // While the flood is being read: an alarm, acknowledged only once committed.
    const panel = await t.deviceAs('shop-a-panel');
    const m = nativeEvent('safegrid/shop-a/shop-a-panel', 'intrusion', 1, 'during-command-flood');
    await panel.publishAsync(m.topic, m.payload, { qos: 1 });
    expect(countOnDisk(join(t.tree.root, 'data/test.db'), `SELECT count(*) AS n FROM events WHERE dedupe_key LIKE '%during-command-flood%'`)).toBe(1);

    // The hub reads the whole flood (pausing between reads) and refuses most of it; the first
    // commands are answered on their merits, a few refusals a second are answered, the rest not.
    await waitFor(() => t.hub.metrics.value('sg_socket_rate_limited_total') + codes.filter((c) => c !== 'rate_limited').length >= FLOOD);
    const limited = t.hub.metrics.value('sg_socket_rate_limited_total');
    expect(limited).toBeGreaterThan(FLOOD / 2);
    // (Answers do not come in order: a refusal is answered at once, a command after its handler.)
    expect(codes.filter((c) => c !== 'rate_limited').length).toBeGreaterThanOrEqual(100);
    expect(codes).toContain('rate_limited');
    expect(codes.filter((c) => c === 'rate_limited').length).toBeLessThan(limited);
    expect(codes).not.toContain('ok');
    expect(flooder.connected).toBe(true);

    // Another user's console is not charged for it.
    const r = await new Promise<CommandReply>((ok) => (operator.emit as unknown as Emit)('incident:ack', { id: 'no-such-op' }, ok));
    expect(r).toMatchObject({ ok: false, code: 'not_found' });

    // The flooder itself is served again once its bucket has refilled and reading resumed (asked
    // until it is, with a 1 s answer timeout each, 30 s at most: a refusal may go unanswered).
    await vi.waitFor(
      async () => {
        const again = await new Promise<CommandReply | null>((ok) =>
          (flooder.timeout(1000).emit as unknown as (e: string, p: unknown, cb: (err: Error | null, r: CommandReply) => void) => void)(
            'incident:ack',
            { id: 'no-such-later' },
            (err, reply) => ok(err ? null : reply),
          ),
        );
        expect(again !== null && (again.ok || again.code !== 'rate_limited')).toBe(true);
      },
      { timeout: 30_000, interval: 200 },
    );
    expect(t.logs.some((l) => l.code === 'rate_limited' && l.user === 'guard-hecheng')).toBe(true);
  });
});
