/**
 * Who may open a namespace: a same-origin page, a live session whose one-time password is changed,
 * and a role with the namespace's capability, then a handshake `auth` of the right shape. Refusals
 * reach the client as `connect_error` with `data.code` 401, 403, 428, 503 or 400 (src/contract/socket.ts).
 */
import type { Capability } from '../../auth/roles.js';
import { can } from '../../auth/roles.js';
import type { AuthService } from '../../auth/service.js';
import type { RefusalCode } from '../../contract/refusals.js';
import { describeIssues } from '../validation.js';
import { parseCookies, sameOrigin, SESSION_COOKIE } from '../http/access.js';
import { handshakeAuth } from './snapshot.js';
import type { LiveNs, SocketData } from './types.js';

/** Who may open each namespace. */
export const NAMESPACE_CAPABILITY = { '/console': 'console:connect', '/guard': 'guard:connect' } as const satisfies Record<string, Capability>;

/** A handshake refusal the client sees as connect_error with `data.code` (and `data.refusal` where a refusal code says more). */
function refusal(message: string, code: number, refusalCode?: RefusalCode): Error {
  return Object.assign(new Error(message), { data: refusalCode ? { code, refusal: refusalCode } : { code } });
}

/** Installs the handshake check on a namespace; an admitted socket carries its session id. */
export function guardHandshake(ns: LiveNs, auth: AuthService, capability: Capability): void {
  // Socket.IO ignores a middleware's returned promise: the check runs detached and always ends in next().
  ns.use((socket, next) => {
    void admit(socket, next);
  });
  async function admit(socket: Parameters<Parameters<LiveNs['use']>[0]>[0], next: (err?: Error) => void): Promise<void> {
    const headers = socket.handshake.headers;
    // A page on another site must not open a socket with this site's cookie (cross-site WebSocket hijacking).
    if (!sameOrigin(headers.origin, headers.host)) return next(refusal('cross-origin connection refused', 403));
    const a = await auth.authenticate(parseCookies(headers.cookie)[SESSION_COOKIE]).catch(() => undefined);
    // The session store did not answer: refused like a missing session would be, but said so.
    if (a === undefined) return next(refusal('sessions unavailable; try again', 503));
    if (!a) return next(refusal('log in first', 401));
    if (a.mustChangePassword) return next(refusal('change the one-time password first', 428));
    if (!can(a.user.role, capability)) return next(refusal(`your role (${a.user.role}) may not open ${ns.name}`, 403));
    // The handshake's `auth` through its schema, as every body and query is (inputs.ts): a wrong shape is refused.
    const parsed = handshakeAuth.safeParse(socket.handshake.auth);
    if (!parsed.success) return next(refusal(`handshake auth: ${describeIssues(parsed.error)}`, 400, 'bad_request'));
    (socket.data as SocketData).auth = parsed.data;
    (socket.data as SocketData).sessionId = a.session.id;
    (socket.data as SocketData).admitted = a;
    next();
  }
}
