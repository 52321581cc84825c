/**
 * /console (dispatch) and /guard (a guard's phone page): on connect the whole queue of the caller's
 * scope (`queue:snapshot`), then every change of an incident in that scope, published whole, so a
 * console that reconnects replaces its state.
 *
 * The parts: handshake.ts (who may open a namespace), snapshot.ts (snapshot and replay on connect),
 * commands.ts (the command table bound to the socket), fan-out.ts (pushes to the rooms of each
 * item's audience). This file wires them and cuts the sockets of a session that ends.
 */
import type { Server } from 'socket.io';
import type { EventBus } from '../../core/event-bus.js';
import type { HubEvents } from '../../core/hub-events.js';
import type { Authenticated } from '../../auth/service.js';
import { can } from '../../auth/roles.js';
import type { ApiContext } from '../context.js';
import { CommandRateLimiter, type CommandRateSpec } from './command-rate.js';
import { bindCommands } from './commands.js';
import { refuseRootNamespace } from './edge.js';
import { startFanOut } from './fan-out.js';
import { guardHandshake, NAMESPACE_CAPABILITY } from './handshake.js';
import { admitToRoom } from './snapshot.js';
import type { LiveNs, LiveSocket, SocketData } from './types.js';
import { batchSocketWrites } from './write-batching.js';

export { eventBrief, forPush, MAX_REPLAY_EVENTS, PUSHED_TIMELINE_ENTRIES } from './snapshot.js';

/**
 * Routine updates (device events joining an open incident) are coalesced per incident within
 * `options.coalesceMs` (UPDATE_COALESCE_MS, coalesce.ts): only the latest version goes out. New
 * incidents and every other change go out at once.
 */
export function attachConsole(
  io: Server,
  ctx: ApiContext,
  bus: EventBus<HubEvents>,
  options: { coalesceMs?: number; commandRate?: CommandRateSpec | undefined } = {},
): () => void {
  const sockets = new SessionSockets();
  refuseRootNamespace(io);
  const rates = new CommandRateLimiter(() => performance.now(), options.commandRate);
  const namespaces: LiveNs[] = Object.entries(NAMESPACE_CAPABILITY).map(([name, capability]) => {
    const ns: LiveNs = io.of(name);
    guardHandshake(ns, ctx.auth, capability);
    ns.on('connection', (socket) => onConnection(socket, ctx, sockets, rates));
    return ns;
  });
  const off = [
    batchSocketWrites(io),
    startFanOut(namespaces, ctx, bus, options.coalesceMs),
    ctx.auth.sessions.onEnd((s) => sockets.cut(s.id)),
    ctx.auth.onAccountsChanged(() => {
      for (const ns of namespaces) void rescope(ns, ctx).catch((err: unknown) => ctx.log.error({ err }, 'rescoping sockets failed'));
    }),
  ];
  return () => off.forEach((f) => f());
}

/**
 * A socket admitted by the handshake: it joins the room of its scope (scope.ts: everyone, a
 * station, a guard group), gets the snapshot (and replay), and may send commands.
 */
function onConnection(socket: LiveSocket, ctx: ApiContext, sockets: SessionSockets, rates: CommandRateLimiter): void {
  const { sessionId, admitted: first } = socket.data as SocketData;
  // The handshake has just authenticated this socket: the handler starts from that, synchronously,
  // so no command the page sends right after connecting arrives before its handler is bound.
  if (!first) return void socket.disconnect(true);
  const current = async (): Promise<Authenticated | null> => {
    const a = await ctx.auth.authenticate(sessionId);
    if (!a) socket.disconnect(true);
    return a;
  };
  sockets.add(sessionId, socket);
  const scope = ctx.auth.scope(first.principal);
  void admitToRoom(socket, ctx, scope).catch((err: unknown) => {
    ctx.log.error({ err }, 'console catch-up failed');
    socket.disconnect(true);
  });
  bindCommands(socket, ctx, {
    origin: `${socket.nsp.name.slice(1)}:${socket.handshake.address}`,
    caller: current,
    username: first.user.username,
    rate: rates.forSocket(first.user.username),
  });
}

/**
 * After the accounts file changed: a socket whose account lost the namespace's role is cut, and one
 * whose scope moved (a guard put in another group, an operator in another station) leaves the old
 * room and gets the new scope's whole queue, so it stops receiving what it may no longer see.
 */
async function rescope(ns: LiveNs, ctx: ApiContext): Promise<void> {
  const capability = NAMESPACE_CAPABILITY[ns.name as keyof typeof NAMESPACE_CAPABILITY];
  for (const socket of [...ns.sockets.values()]) {
    const data = socket.data as SocketData;
    const a = await ctx.auth.authenticate(data.sessionId, false);
    if (!socket.connected) continue;
    if (!a || !capability || !can(a.user.role, capability)) {
      socket.disconnect(true);
      continue;
    }
    const scope = ctx.auth.scope(a.principal);
    if (scope.room === data.room) continue;
    if (data.room) void socket.leave(data.room);
    data.room = undefined;
    await admitToRoom(socket, ctx, scope);
  }
}

/** Sockets by session, so a logout or an expiry cuts them at once. */
class SessionSockets {
  private readonly bySession = new Map<string, Set<LiveSocket>>();

  add(sessionId: string, socket: LiveSocket): void {
    let set = this.bySession.get(sessionId);
    if (!set) {
      set = new Set();
      this.bySession.set(sessionId, set);
    }
    set.add(socket);
    socket.on('disconnect', () => {
      const s = this.bySession.get(sessionId);
      s?.delete(socket);
      if (s && s.size === 0) this.bySession.delete(sessionId);
    });
  }

  cut(sessionId: string): void {
    for (const socket of this.bySession.get(sessionId) ?? []) socket.disconnect(true);
    this.bySession.delete(sessionId);
  }
}
