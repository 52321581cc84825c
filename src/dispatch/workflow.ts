/**
 * The incident workflow as pure functions: each command takes the incident as the service holds
 * it (or none), who acts and the time as a number, and returns either the next incident with the
 * audit row to write, or a refusal with its code. The state machine itself is shared data in
 * src/contract/workflow.ts; the service shell stamps the version, writes, and publishes.
 */
import type { IncidentMedia } from '../contract/incident.js';
import { DISPOSITIONS, type Disposition, type Incident, type IncidentStatus, type TimelineEntry } from '../contract/incident.js';
import { mayMove, STATUS_ZH } from '../contract/workflow.js';

/** Who acts, and from where (a console socket, a REST client address). A bare string is a username. */
export type Actor = string | { username: string; origin?: string | null };

export const actorName = (a: Actor): string => (typeof a === 'string' ? a : a.username);
export const actorOrigin = (a: Actor): string | null => (typeof a === 'string' ? null : (a.origin ?? null));

/** The audit row of a change, before the store gives it its place in the chain. */
export interface AuditFact {
  actor: Actor;
  action: string;
  from: IncidentStatus;
  to: IncidentStatus;
  note: string | null;
}

export interface Refusal {
  code: string;
  error: string;
}

export interface Change {
  next: Incident;
  audit: AuditFact;
}

export type Decision = Change | Refusal;

export const isRefusal = (d: Decision): d is Refusal => 'code' in d;

const refuse = (code: string, error: string): Refusal => ({ code, error });

const ownedBy = (i: Incident): string => `已由 ${i.owner} 签收 (owned by ${i.owner})`;

/** Somebody else owns it: the refusal names them. */
const ownerRefusal = (i: Incident, by: Actor): Refusal | null => (i.owner && i.owner !== actorName(by) ? refuse('owned', ownedBy(i)) : null);

const iso = (ms: number): string => new Date(ms).toISOString();

/** What every command is given: the incident id asked for, the incident found (open, or closed where it matters), who, when. */
export interface CommandInput {
  id: string;
  incident: Incident | undefined;
  by: Actor;
  now: number;
}

interface StatusStep {
  to: IncidentStatus;
  /** Ownership rule of this step; null lets anyone take it. */
  guard: (i: Incident) => Refusal | null;
  apply: (i: Incident) => Incident;
  note?: string | undefined;
  auditNote?: string | undefined;
}

/** A status change along NEXT_STATUSES, with its timeline line and audit row. */
function step(c: CommandInput, s: StatusStep): Decision {
  const i = c.incident;
  if (!i) return refuse('not_found', `no open incident ${c.id}`);
  if (i.status === 'closed') return refuse('illegal_transition', `incident is ${i.status} (${STATUS_ZH[i.status]})`);
  const refusal = s.guard(i);
  if (refusal) return refusal;
  if (!mayMove(i.status, s.to)) {
    return refuse('illegal_transition', `cannot go from ${i.status} (${STATUS_ZH[i.status]}) to ${s.to} (${STATUS_ZH[s.to]})`);
  }
  const cleanNote = s.note ? s.note.slice(0, 1000) : '';
  const entry: TimelineEntry = {
    at: iso(c.now),
    type: 'status',
    by: actorName(c.by),
    text: `${STATUS_ZH[i.status]} → ${STATUS_ZH[s.to]}${cleanNote ? `: ${cleanNote}` : ''}`,
  };
  const next = s.apply({ ...i, status: s.to, timeline: [...i.timeline, entry] });
  return { next, audit: { actor: c.by, action: s.to, from: i.status, to: s.to, note: [s.auditNote, cleanNote].filter(Boolean).join('; ') || null } };
}

/** 签收: the first to acknowledge owns it and stops its escalation clock. */
export function acknowledge(c: CommandInput): Decision {
  return step(c, { to: 'acknowledged', guard: (i) => ownerRefusal(i, c.by), apply: (i) => ({ ...i, owner: actorName(c.by), escalateAt: null }) });
}

/** 派警: the owner sends a unit. */
export function dispatchUnit(c: CommandInput & { unit?: string | undefined; note?: string | undefined }): Decision {
  const text = [c.unit ? `出警单位 unit: ${c.unit.slice(0, 100)}` : '', c.note ?? ''].filter(Boolean).join('; ');
  return step(c, { to: 'dispatched', guard: (i) => ownerRefusal(i, c.by), apply: (i) => i, note: text });
}

/** 到场: the unit is on scene. */
export function onScene(c: CommandInput & { note?: string | undefined }): Decision {
  return step(c, { to: 'on_scene', guard: (i) => ownerRefusal(i, c.by), apply: (i) => i, note: c.note });
}

/** 结警 with a disposition; anyone may close a new incident (a false alarm nobody took), else only the owner. */
export function close(c: CommandInput & { disposition: string; note?: string | undefined }): Decision {
  if (!(DISPOSITIONS as readonly string[]).includes(c.disposition)) {
    return refuse('bad_disposition', `disposition must be one of ${DISPOSITIONS.join(', ')}`);
  }
  return step(c, {
    to: 'closed',
    guard: (i) => (i.status === 'new' ? null : ownerRefusal(i, c.by)),
    apply: (i) => ({ ...i, disposition: c.disposition as Disposition, closedAt: iso(c.now), escalateAt: null }),
    note: c.note,
    auditNote: `disposition ${c.disposition}`,
  });
}

/** A note on an open incident, by anyone who may see it. */
export function note(c: CommandInput & { text: string }): Decision {
  const i = openOnly(c);
  if (!i) return refuse('not_found', `no open incident ${c.id}`);
  const clean = String(c.text ?? '')
    .slice(0, 1000)
    .trim();
  if (!clean) return refuse('empty_note', 'note is empty');
  return {
    next: { ...i, timeline: [...i.timeline, { at: iso(c.now), type: 'note', by: actorName(c.by), text: clean }] },
    audit: { actor: c.by, action: 'note', from: i.status, to: i.status, note: clean },
  };
}

/** The owner gives the incident to another operator (shift change, wrong desk). */
export function handOver(c: CommandInput & { to: string }): Decision {
  const i = openOnly(c);
  if (!i) return refuse('not_found', `no open incident ${c.id}`);
  if (!i.owner) return refuse('not_owned', 'acknowledge the incident before handing it over');
  if (i.owner !== actorName(c.by)) return refuse('owned', ownedBy(i));
  const target = String(c.to ?? '')
    .trim()
    .slice(0, 64);
  if (!target || target === i.owner) return refuse('bad_target', 'name the operator who takes it over');
  return {
    next: {
      ...i,
      owner: target,
      timeline: [...i.timeline, { at: iso(c.now), type: 'status', by: actorName(c.by), text: `移交 handed over: ${i.owner} → ${target}` }],
    },
    audit: { actor: c.by, action: 'handover', from: i.status, to: i.status, note: `${i.owner} → ${target}` },
  };
}

/** An admin takes an incident over from its owner (the owner is away). Permission is the caller's check. */
export function takeOver(c: CommandInput): Decision {
  const i = openOnly(c);
  if (!i) return refuse('not_found', `no open incident ${c.id}`);
  const who = actorName(c.by);
  if (i.owner === who) return refuse('already_owner', 'you already own it');
  const status: IncidentStatus = i.status === 'new' ? 'acknowledged' : i.status;
  return {
    next: {
      ...i,
      owner: who,
      status,
      escalateAt: null,
      timeline: [...i.timeline, { at: iso(c.now), type: 'status', by: who, text: `接管 taken over from ${i.owner ?? '—'}` }],
    },
    audit: { actor: c.by, action: 'takeover', from: i.status, to: status, note: `from ${i.owner ?? 'nobody'}` },
  };
}

/**
 * A snapshot or clip (or a camera's failure note) on an incident, open or closed: video evidence
 * may arrive after the operator closed it. The hub is the actor.
 */
export function addMedia(c: { id: string; incident: Incident | undefined; media: IncidentMedia }): Decision {
  const i = c.incident;
  if (!i) return refuse('not_found', `no incident ${c.id}`);
  const m = c.media;
  const timeline = m.error ? [...i.timeline, { at: m.at, type: 'note' as const, by: 'hub', text: `camera ${m.cameraId}: ${m.error}` }] : i.timeline;
  return {
    next: { ...i, media: [...i.media, m].slice(-50), timeline },
    audit: { actor: 'hub', action: m.error ? 'media_failed' : `media_${m.kind}`, from: i.status, to: i.status, note: m.error ?? m.id },
  };
}

/** Note, hand over and take over apply to open incidents only; a closed one is not found. */
function openOnly(c: CommandInput): Incident | undefined {
  return c.incident && c.incident.status !== 'closed' ? c.incident : undefined;
}
