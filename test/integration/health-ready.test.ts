/**
 * `/api/health/live` and `/api/health/ready` (issue 18): what a load balancer and a container
 * runtime see, without logging in. Ready is false, with reason codes and nothing else, while this
 * replica cannot take alarms: draining, storage not answering, or a check the cluster adds failing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Readiness, CHECK_CEILING_MS } from '../../src/core/readiness.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import { HUB_YAML, makeTree } from '../helpers/tree.js';

async function probe(base: string, path: 'live' | 'ready'): Promise<{ status: number; body: Record<string, unknown>; cacheControl: string | null }> {
  const r = await fetch(`${base}/api/health/${path}`);
  return { status: r.status, body: (await r.json()) as Record<string, unknown>, cacheControl: r.headers.get('cache-control') };
}

describe('readiness probe of a running hub', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a started hub is live and ready, without a login, and the answer is not cached', async () => {
    expect(await probe(t.baseUrl, 'live')).toMatchObject({ status: 200, body: { live: true } });
    const ready = await probe(t.baseUrl, 'ready');
    expect(ready).toMatchObject({ status: 200, body: { ready: true } });
    expect(ready.cacheControl).toBe('no-store');
    // The old combined probe is unchanged (contract).
    const old = await fetch(`${t.baseUrl}/api/health`);
    expect(old.status).toBe(200);
    expect(await old.json()).toMatchObject({ status: 'ok', storage: 'ok' });
  });

  it('a failing check the cluster adds (Redis lost) makes it 503 with that code only, and ready again once it holds', async () => {
    let redisUp = false;
    const remove = t.hub.readiness.addCheck(() => (redisUp ? null : 'redis_unavailable'));
    try {
      const down = await probe(t.baseUrl, 'ready');
      expect(down.status).toBe(503);
      // Codes only: no host, URL, error text or password for whoever can reach the port.
      expect(down.body).toEqual({ ready: false, reasons: ['redis_unavailable'] });
      expect(await probe(t.baseUrl, 'live')).toMatchObject({ status: 200 });
      redisUp = true;
      expect(await probe(t.baseUrl, 'ready')).toMatchObject({ status: 200, body: { ready: true } });
    } finally {
      remove();
    }
  });

  it('a check that throws counts as failed, with a code and not its error text', async () => {
    const remove = t.hub.readiness.addCheck(() => {
      throw new Error('connect ECONNREFUSED 10.0.0.7:6379 password=hunter2');
    });
    try {
      const r = await fetch(`${t.baseUrl}/api/health/ready`);
      expect(r.status).toBe(503);
      const text = await r.text();
      expect(JSON.parse(text)).toEqual({ ready: false, reasons: ['check_failed'] });
      expect(text).not.toContain('hunter2');
      expect(text).not.toContain('10.0.0.7');
    } finally {
      remove();
    }
  });
});

describe('readiness when storage stops answering', () => {
  it('the database closed under a running hub: ready 503 storage_unavailable, live still 200', async () => {
    const t = await startTestHub();
    try {
      expect((await probe(t.baseUrl, 'ready')).status).toBe(200);
      await t.hub.store.close();
      const r = await probe(t.baseUrl, 'ready');
      expect(r).toMatchObject({ status: 503, body: { ready: false, reasons: ['storage_unavailable'] } });
      expect(await probe(t.baseUrl, 'live')).toMatchObject({ status: 200, body: { live: true } });
    } finally {
      await t.close();
    }
  });
});

describe('readiness while draining (in process)', () => {
  it('drain(): ready turns 503 draining while the listener still answers, consoles are told to reconnect, then the hub is gone', async () => {
    // The unready delay is the window in which a load balancer sees 503 before the listener closes.
    const tree = makeTree();
    tree.write('config/hub.yaml', `${HUB_YAML}drain:\n  unready_delay: 3s\n  timeout: 20s\n`);
    const t = await startTestHub({ tree });
    const base = t.baseUrl;
    try {
      const { socket } = await t.console();
      const cut = new Promise<string>((ok) => socket.once('disconnect', (reason) => ok(reason)));
      expect((await probe(base, 'ready')).status).toBe(200);
      const drained = t.hub.drain();
      expect(await probe(base, 'ready')).toMatchObject({ status: 503, body: { ready: false, reasons: ['draining'] } });
      // Still live, and the old probe still answers: the replica serves what it has while the balancer moves on.
      expect(await probe(base, 'live')).toMatchObject({ status: 200 });
      await drained;
      // A closed transport, not a server-side disconnect: the client reconnects on its own (to another replica).
      expect(await cut).toBe('transport close');
      socket.close();
      await expect(fetch(`${base}/api/health/live`)).rejects.toThrow();
    } finally {
      await t.close();
    }
  });
});

describe('Readiness (the core)', () => {
  it('says starting until marked serving, draining for good once draining', async () => {
    const r = new Readiness();
    expect(await r.reasons()).toEqual(['starting']);
    r.markServing();
    expect(await r.reasons()).toEqual([]);
    r.markDraining();
    r.markServing();
    expect(await r.reasons()).toEqual(['draining']);
  });

  it(`a check that does not answer within ${CHECK_CEILING_MS} ms counts as failed (a hung database must not hang the probe)`, async () => {
    const r = new Readiness();
    r.markServing();
    r.addCheck(() => new Promise<null>(() => undefined));
    expect(await r.reasons()).toEqual(['check_timeout']);
  });
});
