/**
 * Issue 17, item 9: a console or guard socket that floods commands is refused `rate_limited` (a
 * token bucket per socket and per user), while alarms keep being acknowledged and other people's
 * consoles keep working. Real hub, real Socket.IO clients, real MQTT.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandReply } from '../../src/contract/socket.js';
import { nativeEvent } from '../../src/simulate/payloads.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
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
    const replies = Array.from(
      { length: FLOOD },
      (_, n) => new Promise<CommandReply>((ok) => (flooder.emit as unknown as Emit)('incident:ack', { id: `no-such-${n}` }, ok)),
    );
    // While the flood is being answered: an alarm, acknowledged only once committed.
    const panel = await t.deviceAs('shop-a-panel');
    const m = nativeEvent('safegrid/shop-a/shop-a-panel', 'intrusion', 1, 'during-command-flood');
    await panel.publishAsync(m.topic, m.payload, { qos: 1 });
    expect(countOnDisk(join(t.tree.root, 'data/test.db'), `SELECT count(*) AS n FROM events WHERE dedupe_key LIKE '%during-command-flood%'`)).toBe(1);

    const all = await Promise.all(replies);
    const codes = all.map((r) => (r.ok ? 'ok' : r.code));
    const limited = codes.filter((c) => c === 'rate_limited').length;
    // The first ones are answered on their merits (a guard may not ack, or no such incident); the flood is not.
    expect(codes[0]).not.toBe('rate_limited');
    expect(limited).toBeGreaterThan(FLOOD / 2);
    expect(all.every((r) => !r.ok)).toBe(true);
    expect(t.hub.metrics.value('sg_socket_rate_limited_total')).toBe(limited);
    expect(flooder.connected).toBe(true);

    // Another user's console is not charged for it.
    const r = await new Promise<CommandReply>((ok) => (operator.emit as unknown as Emit)('incident:ack', { id: 'no-such-op' }, ok));
    expect(r).toMatchObject({ ok: false, code: 'not_found' });

    // The flooder itself is served again once its bucket has refilled (asked every 100 ms, 20 s at most).
    const until = Date.now() + 20_000;
    let served = false;
    while (!served && Date.now() < until) {
      const again = await new Promise<CommandReply>((ok) => (flooder.emit as unknown as Emit)('incident:ack', { id: 'no-such-later' }, ok));
      served = again.ok || again.code !== 'rate_limited';
      if (!served) await new Promise((ok) => setTimeout(ok, 100));
    }
    expect(served).toBe(true);
    expect(t.logs.some((l) => l.code === 'rate_limited' && l.user === 'guard-hecheng')).toBe(true);
  });
});
