import { KIND_INFO, type EventKind, type Priority } from '../contract/alarm-event.js';
import { KIND_NAMES_ZH } from '../contract/kind-names.js';
import { message, type PriorityAdjust, type ReasonCode, type StoredParams } from '../contract/messages.js';
import { INTRUSION_ZONE_TYPES, type ZoneType } from '../contract/zones.js';

export interface PriorityVerdict {
  priority: Priority;
  /** For the log and REST; the pages word `code` and `params`. */
  reason: string;
  reasonZh: string;
  /** The reason as a code with parameters (src/contract/messages.ts), for the page to word. */
  code: ReasonCode;
  params: StoredParams;
}

export function kindZh(kind: EventKind): string {
  return KIND_NAMES_ZH[kind];
}

const LEVEL_ZH: Record<Priority, string> = { 1: '一级', 2: '二级', 3: '三级', 4: '四级' };

const INTRUSION_KINDS: ReadonlySet<EventKind> = new Set(['intrusion', 'burglary', 'perimeter']);

/**
 * Priority of an incident from the kinds and zones it has seen (DESIGN.md "Triage"). Pure, and
 * says why, so the operator can check it. Confirmation: a second distinct zone or a person seen by
 * a camera turns an intrusion into P1 (sequential / video confirmation).
 */
export interface PriorityContext {
  /** Armed state of the site when known (from arm/disarm events); null when unknown. */
  armed?: boolean | null;
  /** Night hours or a holiday in the centre's time zone. */
  night?: boolean;
}

/** One zone an incident has seen trip: its number, the event's kind and the zone's declared type (AlarmEvent.zoneType). */
export interface ZoneTrip {
  zone: number;
  kind: EventKind;
  zoneType?: ZoneType | null;
}

/**
 * Zones that count toward intrusion confirmation (issue 12: only intrusion zones): distinct zones
 * whose declared type is an intrusion type (contract/zones.ts), or — undeclared — that tripped with
 * an intrusion kind. A gas zone and a water zone confirm nothing; neither does a restore.
 */
export function intrusionZoneCount(trips: readonly ZoneTrip[]): number {
  const zones = new Set<number>();
  for (const t of trips) {
    const counts = t.zoneType ? INTRUSION_ZONE_TYPES.includes(t.zoneType) && INTRUSION_KINDS.has(t.kind) : INTRUSION_KINDS.has(t.kind);
    if (counts) zones.add(t.zone);
  }
  return zones.size;
}

const TROUBLE: ReadonlySet<EventKind> = new Set(['trouble.ac_loss', 'trouble.low_battery', 'trouble.comm', 'trouble.offline']);

/**
 * `zones`: the zones the incident has seen trip — as trips (preferred: only intrusion zones count
 * toward confirmation, see intrusionZoneCount), or as a count of distinct zones (all of them count).
 */
export function assessPriority(kinds: readonly EventKind[], zones: number | readonly ZoneTrip[], ctx: PriorityContext = {}): PriorityVerdict {
  const distinctZones = typeof zones === 'number' ? zones : intrusionZoneCount(zones);
  const base = basePriority(kinds, distinctZones);
  const hasIntrusion = kinds.some((k) => INTRUSION_KINDS.has(k));
  const lifeAtRisk = base.priority === 1 && !hasIntrusion;
  // A disarmed site's interior movement is most likely its owner; a confirmed or life-safety alarm is not lowered.
  if (ctx.armed === false && hasIntrusion && base.priority === 2 && !lifeAtRisk) {
    return { ...adjusted(base, 'disarmed', 3), reason: `${base.reason}; site disarmed → P3`, reasonZh: `${base.reasonZh}；该址处于撤防状态 → 三级` };
  }
  if (ctx.armed === true && base.priority === 4 && kinds.some((k) => TROUBLE.has(k))) {
    return { ...adjusted(base, 'armed_trouble', 3), reason: `${base.reason}; trouble while armed → P3`, reasonZh: `${base.reasonZh}；布防期间故障 → 三级` };
  }
  if (ctx.night && base.priority === 3 && kinds.some((k) => k === 'perimeter' || k === 'tamper')) {
    return { ...adjusted(base, 'night', 2), reason: `${base.reason}; at night → P2`, reasonZh: `${base.reasonZh}；夜间/节假日 → 二级` };
  }
  return base;
}

function basePriority(kinds: readonly EventKind[], distinctZones: number): PriorityVerdict {
  let best: { priority: Priority; kind: EventKind } | null = null;
  for (const kind of kinds) {
    const p = KIND_INFO[kind].basePriority;
    if (p !== null && (!best || p < best.priority)) best = { priority: p, kind };
  }
  if (!best) return { priority: 4, reason: 'no alarm kind; technical', reasonZh: '无报警类型，按技术类处理 → 四级', ...reason('reason.none', 4, {}) };
  const hasIntrusion = kinds.some((k) => INTRUSION_KINDS.has(k));
  if (best.priority > 1 && hasIntrusion && distinctZones >= 2) {
    return {
      priority: 1,
      reason: `intrusion confirmed by ${distinctZones} zones → P1`,
      reasonZh: `入侵经${distinctZones}个防区相继触发确认 → 一级`,
      ...reason('reason.zones', 1, { zones: distinctZones }),
    };
  }
  if (best.priority > 1 && hasIntrusion && kinds.includes('person_detected')) {
    return {
      priority: 1,
      reason: 'intrusion confirmed by video (person detected) → P1',
      reasonZh: '入侵经视频确认（检测到人员）→ 一级',
      ...reason('reason.video', 1, {}),
    };
  }
  return {
    priority: best.priority,
    reason: `${best.kind} → P${best.priority}`,
    reasonZh: `${KIND_NAMES_ZH[best.kind]} → ${LEVEL_ZH[best.priority]}`,
    ...reason('reason.kind', best.priority, { kind: best.kind }),
  };
}

/** A reason's code and parameters before any adjustment. */
function reason(code: ReasonCode, priority: Priority, extra: { kind?: EventKind; zones?: number }): Pick<PriorityVerdict, 'code' | 'params'> {
  const m = message(code, { priority, adjust: null, adjusted: null, ...extra } as never);
  return { code, params: m.params };
}

/** The base verdict adjusted by the site's state or the hour: the same reason code, saying so. */
function adjusted(base: PriorityVerdict, adjust: Exclude<PriorityAdjust, null>, priority: Priority): Pick<PriorityVerdict, 'priority' | 'code' | 'params'> {
  return { priority, code: base.code, params: { ...base.params, adjust, adjusted: priority } };
}
