/**
 * The command table and its pipeline (src/api/commands), without a hub: a fake context records
 * which IncidentService method ran with what. Table-driven: one row per command and case.
 */
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../src/api/commands/run.js';
import { COMMAND_BY_EVENT, COMMANDS } from '../../src/api/commands/table.js';
import type { ApiContext } from '../../src/api/context.js';
import type { Authenticated } from '../../src/auth/service.js';
import type { Role } from '../../src/auth/roles.js';
import { COMMAND_INPUTS, ID_MAX, TEXT_MAX, payloadSchema } from '../../src/contract/commands.js';
import type { Incident } from '../../src/contract/incident.js';
import { COMMAND_EVENTS } from '../../src/contract/socket.js';
import { INCIDENT_ACTIONS, type IncidentAction } from '../../src/contract/workflow.js';

const INCIDENT = { id: 'inc-1', siteId: 'shop-a', stationId: 'hecheng', status: 'new' } as unknown as Incident;

function caller(role: Role, username = `${role}-1`): Authenticated {
  return { user: { username, role }, principal: { username, role }, session: { id: 's' }, mustChangePassword: false } as unknown as Authenticated;
}

/** A context whose incident service records its calls; `visible` decides the caller's scope. */
function fakeContext(visible = true) {
  const calls: Array<{ method: string; args: unknown[] }> = [];
  const record =
    (method: string) =>
    (...args: unknown[]) => {
      calls.push({ method, args });
      return { ok: true, incident: INCIDENT };
    };
  const ctx = {
    incidents: {
      get: (id: string) => (id === INCIDENT.id ? INCIDENT : undefined),
      acknowledge: record('acknowledge'),
      dispatchUnit: record('dispatchUnit'),
      onScene: record('onScene'),
      close: record('close'),
      note: record('note'),
      handOver: record('handOver'),
      takeOver: record('takeOver'),
      feedback: record('feedback'),
      transfer: record('transfer'),
      call: record('call'),
      guardAcknowledge: record('guardAcknowledge'),
      guardOnScene: record('guardOnScene'),
      guardVerify: record('guardVerify'),
    },
    auth: {
      scope: () => ({ sees: () => visible }),
      handoverTarget: (name: string) => (name === 'op-2' ? { ok: true, username: 'op-2' } : { ok: false, error: `no active account "${name}"` }),
    },
  } as unknown as ApiContext;
  return { ctx, calls };
}

const command = (a: IncidentAction) => COMMANDS.find((c) => c.action === a)!;
const by = { username: 'operator-1', origin: 'rest:1.2.3.4' };

describe('the command table', () => {
  it('declares every action once, with its event and REST path', () => {
    expect(COMMANDS.map((c) => c.action)).toEqual([...INCIDENT_ACTIONS]);
    expect(COMMANDS.map((c) => c.event)).toEqual([...COMMAND_EVENTS]);
    for (const c of COMMANDS) {
      expect(c.path).toBe(`/incidents/:id/${c.action}`);
      expect(COMMAND_BY_EVENT.get(c.event)).toBe(c);
      expect(c.refusals).toEqual(expect.arrayContaining(['unauthenticated', 'forbidden', 'bad_request', 'not_found']));
    }
  });
});

describe('runCommand: the handler each command calls', () => {
  const rows: Array<[IncidentAction, Record<string, unknown>, string, unknown[]]> = [
    ['ack', {}, 'acknowledge', ['inc-1', by]],
    ['dispatch', { unit: '巡逻一组', note: 'n' }, 'dispatchUnit', ['inc-1', by, '巡逻一组', 'n']],
    ['dispatch', {}, 'dispatchUnit', ['inc-1', by, undefined, undefined]],
    ['onscene', { note: 'here' }, 'onScene', ['inc-1', by, 'here']],
    ['close', { disposition: 'real', note: 'x' }, 'close', ['inc-1', by, 'real', { note: 'x', nature: undefined }]],
    ['close', { disposition: 'real', nature: 'criminal' }, 'close', ['inc-1', by, 'real', { note: undefined, nature: 'criminal' }]],
    ['feedback', { text: '门被撬', nature: 'criminal' }, 'feedback', ['inc-1', by, '门被撬', 'criminal']],
    ['transfer', { to: 'ps-2', note: '辖区错' }, 'transfer', ['inc-1', by, 'ps-2', '辖区错']],
    ['call', { contact: 1, outcome: 'no_answer' }, 'call', ['inc-1', by, { contact: 1, outcome: 'no_answer' }]],
    ['note', { text: '已联系业主' }, 'note', ['inc-1', by, '已联系业主']],
    ['handover', { to: 'op-2' }, 'handOver', ['inc-1', by, 'op-2']],
    ['takeover', {}, 'takeOver', ['inc-1', by]],
    ['guard_ack', {}, 'guardAcknowledge', ['inc-1', by]],
    ['guard_onscene', {}, 'guardOnScene', ['inc-1', by]],
    ['guard_verify', { finding: 'false_alarm', note: '猫' }, 'guardVerify', ['inc-1', by, 'false_alarm', '猫']],
  ];
  it.each(rows)('%s %j → %s', async (action, body, method, args) => {
    const { ctx, calls } = fakeContext();
    const role: Role = action === 'takeover' ? 'admin' : action.startsWith('guard_') ? 'guard' : 'operator';
    const who = { ...by, username: `${role}-1` };
    const reply = await runCommand(ctx, command(action), { caller: caller(role), id: 'inc-1', body: { id: 'inc-1', ...body }, origin: by.origin });
    expect(reply.ok).toBe(true);
    expect(calls).toEqual([{ method, args: args.map((a) => (a === by ? who : a)) }]);
  });
});

describe('runCommand: refusals, in the order the edge checks them', () => {
  const rows: Array<[string, IncidentAction, Role | null, unknown, unknown, boolean, string]> = [
    ['no session', 'ack', null, 'inc-1', {}, true, 'unauthenticated'],
    ['role without the capability', 'dispatch', 'guard', 'inc-1', { unit: 'u' }, true, 'forbidden'],
    ['installer acknowledging', 'ack', 'installer', 'inc-1', {}, true, 'forbidden'],
    ['operator taking over', 'takeover', 'operator', 'inc-1', {}, true, 'forbidden'],
    ['id missing', 'ack', 'operator', undefined, {}, true, 'bad_request'],
    ['id a number', 'ack', 'operator', 42, {}, true, 'bad_request'],
    ['body not an object', 'note', 'operator', 'inc-1', 'text', true, 'bad_request'],
    ['note without text', 'note', 'operator', 'inc-1', {}, true, 'bad_request'],
    ['disposition a number', 'close', 'operator', 'inc-1', { disposition: 1 }, true, 'bad_request'],
    ['handover without a name', 'handover', 'operator', 'inc-1', {}, true, 'bad_request'],
    ['unknown id', 'ack', 'operator', 'inc-2', {}, true, 'not_found'],
    ['out of scope (like unknown)', 'ack', 'operator', 'inc-1', {}, false, 'not_found'],
    // Issue 12: a guard never closes (their 误报 is a finding); operators never work the guard's track.
    ['guard closing as real', 'close', 'guard', 'inc-1', { disposition: 'real' }, true, 'forbidden'],
    ['guard closing as false', 'close', 'guard', 'inc-1', { disposition: 'false' }, true, 'forbidden'],
    ['guard acknowledging the 110 incident', 'ack', 'guard', 'inc-1', {}, true, 'forbidden'],
    ['operator on the guard track', 'guard_verify', 'operator', 'inc-1', { finding: 'false_alarm' }, true, 'forbidden'],
    ['guard finding not one of the two', 'guard_verify', 'guard', 'inc-1', { finding: 'maybe' }, true, 'bad_request'],
    ['call outcome unknown', 'call', 'operator', 'inc-1', { contact: 0, outcome: 'busy' }, true, 'bad_request'],
    ['handover to nobody', 'handover', 'operator', 'inc-1', { to: 'op-typo' }, true, 'bad_target'],
  ];
  it.each(rows)('%s → %s', async (_name, action, role, id, body, visible, code) => {
    const { ctx, calls } = fakeContext(visible);
    const reply = await runCommand(ctx, command(action), { caller: role ? caller(role) : null, id, body, origin: 'console:x' });
    expect(reply).toMatchObject({ ok: false, code });
    expect(calls).toEqual([]);
  });

  it('a guard verifies on the property track', async () => {
    const { ctx, calls } = fakeContext();
    const body = { finding: 'false_alarm' };
    expect((await runCommand(ctx, command('guard_verify'), { caller: caller('guard'), id: 'inc-1', body, origin: 'guard:x' })).ok).toBe(true);
    expect(calls.map((c) => c.method)).toEqual(['guardVerify']);
  });
});

describe('the command schemas (src/contract/commands.ts)', () => {
  it('cut text at TEXT_MAX and ids at ID_MAX, as the hub always did', () => {
    const long = 'x'.repeat(TEXT_MAX + 50);
    expect(COMMAND_INPUTS.note.parse({ text: long }).text).toHaveLength(TEXT_MAX);
    expect(payloadSchema('ack').parse({ id: 'i'.repeat(ID_MAX + 5) }).id).toHaveLength(ID_MAX);
  });
  it('drop unknown keys', () => {
    expect(COMMAND_INPUTS.dispatch.parse({ unit: 'u', admin: true })).toEqual({ unit: 'u' });
  });
  it.each(INCIDENT_ACTIONS)('%s: a socket payload is the body plus the id', (action) => {
    expect(payloadSchema(action).safeParse({}).success).toBe(false);
  });
});
