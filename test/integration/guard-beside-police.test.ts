/**
 * Issue 12, "Guards and police side by side", over real Socket.IO clients: an operator on /console
 * and the site's guard on /guard. The guard acknowledges and reports 误报 on a P1; the operator still
 * owns it, dispatches a configured unit, gets 反馈 and closes; the guard never stops escalation.
 * Then the key-holder call list: 业主撤警 with the site's verbal password allows closing as cancelled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/contract/incident.js';
import type { CommandReply } from '../../src/contract/socket.js';
import { nativeEvent } from '../../src/simulate/payloads.js';
import { dueForEscalation } from '../../src/dispatch/escalation.js';
import { nextEvent, startTestHub, type TestHub } from '../helpers/hub.js';
import { TREE_ENV } from '../helpers/tree.js';

let t: TestHub;

beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t?.close();
});

type Sock = Awaited<ReturnType<TestHub['console']>>['socket'];
const send = (socket: Sock, event: string, payload: object): Promise<CommandReply> =>
  new Promise((ok) => (socket.emit as (...a: unknown[]) => void)(event, payload, ok));
const incidentOf = (r: CommandReply): Incident => {
  if (!r.ok) throw new Error(`refused: ${r.code} ${r.error}`);
  return r.incident;
};

async function openPanic(operator: Sock, msgId: string): Promise<Incident> {
  const opened = nextEvent<Incident>(operator, 'incident:new', (i) => i.siteId === 'shop-a');
  const d = await t.deviceAs('shop-a-panel');
  const m = nativeEvent('safegrid/shop-a/shop-a-panel', 'panic', null, msgId);
  await d.publishAsync(m.topic, m.payload, { qos: 1 });
  return opened;
}

describe('a guard works beside the police, never instead of them', () => {
  it('guard 签收 and 误报 on a P1: the operator still owns, dispatches, gets 反馈 and closes; escalation is not stopped', async () => {
    const op = (await t.console({ as: 'op-hecheng' })).socket;
    const guard = (await t.console({ namespace: '/guard', as: 'guard-hecheng' })).socket;
    const opened = await openPanic(op, 'side-by-side-1');
    expect(opened.priority).toBe(1);
    // shop-a has a guard group: its property track waits for the guard from the start.
    expect(opened.property).toMatchObject({ status: 'waiting', owner: null });
    const id = opened.id;

    // The guard takes the property track first and reports 误报: a finding, not a close.
    const gAck = incidentOf(await send(guard, 'incident:guard_ack', { id }));
    expect(gAck).toMatchObject({ status: 'new', owner: null, property: { status: 'acknowledged', owner: 'guard-hecheng' } });
    expect(gAck.escalateAt).toBe(opened.escalateAt); // the escalation clock still runs
    expect(await send(guard, 'incident:ack', { id })).toMatchObject({ ok: false, code: 'forbidden' });
    expect(await send(guard, 'incident:close', { id, disposition: 'false' })).toMatchObject({ ok: false, code: 'forbidden' });
    const verified = incidentOf(await send(guard, 'incident:guard_verify', { id, finding: 'false_alarm', note: '店主误按' }));
    expect(verified).toMatchObject({ status: 'new', owner: null, disposition: null, property: { status: 'verified', finding: 'false_alarm' } });
    expect(verified.escalateAt).toBe(opened.escalateAt);
    // An operator cannot act on the guard's track.
    expect(await send(op, 'incident:guard_verify', { id, finding: 'confirmed' })).toMatchObject({ ok: false, code: 'forbidden' });

    // The operator: 签收 (owner), no 到场 before 派警, 派警 of a configured unit, 到场, 反馈, 结警.
    expect(incidentOf(await send(op, 'incident:ack', { id }))).toMatchObject({ status: 'acknowledged', owner: 'op-hecheng', escalateAt: null });
    expect(await send(op, 'incident:onscene', { id })).toMatchObject({ ok: false, code: 'illegal_transition' });
    expect(await send(op, 'incident:close', { id, disposition: 'real' })).toMatchObject({ ok: false, code: 'dispatch_required' });
    expect(await send(op, 'incident:dispatch', { id, unit: '随便一辆车' })).toMatchObject({ ok: false, code: 'bad_unit' });
    const dispatched = incidentOf(await send(op, 'incident:dispatch', { id, unit: 'hc-car-1' }));
    expect(dispatched.unit).toMatchObject({ id: 'hc-car-1', kind: 'patrol_car', stationId: 'ps-hecheng', officers: [{ name: '李明' }] });
    incidentOf(await send(op, 'incident:onscene', { id }));
    expect(await send(op, 'incident:close', { id, disposition: 'real' })).toMatchObject({ ok: false, code: 'feedback_required' });
    expect(await send(op, 'incident:feedback', { id, text: '抢劫未遂，嫌疑人已逃', nature: 'no-such' })).toMatchObject({ ok: false, code: 'bad_nature' });
    incidentOf(await send(op, 'incident:feedback', { id, text: '抢劫未遂，嫌疑人已逃', nature: 'criminal' }));
    const closed = incidentOf(await send(op, 'incident:close', { id, disposition: 'real' }));
    expect(closed).toMatchObject({ status: 'closed', disposition: 'real', nature: 'criminal', owner: 'op-hecheng' });
    for (const k of ['ackSeconds', 'dispatchSeconds', 'onSceneSeconds', 'totalSeconds'] as const) expect(closed.times[k]).toBeTypeOf('number');
    const actions = (await t.hub.store.audit.forIncident(id)).map((r) => [r.action, r.actor]);
    expect(actions).toEqual(
      expect.arrayContaining([
        ['guard_ack', 'guard-hecheng'],
        ['guard_verify', 'guard-hecheng'],
        ['acknowledged', 'op-hecheng'],
        ['feedback', 'op-hecheng'],
        ['closed', 'op-hecheng'],
      ]),
    );
  });

  it('a guard-only acknowledged P1 still escalates', async () => {
    const op = (await t.console({ as: 'op-city' })).socket;
    const guard = (await t.console({ namespace: '/guard', as: 'guard-hecheng' })).socket;
    const { id } = await openPanic(op, 'side-by-side-2');
    incidentOf(await send(guard, 'incident:guard_ack', { id }));
    const i = (await t.hub.incidents.get(id))!;
    expect(i.escalateAt).not.toBeNull();
    // Once its P1 timeout passes it is due, although the guard took the property track (the hub's
    // own clock is real here; the escalation core is asked about that moment).
    expect(dueForEscalation([i], Date.parse(i.escalateAt!)).map((x) => x.id)).toEqual([id]);
    // The operator confirms the guard's finding in one step: 误报 before 派警 is allowed by the rule.
    incidentOf(await send(guard, 'incident:guard_verify', { id, finding: 'false_alarm' }));
    expect(incidentOf(await send(op, 'incident:close', { id, disposition: 'false' }))).toMatchObject({ status: 'closed', disposition: 'false' });
  });

  it('联系人回拨: the next contact after 未接; 业主撤警 with the right password allows closing as cancelled', async () => {
    const op = (await t.console({ as: 'op-hecheng' })).socket;
    const { id } = await openPanic(op, 'side-by-side-3');
    incidentOf(await send(op, 'incident:ack', { id }));
    expect(await send(op, 'incident:call', { id, contact: 5, outcome: 'answered' })).toMatchObject({ ok: false, code: 'bad_contact' });
    incidentOf(await send(op, 'incident:call', { id, contact: 0, outcome: 'no_answer' }));
    const wrong = incidentOf(await send(op, 'incident:call', { id, contact: 1, outcome: 'cancelled_by_owner', password: '不对' }));
    expect(wrong.calls.at(-1)).toMatchObject({ contact: 1, contactName: '王太太', outcome: 'cancelled_by_owner', passwordOk: false });
    expect(await send(op, 'incident:close', { id, disposition: 'cancelled' })).toMatchObject({ ok: false, code: 'owner_cancel_unverified' });
    const right = incidentOf(await send(op, 'incident:call', { id, contact: 1, outcome: 'cancelled_by_owner', password: TREE_ENV.VERBAL_SHOP_A }));
    expect(right.calls.at(-1)).toMatchObject({ passwordOk: true });
    expect(right.timeline.filter((e) => e.type === 'call')).toHaveLength(3);
    // The password is never on the incident, the timeline or the audit.
    const audit = JSON.stringify(await t.hub.store.audit.forIncident(id));
    expect(JSON.stringify(right) + audit).not.toContain(TREE_ENV.VERBAL_SHOP_A);
    expect(incidentOf(await send(op, 'incident:close', { id, disposition: 'cancelled' }))).toMatchObject({ status: 'closed', disposition: 'cancelled' });
  });

  it('转警: to another receiving point, ownership released, with a record; never to nowhere', async () => {
    const op = (await t.console({ as: 'op-city' })).socket;
    const { id } = await openPanic(op, 'side-by-side-4');
    incidentOf(await send(op, 'incident:ack', { id }));
    expect(await send(op, 'incident:transfer', { id, to: 'nowhere' })).toMatchObject({ ok: false, code: 'bad_target' });
    const moved = incidentOf(await send(op, 'incident:transfer', { id, to: 'ps-minghu', note: '辖区调整' }));
    expect(moved).toMatchObject({ status: 'new', owner: null, responsibleStationId: 'ps-minghu' });
    expect(moved.timeline.at(-1)).toMatchObject({ type: 'transfer', by: 'op-city', params: { from: 'ps-hecheng', to: 'ps-minghu' } });
    expect((await t.hub.store.audit.forIncident(id)).map((r) => r.action)).toContain('transfer');
    incidentOf(await send(op, 'incident:close', { id, disposition: 'test' }));
  });
});
