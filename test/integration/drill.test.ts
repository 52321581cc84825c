/**
 * Drill mode (演练, issue 15) over real MQTT, SQLite, REST and Socket.IO: an operator starts a drill
 * for 50 sites; 200 alarms from them open only drill incidents (flag in REST, socket pushes and the
 * stored rows) that go through the workflow; a real alarm at a site outside the drill is real; the
 * drill ends by itself on time, and a drill incident never joins a real one of the same site.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchTree } from '../../bench/tree.js';
import type { Drill, DrillReply } from '../../src/contract/drill.js';
import type { Incident } from '../../src/contract/incident.js';
import type { CommandReply, EventBatch } from '../../src/contract/socket.js';
import { nativeEvent } from '../../src/simulate/payloads.js';
import { accountOf, usersYaml, type TestAccount } from '../helpers/accounts.js';
import { nextEvent, startTestHub, waitFor, type LoggedIn, type TestHub } from '../helpers/hub.js';

const DRILLED = 50;
const SITES = 60;
const OPERATOR: TestAccount = { username: 'op-ps1', role: 'operator', station: 'ps-1', password: 'pw-op-ps1-Hd81qZ' };

let t: TestHub;
let op: LoggedIn;
let db: Database.Database;
const root = benchTree(SITES);

async function publish(site: number, kind: 'intrusion' | 'panic' | 'fire', zone: number | null, msgId: string): Promise<void> {
  const device = await device0();
  const m = nativeEvent(`safegrid/s${site}/panel`, kind, zone, msgId);
  await device.publishAsync(m.topic, m.payload, { qos: 1 });
}
let deviceP: ReturnType<TestHub['device']> | null = null;
const device0 = (): ReturnType<TestHub['device']> => (deviceP ??= t.device({ clientId: 'drill-load' }));

async function json<T>(r: Response): Promise<T> {
  if (!r.ok) throw new Error(`HTTP ${r.status}: ${await r.text()}`);
  return (await r.json()) as T;
}

beforeAll(async () => {
  writeFileSync(join(root, 'config/users.yaml'), await usersYaml([accountOf('admin'), OPERATOR]));
  t = await startTestHub({
    tree: { root, write: (rel, text) => writeFileSync(join(root, rel), text), remove: () => rmSync(root, { recursive: true, force: true }) },
  });
  op = await t.login(OPERATOR.username, OPERATOR.password);
  db = new Database(join(root, 'data/bench.db'), { readonly: true, fileMustExist: true });
}, 60_000);

afterAll(async () => {
  db?.close();
  await t?.close();
});

describe('a drill of 200 alarms from 50 sites over MQTT', () => {
  let drill: Drill;
  const drillIncidents = new Map<string, Incident>();

  it('an operator starts a drill of 50 sites; the consoles hear of it and it is audited', async () => {
    const { socket } = await t.console();
    const started = nextEvent<Drill>(socket, 'drill:started');
    const sites = Array.from({ length: DRILLED }, (_, i) => `s${i}`);
    drill = await json<Drill>(await op.post('/api/drills', { sites, durationSeconds: 1800, name: '明湖社区联合演练' }));
    expect(drill).toMatchObject({ siteIds: sites, stationId: null, endedAt: null, startedBy: OPERATOR.username, name: '明湖社区联合演练' });
    expect((await started).id).toBe(drill.id);
    const audit = db.prepare(`SELECT actor, action, origin FROM audit WHERE action = 'drill.start'`).all();
    expect(audit).toEqual([expect.objectContaining({ actor: OPERATOR.username, action: 'drill.start' })]);
    const list = await json<{ drills: Drill[] }>(await op.get('/api/drills'));
    expect(list.drills.map((d) => d.id)).toContain(drill.id);
  });

  it('every incident the 200 alarms open is a drill in the socket pushes, in REST and in SQLite; a real alarm elsewhere is not', async () => {
    const { socket } = await t.console();
    const pushedEvents: EventBatch['events'] = [];
    socket.on('event:stored', (b: EventBatch) => pushedEvents.push(...b.events));
    const pushed = new Map<string, Incident>();
    socket.on('incident:new', (i: Incident) => pushed.set(i.id, i));
    // Four alarms per site: two intrusion zones and a panic (one police incident), a fire (its own incident).
    for (let s = 0; s < DRILLED; s++) {
      await publish(s, 'intrusion', 1, `d-${s}-1`);
      await publish(s, 'intrusion', 2, `d-${s}-2`);
      await publish(s, 'panic', null, `d-${s}-3`);
      await publish(s, 'fire', null, `d-${s}-4`);
    }
    // A real burglary during the drill, at a site the drill does not name.
    await publish(55, 'intrusion', 1, 'real-55');
    await waitFor(() => pushed.size >= DRILLED * 2 + 1 && pushedEvents.length >= DRILLED * 4 + 1);
    const real = [...pushed.values()].filter((i) => i.siteId === 's55');
    expect(real).toHaveLength(1);
    expect(real[0]!.drill).toBe(false);
    const drills = [...pushed.values()].filter((i) => i.siteId !== 's55');
    expect(drills).toHaveLength(DRILLED * 2);
    expect(drills.every((i) => i.drill)).toBe(true);
    expect(pushedEvents.filter((e) => e.siteId !== 's55').every((e) => e.drill)).toBe(true);
    expect(pushedEvents.find((e) => e.siteId === 's55')!.drill).toBe(false);
    for (const i of drills) drillIncidents.set(i.id, i);

    const open = await json<{ incidents: Incident[] }>(await op.get('/api/incidents?status=open'));
    expect(open.incidents.filter((i) => i.drill)).toHaveLength(DRILLED * 2);
    expect(open.incidents.find((i) => i.siteId === 's55')!.drill).toBe(false);
    const ev = await json<{ events: Array<{ drill: boolean }> }>(await op.get('/api/events?site=s7'));
    expect(ev.events).toHaveLength(4);
    expect(ev.events.every((e) => e.drill)).toBe(true);

    // Stored with the flag (a figure can leave them out by the column).
    await t.hub.incidents.persist();
    expect(db.prepare('SELECT count(*) AS n FROM events WHERE drill = 1').get()).toEqual({ n: DRILLED * 4 });
    expect(db.prepare('SELECT count(*) AS n FROM incidents WHERE drill = 1').get()).toEqual({ n: DRILLED * 2 });
    // Counted apart: the figure of real incidents holds the one real alarm only.
    expect(t.hub.metrics.value('sg_incidents_opened_total', { category: 'police' })).toBe(1);
    expect(t.hub.metrics.value('sg_drill_incidents_opened_total', { category: 'police' })).toBe(DRILLED);
    expect(t.hub.metrics.value('sg_drill_incidents_opened_total', { category: 'fire' })).toBe(DRILLED);
  });

  it('a drill incident goes through the workflow (签收 → 结警) and stays a drill', async () => {
    const { socket } = await t.console({ session: op });
    const target = [...drillIncidents.values()].find((i) => i.siteId === 's3' && i.category === 'police')!;
    const acked = await socket.emitWithAck('incident:ack', { id: target.id });
    expect(acked).toMatchObject({ ok: true, incident: { status: 'acknowledged', drill: true, owner: OPERATOR.username } });
    const closed = (await socket.emitWithAck('incident:close', { id: target.id, disposition: 'test', note: '演练结束' })) as CommandReply;
    expect(closed).toMatchObject({ ok: true, incident: { status: 'closed', drill: true } });
    const stored = await json<Incident>(await op.get(`/api/incidents/${target.id}`));
    expect(stored).toMatchObject({ status: 'closed', drill: true, disposition: 'test' });
  });

  it('an operator turns a drill incident into a real one (转为真实警情): audited, counted as real from then on', async () => {
    const target = [...drillIncidents.values()].find((i) => i.siteId === 's4' && i.category === 'fire')!;
    const made = await json<Incident>(await op.post(`/api/incidents/${target.id}/make_real`, { note: '演练中发生真实火情' }));
    expect(made.drill).toBe(false);
    expect(made.timeline.at(-1)).toMatchObject({ code: 'drill.made_real', by: OPERATOR.username });
    expect(db.prepare(`SELECT actor, note FROM audit WHERE action = 'make_real' AND incident_id = ?`).get(target.id)).toEqual({
      actor: OPERATOR.username,
      note: '演练中发生真实火情',
    });
    expect(db.prepare('SELECT drill FROM incidents WHERE id = ?').get(target.id)).toEqual({ drill: 0 });
    const again = await op.post(`/api/incidents/${target.id}/make_real`, {});
    expect(again.status).toBe(409);
    expect(((await again.json()) as { code: string }).code).toBe('not_drill');
    // The drill's next fire alarm at s4 is a drill again: it opens a drill incident, not joining the real one.
    const { socket } = await t.console();
    const opened = nextEvent<Incident>(socket, 'incident:new', (i) => i.siteId === 's4' && i.category === 'fire');
    await publish(4, 'fire', null, 'd-4-again');
    expect(await opened).toMatchObject({ drill: true });
  });

  it('a drill for a site in nobody’s config, or with its end in the past, is refused with bad_drill', async () => {
    const unknown = await op.post('/api/drills', { sites: ['no-such-site'], durationSeconds: 60 });
    expect(unknown.status).toBe(409);
    expect(await unknown.json()).toMatchObject({ code: 'bad_drill' });
    const past = await op.post('/api/drills', { sites: ['s1'], endsAt: '2020-01-01T00:00:00Z' });
    expect(past.status).toBe(409);
    const both = await op.post('/api/drills', { sites: ['s1'], station: 'ps-1', durationSeconds: 60 });
    expect(both.status).toBe(400);
  });

  it('a drill ends by itself on time, audited as ended by the hub; alarms after it are real', async () => {
    const { socket } = await t.console();
    const short = await json<Drill>(await op.post('/api/drills', { sites: ['s58'], durationSeconds: 2 }));
    const ended = nextEvent<Drill>(socket, 'drill:ended', (d) => d.id === short.id);
    const end = await ended;
    expect(end).toMatchObject({ endedBy: 'hub', endedAt: short.endsAt });
    expect((await json<{ drills: Drill[] }>(await op.get('/api/drills'))).drills.find((d) => d.id === short.id)).toMatchObject({ endedBy: 'hub' });
    expect(db.prepare(`SELECT actor FROM audit WHERE action = 'drill.end' AND note LIKE ?`).get(`%${short.id}%`)).toEqual({ actor: 'hub' });
    const realOpened = nextEvent<Incident>(socket, 'incident:new', (i) => i.siteId === 's58');
    await publish(58, 'intrusion', 2, 'short-2');
    expect((await realOpened).drill).toBe(false);
  });

  it('the drill is ended early over the socket; a second end is refused drill_ended', async () => {
    const { socket } = await t.console({ session: op });
    const r = (await socket.emitWithAck('drill:end', { id: drill.id })) as DrillReply;
    expect(r).toMatchObject({ ok: true, drill: { id: drill.id, endedBy: OPERATOR.username } });
    const again = (await socket.emitWithAck('drill:end', { id: drill.id })) as DrillReply;
    expect(again).toMatchObject({ ok: false, code: 'drill_ended' });
    // s5 still has its open drill incident (police): a real burglary there now opens a real one beside it.
    const opened = nextEvent<Incident>(socket, 'incident:new', (i) => i.siteId === 's5' && i.category === 'police');
    await publish(5, 'intrusion', 1, 'real-5');
    expect((await opened).drill).toBe(false);
    const open = t.hub.incidents.snapshot((i) => i.siteId === 's5' && i.category === 'police');
    expect(open.map((i) => i.drill).sort()).toEqual([false, true]);
    expect(open.find((i) => i.drill)!.eventCount).toBe(3);
  });
  it('a drill of a whole station, started over the socket, covers the alarms routed to it', async () => {
    const { socket } = await t.console({ session: op });
    const r = (await socket.emitWithAck('drill:start', { station: 'ps-1', durationSeconds: 600 })) as DrillReply;
    if (!r.ok) throw new Error(r.error);
    expect(r.drill).toMatchObject({ stationId: 'ps-1', siteIds: [] });
    const opened = nextEvent<Incident>(socket, 'incident:new', (i) => i.siteId === 's57' && i.category === 'medical');
    const device = await device0();
    const m = nativeEvent('safegrid/s57/panel', 'medical', null, 'station-drill-1');
    await device.publishAsync(m.topic, m.payload, { qos: 1 });
    expect((await opened).drill).toBe(true);
    expect((await op.post(`/api/drills/${r.drill.id}/end`)).status).toBe(200);
    const unknown = (await socket.emitWithAck('drill:start', { station: 'no-such-station', durationSeconds: 60 })) as DrillReply;
    expect(unknown).toMatchObject({ ok: false, code: 'bad_drill' });
  });
});
