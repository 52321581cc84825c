/** Input schemas of the REST routes (src/api/http/inputs.ts) and the socket handshake: an invalid filter is refused (400 bad_filter), never ignored. */
import { describe, expect, it } from 'vitest';
import { commissioningQuery, downloadFlag, eventListQuery, incidentListQuery, loginBody, passwordBody } from '../../src/api/http/inputs.js';
import { handshakeAuth } from '../../src/api/socket/snapshot.js';

describe('GET /api/incidents query', () => {
  const rows: Array<[Record<string, unknown>, Record<string, unknown>]> = [
    [{}, {}],
    [{ status: 'open' }, { status: 'open' }],
    [{ status: 'on_scene' }, { status: 'on_scene' }],
    [{ status: 'nonsense' }, { status: undefined }],
    [{ status: ['open', 'closed'] }, { status: undefined }],
    [{ site: 'shop-a' }, { site: 'shop-a' }],
    [{ site: '../etc' }, { site: undefined }],
    [{ since: '1700000000000' }, { since: 1_700_000_000_000 }],
    [{ since: '2026-01-01T00:00:00Z' }, { since: Date.parse('2026-01-01T00:00:00Z') }],
    [{ since: 'yesterday' }, { since: undefined }],
    [{ since: 'x'.repeat(41) }, { since: undefined }],
    [{ limit: '50' }, { limit: 50 }],
    [{ limit: '0' }, { limit: 1 }],
    [{ limit: '99999' }, { limit: 1000 }],
    [{ limit: '-3' }, { limit: undefined }],
    [{ limit: 'lots' }, { limit: undefined }],
  ];
  it.each(rows)('%j → %j', (query, expected) => {
    // undefined expected for a given filter: it does not parse, and the route answers 400 bad_filter.
    const refused = Object.entries(expected).some(([k, v]) => v === undefined && k in query);
    const parsed = incidentListQuery.safeParse(query);
    expect(parsed.success).toBe(!refused);
    if (parsed.success) expect(parsed.data).toMatchObject(expected);
  });
});

describe('GET /api/events query', () => {
  it.each([
    [{ after: '120' }, { after: 120 }],
    [{ after: '0' }, { after: 0 }],
    [{ after: '1e3' }, { after: undefined }],
    [
      { device: 'panel-1', kind: 'intrusion' },
      { device: 'panel-1', kind: 'intrusion' },
    ],
    [{ device: 'a b' }, { device: undefined }],
  ])('%j → %j', (query, expected) => {
    const refused = Object.entries(expected).some(([k, v]) => v === undefined && k in query);
    const parsed = eventListQuery.safeParse(query);
    expect(parsed.success).toBe(!refused);
    if (parsed.success) expect(parsed.data).toMatchObject(expected);
  });
});

describe('bodies', () => {
  it.each([
    [{ username: 'a', password: 'b' }, true],
    [{ username: 'a' }, false],
    [{ username: 1, password: 'b' }, false],
    [['a', 'b'], false],
  ])('login %j → %s', (body, ok) => {
    expect(loginBody.safeParse(body).success).toBe(ok);
  });
  it('password: a field of the wrong type is left for the service to judge (a wrong current password is rate limited)', () => {
    expect(passwordBody.parse({ current: 5, next: 'x' })).toEqual({ current: undefined, next: 'x' });
  });
});

describe('socket handshake auth (socket/snapshot.ts): a `since` that is not a whole seq is ignored', () => {
  it.each([
    [{ since: 120 }, 120],
    [{ since: 0 }, 0],
    [{ since: -1 }, undefined],
    [{ since: 1.5 }, undefined],
    [{ since: '120' }, undefined],
    [{ since: Number.MAX_SAFE_INTEGER + 2 }, undefined],
    [{}, undefined],
    ['since', undefined],
    [null, undefined],
  ])('%j → %s', (auth, since) => {
    expect(handshakeAuth.parse(auth).since).toBe(since);
  });
});

describe('GET /api/commissioning query: `site` once, as an id', () => {
  it.each([
    [{}, true],
    [{ site: 'shop-a' }, true],
    [{ site: ['shop-a', 'home-b'] }, false],
    [{ site: '' }, false],
    [{ site: "' OR '1'='1" }, false],
  ])('%j → %s', (query, ok) => {
    expect(commissioningQuery.safeParse(query).success).toBe(ok);
  });
});

describe('report `download` flag', () => {
  it.each([
    [undefined, true],
    ['', true],
    ['1', true],
    ['true', true],
    ['0', false],
    ['yes', false],
    [['1', '1'], false],
  ])('%j → %s', (value, ok) => {
    expect(downloadFlag.safeParse(value).success).toBe(ok);
  });
});

describe('socket handshake auth: `deltas` is 1 or absent, anything else is refused', () => {
  it.each([
    [{ deltas: 1 }, true],
    [{ deltas: 1, since: 'x' }, true],
    [{}, true],
    [{ deltas: 2 }, false],
    [{ deltas: true }, false],
    [{ deltas: '1' }, false],
    [{ deltas: null }, false],
  ])('%j → %s', (auth, ok) => {
    expect(handshakeAuth.safeParse(auth).success).toBe(ok);
  });
});
