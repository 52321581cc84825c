/**
 * The operator and guard commands as the hub and the pages share them: each command's short name
 * (the REST path's last part), its Socket.IO event, and the zod schema of what it carries. The hub's
 * command table (src/api/commands/table.ts) validates every command against these schemas at the
 * edge; the pages type what they send with `CommandPayload` (type-only import: no zod in the bundle).
 */
import { z } from 'zod';
import { KEYHOLDER_CALL_OUTCOMES } from './incident.js';
import { COMMAND_EVENT_OF, INCIDENT_ACTIONS, type IncidentAction } from './workflow.js';

/** Longest free text a command carries (a note, a unit, a disposition): longer text is cut, as it always was. */
export const TEXT_MAX = 1000;
/** Longest incident id a command names: a longer one is cut (and then matches nothing). */
export const ID_MAX = 64;

const text = z.string().transform((s) => s.slice(0, TEXT_MAX));

/** An incident id as a command names it (socket payload `id`, REST path `:id`). */
export const incidentIdSchema = z.string().transform((s) => s.slice(0, ID_MAX));

/**
 * What each command carries besides the incident id. Unknown keys are dropped. A value the service
 * judges (a disposition it does not know, an empty note, an unknown operator) passes here and is
 * refused there with its own code; a missing or mistyped field is refused here with `bad_request`.
 */
export const COMMAND_INPUTS = {
  ack: z.object({}),
  /** `unit`: the id of one of the responsible station's units (config/stations.yaml `units:`). */
  dispatch: z.object({ unit: text.optional(), note: text.optional() }),
  onscene: z.object({ note: text.optional() }),
  /** 反馈: what the unit found, and 警情类别/性质 as a code of hub.yaml `triage.natures`. */
  feedback: z.object({ text, nature: text }),
  /** `nature`: 警情类别/性质 when 反馈 did not give it (or to correct it). */
  close: z.object({ disposition: text, nature: text.optional(), note: text.optional() }),
  note: z.object({ text }),
  /** The owner hands the incident to another operator (user name). */
  handover: z.object({ to: text }),
  /** An admin takes an incident over from its owner. */
  takeover: z.object({}),
  /** 转警: hand the incident to another receiving point (a station id of config/stations.yaml). */
  transfer: z.object({ to: text, note: text.optional() }),
  /**
   * 联系人回拨: a call to the site's contact number `contact` (from 0, in the site file's order) and its
   * outcome; `password` is the verbal password the caller gave for 业主撤警 (checked, never stored).
   */
  call: z.object({ contact: z.number().int().min(0).max(99), outcome: z.enum(KEYHOLDER_CALL_OUTCOMES), password: text.optional(), note: text.optional() }),
  /** The guard's property-response track (物业响应). */
  guard_ack: z.object({}),
  guard_onscene: z.object({}),
  guard_verify: z.object({ finding: z.enum(['false_alarm', 'confirmed']), note: text.optional() }),
  /** 转为真实警情: a drill incident (演练) becomes a real one; `note` says why (a real emergency during the drill). */
  make_real: z.object({ note: text.optional() }),
} as const satisfies Record<IncidentAction, z.ZodObject>;

export { COMMAND_EVENT_OF } from './workflow.js';

/** Client commands, each answered through its ack callback. The server registers exactly these. */
export const COMMAND_EVENTS = INCIDENT_ACTIONS.map((a) => COMMAND_EVENT_OF[a]);
export type CommandEvent = (typeof COMMAND_EVENT_OF)[IncidentAction];

/** The action a command event names. */
export type ActionOf<E extends CommandEvent> = { [A in IncidentAction]: (typeof COMMAND_EVENT_OF)[A] extends E ? A : never }[IncidentAction];

/** What a command's body carries (REST JSON body), as a sender writes it. */
export type CommandBody<A extends IncidentAction> = NoIndex<z.input<(typeof COMMAND_INPUTS)[A]>>;
/** What a command carries after validation (strings cut to their caps). */
export type CommandInput<A extends IncidentAction> = z.output<(typeof COMMAND_INPUTS)[A]>;
/** A socket command's payload: the incident id and the body. */
export type CommandPayload<E extends CommandEvent> = { id: string } & CommandBody<ActionOf<E>>;

/** zod types an empty object as `Record<string, never>`, which would forbid the `id` beside it. */
type NoIndex<T> = string extends keyof T ? Record<never, never> : T;

/** The socket payload schema of a command: its body plus the incident id. */
export function payloadSchema<A extends IncidentAction>(action: A) {
  return COMMAND_INPUTS[action].extend({ id: incidentIdSchema });
}
