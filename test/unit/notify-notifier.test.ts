/**
 * The notifier shell on an injected clock, an in-memory store and a fetch that plays a robot: one
 * row per incident and channel however often it is enqueued, backoff on the clock, a robot kept
 * under its messages per minute, a rate-limited channel's other rows waiting with it.
 */
import { describe, expect, it } from 'vitest';
import type { NotifyConfig } from '../../src/config/model.js';
import type { Incident } from '../../src/contract/incident.js';
import { ManualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { Metrics } from '../../src/core/metrics.js';
import { Notifier } from '../../src/notify/notifier.js';
import { openStore } from '../../src/store/index.js';
import { waitFor } from '../helpers/hub.js';

const config: NotifyConfig = {
  groups: {
    team: {
      priorities: [1, 2, 3],
      channels: [
        {
          id: 'bot',
          type: 'wecom',
          url: 'https://robot.example/send?key=k',
          secret: null,
          format: 'text',
          method: 'POST',
          headers: {},
          body: null,
          mentionMobiles: [],
        },
      ],
    },
  },
  retryFirstMs: 5000,
  retryMaxMs: 600_000,
  giveUpAfterMs: 3_600_000,
  timeoutMs: 5000,
};

const incident = (id: string, priority = 2): Incident =>
  ({
    id,
    number: `N-${id}`,
    priority,
    kind: 'intrusion',
    siteId: 's1',
    siteName: '店',
    gridCellName: null,
    openedAt: new Date(0).toISOString(),
    timeline: [],
    zones: [],
  }) as unknown as Incident;

function setup(replies: string[] = []) {
  const store = openStore(':memory:');
  const clock = new ManualClock();
  const calls: Array<{ url: string; body: string; at: number }> = [];
  const fetch = (async (url: string, init: RequestInit) => {
    calls.push({ url, body: String(init.body), at: clock.now() });
    return new Response(replies.shift() ?? '{"errcode":0,"errmsg":"ok"}', { status: 200 });
  }) as unknown as typeof globalThis.fetch;
  const recorded: string[] = [];
  const notifier = new Notifier({
    store,
    clock,
    log: silentLogger(),
    metrics: new Metrics(),
    config: () => config,
    site: () => ({ guardGroup: 'team', address: null, doorPlate: null, contacts: [] }),
    timeZone: () => 'Asia/Shanghai',
    fetch,
    robotPerMinute: 2,
  });
  notifier.start({ recordNotification: (id, n) => recorded.push(`${id} ${n.code}`) });
  // As dispatch does: the rows in the incidents' transaction, the kick once it has committed.
  const enqueue = async (list: Incident[]) => {
    await store.transaction(() => notifier.enqueue(list));
    notifier.kick();
  };
  const rows = async () => (await Promise.all(['a', 'b', 'c'].map((id) => store.outbox.forIncident(id)))).flat();
  const row = async (id: string) => (await store.outbox.forIncident(id))[0];
  return { store, clock, calls, notifier, recorded, enqueue, rows, row };
}

describe('Notifier', () => {
  it('enqueueing an incident twice (recover() after a crash) makes one row and one message; P4 makes none', async () => {
    const s = setup();
    await s.enqueue([incident('a'), incident('p4', 4)]);
    await s.enqueue([incident('a')]);
    await waitFor(async () => (await s.row('a'))?.status === 'sent');
    expect(s.calls).toHaveLength(1);
    expect(await s.store.outbox.forIncident('p4')).toEqual([]);
    await s.notifier.stop();
  });

  it('a robot gets at most its messages per minute; the rest wait for the minute, then go', async () => {
    const s = setup();
    await s.enqueue([incident('a'), incident('b'), incident('c')]);
    await waitFor(async () => s.calls.length === 2 && (await s.rows()).filter((r) => r.status === 'sent').length === 2);
    const waiting = (await s.rows()).find((r) => r.status === 'pending')!;
    expect(waiting.attempts).toBe(0); // never tried: no errcode drawn
    expect(waiting.nextAttemptMs).toBe(s.calls[0]!.at + 60_000);
    s.clock.advance(60_000);
    s.notifier.kick();
    await waitFor(async () => (await s.rows()).every((r) => r.status === 'sent'));
    expect(s.calls).toHaveLength(3);
    await s.notifier.stop();
  });

  it('45009 backs off on the clock and holds the channel; the retry delivers and says so', async () => {
    const s = setup(['{"errcode":45009,"errmsg":"api freq out of limit"}']);
    await s.enqueue([incident('a')]);
    await waitFor(async () => (await s.row('a'))?.attempts === 1);
    const row = (await s.row('a'))!;
    expect(row.status).toBe('pending');
    expect(row.lastError).toContain('45009');
    expect(row.nextAttemptMs - s.clock.now()).toBe(60_000); // a rate limit waits at least a minute
    expect(s.recorded).toEqual(['a notify.failed']);
    await s.enqueue([incident('b')]);
    // b is held with the channel: no request before the minute is over.
    s.notifier.kick();
    await waitFor(async () => (await s.row('b'))?.nextAttemptMs === row.nextAttemptMs);
    expect(s.calls).toHaveLength(1);
    s.clock.advance(60_000);
    s.notifier.kick();
    await waitFor(async () => (await s.rows()).every((r) => r.status === 'sent'));
    expect(s.recorded).toEqual(['a notify.failed', 'a notify.delivered']);
    await s.notifier.stop();
  });
});
