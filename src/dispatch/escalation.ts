/**
 * Escalation (升级上报) as pure functions: the open incidents and the time in, the escalated
 * incidents with their audit rows and log facts out. The service shell writes them in one
 * transaction and publishes them after it commits.
 */
import type { Priority } from '../contract/alarm-event.js';
import type { Incident } from '../contract/incident.js';
import { message } from '../contract/messages.js';
import type { Change } from './workflow.js';

/** The station tree as lookups: the next tier up (null at the top) and a station's name. */
export interface StationTree {
  stationParent?(stationId: string): string | null;
  stationName?(stationId: string): string | null;
}

export interface EscalationRules {
  /** Per priority: escalate one tier when not acknowledged within this. Absent: never escalate. */
  ackTimeoutMs?: Partial<Record<Priority, number>> | undefined;
  stations: StationTree;
}

/** An escalation to make: the change, and — when it went up a tier — the fact to log and count. */
export interface Escalation extends Change {
  escalated: { incident: string; site: string; from: string | null; to: string; priority: Priority } | null;
}

/** New incidents whose acknowledgement was due at or before `now`. */
export function dueForEscalation(open: Iterable<Incident>, now: number): Incident[] {
  const due: Incident[] = [];
  for (const i of open) if (i.status === 'new' && i.escalateAt && Date.parse(i.escalateAt) <= now) due.push(i);
  return due;
}

/** Every due incident one tier up (or, at the top, a note that it is there and its clock stopped). */
export function planEscalations(open: Iterable<Incident>, now: number, rules: EscalationRules): Escalation[] {
  return dueForEscalation(open, now).map((i) => escalate(i, now, rules));
}

export function escalate(i: Incident, now: number, rules: EscalationRules): Escalation {
  const from = i.responsibleStationId;
  const parent = from ? (rules.stations.stationParent?.(from) ?? null) : null;
  const at = new Date(now).toISOString();
  const timeout = rules.ackTimeoutMs?.[i.priority] ?? 0;
  const waited = Math.round((now - Date.parse(i.escalateAt ?? at) + timeout) / 1000);
  if (!parent) {
    // Already at the top tier: say so once, and stop the clock.
    const text = `未在${waited}秒内签收，已是最高层级 not acknowledged within ${waited} s; already at the top tier`;
    return {
      next: { ...i, escalateAt: null, timeline: [...i.timeline, { at, type: 'escalation', by: 'hub', text, ...message('escalation.top', { waited }) }] },
      audit: { actor: 'hub', action: 'escalate_top', from: i.status, to: i.status, note: from },
      escalated: null,
    };
  }
  const name = rules.stations.stationName?.(parent) ?? parent;
  const hasHigher = (rules.stations.stationParent?.(parent) ?? null) !== null;
  const text = `升级上报至 ${name}：${waited}秒未签收 escalated to ${parent}: not acknowledged within ${waited} s`;
  return {
    next: {
      ...i,
      responsibleStationId: parent,
      escalationLevel: i.escalationLevel + 1,
      escalateAt: hasHigher ? new Date(now + timeout).toISOString() : null,
      timeline: [...i.timeline, { at, type: 'escalation', by: 'hub', text, ...message('escalation.up', { from, station: parent, stationName: name, waited }) }],
    },
    audit: { actor: 'hub', action: 'escalate', from: i.status, to: i.status, note: `${from ?? '—'} → ${parent}` },
    escalated: { incident: i.id, site: i.siteId, from, to: parent, priority: i.priority },
  };
}
