/**
 * THE command table: every operator and guard command, declared once. REST routes
 * (http/routes/incidents.ts), socket handlers (socket/commands.ts) and the access-matrix test are
 * generated from it, so a command cannot behave one way over REST and another over the socket.
 *
 * Each entry names the command's socket event and REST path, its input schema (src/contract), the
 * capability it needs, its scope rule, the refusal codes it may answer, and the handler. The
 * handler runs only after the pipeline (run.ts) has checked the capability, validated the input and
 * found the incident inside the caller's scope.
 */
import type { Authenticated } from '../../auth/service.js';
import type { Capability } from '../../auth/roles.js';
import { COMMAND_EVENT_OF, COMMAND_INPUTS, type CommandEvent, type CommandInput } from '../../contract/commands.js';
import type { Incident } from '../../contract/incident.js';
import type { RefusalCode } from '../../contract/refusals.js';
import type { CommandReply } from '../../contract/socket.js';
import { INCIDENT_ACTIONS, type IncidentAction } from '../../contract/workflow.js';
import type { ApiContext } from '../context.js';
import { DRILL_ACTIONS, DRILL_EVENT_OF, DRILL_INPUTS, type DrillAction, type DrillEvent, type DrillInput, type DrillReply } from '../../contract/drill.js';
import type { DrillView } from '../../drill/plan.js';

/** Who runs a command, as the incident timeline and the audit log record it. */
export interface CommandActor {
  username: string;
  /** `rest:<ip>`, `console:<ip>` or `guard:<ip>`. */
  origin: string;
}

/** What a handler gets: the validated input and the incident, already found in the caller's scope. */
export interface CommandCall<A extends IncidentAction> {
  ctx: ApiContext;
  /**
   * Who runs it. No session here: in replica mode the handler may run on the site's owner, a
   * replica the caller's session never reached (api/commands/forwarded.ts).
   */
  by: CommandActor;
  incident: Incident;
  input: CommandInput<A>;
}

/**
 * The only scope rule commands have today: the caller must see the incident; one out of scope is
 * answered exactly like a missing id (`not_found`), so a refusal does not confirm that it exists.
 */
export type CommandScope = 'incident-in-scope';

export interface CommandSpec<A extends IncidentAction = IncidentAction> {
  action: A;
  event: CommandEvent;
  /** Under /api. */
  path: `/incidents/:id/${A}`;
  capability: Capability;
  scope: CommandScope;
  input: (typeof COMMAND_INPUTS)[A];
  /** Every code this command may refuse with, the pipeline's included (docs/errors.md explains each). */
  refusals: readonly RefusalCode[];
  /** Resolves once what it changed is committed: the answer goes out after that. */
  run(call: CommandCall<A>): Promise<CommandReply>;
}

/** Refusals of the pipeline itself (run.ts), common to every command. */
const EDGE: readonly RefusalCode[] = ['unauthenticated', 'forbidden', 'bad_request', 'not_found', 'owner_unreachable', 'owner_changed'];

type Handlers = { [A in IncidentAction]: { capability: Capability; refusals: readonly RefusalCode[]; run: (call: CommandCall<A>) => Promise<CommandReply> } };

const HANDLERS: Handlers = {
  ack: {
    capability: 'incidents:ack',
    refusals: ['owned', 'illegal_transition'],
    run: async ({ ctx, incident, by }) => ctx.incidents.acknowledge(incident.id, by),
  },
  dispatch: {
    capability: 'incidents:dispatch',
    refusals: ['owned', 'illegal_transition', 'no_units', 'bad_unit'],
    run: async ({ ctx, incident, by, input }) => ctx.incidents.dispatchUnit(incident.id, by, input.unit, input.note),
  },
  onscene: {
    capability: 'incidents:onscene',
    refusals: ['owned', 'illegal_transition'],
    run: async ({ ctx, incident, by, input }) => ctx.incidents.onScene(incident.id, by, input.note),
  },
  feedback: {
    capability: 'incidents:feedback',
    refusals: ['owned', 'illegal_transition', 'bad_nature', 'empty_note'],
    run: async ({ ctx, incident, by, input }) => ctx.incidents.feedback(incident.id, by, input.text, input.nature),
  },
  close: {
    // 110 结警 only: a guard's 误报 is a finding (guard_verify) that the operator confirms by closing.
    capability: 'incidents:close',
    refusals: ['owned', 'illegal_transition', 'bad_disposition', 'bad_nature', 'dispatch_required', 'feedback_required', 'owner_cancel_unverified'],
    run: async ({ ctx, incident, by, input }) => ctx.incidents.close(incident.id, by, input.disposition, { note: input.note, nature: input.nature }),
  },
  note: {
    capability: 'incidents:note',
    refusals: ['empty_note', 'too_many_notes'],
    run: async ({ ctx, incident, by, input }) => ctx.incidents.note(incident.id, by, input.text),
  },
  handover: {
    capability: 'incidents:handover',
    refusals: ['not_owned', 'owned', 'bad_target'],
    run: async ({ ctx, incident, by, input }) => {
      const target = ctx.auth.handoverTarget(input.to, incident);
      return target.ok
        ? ctx.incidents.handOver(incident.id, by, target.username)
        : { ok: false, code: 'bad_target', error: target.error, params: { target: input.to } };
    },
  },
  takeover: {
    capability: 'incidents:takeover',
    refusals: ['already_owner'],
    run: async ({ ctx, incident, by }) => ctx.incidents.takeOver(incident.id, by),
  },
  transfer: {
    capability: 'incidents:transfer',
    refusals: ['owned', 'illegal_transition', 'bad_target'],
    run: async ({ ctx, incident, by, input }) => ctx.incidents.transfer(incident.id, by, input.to, input.note),
  },
  call: {
    capability: 'incidents:call',
    refusals: ['owned', 'bad_contact'],
    run: async ({ ctx, incident, by, input }) => ctx.incidents.call(incident.id, by, input),
  },
  guard_ack: {
    capability: 'incidents:guard',
    refusals: ['owned', 'illegal_transition'],
    run: async ({ ctx, incident, by }) => ctx.incidents.guardAcknowledge(incident.id, by),
  },
  guard_onscene: {
    capability: 'incidents:guard',
    refusals: ['owned', 'illegal_transition'],
    run: async ({ ctx, incident, by }) => ctx.incidents.guardOnScene(incident.id, by),
  },
  guard_verify: {
    capability: 'incidents:guard',
    refusals: ['owned', 'illegal_transition'],
    run: async ({ ctx, incident, by, input }) => ctx.incidents.guardVerify(incident.id, by, input.finding, input.note),
  },
  make_real: {
    capability: 'incidents:make_real',
    refusals: ['not_drill'],
    run: async ({ ctx, incident, by, input }) => ctx.incidents.makeReal(incident.id, by, input.note),
  },
};

function spec<A extends IncidentAction>(action: A): CommandSpec<A> {
  const h = HANDLERS[action] as Handlers[A];
  return {
    action,
    event: COMMAND_EVENT_OF[action],
    path: `/incidents/:id/${action}`,
    capability: h.capability,
    scope: 'incident-in-scope',
    input: COMMAND_INPUTS[action],
    refusals: [...EDGE, ...h.refusals],
    run: h.run,
  };
}

/**
 * Every command, in the order of INCIDENT_ACTIONS. Each entry is typed by its own action above;
 * the list widens them (a handler's input type cannot widen on its own), and run.ts hands each
 * handler only the input its own schema produced.
 */
export const COMMANDS: readonly CommandSpec[] = INCIDENT_ACTIONS.map((a) => spec(a) as unknown as CommandSpec);

/**
 * Commands that name no incident: drills (演练, issue 15). Same idea as the incident commands: a
 * capability, an input schema from the contract, and a scope rule — every site of the drill (or its
 * station) must be in the caller's scope; one that is not is answered like one that does not exist.
 */
export type DrillScope = 'sites-in-scope';

export interface DrillCall<A extends DrillAction> {
  ctx: ApiContext;
  caller: Authenticated;
  by: CommandActor;
  /** What exists and what the caller sees (the live config and their scope). */
  view: DrillView;
  input: DrillInput<A>;
}

export interface DrillCommandSpec<A extends DrillAction = DrillAction> {
  action: A;
  event: DrillEvent;
  /** Under /api; `:id` is the drill's id, given to the input as `id`. */
  path: '/drills' | '/drills/:id/end';
  capability: Capability;
  scope: DrillScope;
  input: (typeof DRILL_INPUTS)[A];
  refusals: readonly RefusalCode[];
  run(call: DrillCall<A>): Promise<DrillReply>;
}

const NO_DRILLS: DrillReply = { ok: false, code: 'not_found', error: 'drills are not available here' };

const DRILL_HANDLERS: { [A in DrillAction]: Omit<DrillCommandSpec<A>, 'action' | 'event' | 'input' | 'scope'> } = {
  start: {
    path: '/drills',
    capability: 'drills:run',
    refusals: ['unauthenticated', 'forbidden', 'bad_request', 'bad_drill'],
    run: async ({ ctx, by, view, input }) => (await ctx.drills?.begin(input, by, view)) ?? NO_DRILLS,
  },
  end: {
    path: '/drills/:id/end',
    capability: 'drills:run',
    refusals: ['unauthenticated', 'forbidden', 'bad_request', 'not_found', 'drill_ended'],
    run: async ({ ctx, by, view, input }) => (await ctx.drills?.finish(input.id, by, view)) ?? NO_DRILLS,
  },
};

function drillSpec<A extends DrillAction>(action: A): DrillCommandSpec<A> {
  const h = DRILL_HANDLERS[action] as unknown as Omit<DrillCommandSpec<A>, 'action' | 'event' | 'input' | 'scope'>;
  return { action, event: DRILL_EVENT_OF[action], input: DRILL_INPUTS[action], scope: 'sites-in-scope', ...h };
}

/** Every drill command, in the order of DRILL_ACTIONS. */
export const DRILL_COMMANDS: readonly DrillCommandSpec[] = DRILL_ACTIONS.map((a) => drillSpec(a) as unknown as DrillCommandSpec);

/** The command a socket event names. */
export const COMMAND_BY_EVENT: ReadonlyMap<string, CommandSpec> = new Map(COMMANDS.map((c) => [c.event, c]));
