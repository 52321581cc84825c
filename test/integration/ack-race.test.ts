import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandReply } from '../../src/contract/socket.js';
import type { Incident } from '../../src/contract/incident.js';
import { nativeEvent } from '../../src/simulate/payloads.js';
import { TEST_ACCOUNTS, usersYaml } from '../helpers/accounts.js';
import { startTestHub, waitFor, type TestHub } from '../helpers/hub.js';
import { makeTree } from '../helpers/tree.js';

/** Twenty operators of the city command centre, each on their own console. */
const OPERATORS = Array.from({ length: 20 }, (_, k) => ({
  username: `op-${String(k + 1).padStart(2, '0')}`,
  role: 'operator' as const,
  station: 'city-110',
  password: `pw-race-${k + 1}-Tq3`,
}));

describe('two to twenty consoles race to acknowledge one incident', () => {
  let t: TestHub;
  const consoles: Array<{ name: string; socket: Awaited<ReturnType<TestHub['console']>>['socket'] }> = [];

  beforeAll(async () => {
    const tree = makeTree();
    tree.write('config/users.yaml', await usersYaml([...TEST_ACCOUNTS, ...OPERATORS]));
    t = await startTestHub({ tree });
    for (const op of OPERATORS) {
      const session = await t.login(op.username, op.password);
      const { socket } = await t.console({ session });
      consoles.push({ name: op.username, socket });
    }
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  it('exactly one wins, every time, across 200 rounds; the others are told who owns it', async () => {
    let seq = 0;
    for (let round = 0; round < 200; round++) {
      // A fresh incident each round, straight through ingest (this test is about the race, not MQTT).
      const m = nativeEvent('safegrid/home-b/home-b-panel', 'panic', null, `race-${round}`);
      await t.hub.ingest.receive({ topic: m.topic, payload: Buffer.from(m.payload), retained: false });
      const incident = await waitFor(() => t.hub.incidents.snapshot().find((i) => i.siteId === 'home-b' && i.status === 'new'));
      const n = 2 + (round % 19); // 2 … 20 racers
      const racers = consoles.slice((round * 7) % (consoles.length - n + 1)).slice(0, n);
      const replies = await Promise.all(
        racers.map(
          (c) =>
            new Promise<{ name: string; r: CommandReply }>((ok) =>
              c.socket.emit('incident:ack', { id: incident.id }, (r: CommandReply) => ok({ name: c.name, r })),
            ),
        ),
      );
      const winners = replies.filter((x) => x.r.ok);
      expect(winners, `round ${round}: ${n} racers`).toHaveLength(1);
      const winner = winners[0]!;
      const owned = (winner.r as { ok: true; incident: Incident }).incident.owner;
      expect(owned).toBe(winner.name);
      for (const loser of replies.filter((x) => !x.r.ok)) {
        expect(loser.r).toMatchObject({ ok: false, code: 'owned', error: `已由 ${winner.name} 签收 (owned by ${winner.name})` });
      }
      // The winner closes it so the next round opens a new incident.
      const closer = consoles.find((c) => c.name === winner.name)!;
      const closed = await new Promise<CommandReply>((ok) => closer.socket.emit('incident:close', { id: incident.id, disposition: 'test' }, ok));
      expect(closed.ok).toBe(true);
      seq++;
    }
    expect(seq).toBe(200);
    // The audit trail recorded one acknowledgement per round.
    const acks = (await t.hub.store.audit.all()).filter((row) => row.action === 'acknowledged');
    expect(acks.length).toBe(200);
  }, 120_000);
});
