/**
 * The commands on a console socket, bound from the command table (src/api/commands/table.ts):
 * the same pipeline as REST, answered through the ack callback as `CommandReply`.
 */
import type { Authenticated } from '../../auth/service.js';
import type { CommandReply } from '../../contract/socket.js';
import { runCommand } from '../commands/run.js';
import { COMMANDS } from '../commands/table.js';
import type { ApiContext } from '../context.js';
import type { LiveSocket } from './types.js';

export interface CommandBinding {
  /** `console:<ip>` or `guard:<ip>`, for the timeline and audit. */
  origin: string;
  /** The caller as of now: every command re-checks the session, it may have ended since the handshake. */
  caller(): Authenticated | null;
  /** This socket's rate limit (command-rate.ts), asked once per packet it sends. */
  rate?: () => boolean;
}

const RATE_LIMITED: CommandReply = { ok: false, code: 'rate_limited', error: 'too many commands from this console; slow down and retry' };

export function bindCommands(socket: LiveSocket, ctx: ApiContext, binding: CommandBinding): void {
  const rate = binding.rate;
  if (rate) {
    const limited = ctx.metrics.counter('sg_socket_rate_limited_total', 'Socket commands refused by the command rate limit');
    let lastLogged = 0;
    // Every packet of this socket, before it is dispatched: a flood is refused for the price of a
    // token check, and nothing of it is parsed or run.
    socket.use((packet, next) => {
      if (rate()) return next();
      limited();
      const now = Date.now();
      if (now - lastLogged > 60_000) {
        lastLogged = now;
        ctx.log.warn(
          { code: 'rate_limited', origin: binding.origin, user: binding.caller()?.user.username ?? null },
          'socket commands over the rate limit refused',
        );
      }
      const reply = packet[packet.length - 1];
      if (typeof reply === 'function') (reply as (r: CommandReply) => void)(RATE_LIMITED);
      // next() is not called: the packet reaches no handler.
    });
  }
  for (const command of COMMANDS) {
    const handler = (payload: unknown, reply: unknown): void => {
      if (typeof reply !== 'function') return; // a command without an ack callback has nobody to answer
      let r: CommandReply;
      try {
        const id = payload && typeof payload === 'object' ? (payload as { id?: unknown }).id : undefined;
        r = runCommand(ctx, command, { caller: binding.caller(), id, body: payload, origin: binding.origin });
      } catch (err) {
        ctx.log.error({ err }, 'console command failed');
        r = { ok: false, code: 'internal', error: 'internal error' };
      }
      (reply as (r: CommandReply) => void)(r);
    };
    socket.on(command.event, handler as never);
  }
}
