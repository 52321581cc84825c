/** workflow.ts without a broker, database or timer: an incident, an actor and a time in; the next incident or a refusal out. */
import { describe, expect, it } from 'vitest';
import { workflowDefaults, type DispatchedUnit, type Incident, type IncidentMedia, type IncidentStatus } from '../../src/contract/incident.js';
import * as wf from '../../src/dispatch/workflow.js';
import type { Actor, Change, Decision } from '../../src/dispatch/workflow.js';
import { nextContact } from '../../src/contract/workflow.js';

const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);
const OWNED_BY_OP2 = '已由 op2 签收 (owned by op2)';
const NAME_TARGET = 'name the operator who takes it over';

function incident(status: IncidentStatus, owner: string | null = null): Incident {
  return {
    drill: false,
    id: 'i1',
    version: 3,
    siteId: 's1',
    siteName: 'site',
    kind: 'intrusion',
    category: 'police',
    priority: 2,
    priorityReason: 'r',
    priorityReasonZh: 'r',
    status,
    disposition: null,
    owner,
    location: [26.6, 104.8],
    gridCellId: null,
    gridCellName: null,
    stationId: 'ps-1',
    responsibleStationId: 'ps-1',
    escalationLevel: 0,
    escalateAt: status === 'new' ? new Date(NOW + 1000).toISOString() : null,
    repeatOf: null,
    zones: [1],
    eventCount: 1,
    openedAt: new Date(NOW - 60_000).toISOString(),
    updatedAt: new Date(NOW - 60_000).toISOString(),
    lastEventAt: new Date(NOW - 60_000).toISOString(),
    closedAt: status === 'closed' ? new Date(NOW - 1000).toISOString() : null,
    timeline: [],
    timelineOmitted: 0,
    media: [],
    ...workflowDefaults(),
  };
}

const input = (i: Incident | undefined, by: Actor = 'op1') => ({ id: 'i1', incident: i, by, now: NOW });

const UNITS: DispatchedUnit[] = [
  { id: 'car-3', name: '巡逻车3', kind: 'patrol_car', stationId: 'ps-1', officers: [{ name: '李警官', phone: '13900000000' }] },
  { id: 'team-1', name: '保安队', kind: 'security_team', stationId: 'ps-1', officers: [] },
];
const RULES: wf.CloseRules = { natures: ['criminal', 'public_order', 'other'], closeBeforeDispatch: ['false', 'duplicate', 'cancelled', 'test'] };
/** An incident at a later step, with what that step leaves on it. */
const at = (status: IncidentStatus, extra: Partial<Incident> = {}): Incident => ({ ...incident(status, 'op1'), ...extra });

const ok = (d: Decision): Change => {
  if (wf.isRefusal(d)) throw new Error(`refused: ${d.code} ${d.error}`);
  return d;
};

describe('refusals keep their codes and texts', () => {
  it.each([
    { name: 'ack of a missing incident', d: () => wf.acknowledge(input(undefined)), code: 'not_found', error: 'no open incident i1' },
    { name: 'ack of a closed incident', d: () => wf.acknowledge(input(incident('closed'))), code: 'illegal_transition', error: 'incident is closed (已结警)' },
    { name: 'ack owned by another', d: () => wf.acknowledge(input(incident('acknowledged', 'op2'))), code: 'owned', error: '已由 op2 签收 (owned by op2)' },
    {
      name: 'ack twice by the owner',
      d: () => wf.acknowledge(input(incident('acknowledged', 'op1'))),
      code: 'illegal_transition',
      error: 'cannot go from acknowledged (已签收) to acknowledged (已签收)',
    },
    {
      name: 'dispatch before ack',
      d: () => wf.dispatchUnit({ ...input(incident('new')), unitId: 'car-3', units: UNITS }),
      code: 'illegal_transition',
      error: 'cannot go from new (待受理) to dispatched (已派警)',
    },
    {
      name: 'dispatch by a non-owner',
      d: () => wf.dispatchUnit({ ...input(incident('acknowledged', 'op2')), units: UNITS }),
      code: 'owned',
      error: '已由 op2 签收 (owned by op2)',
    },
    { name: 'on scene by a non-owner', d: () => wf.onScene(input(incident('dispatched', 'op2'))), code: 'owned', error: '已由 op2 签收 (owned by op2)' },
    {
      name: 'close with an unknown disposition',
      d: () => wf.close({ ...input(incident('new')), disposition: 'maybe', rules: RULES }),
      code: 'bad_disposition',
      error: 'disposition must be one of real, false, test, duplicate, cancelled',
    },
    {
      name: 'close an owned incident by another',
      d: () => wf.close({ ...input(incident('acknowledged', 'op2')), disposition: 'real', rules: RULES }),
      code: 'owned',
      error: '已由 op2 签收 (owned by op2)',
    },
    { name: 'note on a missing incident', d: () => wf.note({ ...input(undefined), text: 'x' }), code: 'not_found', error: 'no open incident i1' },
    { name: 'note on a closed incident', d: () => wf.note({ ...input(incident('closed')), text: 'x' }), code: 'not_found', error: 'no open incident i1' },
    { name: 'an empty note', d: () => wf.note({ ...input(incident('new')), text: '   ' }), code: 'empty_note', error: 'note is empty' },
    {
      name: 'hand over a new incident',
      d: () => wf.handOver({ ...input(incident('new')), to: 'op2' }),
      code: 'not_owned',
      error: 'acknowledge the incident before handing it over',
    },
    { name: 'hand over by a non-owner', d: () => wf.handOver({ ...input(incident('acknowledged', 'op2')), to: 'op3' }), code: 'owned', error: OWNED_BY_OP2 },
    { name: 'hand over to nobody', d: () => wf.handOver({ ...input(incident('acknowledged', 'op1')), to: '  ' }), code: 'bad_target', error: NAME_TARGET },
    { name: 'hand over to oneself', d: () => wf.handOver({ ...input(incident('acknowledged', 'op1')), to: 'op1' }), code: 'bad_target', error: NAME_TARGET },
    { name: 'take over what one owns', d: () => wf.takeOver(input(incident('acknowledged', 'op1'))), code: 'already_owner', error: 'you already own it' },
    { name: 'take over a closed incident', d: () => wf.takeOver(input(incident('closed', 'op2'))), code: 'not_found', error: 'no open incident i1' },
    {
      name: 'media for a missing incident',
      d: () =>
        wf.addMedia({
          id: 'i1',
          incident: undefined,
          media: { id: 'm', cameraId: 'c', siteId: 's1', kind: 'snapshot', at: 'x', url: null, error: null },
        }),
      code: 'not_found',
      error: 'no incident i1',
    },
  ])('$name', ({ d, code, error }) => {
    // An `owned` refusal also names the owner for the page to word (issue 13).
    const owner = code === 'owned' ? /已由 (\S+) 签收/.exec(error)?.[1] : undefined;
    expect(d()).toEqual(owner ? { code, error, params: { owner } } : { code, error });
  });
});

describe('allowed steps: the next incident and its audit row', () => {
  it.each([
    {
      name: 'acknowledge: owner set, escalation stopped',
      d: () => wf.acknowledge(input(incident('new'), { username: 'op1', origin: 'console' })),
      next: { status: 'acknowledged', owner: 'op1', escalateAt: null },
      audit: { action: 'acknowledged', from: 'new', to: 'acknowledged', note: null },
      line: '待受理 → 已签收',
    },
    {
      name: 'dispatch with a unit and a note',
      d: () => wf.dispatchUnit({ ...input(incident('acknowledged', 'op1')), unitId: 'car-3', units: UNITS, note: '快' }),
      next: { status: 'dispatched', owner: 'op1', unit: UNITS[0] },
      audit: { action: 'dispatched', from: 'acknowledged', to: 'dispatched', note: '出警单位 巡逻车3; 快' },
      line: '已签收 → 已派警: 出警单位 巡逻车3; 快',
    },
    {
      // Issue 12: no 到场 without 派警 (this row used to go straight from acknowledged to on scene).
      name: 'on scene after dispatch',
      d: () => wf.onScene(input(incident('dispatched', 'op1'))),
      next: { status: 'on_scene' },
      audit: { action: 'on_scene', from: 'dispatched', to: 'on_scene', note: null },
      line: '已派警 → 已到场',
    },
    {
      name: 'anyone closes a new incident as false',
      d: () => wf.close({ ...input(incident('new'), 'op9'), disposition: 'false', note: '业主误触', rules: RULES }),
      next: { status: 'closed', disposition: 'false', closedAt: new Date(NOW).toISOString(), escalateAt: null },
      audit: { action: 'closed', from: 'new', to: 'closed', note: 'disposition false; 业主误触' },
      line: '待受理 → 已结警: 业主误触',
    },
    {
      name: 'take over a new incident: acknowledged by the taker',
      d: () => wf.takeOver(input(incident('new'), 'admin')),
      next: { status: 'acknowledged', owner: 'admin', escalateAt: null },
      audit: { action: 'takeover', from: 'new', to: 'acknowledged', note: 'from nobody' },
      line: '接管 taken over from —',
    },
    {
      name: 'hand over keeps the status',
      d: () => wf.handOver({ ...input(incident('dispatched', 'op1')), to: ' op2 ' }),
      next: { status: 'dispatched', owner: 'op2' },
      audit: { action: 'handover', from: 'dispatched', to: 'dispatched', note: 'op1 → op2' },
      line: '移交 handed over: op1 → op2',
    },
    {
      name: 'a note by anyone',
      d: () => wf.note({ ...input(incident('acknowledged', 'op2')), text: ' 现场有人 ' }),
      next: { status: 'acknowledged', owner: 'op2' },
      audit: { action: 'note', from: 'acknowledged', to: 'acknowledged', note: '现场有人' },
      line: '现场有人',
    },
  ])('$name', ({ d, next, audit, line }) => {
    const c = ok(d());
    expect(c.next).toMatchObject({ ...next, version: 3 }); // the shell stamps the version
    expect(c.audit).toMatchObject(audit);
    expect(c.next.timeline.at(-1)).toMatchObject({ at: new Date(NOW).toISOString(), text: line });
  });

  it('a failed camera adds a note; a snapshot only the media; a closed incident still takes media', () => {
    const media = (error: string | null): IncidentMedia => ({
      id: 'm1',
      cameraId: 'door',
      siteId: 's1',
      kind: 'snapshot',
      at: 't',
      url: error ? null : '/api/media/m1',
      error,
    });
    const failed = ok(wf.addMedia({ id: 'i1', incident: incident('closed'), media: media('offline') }));
    expect(failed.audit).toMatchObject({ actor: 'hub', action: 'media_failed', note: 'offline', from: 'closed', to: 'closed' });
    expect(failed.next.timeline.at(-1)).toMatchObject({ type: 'note', by: 'hub', text: 'camera door: offline' });
    const shot = ok(wf.addMedia({ id: 'i1', incident: incident('new'), media: media(null) }));
    expect(shot.audit).toMatchObject({ action: 'media_snapshot', note: 'm1' });
    expect(shot.next.timeline).toHaveLength(0);
    expect(shot.next.media).toHaveLength(1);
  });
});

const iso = (ms: number) => new Date(ms).toISOString();

describe('the 110 steps refuse what is illegal or skipped, with a code', () => {
  const feedbackGiven = { feedback: { at: iso(NOW - 5000), by: 'op1', text: '门被撬', nature: 'criminal' }, nature: 'criminal' };
  it.each([
    { name: 'on scene before dispatch', d: () => wf.onScene(input(at('acknowledged'))), code: 'illegal_transition' },
    { name: 'dispatch at a station without units', d: () => wf.dispatchUnit({ ...input(at('acknowledged')), unitId: 'x', units: [] }), code: 'no_units' },
    {
      name: 'dispatch of a unit not on the list',
      d: () => wf.dispatchUnit({ ...input(at('acknowledged')), unitId: '巡逻车9', units: UNITS }),
      code: 'bad_unit',
    },
    { name: 'dispatch without a unit', d: () => wf.dispatchUnit({ ...input(at('acknowledged')), units: UNITS }), code: 'bad_unit' },
    {
      name: 'feedback before on scene',
      d: () => wf.feedback({ ...input(at('dispatched')), text: 't', nature: 'criminal', natures: RULES.natures }),
      code: 'illegal_transition',
    },
    {
      name: 'feedback with an unknown nature',
      d: () => wf.feedback({ ...input(at('on_scene')), text: 't', nature: 'x', natures: RULES.natures }),
      code: 'bad_nature',
    },
    {
      name: 'feedback without text',
      d: () => wf.feedback({ ...input(at('on_scene')), text: ' ', nature: 'other', natures: RULES.natures }),
      code: 'empty_note',
    },
    {
      name: 'feedback by a non-owner',
      d: () => wf.feedback({ ...input(at('on_scene'), 'op2'), text: 't', nature: 'other', natures: RULES.natures }),
      code: 'owned',
    },
    { name: 'real close before dispatch', d: () => wf.close({ ...input(at('acknowledged')), disposition: 'real', rules: RULES }), code: 'dispatch_required' },
    { name: 'real close of a new incident', d: () => wf.close({ ...input(incident('new')), disposition: 'real', rules: RULES }), code: 'dispatch_required' },
    { name: 'real close without feedback', d: () => wf.close({ ...input(at('on_scene')), disposition: 'real', rules: RULES }), code: 'feedback_required' },
    {
      name: 'false before dispatch when the rule does not allow it',
      d: () => wf.close({ ...input(at('acknowledged')), disposition: 'false', rules: { ...RULES, closeBeforeDispatch: [] } }),
      code: 'dispatch_required',
    },
    {
      name: 'cancelled without a verified owner call',
      d: () => wf.close({ ...input(at('acknowledged')), disposition: 'cancelled', rules: RULES }),
      code: 'owner_cancel_unverified',
    },
    {
      name: 'cancelled after a wrong verbal password',
      d: () =>
        wf.close({
          ...input(at('acknowledged', { calls: [{ at: 'x', by: 'op1', contact: 0, contactName: '王', outcome: 'cancelled_by_owner', passwordOk: false }] })),
          disposition: 'cancelled',
          rules: RULES,
        }),
      code: 'owner_cancel_unverified',
    },
    {
      name: 'close with an unknown nature',
      d: () => wf.close({ ...input(at('on_scene', feedbackGiven)), disposition: 'real', nature: 'x', rules: RULES }),
      code: 'bad_nature',
    },
    { name: 'transfer to an unknown station', d: () => wf.transfer({ ...input(at('acknowledged')), target: undefined }), code: 'bad_target' },
    {
      name: 'transfer to a community post',
      d: () => wf.transfer({ ...input(at('new')), target: { id: 'cp', name: '警务室', tier: 'community' } }),
      code: 'bad_target',
    },
    {
      name: 'transfer to the same station',
      d: () => wf.transfer({ ...input(at('new')), target: { id: 'ps-1', name: '本所', tier: 'station' } }),
      code: 'bad_target',
    },
    {
      name: 'transfer after dispatch',
      d: () => wf.transfer({ ...input(at('dispatched')), target: { id: 'ps-2', name: '二所', tier: 'station' } }),
      code: 'illegal_transition',
    },
    {
      name: 'transfer by a non-owner',
      d: () => wf.transfer({ ...input(at('acknowledged'), 'op2'), target: { id: 'ps-2', name: '二所', tier: 'station' } }),
      code: 'owned',
    },
    {
      name: 'a call to a contact the site lacks',
      d: () => wf.call({ ...input(at('new')), contact: undefined, outcome: 'answered', passwordOk: null }),
      code: 'bad_contact',
    },
    { name: 'guard on scene before the guard ack', d: () => wf.guardOnScene(input(incident('new'), 'g1')), code: 'illegal_transition' },
    {
      name: 'a second guard on the property track',
      d: () =>
        wf.guardVerify({
          ...input(at('new', { property: { status: 'acknowledged', owner: 'g1', finding: null, note: null, updatedAt: null } }), 'g2'),
          finding: 'confirmed',
        }),
      code: 'owned',
    },
    { name: 'a guard on a closed incident', d: () => wf.guardAcknowledge(input(incident('closed'), 'g1')), code: 'not_found' },
  ])('$name → $code', ({ d, code }) => {
    const r = d();
    expect(wf.isRefusal(r) ? r.code : 'accepted').toBe(code);
  });
});

describe('the 110 steps fill the times and durations (injected clock)', () => {
  it('签收用时, 派警用时, 到场用时, 反馈, 处警总时长 in seconds from the previous step', () => {
    // Opened 60 s before NOW; each step 30 s after the last.
    let i = incident('new');
    i = ok(wf.acknowledge({ ...input(i), now: NOW })).next;
    i = ok(wf.dispatchUnit({ ...input(i), now: NOW + 30_000, unitId: 'car-3', units: UNITS })).next;
    i = ok(wf.onScene({ ...input(i), now: NOW + 90_000 })).next;
    i = ok(wf.feedback({ ...input(i), now: NOW + 120_000, text: '门被撬，已抓获', nature: 'criminal', natures: RULES.natures })).next;
    expect(i.timeline.at(-1)).toMatchObject({ type: 'feedback', code: 'feedback', params: { nature: 'criminal' } });
    i = ok(wf.close({ ...input(i), now: NOW + 180_000, disposition: 'real', rules: RULES })).next;
    expect(i).toMatchObject({ status: 'closed', disposition: 'real', nature: 'criminal', unit: { id: 'car-3', officers: [{ name: '李警官' }] } });
    expect(i.times).toEqual({
      acknowledgedAt: iso(NOW),
      dispatchedAt: iso(NOW + 30_000),
      onSceneAt: iso(NOW + 90_000),
      feedbackAt: iso(NOW + 120_000),
      ackSeconds: 60,
      dispatchSeconds: 30,
      onSceneSeconds: 60,
      totalSeconds: 240,
    });
  });

  it("a nature given at close replaces the feedback's, and is audited", () => {
    const fb = { feedback: { at: 'x', by: 'op1', text: 't', nature: 'criminal' }, nature: 'criminal' };
    const c = ok(wf.close({ ...input(at('on_scene', fb)), disposition: 'real', nature: 'public_order', rules: RULES }));
    expect(c.next.nature).toBe('public_order');
    expect(c.audit.note).toBe('disposition real; nature public_order');
  });
});

describe('close rules: 误报 by phone before 派警, 业主撤警 with the right password', () => {
  it.each([
    { status: 'new' as const, disposition: 'false' },
    { status: 'acknowledged' as const, disposition: 'false' },
    { status: 'acknowledged' as const, disposition: 'duplicate' },
    { status: 'acknowledged' as const, disposition: 'test' },
    { status: 'dispatched' as const, disposition: 'false' },
    { status: 'on_scene' as const, disposition: 'false' },
  ])('$disposition from $status is allowed', ({ status, disposition }) => {
    expect(ok(wf.close({ ...input(at(status)), disposition, rules: RULES })).next.status).toBe('closed');
  });

  it('cancelled after the owner cancelled with the right verbal password', () => {
    const call = ok(wf.call({ ...input(at('acknowledged')), contact: { index: 0, name: '王店主' }, outcome: 'cancelled_by_owner', passwordOk: true }));
    expect(call.next.calls).toEqual([{ at: iso(NOW), by: 'op1', contact: 0, contactName: '王店主', outcome: 'cancelled_by_owner', passwordOk: true }]);
    expect(ok(wf.close({ ...input(call.next), disposition: 'cancelled', rules: RULES })).next.disposition).toBe('cancelled');
  });
});

describe('key-holder calls (联系人回拨)', () => {
  it.each([
    { outcome: 'answered' as const, passwordOk: null, line: '回拨 王店主: 接通' },
    { outcome: 'no_answer' as const, passwordOk: null, line: '回拨 王店主: 未接' },
    { outcome: 'coming' as const, passwordOk: null, line: '回拨 王店主: 将到场' },
    { outcome: 'wrong_number' as const, passwordOk: null, line: '回拨 王店主: 号码错误' },
    { outcome: 'cancelled_by_owner' as const, passwordOk: true, line: '回拨 王店主: 业主撤警（口令正确 password ok）' },
    { outcome: 'cancelled_by_owner' as const, passwordOk: false, line: '回拨 王店主: 业主撤警（口令错误 wrong password）' },
  ])('$outcome: a call entry, the call recorded, the audit without the password', ({ outcome, passwordOk, line }) => {
    const c = ok(wf.call({ ...input(at('new')), contact: { index: 0, name: '王店主' }, outcome, passwordOk }));
    expect(c.next.timeline.at(-1)).toMatchObject({ type: 'call', text: line, params: { contact: 0, outcome } });
    expect(c.next.calls.at(-1)).toMatchObject({ outcome, passwordOk });
    expect(c.audit).toMatchObject({ action: 'call' });
    expect(c.next.status).toBe('new'); // a call is no status step
  });

  it.each([
    { calls: [], count: 2, next: 0 },
    { calls: [{ contact: 0, outcome: 'no_answer' as const }], count: 2, next: 1 },
    { calls: [{ contact: 0, outcome: 'wrong_number' as const }], count: 2, next: 1 },
    { calls: [{ contact: 1, outcome: 'no_answer' as const }], count: 2, next: null },
    { calls: [{ contact: 0, outcome: 'answered' as const }], count: 2, next: null },
    { calls: [{ contact: 0, outcome: 'coming' as const }], count: 2, next: null },
    { calls: [], count: 0, next: null },
  ])('next contact after $calls of $count → $next', ({ calls, count, next }) => {
    expect(nextContact(calls, count)).toBe(next);
  });
});

describe('转警: another receiving point, ownership released, a fresh escalation clock', () => {
  it('moves the incident and records it', () => {
    const c = ok(
      wf.transfer({ ...input(at('acknowledged')), target: { id: 'fire-119', name: '119指挥中心', tier: 'city' }, note: '火情', ackTimeoutMs: 60_000 }),
    );
    expect(c.next).toMatchObject({ status: 'new', owner: null, responsibleStationId: 'fire-119', escalateAt: iso(NOW + 60_000) });
    expect(c.next.timeline.at(-1)).toMatchObject({ type: 'transfer', code: 'transfer', params: { from: 'ps-1', to: 'fire-119' } });
    expect(c.audit).toMatchObject({ action: 'transfer', from: 'acknowledged', to: 'new', note: 'ps-1 → fire-119; 火情' });
  });
});

describe('the guard track (物业响应) beside the 110 workflow', () => {
  it("a guard's 签收, 到场 and 误报 never take the owner, the status or the escalation clock", () => {
    const p1 = { ...incident('new'), priority: 1 as const };
    let i = ok(wf.guardAcknowledge(input(p1, 'g1'))).next;
    i = ok(wf.guardOnScene(input(i, 'g1'))).next;
    const v = ok(wf.guardVerify({ ...input(i, 'g1'), finding: 'false_alarm', note: '猫碰到门' }));
    expect(v.next).toMatchObject({ status: 'new', owner: null, escalateAt: p1.escalateAt, disposition: null });
    expect(v.next.property).toEqual({ status: 'verified', owner: 'g1', finding: 'false_alarm', note: '猫碰到门', updatedAt: iso(NOW) });
    expect(v.next.timeline.map((e) => e.code)).toEqual(['guard_ack', 'guard_onscene', 'guard_verify']);
    expect(v.audit).toMatchObject({ action: 'guard_verify', from: 'new', to: 'new', note: 'false_alarm; 猫碰到门' });
    // The operator still acknowledges, and confirms the guard's 误报 by closing in one step (the rule allows it before 派警).
    const acked = ok(wf.acknowledge(input(v.next, 'op1'))).next;
    expect(acked.owner).toBe('op1');
    expect(ok(wf.close({ ...input(acked, 'op1'), disposition: 'false', rules: RULES })).next.disposition).toBe('false');
  });

  it.each([1, 2, 3, 4] as const)("P%s: a guard's 误报 is a finding, not a close", (priority) => {
    const i = ok(wf.guardAcknowledge(input({ ...incident('new'), priority }, 'g1'))).next;
    const v = ok(wf.guardVerify({ ...input(i, 'g1'), finding: 'false_alarm' }));
    expect(v.next.status).toBe('new');
    expect(v.next.property?.finding).toBe('false_alarm');
  });

  it("the operator's 签收 leaves the guard track as it is", () => {
    const i = ok(wf.guardAcknowledge(input(incident('new'), 'g1'))).next;
    const a = ok(wf.acknowledge(input(i, 'op1'))).next;
    expect(a.property).toMatchObject({ status: 'acknowledged', owner: 'g1' });
    expect(a.owner).toBe('op1');
  });
});
