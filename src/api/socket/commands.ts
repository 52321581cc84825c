/**
 * The commands on a console socket, bound from the command table (src/api/commands/table.ts):
 * the same pipeline as REST, answered through the ack callback as `CommandReply`.
 */
import type { Authenticated } from '../../auth/service.js';
import type { CommandReply } from '../../contract/socket.js';
import { runCommand, runDrillCommand } from '../commands/run.js';
import { COMMANDS, DRILL_COMMANDS } from '../commands/table.js';
import type { DrillReply } from '../../contract/drill.js';
import type { ApiContext } from '../context.js';
import type { LiveSocket } from './types.js';

export interface CommandBinding {
  /** `console:<ip>` or `guard:<ip>`, for the timeline and audit. */
  origin: string;
  /** The caller as of now: every command re-checks the session, it may have ended since the handshake. */
  caller(): Promise<Authenticated | null>;
  /** Who opened the socket, for log lines that must not wait for a session lookup. */
  username: string;
  /** This socket's rate limit (command-rate.ts), asked once per packet it sends. */
  rate?: () => boolean;
}

const RATE_LIMITED: CommandReply = { ok: false, code: 'rate_limited', error: 'too many commands from this console; slow down and retry' };

export function bindCommands(socket: LiveSocket, ctx: ApiContext, binding: CommandBinding): void {
  const rate = binding.rate;
  if (rate) {
    const limited = ctx.metrics.counter('sg_socket_rate_limited_total', 'Socket commands refused by the command rate limit');
    let lastLogged = 0;
    let windowStart = 0;
    let answeredInWindow = 0;
    let pause = MIN_PAUSE_MS;
    let lastResume = Number.NEGATIVE_INFINITY;
    // Every packet of this socket, before it is dispatched: a flood is refused for the price of a
    // token check, and nothing of it is parsed or run.
    socket.use((packet, next) => {
      if (rate()) return next();
      limited();
      const now = Date.now();
      if (now - lastLogged > 60_000) {
        lastLogged = now;
        ctx.log.warn({ code: 'rate_limited', origin: binding.origin, user: binding.username }, 'socket commands over the rate limit refused');
      }
      if (now - windowStart >= 1000) {
        windowStart = now;
        answeredInWindow = 0;
      }
      // A few refusals a second are answered, so a page learns why; the rest of a flood is not:
      // writing thousands of answers a second is what a flood costs the hub most.
      const reply = packet[packet.length - 1];
      if (typeof reply === 'function' && answeredInWindow++ < ANSWERED_REFUSALS_PER_SECOND) (reply as (r: CommandReply) => void)(RATE_LIMITED);
      // A socket that goes on flooding right after a pause is paused longer (1, 2, 4, 8 s): each
      // resume reads what piled up in the kernel in one go, so fewer resumes mean fewer stalls.
      const ws = webSocketOf(socket);
      if (ws && !ws.isPaused) {
        pause = now - lastResume < 1000 ? Math.min(pause * 2, MAX_PAUSE_MS) : MIN_PAUSE_MS;
        ws.pause();
        setTimeout(() => {
          lastResume = Date.now();
          ws.resume();
        }, pause).unref();
      }
      // next() is not called: the packet reaches no handler.
    });
  }
  for (const command of COMMANDS) {
    // The ack goes out when runCommand resolves: after the store committed what the command changed.
    const handler = async (payload: unknown, reply: unknown): Promise<void> => {
      if (typeof reply !== 'function') return; // a command without an ack callback has nobody to answer
      let r: CommandReply;
      try {
        const id = payload && typeof payload === 'object' ? (payload as { id?: unknown }).id : undefined;
        r = await runCommand(ctx, command, { caller: await binding.caller(), id, body: payload, origin: binding.origin });
      } catch (err) {
        ctx.log.error({ err }, 'console command failed');
        r = { ok: false, code: 'internal', error: 'internal error' };
      }
      (reply as (r: CommandReply) => void)(r);
    };
    socket.on(command.event, handler as never);
  }
  // Drills (演练): no incident named; the same rate limit, the same ack-callback answer.
  for (const command of DRILL_COMMANDS) {
    const handler = async (payload: unknown, reply: unknown): Promise<void> => {
      if (typeof reply !== 'function') return;
      let r: DrillReply;
      try {
        r = await runDrillCommand(ctx, command, { caller: await binding.caller(), body: payload, origin: binding.origin });
      } catch (err) {
        ctx.log.error({ err }, 'console drill command failed');
        r = { ok: false, code: 'internal', error: 'internal error' };
      }
      (reply as (r: DrillReply) => void)(r);
    };
    socket.on(command.event, handler as never);
  }
}

/** Refusals answered per socket and second; the rest of a flood is dropped unanswered. */
const ANSWERED_REFUSALS_PER_SECOND = 5;
/**
 * How long a socket over its rate is not read from: from 1 s, doubling while it keeps flooding, to
 * 8 s — below engine.io's ping timeout (20 s), so the connection itself survives a pause.
 */
const MIN_PAUSE_MS = 1000;
const MAX_PAUSE_MS = 8000;

/**
 * The ws WebSocket under a socket, whose reading can be paused (TCP backpressure: a flooding
 * client's writes then wait in its own buffers instead of costing the hub a parse each). Engine.io
 * keeps it on its transport; the HTTP long-polling transport has none, and there the refusal alone
 * applies.
 */
function webSocketOf(socket: LiveSocket): { pause(): void; resume(): void; isPaused: boolean } | null {
  const ws = (socket.conn as unknown as { transport?: { socket?: { pause?: unknown; resume?: unknown; isPaused?: unknown } } }).transport?.socket;
  return ws && typeof ws.pause === 'function' && typeof ws.resume === 'function' && typeof ws.isPaused === 'boolean'
    ? (ws as { pause(): void; resume(): void; isPaused: boolean })
    : null;
}
