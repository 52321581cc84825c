/**
 * Socket.IO answers /socket.io/ itself, before express sees the request: the same Host check
 * (DNS rebinding) runs here, and the root namespace, which no page uses, refuses everyone
 * (issue 17, item 15).
 */
import type { IncomingMessage } from 'node:http';
import type { Express } from 'express';
import type { Server } from 'socket.io';
import { hostAllowed } from '../http/edge.js';
import type { ApiContext } from '../context.js';

/** Engine.IO `allowRequest`: a request under /socket.io/ with a Host this hub answers to. */
export function socketIoEdge(ctx: Pick<ApiContext, 'config'>): (req: IncomingMessage, cb: (err: string | null | undefined, ok: boolean) => void) => void {
  return (req, cb) => {
    if (hostAllowed(req.headers.host, ctx.config().hub.http.allowed_hosts)) return cb(null, true);
    cb('host not allowed', false);
  };
}

/** Whether a raw request came over HTTPS through a proxy that hub.yaml `http.trust_proxy` trusts. */
export function forwardedHttps(app: Express, req: IncomingMessage): boolean {
  const trust = app.get('trust proxy fn') as ((addr: string, i: number) => boolean) | undefined;
  const proto = String(req.headers['x-forwarded-proto'] ?? '')
    .split(',')[0]!
    .trim()
    .toLowerCase();
  return proto === 'https' && Boolean(trust?.(req.socket.remoteAddress ?? '', 0));
}

/** The root namespace carries nothing: every connection to it is refused, signed in or not. */
export function refuseRootNamespace(io: Server): void {
  io.of('/').use((_socket, next) => next(Object.assign(new Error('no such namespace: use /console or /guard'), { data: { code: 404 } })));
}
