/**
 * The incident workflow as data (DESIGN.md "Triage"), shared by the hub's workflow core
 * (src/dispatch/workflow.ts) and the pages (web/src/detail.ts, guard-main.ts), so both read one
 * state machine: which status may follow which, and which status each command needs.
 */
import type { Incident, IncidentStatus, KeyholderCall, PropertyResponse } from './incident.js';

/**
 * Which status may follow which: 待受理 → 已签收 → 已派警 → 已到场 → 已结警. No 到场 without 派警 (issue 12);
 * closing is possible from any open state, but which disposition may close when is the workflow
 * core's rule (a real close needs 反馈; before 派警 only hub.yaml `triage.close_before_dispatch`).
 */
export const NEXT_STATUSES: Readonly<Record<IncidentStatus, readonly IncidentStatus[]>> = {
  new: ['acknowledged', 'closed'],
  acknowledged: ['dispatched', 'closed'],
  dispatched: ['on_scene', 'closed'],
  on_scene: ['closed'],
  closed: [],
};

/** True when `to` may follow `from`. */
export function mayMove(from: IncidentStatus, to: IncidentStatus): boolean {
  return NEXT_STATUSES[from].includes(to);
}

/** Status words as a 110 operator knows them; the pages word them through their catalogues too. */
export const STATUS_ZH: Readonly<Record<IncidentStatus, string>> = {
  new: '待受理',
  acknowledged: '已签收',
  dispatched: '已派警',
  on_scene: '已到场',
  closed: '已结警',
};

/** The operator's actions on an incident, by the short name the pages and REST paths use. */
export const INCIDENT_ACTIONS = [
  'ack',
  'dispatch',
  'onscene',
  'feedback',
  'close',
  'note',
  'handover',
  'takeover',
  'transfer',
  'call',
  'guard_ack',
  'guard_onscene',
  'guard_verify',
  'make_real',
] as const;
export type IncidentAction = (typeof INCIDENT_ACTIONS)[number];

/** The guard's actions: the property-response track (物业响应), never the 110 workflow. */
/** The Socket.IO event of each command (the REST path is `/api/incidents/:id/<action>`); here, not in commands.ts, so pages import it without zod. */
export const COMMAND_EVENT_OF = {
  ack: 'incident:ack',
  dispatch: 'incident:dispatch',
  onscene: 'incident:onscene',
  close: 'incident:close',
  note: 'incident:note',
  handover: 'incident:handover',
  takeover: 'incident:takeover',
  transfer: 'incident:transfer',
  call: 'incident:call',
  guard_ack: 'incident:guard_ack',
  guard_onscene: 'incident:guard_onscene',
  guard_verify: 'incident:guard_verify',
  feedback: 'incident:feedback',
  make_real: 'incident:make_real',
} as const satisfies Record<IncidentAction, `incident:${IncidentAction}`>;

export const GUARD_ACTIONS = ['guard_ack', 'guard_onscene', 'guard_verify'] as const satisfies readonly IncidentAction[];
export type GuardAction = (typeof GUARD_ACTIONS)[number];

/**
 * Whether an action can apply to an incident in its current status (ownership and role are
 * checked separately): the pages show only these buttons, the hub refuses the rest.
 */
export function actionApplies(action: IncidentAction, status: IncidentStatus): boolean {
  switch (action) {
    case 'ack':
      return mayMove(status, 'acknowledged') && status === 'new';
    case 'dispatch':
      return status === 'acknowledged';
    case 'onscene':
      return mayMove(status, 'on_scene');
    case 'feedback':
      return status === 'on_scene';
    case 'transfer':
      // Before 派警 only: once a unit is on its way the incident stays where it is.
      return status === 'new' || status === 'acknowledged';
    case 'close':
    case 'note':
    case 'handover':
    case 'takeover':
    case 'call':
    case 'guard_ack':
    case 'guard_onscene':
    case 'guard_verify':
      return status !== 'closed';
    case 'make_real':
      // 转为真实警情 while it is being handled; the page offers it on drill incidents only.
      return status !== 'closed';
  }
}

/** The ownership actions an operator is offered (the detail's buttons). */
export type OwnershipAction = 'handover' | 'takeover' | 'make_real';

/**
 * Whether an ownership action applies to this operator: the owner hands an open incident over
 * (shift change, wrong desk); an admin takes one over from an owner who is away, or from nobody;
 * any operator of its scope turns a drill (演练) into a real incident. The hub's workflow
 * (dispatch/workflow.ts) refuses exactly the other cases, each with its code; a unit test holds the
 * two together.
 */
export function ownershipActionApplies(
  action: OwnershipAction,
  i: { status: IncidentStatus; owner: string | null; drill?: boolean | undefined },
  me: { username: string; role: string },
): boolean {
  if (i.status === 'closed') return false;
  if (action === 'handover') return i.owner === me.username;
  if (action === 'takeover') return me.role === 'admin' && i.owner !== me.username;
  return i.drill === true;
}

/** Whether a guard's action applies to the property track as it stands (null: nobody has taken it). */
export function guardActionApplies(action: GuardAction, property: PropertyResponse | null): boolean {
  const status = property?.status ?? 'waiting';
  switch (action) {
    case 'guard_ack':
      return status === 'waiting';
    case 'guard_onscene':
      return status === 'acknowledged';
    case 'guard_verify':
      return status === 'acknowledged' || status === 'on_scene';
  }
}

/**
 * The contact to call next (联系人回拨): the first when nobody was called; the one after an
 * unanswered call or a wrong number; none once somebody answered (or the list is through).
 */
export function nextContact(calls: readonly Pick<KeyholderCall, 'contact' | 'outcome'>[], contactCount: number): number | null {
  const last = calls.at(-1);
  const next = !last ? 0 : last.outcome === 'no_answer' || last.outcome === 'wrong_number' ? last.contact + 1 : null;
  return next !== null && next < contactCount ? next : null;
}

/** Queue order (DESIGN.md "Triage"): the most urgent first; within a priority the oldest first. */
export function queueOrder(a: Incident, b: Incident): number {
  return a.priority - b.priority || (a.openedAt < b.openedAt ? -1 : a.openedAt > b.openedAt ? 1 : 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
