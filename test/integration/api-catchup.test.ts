/**
 * Catch-up by `since` while alarms keep arriving (issue 18): the replay is read from the store
 * asynchronously now, so live pushes could overtake it. A console that reconnects with the last
 * seq it saw must get every later event exactly once and in seq order, whatever arrives while its
 * replay is being read — the page drops any event at or below the last seq it saw.
 */
import { io as ioClient, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientToServerEvents, EventBatch, ServerToClientEvents } from '../../src/contract/socket.js';
import { nativeEvent } from '../../src/simulate/payloads.js';
import { startTestHub, waitFor, type TestHub } from '../helpers/hub.js';

const TOPIC = 'safegrid/shop-a/shop-a-panel';
const MISSED = 1200;
const DURING = 300;

describe('console catch-up by since, under live alarms', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('every event after since arrives once, in seq order, while alarms keep coming', async () => {
    const device = await t.deviceAs('shop-a-panel');
    let n = 0;
    // In flights of 50 at a time, as a busy site's panel would send them.
    const publish = async (count: number) => {
      for (let k = 0; k < count; k += 50) {
        await Promise.all(
          Array.from({ length: Math.min(50, count - k) }, (_, j) => {
            const m = nativeEvent(TOPIC, 'intrusion', ((k + j) % 8) + 1, `catchup-${++n}`);
            return device.publishAsync(m.topic, m.payload, { qos: 1 });
          }),
        );
      }
    };
    // A first console sees where the log stands, then goes away.
    const first = await t.console({ as: 'op-city' });
    const since = first.snapshot.eventSeq;
    first.socket.disconnect();
    // Missed while away: more than one replay page (1,000), all durable (PUBACK).
    await publish(MISSED);
    // Acknowledged means committed; announced (pushed) follows a moment later.
    await waitFor(() => t.hub.ingest.announcedSeq >= since + MISSED);

    // Reconnect with since, and keep alarms coming while the replay is read.
    const session = await t.login('op-city');
    const seen: number[] = [];
    const during = publish(DURING);
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = ioClient(`${t.baseUrl}/console`, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      extraHeaders: { cookie: session.cookie },
      auth: { since },
    });
    socket.on('event:stored', (batch: EventBatch) => {
      for (const e of batch.events) seen.push(e.seq);
    });
    await during;
    const last = await waitFor(() => t.hub.ingest.announcedSeq >= since + MISSED + DURING && t.hub.ingest.announcedSeq);
    try {
      await waitFor(() => seen.length > 0 && seen.at(-1)! >= last);
      // In order, no repeats, nothing missing: every seq after since up to the last announced.
      for (let k = 1; k < seen.length; k++) expect(seen[k], `position ${k} of ${seen.join(',')}`).toBeGreaterThan(seen[k - 1]!);
      const stored: number[] = [];
      for (let after = since; ; ) {
        const page = await t.hub.store.events.query({ afterSeq: after, limit: 1000 });
        if (page.length === 0) break;
        stored.push(...page.map((e) => e.seq));
        after = page.at(-1)!.seq;
      }
      expect(seen).toEqual(stored.filter((s) => s <= last));
      expect(seen.length).toBeGreaterThanOrEqual(MISSED + DURING);
    } finally {
      socket.disconnect();
    }
  });
});
