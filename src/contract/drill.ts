/**
 * Drill mode (演练, issue 15) as the hub and the pages share it: a drill window, the commands that
 * start and end one, and their inputs. While a window is active, every event the hub receives from
 * its sites is a drill event (AlarmEvent.drill) and the incidents they open are drill incidents
 * (Incident.drill): flagged end to end, worked through the whole workflow, kept out of every figure.
 * Who decides is the hub, from its windows: a device or simulator cannot make an alarm a drill.
 */
import { z } from 'zod';
import { TEXT_MAX } from './commands.js';

/** One drill window. Published whole (`drill:started`, `drill:ended`) and listed by GET /api/drills. */
export interface Drill {
  id: string;
  /** What the exercise is called (free text, e.g. 明湖社区消防演练); null when none was given. */
  name: string | null;
  /** The sites drilled; empty for a drill of a whole station. */
  siteIds: string[];
  /** The station whose sites are drilled (the sites routed to it when the alarm arrives); null for a list of sites. */
  stationId: string | null;
  startedAt: string;
  /** When it ends by itself. */
  endsAt: string;
  /** When it ended (by itself at `endsAt`, or early); null while active. */
  endedAt: string | null;
  startedBy: string;
  /** Who ended it early, or `hub` when it ran out; null while active. */
  endedBy: string | null;
}

/** A drill is at least this long and at most this long (a drill that never ends would hide real alarms). */
export const DRILL_MIN_SECONDS = 1;
export const DRILL_MAX_SECONDS = 24 * 3600;
/** Sites one drill may name. */
export const DRILL_MAX_SITES = 5000;

const text = z.string().transform((s) => s.slice(0, TEXT_MAX));
const siteId = z.string().min(1).max(64);

/**
 * What each drill command carries. `start`: a list of sites or a station (exactly one), and how long
 * in seconds (`durationSeconds`) or until when (`endsAt`, ISO; exactly one). Whether the sites and the
 * station exist and are in the caller's scope is the hub's check (`bad_drill`).
 */
export const DRILL_INPUTS = {
  start: z
    .object({
      sites: z.array(siteId).min(1).max(DRILL_MAX_SITES).optional(),
      station: siteId.optional(),
      durationSeconds: z.number().int().min(DRILL_MIN_SECONDS).max(DRILL_MAX_SECONDS).optional(),
      endsAt: z.iso.datetime({ offset: true }).optional(),
      name: text.optional(),
    })
    .refine((v) => (v.sites === undefined) !== (v.station === undefined), { message: 'give either sites or station (exactly one)' })
    .refine((v) => (v.durationSeconds === undefined) !== (v.endsAt === undefined), { message: 'give either durationSeconds or endsAt (exactly one)' }),
  /** End a drill early: `id` is the drill's id. */
  end: z.object({ id: siteId }),
} as const;

export type DrillAction = keyof typeof DRILL_INPUTS;
export const DRILL_ACTIONS = ['start', 'end'] as const satisfies readonly DrillAction[];

/** The Socket.IO event of each drill command (REST: POST /api/drills and POST /api/drills/:id/end). */
export const DRILL_EVENT_OF = { start: 'drill:start', end: 'drill:end' } as const satisfies Record<DrillAction, `drill:${DrillAction}`>;
export type DrillEvent = (typeof DRILL_EVENT_OF)[DrillAction];

export type DrillBody<A extends DrillAction> = z.input<(typeof DRILL_INPUTS)[A]>;
export type DrillInput<A extends DrillAction> = z.output<(typeof DRILL_INPUTS)[A]>;

/** The answer to a drill command: the drill as it is now, or a refusal with its code (src/contract/refusals.ts). */
export type DrillReply = { ok: true; drill: Drill } | { ok: false; code: string; error: string };

/** True while the drill is active at `atMs`. */
export function drillActiveAt(d: Pick<Drill, 'startedAt' | 'endsAt' | 'endedAt'>, atMs: number): boolean {
  return Date.parse(d.startedAt) <= atMs && atMs < Date.parse(d.endsAt) && (d.endedAt === null || atMs < Date.parse(d.endedAt));
}

/** Whether a drill covers an alarm of this site, routed to this station, at this time. */
export function drillCovers(d: Drill, siteId: string, stationId: string | null, atMs: number): boolean {
  if (!drillActiveAt(d, atMs)) return false;
  return d.stationId !== null ? d.stationId === stationId : d.siteIds.includes(siteId);
}
