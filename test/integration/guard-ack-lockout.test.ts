/**
 * Issue 17, item 7 (fixed by issue 12's property-response track; this keeps it fixed): a guard's
 * acknowledgement must not lock the station out of an incident. Real hub, real Socket.IO clients.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/contract/incident.js';
import type { CommandReply } from '../../src/contract/socket.js';
import { nativeEvent } from '../../src/simulate/payloads.js';
import { nextEvent, startTestHub, type TestHub } from '../helpers/hub.js';

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

describe("a guard's acknowledgement does not lock the station out (issue 17, item 7)", () => {
  it('after the guard acknowledges first (and tries the police ack), the station operator still takes, owns and closes the incident', async () => {
    const op = (await t.console({ as: 'op-hecheng' })).socket;
    const guard = (await t.console({ namespace: '/guard', as: 'guard-hecheng' })).socket;
    const opened = nextEvent<Incident>(op, 'incident:new', (i) => i.siteId === 'shop-a');
    const d = await t.deviceAs('shop-a-panel');
    const m = nativeEvent('safegrid/shop-a/shop-a-panel', 'panic', null, 'guard-first-ack');
    await d.publishAsync(m.topic, m.payload, { qos: 1 });
    const { id } = await opened;

    expect(await send(guard, 'incident:guard_ack', { id })).toMatchObject({ ok: true, incident: { owner: null, property: { owner: 'guard-hecheng' } } });
    // The guard cannot take the police side, so nothing of it is held against the station.
    expect(await send(guard, 'incident:ack', { id })).toMatchObject({ ok: false, code: 'forbidden' });
    expect(await send(guard, 'incident:takeover', { id })).toMatchObject({ ok: false, code: 'forbidden' });
    expect(await send(op, 'incident:ack', { id })).toMatchObject({ ok: true, incident: { status: 'acknowledged', owner: 'op-hecheng' } });
    expect(await send(op, 'incident:close', { id, disposition: 'test' })).toMatchObject({ ok: true, incident: { status: 'closed', owner: 'op-hecheng' } });
  });
});
