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
}

export function bindCommands(socket: LiveSocket, ctx: ApiContext, binding: CommandBinding): void {
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
