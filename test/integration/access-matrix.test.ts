/**
 * THE access table: every HTTP route and every socket namespace and command, for every role, in one
 * place. The test fails when the hub serves a route, namespace or command this table does not list,
 * so nothing new ships without an access rule.
 *
 * Outcomes: 'ok' = let through (the answer may still be a business refusal such as 400 or 409);
 * 401 = no session; 403 = the role may not; 404 = out of the caller's scope (answered exactly like a
 * missing id, so it does not confirm that the id exists); 303 = a page redirects to /login.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/api/commands/table.js';
import { SITE_COMMAND_SPECS } from '../../src/api/commands/site-table.js';
import type { SiteCommand } from '../../src/contract/commissioning.js';
import { COMMAND_EVENTS, type NAMESPACES, type CommandReply } from '../../src/contract/socket.js';
import { INCIDENT_ACTIONS, type IncidentAction } from '../../src/contract/workflow.js';
import { nativeEvent } from '../../src/simulate/payloads.js';
import { startTestHub, waitFor, type LoggedIn, type TestHub } from '../helpers/hub.js';

const WHO = ['anon', 'admin', 'op-city', 'op-hecheng', 'guard-hecheng', 'guard-minghu', 'installer'] as const;
type Who = (typeof WHO)[number];
type Outcome = 'ok' | 303 | 401 | 403 | 404;

/** One outcome per WHO, in order: "anon admin op-city op-hecheng guard-hecheng guard-minghu installer". */
function x(spec: string): Record<Who, Outcome> {
  const parts = spec.trim().split(/\s+/);
  if (parts.length !== WHO.length) throw new Error(`need ${WHO.length} outcomes: ${spec}`);
  return Object.fromEntries(WHO.map((w, i) => [w, parts[i] === 'ok' ? 'ok' : (Number(parts[i]) as Outcome)])) as Record<Who, Outcome>;
}

/** A body per site command that changes nothing: invalid (400) or nothing to stop (409). */
const SITE_COMMAND_PROBES: Record<SiteCommand, unknown> = {
  walktest_start: { minutes: 0 },
  walktest_stop: {},
  maintenance_start: { minutes: 0 },
  maintenance_end: {},
  mark_in_service: { note: '' },
};

/**
 * Placeholders: {A} an open incident at shop-a (荷城 station, hecheng-team), {B} one at home-b
 * (明湖 station, minghu-team); {EA} / {EB} one of their events.
 */
interface RestRow {
  method: 'GET' | 'POST';
  route: string;
  url: string;
  body?: unknown;
  /** Log in afresh for this row (it ends the session). */
  fresh?: boolean;
  expect: Record<Who, Outcome>;
}

/**
 * Every command of the command table (src/api/commands/table.ts), on an incident of each station.
 * The REST rows and the socket rows are generated from the table with these outcomes, so a command
 * is checked the same way on both paths; a command the table declares without rules here does not
 * compile. 'bogus' keeps the incidents open for the rows that follow.
 */
interface CommandRule {
  target: 'A' | 'B';
  body: Record<string, unknown>;
  expect: Record<Who, Outcome>;
}
//                                                                         anon admin op-city op-hecheng guard-hecheng guard-minghu installer
const COMMAND_RULES: Record<IncidentAction, CommandRule[]> = {
  // The 110 workflow is the operators' (issue 12): a guard is refused before the scope check.
  ack: [
    { target: 'A', body: {}, expect: x('401 ok ok ok 403 403 403') },
    { target: 'B', body: {}, expect: x('401 ok ok 404 403 403 403') },
  ],
  dispatch: [
    { target: 'A', body: { unit: '巡逻一组' }, expect: x('401 ok ok ok 403 403 403') },
    { target: 'B', body: { unit: '巡逻二组' }, expect: x('401 ok ok 404 403 403 403') },
  ],
  onscene: [
    { target: 'A', body: {}, expect: x('401 ok ok ok 403 403 403') },
    { target: 'B', body: {}, expect: x('401 ok ok 404 403 403 403') },
  ],
  feedback: [
    { target: 'A', body: { text: '现场无异常', nature: 'other' }, expect: x('401 ok ok ok 403 403 403') },
    { target: 'B', body: { text: '现场无异常', nature: 'other' }, expect: x('401 ok ok 404 403 403 403') },
  ],
  close: [
    { target: 'A', body: { disposition: 'bogus' }, expect: x('401 ok ok ok 403 403 403') },
    { target: 'B', body: { disposition: 'bogus' }, expect: x('401 ok ok 404 403 403 403') },
  ],
  note: [
    { target: 'A', body: { text: '已联系业主' }, expect: x('401 ok ok ok 403 403 403') },
    { target: 'B', body: { text: '已联系业主' }, expect: x('401 ok ok 404 403 403 403') },
  ],
  handover: [
    { target: 'A', body: { to: 'op-hecheng' }, expect: x('401 ok ok ok 403 403 403') },
    { target: 'B', body: { to: 'op-city' }, expect: x('401 ok ok 404 403 403 403') },
  ],
  takeover: [
    { target: 'A', body: {}, expect: x('401 ok 403 403 403 403 403') },
    { target: 'B', body: {}, expect: x('401 ok 403 403 403 403 403') },
  ],
  // No such station / contact: let through and refused by the workflow, so the incidents stay where they are.
  transfer: [
    { target: 'A', body: { to: 'no-such-station' }, expect: x('401 ok ok ok 403 403 403') },
    { target: 'B', body: { to: 'no-such-station' }, expect: x('401 ok ok 404 403 403 403') },
  ],
  call: [
    { target: 'A', body: { contact: 99, outcome: 'no_answer' }, expect: x('401 ok ok ok 403 403 403') },
    { target: 'B', body: { contact: 99, outcome: 'no_answer' }, expect: x('401 ok ok 404 403 403 403') },
  ],
  // The property-response track is the guards' (and an admin's), never an operator's.
  guard_ack: [
    { target: 'A', body: {}, expect: x('401 ok 403 403 ok 404 403') },
    { target: 'B', body: {}, expect: x('401 ok 403 403 404 ok 403') },
  ],
  guard_onscene: [
    { target: 'A', body: {}, expect: x('401 ok 403 403 ok 404 403') },
    { target: 'B', body: {}, expect: x('401 ok 403 403 404 ok 403') },
  ],
  guard_verify: [
    { target: 'A', body: { finding: 'confirmed' }, expect: x('401 ok 403 403 ok 404 403') },
    { target: 'B', body: { finding: 'confirmed' }, expect: x('401 ok 403 403 404 ok 403') },
  ],
  // 转为真实警情 (issue 15): operators of the scope; these incidents are real, so refused not_drill (409) after the checks.
  make_real: [
    { target: 'A', body: {}, expect: x('401 ok ok ok 403 403 403') },
    { target: 'B', body: {}, expect: x('401 ok ok 404 403 403 403') },
  ],
};

/** The REST rows of the command table: POST /api/incidents/:id/<action>. */
function commandRows(): RestRow[] {
  return COMMANDS.flatMap((c) =>
    COMMAND_RULES[c.action].map((r) => ({
      method: 'POST' as const,
      route: `/api${c.path}`,
      url: `/api${c.path.replace(':id', `{${r.target}}`)}`,
      body: r.body,
      expect: r.expect,
    })),
  );
}

//                                                                    anon admin op-city op-hecheng guard-hecheng guard-minghu installer
const REST: RestRow[] = [
  { method: 'GET', route: '/login', url: '/login', expect: x('ok ok ok ok ok ok ok') },
  // The console and the guard page: anonymous callers are sent to /login; the socket namespace decides what a role sees.
  { method: 'GET', route: '/', url: '/', expect: x('303 ok ok ok ok ok ok') },
  { method: 'GET', route: '/guard', url: '/guard', expect: x('303 ok ok ok ok ok ok') },
  // The installer page (issue 15): any signed-in role gets the page; the API decides what it shows.
  { method: 'GET', route: '/installer', url: '/installer', expect: x('303 ok ok ok ok ok ok') },
  // The reports page is a static shell: it shows guards and installers a refusal, and /api/reports… answers them 403.
  { method: 'GET', route: '/reports', url: '/reports', expect: x('303 ok ok ok ok ok ok') },
  // The guard page's manifest and service worker hold no data; a browser fetches a manifest without cookies.
  { method: 'GET', route: '/guard.webmanifest', url: '/guard.webmanifest', expect: x('ok ok ok ok ok ok ok') },
  { method: 'GET', route: '/guard-sw.js', url: '/guard-sw.js', expect: x('ok ok ok ok ok ok ok') },
  // The HTTPS certificate for phones to trust; this hub serves plain HTTP, so there is none.
  { method: 'GET', route: '/hub.crt', url: '/hub.crt', expect: x('404 404 404 404 404 404 404') },
  { method: 'GET', route: '/api/health', url: '/api/health', expect: x('ok ok ok ok ok ok ok') },
  // Load-balancer probes (issue 18): no login, a flag and reason codes only.
  { method: 'GET', route: '/api/health/live', url: '/api/health/live', expect: x('ok ok ok ok ok ok ok') },
  { method: 'GET', route: '/api/health/ready', url: '/api/health/ready', expect: x('ok ok ok ok ok ok ok') },
  { method: 'POST', route: '/api/login', url: '/api/login', body: {}, expect: x('ok ok ok ok ok ok ok') },
  { method: 'GET', route: '/api/session', url: '/api/session', expect: x('401 ok ok ok ok ok ok') },
  {
    method: 'POST',
    route: '/api/password',
    url: '/api/password',
    body: { current: 'not-it', next: 'whatever-long-enough' },
    expect: x('401 ok ok ok ok ok ok'),
  },
  { method: 'POST', route: '/api/session/renew', url: '/api/session/renew', expect: x('401 ok ok ok ok ok ok') },
  { method: 'POST', route: '/api/logout', url: '/api/logout', fresh: true, expect: x('401 ok ok ok ok ok ok') },
  { method: 'GET', route: '/api/incidents', url: '/api/incidents?status=open', expect: x('401 ok ok ok ok ok 403') },
  { method: 'GET', route: '/api/incidents/summary', url: '/api/incidents/summary', expect: x('401 ok ok ok ok ok 403') },
  { method: 'GET', route: '/api/incidents/:id', url: '/api/incidents/{A}', expect: x('401 ok ok ok ok 404 403') },
  { method: 'GET', route: '/api/incidents/:id', url: '/api/incidents/{B}', expect: x('401 ok ok 404 404 ok 403') },
  { method: 'GET', route: '/api/incidents/:id/notifications', url: '/api/incidents/{A}/notifications', expect: x('401 ok ok ok ok 404 403') },
  { method: 'GET', route: '/api/incidents/:id/notifications', url: '/api/incidents/{B}/notifications', expect: x('401 ok ok 404 404 ok 403') },
  ...commandRows(),
  // Drills (演练, issue 15): admins and operators. An empty start is a 400 (no drill starts here); no such drill is a 404.
  { method: 'GET', route: '/api/drills', url: '/api/drills', expect: x('401 ok ok ok 403 403 403') },
  { method: 'POST', route: '/api/drills', url: '/api/drills', body: {}, expect: x('401 ok ok ok 403 403 403') },
  { method: 'POST', route: '/api/drills/:id/end', url: '/api/drills/no-such-drill/end', expect: x('401 404 404 404 403 403 403') },
  { method: 'GET', route: '/api/events', url: '/api/events', expect: x('401 ok ok ok ok ok 403') },
  // Reports (issue 14): operators (scoped to their stations) and admins; guards and installers never.
  { method: 'GET', route: '/api/reports/daily', url: '/api/reports/daily?date=2026-12-02', expect: x('401 ok ok ok 403 403 403') },
  { method: 'GET', route: '/api/reports/daily', url: '/api/reports/daily?station=ps-minghu', expect: x('401 ok ok 404 403 403 403') },
  { method: 'GET', route: '/api/reports/daily/stored', url: '/api/reports/daily/stored', expect: x('401 ok ok ok 403 403 403') },
  { method: 'GET', route: '/api/reports/daily/stored/:date', url: '/api/reports/daily/stored/not-a-date', expect: x('401 ok ok ok 403 403 403') },
  { method: 'GET', route: '/api/reports/monthly', url: '/api/reports/monthly?month=2026-11', expect: x('401 ok ok ok 403 403 403') },
  { method: 'GET', route: '/api/reports/response', url: '/api/reports/response?month=2026-11', expect: x('401 ok ok ok 403 403 403') },
  { method: 'GET', route: '/api/reports/devices', url: '/api/reports/devices?month=2026-11', expect: x('401 ok ok ok 403 403 403') },
  { method: 'GET', route: '/api/reports/bulletin', url: '/api/reports/bulletin?community=荷城街道', expect: x('401 ok ok ok 403 403 403') },
  { method: 'GET', route: '/api/reports/bulletin', url: '/api/reports/bulletin?community=明湖社区', expect: x('401 ok ok 404 403 403 403') },
  { method: 'GET', route: '/api/events/:id', url: '/api/events/{EA}', expect: x('401 ok ok ok ok 404 403') },
  { method: 'GET', route: '/api/events/:id', url: '/api/events/{EB}', expect: x('401 ok ok 404 404 ok 403') },
  { method: 'GET', route: '/api/workflow', url: '/api/workflow', expect: x('401 ok ok ok ok ok 403') },
  { method: 'GET', route: '/api/sites', url: '/api/sites', expect: x('401 ok ok ok ok ok ok') },
  { method: 'GET', route: '/api/sites/:id', url: '/api/sites/shop-a', expect: x('401 ok ok ok ok 404 ok') },
  { method: 'GET', route: '/api/sites/:id', url: '/api/sites/home-b', expect: x('401 ok ok 404 404 ok ok') },
  { method: 'GET', route: '/api/sites/:id/incidents', url: '/api/sites/shop-a/incidents?days=90', expect: x('401 ok ok ok ok 404 403') },
  { method: 'GET', route: '/api/sites/:id/incidents', url: '/api/sites/home-b/incidents', expect: x('401 ok ok 404 404 ok 403') },
  { method: 'GET', route: '/api/devices', url: '/api/devices', expect: x('401 ok ok ok 403 403 ok') },
  { method: 'GET', route: '/api/cameras', url: '/api/cameras', expect: x('401 ok ok ok 403 403 ok') },
  { method: 'GET', route: '/api/stations', url: '/api/stations', expect: x('401 ok ok ok 403 403 ok') },
  { method: 'GET', route: '/api/grids', url: '/api/grids', expect: x('401 ok ok ok 403 403 ok') },
  { method: 'GET', route: '/api/map', url: '/api/map', expect: x('401 ok ok ok 403 403 ok') },
  { method: 'GET', route: '/api/cameras/status', url: '/api/cameras/status', expect: x('401 ok ok ok 403 403 ok') },
  // No such camera / media: the allowed roles get 404, the others are refused before the lookup.
  { method: 'GET', route: '/api/cameras/:id/live', url: '/api/cameras/no-such-cam/live', expect: x('401 404 404 404 403 403 403') },
  { method: 'GET', route: '/api/sites/:site/cameras/:id/live', url: '/api/sites/shop-a/cameras/no-such-cam/live', expect: x('401 404 404 404 403 403 403') },
  { method: 'GET', route: '/api/media/:id', url: '/api/media/no-such-media', expect: x('401 404 404 404 404 404 403') },
  // Commissioning (issue 15): operators may look, installers and admins act. The bodies are invalid or
  // find nothing to stop, so no row starts a walk test or maintenance that would divert later alarms.
  { method: 'GET', route: '/api/commissioning', url: '/api/commissioning', expect: x('401 ok ok ok 403 403 ok') },
  { method: 'GET', route: '/api/sites/:id/walktests', url: '/api/sites/shop-a/walktests', expect: x('401 ok ok ok 403 403 ok') },
  { method: 'GET', route: '/api/sites/:id/walktests', url: '/api/sites/home-b/walktests', expect: x('401 ok ok 404 403 403 ok') },
  ...SITE_COMMAND_SPECS.map(
    (c): RestRow => ({
      method: 'POST',
      route: `/api${c.path}`,
      url: `/api${c.path.replace(':id', 'shop-a')}`,
      body: SITE_COMMAND_PROBES[c.command],
      expect: x('401 ok 403 403 403 403 ok'),
    }),
  ),
  { method: 'GET', route: '/metrics', url: '/metrics', expect: x('401 ok 403 403 403 403 403') },
];

/** Namespaces: who may connect. Refusals arrive as connect_error with data.code. */
const NAMESPACE_RULES: Record<(typeof NAMESPACES)[number], Record<Who, Outcome>> = {
  '/console': x('401 ok ok ok 403 403 403'),
  '/guard': x('401 ok 403 403 ok ok 403'),
};

/** Socket commands, sent on the namespace the role uses (/guard for guards, /console for the rest). */
interface SocketRow {
  event: (typeof COMMAND_EVENTS)[number];
  target: 'A' | 'B';
  body: Record<string, unknown>;
  expect: Record<Who, Outcome>;
}
const SOCKET: SocketRow[] = COMMANDS.flatMap((c) => COMMAND_RULES[c.action].map((r) => ({ event: c.event, target: r.target, body: r.body, expect: r.expect })));

let t: TestHub;
const ids: Record<string, string> = {};
const sessions = new Map<Who, LoggedIn>();

beforeAll(async () => {
  t = await startTestHub();
  const shop = await t.deviceAs('shop-a-panel');
  const home = await t.deviceAs('home-b');
  for (const [d, topic] of [
    [shop, 'safegrid/shop-a/shop-a-panel'],
    [home, 'safegrid/home-b/home-b-panel'],
  ] as const) {
    const m = nativeEvent(topic, 'intrusion', 1, `matrix-${topic}`);
    await d.publishAsync(m.topic, m.payload, { qos: 1 });
  }
  await waitFor(() => t.hub.incidents.snapshot().length >= 2);
  const bySite = (site: string) => t.hub.incidents.snapshot().find((i) => i.siteId === site)!.id;
  ids.A = bySite('shop-a');
  ids.B = bySite('home-b');
  ids.EA = (await t.hub.store.events.query({ siteId: 'shop-a', limit: 1 }))[0]!.id;
  ids.EB = (await t.hub.store.events.query({ siteId: 'home-b', limit: 1 }))[0]!.id;
  for (const w of WHO) if (w !== 'anon') sessions.set(w, await t.login(w));
});

afterAll(async () => {
  await t?.close();
});

const fill = (url: string): string => url.replace(/\{(\w+)\}/g, (_, k: string) => ids[k]!);

function outcomeOf(status: number): Outcome | number {
  if (status === 401 || status === 403 || status === 404 || status === 303) return status;
  return 'ok';
}

describe('the table covers everything the hub serves', () => {
  it('every HTTP route has a row, and every row names a real route', () => {
    const served = new Set(t.hub.routes.map((r) => `${r.method} ${r.route ?? r.path}`));
    const listed = new Set(REST.map((r) => `${r.method} ${r.route}`));
    expect([...served].filter((r) => !listed.has(r)).sort(), 'routes without an access rule').toEqual([]);
    expect([...listed].filter((r) => !served.has(r)).sort(), 'rules for routes that do not exist').toEqual([]);
  });
  it('every namespace and every command event has rules', () => {
    expect([...t.hub.namespaces].sort()).toEqual(Object.keys(NAMESPACE_RULES).sort());
    expect([...new Set(SOCKET.map((r) => r.event))].sort()).toEqual([...COMMAND_EVENTS].sort());
  });
  it('every command of the table is served over REST and the socket, guarded by its capability, with rules for both stations', () => {
    expect(COMMANDS.map((c) => c.action)).toEqual([...INCIDENT_ACTIONS]);
    expect(COMMANDS.map((c) => c.event)).toEqual([...COMMAND_EVENTS]);
    for (const c of COMMANDS) {
      const route = t.hub.routes.find((r) => r.method === 'POST' && r.path === `/api${c.path}`);
      expect(route?.guards, c.path).toEqual([`allow(${c.capability})`]);
      expect(COMMAND_RULES[c.action].map((r) => r.target).sort(), c.action).toEqual(['A', 'B']);
    }
  });
  it('every route except the anonymous ones is guarded by allow() in code, not only by the gate', () => {
    const open = t.hub.routes.filter((r) => r.guards.length === 0 && r.path !== '/metrics' && r.path !== '/login');
    expect(open.map((r) => `${r.method} ${r.path}`)).toEqual([]);
  });
});

describe('REST: each role × each route', () => {
  for (const row of REST) {
    for (const who of WHO) {
      it(`${who.padEnd(13)} ${row.method} ${row.url} → ${row.expect[who]}`, async () => {
        const url = fill(row.url);
        let s = who === 'anon' ? null : sessions.get(who)!;
        if (s && row.fresh) s = await t.login(who);
        let res: Response;
        if (row.method === 'GET') res = s ? await s.get(url) : await fetch(t.baseUrl + url, { redirect: 'manual' });
        else if (s) res = await s.post(url, row.body ?? {});
        else res = await fetch(t.baseUrl + url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(row.body ?? {}) });
        expect(outcomeOf(res.status), `HTTP ${res.status}`).toBe(row.expect[who]);
      });
    }
  }
  it('an anonymous page request is redirected to the login page; the API answers 401 JSON', async () => {
    const page = await fetch(`${t.baseUrl}/`, { redirect: 'manual' });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/login');
    const api = await fetch(`${t.baseUrl}/api/no-such-thing`);
    expect(api.status).toBe(401);
    expect(await api.json()).toMatchObject({ code: 'unauthenticated' });
  });
});

describe('Socket.IO: each role × each namespace and command', () => {
  for (const [ns, rules] of Object.entries(NAMESPACE_RULES)) {
    for (const who of WHO) {
      it(`${who.padEnd(13)} connects to ${ns} → ${rules[who]}`, async () => {
        const opts = { namespace: ns as '/console' | '/guard', as: who === 'anon' ? null : who };
        if (rules[who] === 'ok') {
          const { socket, snapshot } = await t.console(opts);
          expect(Array.isArray(snapshot.incidents)).toBe(true);
          socket.disconnect();
        } else {
          expect((await t.consoleRefused(opts)).code).toBe(rules[who]);
        }
      });
    }
  }
  for (const row of SOCKET) {
    for (const who of WHO) {
      it(`${who.padEnd(13)} ${row.event} on ${row.target} → ${row.expect[who]}`, async () => {
        const namespace = who.startsWith('guard') ? '/guard' : '/console';
        const as = who === 'anon' ? null : who;
        if (who === 'anon' || who === 'installer') {
          // They cannot even connect, so they cannot send a command.
          expect((await t.consoleRefused({ namespace, as })).code).toBe(row.expect[who]);
          return;
        }
        const { socket } = await t.console({ namespace, session: sessions.get(who)! });
        const reply = await new Promise<CommandReply>((ok) => (socket.emit as (...a: unknown[]) => void)(row.event, { id: ids[row.target], ...row.body }, ok));
        socket.disconnect();
        const outcome = reply.ok ? 'ok' : reply.code === 'forbidden' ? 403 : reply.code === 'not_found' ? 404 : reply.code === 'unauthenticated' ? 401 : 'ok';
        expect(outcome, JSON.stringify(reply)).toBe(row.expect[who]);
      });
    }
  }
});

describe('input is validated at the edge, with a coded refusal', () => {
  it('REST: a mistyped or missing command field is a 400 bad_request, before the incident is looked up', async () => {
    const op = sessions.get('op-city')!;
    for (const [path, body] of [
      ['close', { disposition: 5 }],
      ['close', {}],
      ['note', { text: ['a'] }],
      ['handover', {}],
      ['dispatch', { unit: { name: 'x' } }],
    ] as const) {
      const res = await op.post(`/api/incidents/${ids.A}/${path}`, body);
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'bad_request', error: expect.any(String) });
    }
    // Still a 404 for a well-formed command on an id that does not exist.
    expect((await op.post('/api/incidents/no-such-incident/note', { text: 'x' })).status).toBe(404);
  });
  it('invalid filters answer 400 with a code: an unparsable or injected query filter is refused, not ignored (issue 17, item 16)', async () => {
    const op = sessions.get('op-city')!;
    for (const url of [
      '/api/events?limit=lots&since=yesterday-ish&site=../etc',
      `/api/incidents?site=${encodeURIComponent("' OR '1'='1")}`,
      '/api/incidents?site=shop-a&site=home-b',
      '/api/events?after=1e3',
    ]) {
      const res = await op.get(url);
      expect(res.status, url).toBe(400);
      expect(await res.json(), url).toMatchObject({ code: 'bad_filter', error: expect.stringContaining('invalid query filter') });
    }
    // A valid filter, and an unknown parameter (a cache buster), still answer.
    expect((await op.get('/api/events?site=shop-a&limit=5&_=123')).status).toBe(200);
  });
  it('socket: a payload without an id, or with a mistyped field, is refused with bad_request', async () => {
    const { socket } = await t.console({ namespace: '/console', session: sessions.get('op-city')! });
    const send = (event: string, payload: unknown) => new Promise<CommandReply>((ok) => (socket.emit as (...a: unknown[]) => void)(event, payload, ok));
    expect(await send('incident:ack', null)).toMatchObject({ ok: false, code: 'bad_request' });
    expect(await send('incident:ack', { id: 42 })).toMatchObject({ ok: false, code: 'bad_request' });
    expect(await send('incident:note', { id: ids.A, text: 7 })).toMatchObject({ ok: false, code: 'bad_request' });
    expect(await send('incident:note', { id: 'no-such-incident', text: 'x' })).toMatchObject({ ok: false, code: 'not_found' });
    socket.disconnect();
  });
});
