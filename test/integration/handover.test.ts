/**
 * Hand-over goes only to someone who can work the incident (an enabled operator or admin who sees
 * it); an admin takes over. Both over the console socket and REST, as the console and an
 * integration would call them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/contract/incident.js';
import type { CommandReply } from '../../src/contract/socket.js';
import { nativeEvent } from '../../src/simulate/payloads.js';
import { TEST_ACCOUNTS, usersYaml } from '../helpers/accounts.js';
import { nextEvent, startTestHub, type TestHub } from '../helpers/hub.js';
import { makeTree } from '../helpers/tree.js';

let t: TestHub;

beforeAll(async () => {
  const tree = makeTree();
  // A second Minghu operator who has left (disabled), next to the usual test accounts.
  const gone = { username: 'op-gone', role: 'operator' as const, station: 'ps-minghu', password: 'pw-op-gone-Hx81qP', disabled: true };
  tree.write('config/users.yaml', await usersYaml([...TEST_ACCOUNTS, gone]));
  t = await startTestHub({ tree });
});
afterAll(async () => {
  await t?.close();
});

describe('hand-over and take-over', () => {
  it('the owner hands over only to an active account that can work the incident and sees it; an admin takes over', async () => {
    const minghu = await t.console({ as: 'op-minghu' });
    const opened = nextEvent<Incident>(minghu.socket, 'incident:new', (i) => i.siteId === 'home-b');
    const d = await t.deviceAs('home-b');
    const m = nativeEvent('safegrid/home-b/home-b-panel', 'intrusion', 1, 'handover-1');
    await d.publishAsync(m.topic, m.payload, { qos: 1 });
    const { id } = await opened;
    const cmd = (socket: typeof minghu.socket, event: 'incident:ack' | 'incident:handover' | 'incident:takeover', req: object): Promise<CommandReply> =>
      new Promise((ok) => socket.emit(event as 'incident:ack', { id, ...req } as { id: string }, ok));

    expect(await cmd(minghu.socket, 'incident:ack', {})).toMatchObject({ ok: true, incident: { owner: 'op-minghu' } });
    // Nobody by that name, a disabled account, a guard, an operator of another station: refused, still ours.
    // Hand-over refusals do not reveal which accounts exist, their roles or stations (issue 17, item 12):
    // the four answers are word for word the same.
    // Each answer names back only the name the operator typed (the page words the refusal with it).
    const refusals = [];
    for (const to of ['op-typo', 'op-gone', 'guard-minghu', 'op-hecheng']) {
      const r = (await cmd(minghu.socket, 'incident:handover', { to })) as { params?: { target?: string } };
      expect(r.params?.target).toBe(to);
      delete r.params;
      refusals.push(r);
    }
    for (const r of refusals) expect(r).toEqual(refusals[0]);
    expect(refusals[0]).toMatchObject({ ok: false, code: 'bad_target' });
    const said = JSON.stringify(refusals[0]);
    for (const leak of ['guard', 'station', 'op-typo', 'op-hecheng', 'disabled']) expect(said).not.toContain(leak);
    expect((await t.hub.incidents.get(id))?.owner).toBe('op-minghu');

    // The city centre sees every station: the hand-over goes through (names are case-insensitive).
    const city = await t.console({ as: 'op-city' });
    const seen = nextEvent<Incident>(city.socket, 'incident:update', (i) => i.id === id && i.owner === 'op-city');
    expect(await cmd(minghu.socket, 'incident:handover', { to: 'OP-City' })).toMatchObject({ ok: true, incident: { owner: 'op-city' } });
    expect((await seen).timeline.at(-1)).toMatchObject({ type: 'status', by: 'op-minghu', text: '移交 handed over: op-minghu → op-city' });
    // The former owner cannot hand it on again.
    expect(await cmd(minghu.socket, 'incident:handover', { to: 'op-minghu' })).toMatchObject({ ok: false, code: 'owned' });

    // REST, as an integration would: op-city hands it back; the same check applies.
    const rest = await t.login('op-city');
    expect((await rest.post(`/api/incidents/${id}/handover`, { to: 'guard-minghu' })).status).toBe(409);
    const back = await rest.post(`/api/incidents/${id}/handover`, { to: 'op-minghu' });
    expect(back.status).toBe(200);
    expect(((await back.json()) as Incident).owner).toBe('op-minghu');

    // An operator cannot take over; an admin can.
    expect(await cmd(city.socket, 'incident:takeover', {})).toMatchObject({ ok: false, code: 'forbidden' });
    const admin = await t.console({ as: 'admin' });
    expect(await cmd(admin.socket, 'incident:takeover', {})).toMatchObject({ ok: true, incident: { owner: 'admin', status: 'acknowledged' } });
    // Every step is in the audit chain, with who did it.
    expect((await t.hub.store.audit.forIncident(id)).map((r) => [r.action, r.actor])).toEqual(
      expect.arrayContaining([
        ['handover', 'op-minghu'],
        ['handover', 'op-city'],
        ['takeover', 'admin'],
      ]),
    );
  });
});
