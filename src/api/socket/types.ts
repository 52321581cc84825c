/** The typed Socket.IO namespace and socket of /console and /guard. */
import type { Namespace, Socket } from 'socket.io';
import type { Authenticated } from '../../auth/service.js';
import type { ClientToServerEvents, ServerToClientEvents } from '../../contract/socket.js';
import type { HandshakeAuth } from './snapshot.js';

export type LiveNs = Namespace<ClientToServerEvents, ServerToClientEvents>;
export type LiveSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

/** What the handshake leaves on `socket.data` for the connection handler. */
export interface SocketData {
  sessionId: string;
  /** The caller as the handshake found it, so the connection handler starts without another lookup. */
  admitted?: Authenticated;
  /** The handshake's `auth` as its schema parsed it (snapshot.ts `handshakeAuth`); a wrong shape was refused. */
  auth?: HandshakeAuth;
  /** The scope room the socket is in (re-checked when the accounts file changes). */
  room?: string;
}
