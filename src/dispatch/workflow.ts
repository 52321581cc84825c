/**
 * The incident workflow as pure functions: each command takes the incident as the service holds
 * it (or none), who acts and the time as a number, and returns either the next incident with the
 * audit row to write, or a refusal with its code. The state machine itself is shared data in
 * src/contract/workflow.ts; the service shell stamps the version, writes, and publishes.
 */
import type { DispatchedUnit, IncidentMedia, IncidentTimes, KeyholderCallOutcome, PropertyResponse } from '../contract/incident.js';
import { DISPOSITIONS, type Disposition, type Incident, type IncidentStatus, type TimelineEntry } from '../contract/incident.js';
import { message, type StoredParams } from '../contract/messages.js';
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
  /** Names the page words into the refusal (`owner`, `target`). */
  params?: StoredParams;
}

export interface Change {
  next: Incident;
  audit: AuditFact;
}

export type Decision = Change | Refusal;

export const isRefusal = (d: Decision): d is Refusal => 'code' in d;

const refuse = (code: string, error: string, params?: StoredParams): Refusal => (params ? { code, error, params } : { code, error });

const ownedBy = (i: Incident): string => `已由 ${i.owner} 签收 (owned by ${i.owner})`;

/** Somebody else owns it: the refusal names them. */
const ownerRefusal = (i: Incident, by: Actor): Refusal | null =>
  i.owner && i.owner !== actorName(by) ? refuse('owned', ownedBy(i), { owner: i.owner }) : null;

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
  /** 出警单位 at 派警, worded by the page apart from the operator's note. */
  unit?: string | null | undefined;
  /** The operator's own words, when `note` also holds the unit. */
  ownNote?: string | undefined;
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
    ...message('status.changed', {
      from: i.status,
      to: s.to,
      unit: s.unit ?? null,
      note: (s.unit !== undefined ? (s.ownNote ?? '').slice(0, 1000) : cleanNote) || null,
    }),
  };
  const next = s.apply({ ...i, status: s.to, timeline: [...i.timeline, entry] });
  return { next, audit: { actor: c.by, action: s.to, from: i.status, to: s.to, note: [s.auditNote, cleanNote].filter(Boolean).join('; ') || null } };
}

/** Seconds from an ISO time to now; null when the earlier step never happened. */
const since = (from: string | null, now: number): number | null => (from ? Math.max(0, Math.round((now - Date.parse(from)) / 1000)) : null);

const withTimes = (i: Incident, t: Partial<IncidentTimes>): Incident => ({ ...i, times: { ...i.times, ...t } });

/** 签收 (operators only; a guard's 签收 is guardAcknowledge): the first owns it and stops its escalation clock. */
export function acknowledge(c: CommandInput): Decision {
  return step(c, {
    to: 'acknowledged',
    guard: (i) => ownerRefusal(i, c.by),
    apply: (i) => withTimes({ ...i, owner: actorName(c.by), escalateAt: null }, { acknowledgedAt: iso(c.now), ackSeconds: since(i.openedAt, c.now) }),
  });
}

/** 派警: the owner sends one of the responsible station's units (config/stations.yaml `units:`), by id. */
export function dispatchUnit(c: CommandInput & { unitId?: string | undefined; units: readonly DispatchedUnit[]; note?: string | undefined }): Decision {
  const i = c.incident;
  if (i && i.status !== 'closed' && !ownerRefusal(i, c.by) && mayMove(i.status, 'dispatched')) {
    if (c.units.length === 0) return refuse('no_units', `station ${i.responsibleStationId ?? '—'} has no units configured (config/stations.yaml units:)`);
    if (!c.units.some((u) => u.id === c.unitId)) return refuse('bad_unit', `unit must be one of ${c.units.map((u) => u.id).join(', ')}`);
  }
  const unit = c.units.find((u) => u.id === c.unitId) ?? null;
  const text = [unit ? `出警单位 ${unit.name}` : '', c.note ?? ''].filter(Boolean).join('; ');
  return step(c, {
    to: 'dispatched',
    guard: (x) => ownerRefusal(x, c.by),
    apply: (x) => withTimes({ ...x, unit }, { dispatchedAt: iso(c.now), dispatchSeconds: since(x.times.acknowledgedAt, c.now) }),
    note: text,
    unit: unit?.name ?? null,
    ownNote: c.note,
  });
}

/** 到场: the dispatched unit is on scene (never before 派警). */
export function onScene(c: CommandInput & { note?: string | undefined }): Decision {
  return step(c, {
    to: 'on_scene',
    guard: (i) => ownerRefusal(i, c.by),
    apply: (i) => withTimes(i, { onSceneAt: iso(c.now), onSceneSeconds: since(i.times.dispatchedAt, c.now) }),
    note: c.note,
  });
}

/** What the configuration decides about closing and natures (hub.yaml `triage`). */
export interface CloseRules {
  /** 警情类别/性质 codes (`triage.natures`). */
  natures: readonly string[];
  /** Dispositions that may close an incident before 派警 (`triage.close_before_dispatch`). */
  closeBeforeDispatch: readonly string[];
}

const badNature = (natures: readonly string[]): Refusal => refuse('bad_nature', `nature must be one of ${natures.join(', ')}`);

/** 反馈 (处警反馈): the owner records what the unit found, in free text and as 警情类别/性质. */
export function feedback(c: CommandInput & { text: string; nature: string; natures: readonly string[] }): Decision {
  const i = openOnly(c);
  if (!i) return refuse('not_found', `no open incident ${c.id}`);
  const owned = ownerRefusal(i, c.by);
  if (owned) return owned;
  if (i.status !== 'on_scene') return refuse('illegal_transition', `反馈 needs the unit on scene (到场); the incident is ${i.status} (${STATUS_ZH[i.status]})`);
  if (!c.natures.includes(c.nature)) return badNature(c.natures);
  const text = String(c.text ?? '')
    .slice(0, 1000)
    .trim();
  if (!text) return refuse('empty_note', 'feedback needs what the unit found');
  const by = actorName(c.by);
  const at = iso(c.now);
  const entry: TimelineEntry = { at, type: 'feedback', by, text: `反馈 [${c.nature}]: ${text}`, ...message('feedback', { nature: c.nature, text }) };
  return {
    next: withTimes({ ...i, feedback: { at, by, text, nature: c.nature }, nature: c.nature, timeline: [...i.timeline, entry] }, { feedbackAt: at }),
    audit: { actor: c.by, action: 'feedback', from: i.status, to: i.status, note: `${c.nature}; ${text}` },
  };
}

/** Why a close is not allowed yet by the 110 rules, or null. */
function closeRuleRefusal(i: Incident, disposition: string, rules: CloseRules): Refusal | null {
  const beforeDispatch = i.status === 'new' || i.status === 'acknowledged';
  if (beforeDispatch && !rules.closeBeforeDispatch.includes(disposition)) {
    return refuse(
      'dispatch_required',
      `结警 as ${disposition} needs 派警 first (triage.close_before_dispatch allows ${rules.closeBeforeDispatch.join(', ') || 'none'})`,
    );
  }
  if (disposition === 'real' && !i.feedback) return refuse('feedback_required', '结警 as real needs 反馈 (what the unit found, and the nature) first');
  if (disposition === 'cancelled' && !i.calls.some((k) => k.outcome === 'cancelled_by_owner' && k.passwordOk === true)) {
    return refuse('owner_cancel_unverified', '结警 as cancelled needs a call where the owner cancelled with the right verbal password (业主撤警)');
  }
  return null;
}

/**
 * 结警 with a disposition and, for a real one, the nature (from 反馈 or given now). Anyone may close a
 * new incident (a false alarm confirmed by phone before anybody took it), else only the owner; the
 * configured rules decide what may close before 派警.
 */
export function close(c: CommandInput & { disposition: string; nature?: string | undefined; note?: string | undefined; rules: CloseRules }): Decision {
  if (!(DISPOSITIONS as readonly string[]).includes(c.disposition)) {
    return refuse('bad_disposition', `disposition must be one of ${DISPOSITIONS.join(', ')}`);
  }
  if (c.nature !== undefined && c.nature !== '' && !c.rules.natures.includes(c.nature)) return badNature(c.rules.natures);
  const i = c.incident;
  if (i && i.status !== 'closed' && (i.status === 'new' || !ownerRefusal(i, c.by))) {
    const refusal = closeRuleRefusal(i, c.disposition, c.rules);
    if (refusal) return refusal;
  }
  return step(c, {
    to: 'closed',
    guard: (x) => (x.status === 'new' ? null : ownerRefusal(x, c.by)),
    apply: (x) =>
      withTimes(
        { ...x, disposition: c.disposition as Disposition, nature: c.nature || x.nature, closedAt: iso(c.now), escalateAt: null },
        { totalSeconds: since(x.openedAt, c.now) },
      ),
    note: c.note,
    auditNote: `disposition ${c.disposition}${c.nature || i?.nature ? `; nature ${c.nature || i?.nature}` : ''}`,
  });
}

/** A receiving point as the shell finds it in config/stations.yaml. */
export interface TransferTarget {
  id: string;
  name: string;
  tier: string;
}

/**
 * 转警: hand the incident to another receiving point before 派警. Its 110 ownership is released:
 * the target signs for it again, with a fresh escalation clock (`ackTimeoutMs` of its priority).
 * Community posts (社区警务室) see incidents but do not receive them.
 */
export function transfer(c: CommandInput & { target: TransferTarget | undefined; note?: string | undefined; ackTimeoutMs?: number | undefined }): Decision {
  const i = openOnly(c);
  if (!i) return refuse('not_found', `no open incident ${c.id}`);
  const owned = ownerRefusal(i, c.by);
  if (owned) return owned;
  if (i.status !== 'new' && i.status !== 'acknowledged') {
    return refuse('illegal_transition', `转警 only before 派警; the incident is ${i.status} (${STATUS_ZH[i.status]})`);
  }
  const t = c.target;
  if (!t || t.tier === 'community') return refuse('bad_target', 'transfer to a receiving point (a station or centre from config/stations.yaml)');
  if (t.id === i.responsibleStationId) return refuse('bad_target', `the incident is already with ${t.name}`);
  const from = i.responsibleStationId;
  const note = (c.note ?? '').slice(0, 1000).trim();
  const entry: TimelineEntry = {
    at: iso(c.now),
    type: 'transfer',
    by: actorName(c.by),
    text: `转警 transferred: ${from ?? '—'} → ${t.name}${note ? `: ${note}` : ''}`,
    ...message('transfer', { from, to: t.id, toName: t.name, note: note || null }),
  };
  return {
    next: {
      ...i,
      status: 'new',
      owner: null,
      responsibleStationId: t.id,
      escalateAt: c.ackTimeoutMs ? iso(c.now + c.ackTimeoutMs) : null,
      timeline: [...i.timeline, entry],
    },
    audit: { actor: c.by, action: 'transfer', from: i.status, to: 'new', note: [`${from ?? '—'} → ${t.id}`, note].filter(Boolean).join('; ') },
  };
}

/** One site contact as the shell finds it (never the verbal password itself). */
export interface CalledContact {
  index: number;
  name: string;
}

const CALL_ZH: Readonly<Record<KeyholderCallOutcome, string>> = {
  answered: '接通',
  no_answer: '未接',
  coming: '将到场',
  cancelled_by_owner: '业主撤警',
  wrong_number: '号码错误',
};

/**
 * 联系人回拨: one call to a site contact and its outcome. For 业主撤警 the shell has checked the verbal
 * password (`passwordOk`); a wrong one is recorded too, and only a right one lets the incident close
 * as cancelled.
 */
export function call(
  c: CommandInput & { contact: CalledContact | undefined; outcome: KeyholderCallOutcome; passwordOk: boolean | null; note?: string | undefined },
): Decision {
  const i = openOnly(c);
  if (!i) return refuse('not_found', `no open incident ${c.id}`);
  const owned = ownerRefusal(i, c.by);
  if (owned) return owned;
  if (!c.contact) return refuse('bad_contact', 'no such contact on the site (contacts are numbered from 0 in the order of the site file)');
  const passwordOk = c.outcome === 'cancelled_by_owner' ? c.passwordOk : null;
  const check = passwordOk === null ? '' : passwordOk ? '（口令正确 password ok）' : '（口令错误 wrong password）';
  const note = (c.note ?? '').slice(0, 1000).trim();
  const by = actorName(c.by);
  const at = iso(c.now);
  const entry: TimelineEntry = {
    at,
    type: 'call',
    by,
    text: `回拨 ${c.contact.name}: ${CALL_ZH[c.outcome]}${check}${note ? `; ${note}` : ''}`,
    ...message('call', {
      contact: c.contact.index,
      contactName: c.contact.name,
      outcome: c.outcome,
      passwordOk: passwordOk === null ? null : passwordOk ? 'true' : 'false',
      note: note || null,
    }),
  };
  const record = { at, by, contact: c.contact.index, contactName: c.contact.name, outcome: c.outcome, passwordOk };
  return {
    next: { ...i, calls: [...i.calls, record].slice(-50), timeline: [...i.timeline, entry] },
    // The audit says whether the password matched, never what was said.
    audit: { actor: c.by, action: 'call', from: i.status, to: i.status, note: [`#${c.contact.index} ${c.outcome}${check}`, note].filter(Boolean).join('; ') },
  };
}

/** The guard's track as it stands (a fresh one when nobody has touched it). */
const propertyOf = (i: Incident): PropertyResponse => i.property ?? { status: 'waiting', owner: null, finding: null, note: null, updatedAt: null };

/**
 * A step of the property-response track (物业响应). It never touches the 110 owner, status or
 * escalation clock: the guard works beside the police, not instead of them.
 */
function guardStep(
  c: CommandInput,
  s: { from: readonly PropertyResponse['status'][]; apply: (p: PropertyResponse) => PropertyResponse; action: string; text: string },
): Decision {
  const i = openOnly(c);
  if (!i) return refuse('not_found', `no open incident ${c.id}`);
  const p = propertyOf(i);
  const by = actorName(c.by);
  if (p.owner && p.owner !== by) return refuse('owned', `物业响应已由 ${p.owner} 签收 (property response owned by ${p.owner})`, { owner: p.owner });
  if (!s.from.includes(p.status)) return refuse('illegal_transition', `property response is ${p.status}; ${s.action} needs ${s.from.join(' or ')}`);
  const next = { ...s.apply(p), owner: by, updatedAt: iso(c.now) };
  const entry: TimelineEntry = { at: iso(c.now), type: 'guard', by, text: s.text, code: s.action, params: { finding: next.finding, note: next.note } };
  return {
    next: { ...i, property: next, timeline: [...i.timeline, entry] },
    audit: { actor: c.by, action: s.action, from: i.status, to: i.status, note: next.note ? `${next.finding ?? p.status}; ${next.note}` : next.finding },
  };
}

/** 物业签收: the guard takes the property track (not the incident). */
export function guardAcknowledge(c: CommandInput): Decision {
  return guardStep(c, { from: ['waiting'], apply: (p) => ({ ...p, status: 'acknowledged' }), action: 'guard_ack', text: '物业签收 guard acknowledged' });
}

/** 物业到场: the guard is at the site. */
export function guardOnScene(c: CommandInput): Decision {
  return guardStep(c, { from: ['acknowledged'], apply: (p) => ({ ...p, status: 'on_scene' }), action: 'guard_onscene', text: '物业到场 guard on scene' });
}

/**
 * 核实结果: the guard's finding. A 误报 is a finding at every priority, never a close: on P1/P2 the
 * operator confirms it (closing as false in one step, allowed before 派警 by the rule); on P3/P4 it
 * is the same finding, so one rule holds and the 110 record is always the operator's.
 */
export function guardVerify(c: CommandInput & { finding: 'false_alarm' | 'confirmed'; note?: string | undefined }): Decision {
  const note = (c.note ?? '').slice(0, 1000).trim() || null;
  const word = c.finding === 'false_alarm' ? '误报（待接警员确认）false alarm, for the operator to confirm' : '确有警情 confirmed';
  return guardStep(c, {
    from: ['acknowledged', 'on_scene'],
    apply: (p) => ({ ...p, status: 'verified', finding: c.finding, note }),
    action: 'guard_verify',
    text: `物业核实 guard verified: ${word}${note ? `: ${note}` : ''}`,
  });
}

/** A note on an open incident, by anyone who may see it. */
/** Notes one incident may hold, and their characters together (issue 17, item 10). */
export const MAX_NOTES = 100;
export const MAX_NOTE_CHARS = 20_000;

export function note(c: CommandInput & { text: string }): Decision {
  const i = openOnly(c);
  if (!i) return refuse('not_found', `no open incident ${c.id}`);
  const clean = String(c.text ?? '')
    .slice(0, 1000)
    .trim();
  if (!clean) return refuse('empty_note', 'note is empty');
  // Every note is in every push and reply of the incident (it is published whole): 2,000 notes made
  // each reply 2.1 MB. Past the cap the operator writes into the feedback or a new incident.
  // People's notes: the hub's own (a camera that failed, a routing remark) are bounded by the site.
  const notes = i.timeline.filter((t) => t.type === 'note' && t.by !== undefined && t.by !== 'hub');
  const chars = notes.reduce((n, t) => n + (t.text?.length ?? 0), 0);
  if (notes.length >= MAX_NOTES || chars + clean.length > MAX_NOTE_CHARS) {
    return refuse(
      'too_many_notes',
      `this incident already holds ${notes.length} notes (${chars} characters); at most ${MAX_NOTES} notes or ${MAX_NOTE_CHARS} characters`,
    );
  }
  return {
    next: { ...i, timeline: [...i.timeline, { at: iso(c.now), type: 'note', by: actorName(c.by), text: clean }] },
    audit: { actor: c.by, action: 'note', from: i.status, to: i.status, note: clean },
  };
}

/**
 * 转为真实警情: a drill incident becomes a real one (a real emergency happened during the drill). Any
 * operator of its scope may, owner or not: a real emergency must not wait for the drill's owner.
 * From then on it counts as real; the drill's later alarms at the site open a drill incident of their own.
 */
export function makeReal(c: CommandInput & { note?: string | undefined }): Decision {
  const i = openOnly(c);
  if (!i) return refuse('not_found', `no open incident ${c.id}`);
  if (!i.drill) return refuse('not_drill', 'this incident is not a drill (演练)');
  const note = c.note?.trim() ? c.note.trim().slice(0, 1000) : null;
  const who = actorName(c.by);
  const entry: TimelineEntry = {
    at: iso(c.now),
    type: 'status',
    by: who,
    text: `演练转为真实警情 drill turned into a real incident${note ? `: ${note}` : ''}`,
    ...message('drill.made_real', { note }),
  };
  return {
    next: { ...i, drill: false, timeline: [...i.timeline, entry] },
    audit: { actor: c.by, action: 'make_real', from: i.status, to: i.status, note },
  };
}

/** The owner gives the incident to another operator (shift change, wrong desk). */
export function handOver(c: CommandInput & { to: string }): Decision {
  const i = openOnly(c);
  if (!i) return refuse('not_found', `no open incident ${c.id}`);
  if (!i.owner) return refuse('not_owned', 'acknowledge the incident before handing it over');
  if (i.owner !== actorName(c.by)) return refuse('owned', ownedBy(i), { owner: i.owner });
  const target = String(c.to ?? '')
    .trim()
    .slice(0, 64);
  if (!target || target === i.owner) return refuse('bad_target', 'name the operator who takes it over');
  return {
    next: {
      ...i,
      owner: target,
      timeline: [
        ...i.timeline,
        {
          at: iso(c.now),
          type: 'status',
          by: actorName(c.by),
          text: `移交 handed over: ${i.owner} → ${target}`,
          ...message('status.handover', { from: i.owner, to: target }),
        },
      ],
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
  const times = i.status === 'new' ? { ...i.times, acknowledgedAt: iso(c.now), ackSeconds: since(i.openedAt, c.now) } : i.times;
  return {
    next: {
      ...i,
      times,
      owner: who,
      status,
      escalateAt: null,
      timeline: [
        ...i.timeline,
        { at: iso(c.now), type: 'status', by: who, text: `接管 taken over from ${i.owner ?? '—'}`, ...message('status.takeover', { from: i.owner }) },
      ],
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
  // The failure's code rides on the note, so the page words it (`金库通道 (cam-2) 2 秒内未应答`).
  const coded = m.errorCode && m.errorParams ? { code: m.errorCode, params: m.errorParams } : {};
  const timeline = m.error ? [...i.timeline, { at: m.at, type: 'note' as const, by: 'hub', text: `camera ${m.cameraId}: ${m.error}`, ...coded }] : i.timeline;
  return {
    next: { ...i, media: [...i.media, m].slice(-50), timeline },
    audit: { actor: 'hub', action: m.error ? 'media_failed' : `media_${m.kind}`, from: i.status, to: i.status, note: m.error ?? m.id },
  };
}

/**
 * A guard alert's fate on the incident (issue 13): a channel that failed, gave up, or delivered
 * after failing. On open and closed incidents alike, as media: the delivery outlives the 110 steps.
 */
export function addNotifyEntry(c: {
  id: string;
  incident: Incident | undefined;
  at: string;
  code: 'notify.failed' | 'notify.gave_up' | 'notify.delivered';
  channel: string;
  attempts: number;
  reason: string | null;
}): Decision {
  const i = c.incident;
  if (!i) return refuse('not_found', `no incident ${c.id}`);
  const zh = { 'notify.failed': '发送失败，稍后重试', 'notify.gave_up': '发送失败，已放弃', 'notify.delivered': '重试后已送达' }[c.code];
  const text = `通知 ${c.channel}：${zh}（第 ${c.attempts} 次）${c.reason ? `：${reasonZh(c.reason)}` : ''}`;
  const entry = { at: c.at, type: 'note' as const, by: 'hub', text, code: c.code, params: { channel: c.channel, attempts: c.attempts, reason: c.reason } };
  return {
    next: { ...i, timeline: [...i.timeline, entry] },
    audit: { actor: 'hub', action: c.code.replace('.', '_'), from: i.status, to: i.status, note: `${c.channel}: ${c.reason ?? 'ok'}` },
  };
}

/**
 * A delivery's failure reason (notify/ writes it in English for the log and the outbox) in the
 * words of the timeline: the status or errcode stays, the service's own errmsg is left out (it is
 * in `params.reason` and the outbox).
 */
function reasonZh(reason: string): string {
  const words: Array<[RegExp, string]> = [
    [/^errcode (-?\d+) \(rate limited\).*$/, '错误码 $1（限流）'],
    [/^errcode (-?\d+).*$/, '错误码 $1'],
    [/^HTTP 429.*$/, 'HTTP 429（限流）'],
    [/^HTTP (\d+).*$/, 'HTTP $1'],
    [/^timed out$/, '请求超时'],
    [/^network error ?(.*)$/, '网络错误 $1'],
    [/^reply is not JSON$/, '回复格式错误'],
    [/^reply has no errcode$/, '回复缺少错误码'],
    [/^webhook URL not set.*$/, '未配置地址（密钥缺失）'],
    [/^channel no longer configured$/, '通道已不在配置中'],
  ];
  for (const [re, zh] of words) if (re.test(reason)) return reason.replace(re, zh).trim();
  return reason;
}

/** Note, hand over and take over apply to open incidents only; a closed one is not found. */
function openOnly(c: CommandInput): Incident | undefined {
  return c.incident && c.incident.status !== 'closed' ? c.incident : undefined;
}
