import type { Namespace, Server } from 'socket.io';
import type { ClientToServerEvents, CommandReply, ServerToClientEvents } from '../../contract/socket.js';
import type { Incident } from '../../contract/incident.js';
import type { ApiContext } from '../context.js';
import type { EventBus } from '../../core/event-bus.js';
import type { HubEvents } from '../../core/hub-events.js';

type ConsoleNs = Namespace<ClientToServerEvents, ServerToClientEvents>;

/**
 * Every console receives every update of its incidents, so what goes over the socket is the queue
 * row plus the latest timeline entries; the full timeline is one REST call away
 * (`GET /api/incidents/:id`) when an operator opens the incident. Measured: with 20 consoles, the
 * full 25-entry timeline on every update capped the hub near 1,800 events/s (bench/run.ts).
 */
export const PUSHED_TIMELINE_ENTRIES = 5;

export function forPush(i: Incident): Incident {
  if (i.timeline.length <= PUSHED_TIMELINE_ENTRIES) return i;
  return {
    ...i,
    timeline: i.timeline.slice(-PUSHED_TIMELINE_ENTRIES),
    timelineOmitted: i.timelineOmitted + i.timeline.length - PUSHED_TIMELINE_ENTRIES,
  };
}

/**
 * /console: the dispatch console's live feed. On connect the whole queue (`queue:snapshot`), then
 * every incident change published whole, so a console that reconnects replaces its state.
 */
export function attachConsole(io: Server, ctx: ApiContext, bus: EventBus<HubEvents>): () => void {
  const ns: ConsoleNs = io.of('/console');
  ns.on('connection', (socket) => {
    socket.emit('queue:snapshot', { incidents: ctx.incidents.snapshot().map(forPush), serverTime: new Date().toISOString() });
    // Until accounts exist (issue 3), the operator name comes from the handshake.
    const rawName = (socket.handshake.auth as { operator?: unknown } | undefined)?.operator;
    const operator = typeof rawName === 'string' && /^[\p{L}\p{N}_.\-]{1,64}$/u.test(rawName) ? rawName : `console-${socket.id.slice(0, 6)}`;
    const guarded = (fn: () => CommandReply, reply: unknown): void => {
      if (typeof reply !== 'function') return; // a command without an ack callback has nobody to answer
      let r: CommandReply;
      try {
        r = fn();
      } catch (err) {
        ctx.log.error({ err }, 'console command failed');
        r = { ok: false, code: 'internal', error: 'internal error' };
      }
      (reply as (r: CommandReply) => void)(r);
    };
    const id = (req: unknown): string => String((req as { id?: unknown } | null)?.id ?? '').slice(0, 64);
    socket.on('incident:ack', (req, reply) => guarded(() => ctx.incidents.acknowledge(id(req), operator), reply));
    socket.on('incident:dispatch', (req, reply) =>
      guarded(() => ctx.incidents.dispatchUnit(id(req), operator, optStr(req?.unit), optStr(req?.note)), reply),
    );
    socket.on('incident:onscene', (req, reply) => guarded(() => ctx.incidents.onScene(id(req), operator, optStr(req?.note)), reply));
    socket.on('incident:close', (req, reply) =>
      guarded(() => ctx.incidents.close(id(req), operator, optStr(req?.disposition) ?? '', optStr(req?.note)), reply),
    );
    socket.on('incident:note', (req, reply) => guarded(() => ctx.incidents.note(id(req), operator, optStr(req?.text) ?? ''), reply));
  });
  const off = [
    bus.on('incident:new', (i) => ns.emit('incident:new', forPush(i))),
    bus.on('incident:update', (i) => ns.emit('incident:update', forPush(i))),
    bus.on('device:status', (s) => ns.emit('device:status', s)),
  ];
  return () => off.forEach((f) => f());
}

function optStr(v: unknown): string | undefined {
  return typeof v === 'string' ? v.slice(0, 1000) : undefined;
}
