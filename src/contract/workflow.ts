/**
 * The incident workflow as data (DESIGN.md "Triage"), shared by the hub's workflow core
 * (src/dispatch/workflow.ts) and the pages (web/src/detail.ts, guard-main.ts), so both read one
 * state machine: which status may follow which, and which status each command needs.
 */
import type { Incident, IncidentStatus } from './incident.js';

/** Which status may follow which: 待受理 → 已签收 → 已派警 → 已到场 → 已结警 (closing allowed from any open state). */
export const NEXT_STATUSES: Readonly<Record<IncidentStatus, readonly IncidentStatus[]>> = {
  new: ['acknowledged', 'closed'],
  acknowledged: ['dispatched', 'on_scene', 'closed'],
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
export const INCIDENT_ACTIONS = ['ack', 'dispatch', 'onscene', 'close', 'note', 'handover', 'takeover'] as const;
export type IncidentAction = (typeof INCIDENT_ACTIONS)[number];

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
    case 'close':
    case 'note':
    case 'handover':
    case 'takeover':
      return status !== 'closed';
  }
}

/** Queue order (DESIGN.md "Triage"): the most urgent first; within a priority the oldest first. */
export function queueOrder(a: Incident, b: Incident): number {
  return a.priority - b.priority || (a.openedAt < b.openedAt ? -1 : a.openedAt > b.openedAt ? 1 : 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
