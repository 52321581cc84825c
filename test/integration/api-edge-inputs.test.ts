/**
 * Every query and handshake `auth` the API reads goes through its zod schema at the edge (issue 11),
 * over real HTTP and real socket.io clients: a filter given twice or of the wrong form is 400
 * `bad_filter`, never silently widened (`/api/commissioning?site=a&site=b` answered every site), a
 * report's `download` flag is checked like any filter, and a handshake `auth.deltas` other than 1
 * is refused at connect with 400 `bad_request`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleHandshakeAuth } from '../../src/contract/socket.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';

let t: TestHub;

beforeAll(async () => {
  t = await startTestHub();
});

afterAll(async () => {
  await t?.close();
});

async function refusedWith(res: Response, code: string, words: string): Promise<void> {
  expect(res.status, res.url).toBe(400);
  expect(await res.json(), res.url).toMatchObject({ code, error: expect.stringContaining(words) });
}

describe('GET /api/commissioning ?site=', () => {
  it('one site when given once; given twice or not an id, 400 bad_filter instead of every site', async () => {
    const installer = await t.login('installer');
    const one = await installer.get('/api/commissioning?site=shop-a');
    expect(one.status).toBe(200);
    expect(((await one.json()) as { sites: Array<{ siteId: string }> }).sites.map((s) => s.siteId)).toEqual(['shop-a']);
    const all = await installer.get('/api/commissioning');
    expect(((await all.json()) as { sites: unknown[] }).sites.length).toBeGreaterThan(1);
    for (const url of [
      '/api/commissioning?site=shop-a&site=home-b',
      `/api/commissioning?site=${encodeURIComponent("' OR '1'='1")}`,
      '/api/commissioning?site=',
    ]) {
      await refusedWith(await installer.get(url), 'bad_filter', 'invalid query filter: site');
    }
    // A well-formed id that names no site still answers, with no site.
    const none = await installer.get('/api/commissioning?site=no-such-site');
    expect(((await none.json()) as { sites: unknown[] }).sites).toEqual([]);
  });
});

describe('GET /api/reports ?download', () => {
  const url = '/api/reports/daily?date=2026-12-02&format=html';
  it('the HTML report is an attachment with ?download (empty, 1 or true) and a page without it', async () => {
    const op = await t.login('op-city');
    const page = await op.get(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-disposition')).toBeNull();
    for (const flag of ['download', 'download=1', 'download=true']) {
      const res = await op.get(`${url}&${flag}`);
      expect(res.status, flag).toBe(200);
      expect(res.headers.get('content-disposition'), flag).toBe('attachment; filename="daily-2026-12-02.html"');
    }
  });
  it('a download flag given twice or with another value is 400 bad_filter', async () => {
    const op = await t.login('op-city');
    for (const flag of ['download=1&download=1', 'download=0', 'download=yes']) {
      await refusedWith(await op.get(`${url}&${flag}`), 'bad_filter', 'invalid query filter: download');
    }
  });
});

describe('GET /api/incidents: the live queue only when no site or since is given', () => {
  it('?status=open&site= lists that site only; the filter given twice is refused', async () => {
    const op = await t.login('op-city');
    const res = await op.get('/api/incidents?status=open&site=no-such-site');
    expect(res.status).toBe(200);
    expect(((await res.json()) as { incidents: unknown[] }).incidents).toEqual([]);
    await refusedWith(await op.get('/api/incidents?status=open&site=shop-a&site=home-b'), 'bad_filter', 'invalid query filter: site');
    await refusedWith(await op.get('/api/incidents?status=open&since=1&since=2'), 'bad_filter', 'invalid query filter: since');
  });
});

describe('POST /api/drills/:id/end: the body joins the path id only as an object', () => {
  it('a JSON array body is 400 bad_request, not an end of the drill with the path id', async () => {
    const op = await t.login('op-city');
    const res = await op.post('/api/drills/shop-a/end', ['x']);
    await refusedWith(res, 'bad_request', 'expected object');
  });
});

describe('socket handshake auth', () => {
  it.each([{ deltas: 2 }, { deltas: true }, { deltas: '1' }, { since: 5, deltas: 0 }])(
    '%j is refused at connect: 400 bad_request naming deltas',
    async (auth) => {
      const refused = await t.consoleRefused({ as: 'op-city', auth: auth as unknown as ConsoleHandshakeAuth });
      expect(refused).toMatchObject({ code: 400, refusal: 'bad_request', message: expect.stringContaining('deltas') });
    },
  );
  it('deltas: 1 connects, and a since that is not a whole seq is still ignored (the console starts from its snapshot)', async () => {
    for (const auth of [{ deltas: 1 }, { since: 'x', deltas: 1 }, {}] as const) {
      const { socket, snapshot } = await t.console({ as: 'op-city', auth: auth as unknown as ConsoleHandshakeAuth });
      expect(snapshot.incidents, JSON.stringify(auth)).toBeInstanceOf(Array);
      socket.disconnect();
    }
  });
  it('the guard namespace checks the same schema', async () => {
    const refused = await t.consoleRefused({ namespace: '/guard', as: 'guard-hecheng', auth: { deltas: 'yes' } as unknown as ConsoleHandshakeAuth });
    expect(refused).toMatchObject({ code: 400, refusal: 'bad_request' });
  });
});
