import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/contract/incident.js';
import type { CommandReply } from '../../src/contract/socket.js';
import { nativeEvent } from '../../src/simulate/payloads.js';
import { nextEvent, startTestHub, waitFor, type TestHub } from '../helpers/hub.js';

/**
 * guard-hecheng guards shop-a (hecheng-team); home-b belongs to minghu-team. Nothing about home-b
 * may reach guard-hecheng: not a list, a read, a snapshot, a push or a command.
 */
let t: TestHub;
let home: string;

beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t?.close();
});

describe('a guard of group A never receives an incident of group B', () => {
  it('live pushes: the home-b alarm reaches its own guard and the city, never the other guard', async () => {
    const other = await t.console({ namespace: '/guard', as: 'guard-hecheng' });
    const own = await t.console({ namespace: '/guard', as: 'guard-minghu' });
    const city = await t.console({ as: 'op-city' });
    const leaked: unknown[] = [];
    for (const ev of ['incident:new', 'incident:update', 'device:status'] as const) other.socket.on(ev, (x: unknown) => leaked.push(x));
    const seenOwn = nextEvent<Incident>(own.socket, 'incident:new', (i) => i.siteId === 'home-b');
    const seenCity = nextEvent<Incident>(city.socket, 'incident:new', (i) => i.siteId === 'home-b');
    const d = await t.deviceAs('home-b');
    const m = nativeEvent('safegrid/home-b/home-b-panel', 'panic', null, 'guard-scope-1');
    await d.publishAsync(m.topic, m.payload, { qos: 1 });
    home = (await seenOwn).id;
    await seenCity;
    // A later update too (a second zone), then an alarm of the other guard's own site as the marker: pushes reach a
    // socket in order, so once the shop-a incident has reached guard-hecheng, anything stray about home-b would have too.
    const upd = nextEvent<Incident>(own.socket, 'incident:update', (i) => i.id === home);
    const m2 = nativeEvent('safegrid/home-b/home-b-panel', 'intrusion', 2, 'guard-scope-2');
    await d.publishAsync(m2.topic, m2.payload, { qos: 1 });
    await upd;
    const marker = nextEvent<Incident>(other.socket, 'incident:new', (i) => i.siteId === 'shop-a');
    const shop = await t.deviceAs('shop-a');
    const m3 = nativeEvent('safegrid/shop-a/shop-a-panel', 'intrusion', 1, 'guard-scope-marker');
    await shop.publishAsync(m3.topic, m3.payload, { qos: 1 });
    await marker;
    expect(leaked.filter((x) => (x as { siteId?: string }).siteId === 'home-b')).toEqual([]);
  });

  it('the /guard snapshot, REST lists and single reads leave it out or answer 404', async () => {
    await waitFor(async () => await t.hub.incidents.get(home));
    const g = await t.login('guard-hecheng');
    const { snapshot } = await t.console({ namespace: '/guard', session: g });
    expect(snapshot.incidents.map((i) => i.siteId)).not.toContain('home-b');
    const lists = [
      '/api/incidents?status=open',
      '/api/incidents',
      '/api/incidents?site=home-b',
      '/api/incidents?status=closed',
      '/api/events',
      '/api/events?site=home-b',
      '/api/sites',
    ];
    for (const url of lists) {
      const r = await g.get(url);
      expect(r.status, url).toBe(200);
      expect(await r.text(), url).not.toContain('home-b');
    }
    expect((await g.get(`/api/incidents/${home}`)).status).toBe(404);
    const ev = (await t.hub.store.events.query({ siteId: 'home-b', limit: 1 }))[0]!;
    expect((await g.get(`/api/events/${ev.id}`)).status).toBe(404);
    expect((await g.get('/api/sites/home-b')).status).toBe(404);
  });

  it('commands on it are "not found" over REST and the socket; the incident is untouched', async () => {
    const g = await t.login('guard-hecheng');
    const before = (await t.hub.incidents.get(home))!;
    // Issue 12: a guard's commands are the property track (guard_*); the 110 ones are refused before the scope.
    for (const cmd of ['guard_ack', 'guard_onscene', 'guard_verify'] as const) {
      const r = await g.post(`/api/incidents/${home}/${cmd}`, { finding: 'false_alarm' });
      expect(r.status, cmd).toBe(404);
    }
    const { socket } = await t.console({ namespace: '/guard', session: g });
    for (const ev of ['incident:guard_ack', 'incident:guard_onscene', 'incident:guard_verify'] as const) {
      const reply = await new Promise<CommandReply>((ok) => (socket.emit as (...a: unknown[]) => void)(ev, { id: home, finding: 'false_alarm' }, ok));
      expect(reply, ev).toMatchObject({ ok: false, code: 'not_found' });
    }
    expect((await t.hub.incidents.get(home))!.version).toBe(before.version);
  });

  it('its own guard acknowledges, reports on scene and finds a false alarm on the property track; the actor is the logged-in user', async () => {
    const g = await t.login('guard-minghu');
    // Issue 12: the guard never closes or takes the 110 incident; their 误报 is a finding the operator confirms.
    expect((await g.post(`/api/incidents/${home}/close`, { disposition: 'false' })).status).toBe(403);
    expect((await g.post(`/api/incidents/${home}/ack`)).status).toBe(403);
    expect((await g.post(`/api/incidents/${home}/guard_ack`, { by: 'someone-else' })).status).toBe(200);
    expect((await g.post(`/api/incidents/${home}/guard_onscene`)).status).toBe(200);
    const found = (await (await g.post(`/api/incidents/${home}/guard_verify`, { finding: 'false_alarm', note: '现场查看为误报' })).json()) as Incident;
    expect(found).toMatchObject({ status: 'new', owner: null, property: { status: 'verified', owner: 'guard-minghu', finding: 'false_alarm' } });
    expect(found.timeline.filter((e) => e.type === 'guard').map((e) => e.by)).toEqual(['guard-minghu', 'guard-minghu', 'guard-minghu']);
    // The audit trail names the person, not a name the client sent (`by` is ignored).
    const audit = (await t.hub.store.audit.forIncident(home)).filter((a) => a.actor !== 'hub');
    expect(new Set(audit.map((a) => a.actor))).toEqual(new Set(['guard-minghu']));
  });
});
