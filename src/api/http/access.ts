/**
 * Who is asking, and may they: the session cookie, the login gate, CSRF, role checks and scope.
 * Every route declares its capability with `allow(...)`; the access-matrix test checks each
 * route × role against one table and fails on a route the table does not list.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Authenticated, AuthService } from '../../auth/service.js';
import { can, type Capability } from '../../auth/roles.js';
import type { Scope } from '../../auth/scope.js';
import { refuse } from './refuse.js';

export const SESSION_COOKIE = 'sg_session';

/** Anonymous paths: the login page and its assets, logging in, and the health probe. */
const PUBLIC_PAGES = new Set(['/login', '/favicon.ico', '/guard.webmanifest', '/guard-sw.js', '/hub.crt']);
/**
 * The built scripts, styles and images (web/dist/assets, content-hashed names). They are the same
 * for everyone and hold no data, and the login page needs them before anyone is signed in; every
 * page that shows data, and all data, stays behind the login.
 */
const PUBLIC_ASSET = /^\/assets\/[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
const PUBLIC_API = new Set(['/api/login', '/api/health']);
/** While a one-time password is unchanged, only these answer. */
const PASSWORD_CHANGE_ALLOWED = new Set(['/api/session', '/api/password', '/api/logout']);
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const k = part.slice(0, i).trim();
    const v = part.slice(i + 1).trim();
    if (k && !(k in out)) {
      try {
        out[k] = decodeURIComponent(v);
      } catch {
        out[k] = v; // a malformed escape is kept as written; it will simply match no session
      }
    }
  }
  return out;
}

export function sessionCookie(value: string, req: Request, maxAgeSeconds: number): string {
  // Secure only when this request came over TLS, or plain-HTTP installs on a LAN could not log in.
  const secure = req.secure ? '; Secure' : '';
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

export function clearedCookie(req: Request): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${req.secure ? '; Secure' : ''}`;
}

/**
 * The client's address: the socket's, or with hub.yaml `http.trust_proxy` the one a trusted proxy
 * put in X-Forwarded-For (express works it out; without trust_proxy the header is ignored, so it
 * cannot be spoofed to dodge the login limit).
 */
export function clientIp(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

/** The authenticated caller; set by `resolveSession`. */
export function authOf(res: Response): Authenticated | null {
  return (res.locals.auth as Authenticated | undefined) ?? null;
}

/** For handlers behind `allow()`: there is a caller. */
export function callerOf(res: Response): Authenticated {
  const a = authOf(res);
  if (!a) throw new Error('route without allow(): no caller');
  return a;
}

/**
 * An Origin header (browsers send one on every cross-site POST and WebSocket) must name this host.
 * No Origin: not a browser making a cross-site request (curl, socket.io-client in Node).
 */
export function sameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (!origin) return true;
  if (!host) return false;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

export function resolveSession(auth: AuthService): RequestHandler {
  // Async (a cookie made on another replica is looked up in the store): Express 5 passes a
  // rejection — the store not answering — to the error handler.
  return async (req, res, next) => {
    const id = parseCookies(req.headers.cookie)[SESSION_COOKIE];
    // GET /api/session must not renew the idle timer, or a page polling it would never time out.
    res.locals.auth = await auth.authenticate(id, req.path !== '/api/session');
    next();
  };
}

/**
 * The login gate. Anonymous: pages redirect to /login, the API answers 401. A session with an
 * unchanged one-time password reaches only the password change. State-changing calls need a
 * same-origin Origin (when sent) and the session's CSRF token.
 */
export function gate(auth: AuthService): RequestHandler {
  return (req, res, next) => {
    const path = req.path;
    const isApi = path === '/api' || path.startsWith('/api/');
    if (UNSAFE.has(req.method) && !sameOrigin(req.headers.origin, req.headers.host)) {
      return void refuse(res, 403, 'cross_origin', 'cross-origin request refused');
    }
    if (PUBLIC_PAGES.has(path) || PUBLIC_API.has(path)) return next();
    if (req.method === 'GET' && PUBLIC_ASSET.test(path) && !path.includes('..')) return next();
    if (path === '/metrics') return next(); // its own check: admin session or bearer token
    const a = authOf(res);
    if (!a) {
      if (isApi || req.method !== 'GET') return void refuse(res, 401, 'unauthenticated', 'log in first');
      return void res.redirect(303, '/login');
    }
    if (a.mustChangePassword && !PASSWORD_CHANGE_ALLOWED.has(path)) {
      if (isApi || req.method !== 'GET') {
        return void refuse(res, 403, 'password_change_required', 'change the one-time password first');
      }
      return void res.redirect(303, '/login');
    }
    if (UNSAFE.has(req.method) && !auth.csrfValid(a.session, req.get('x-csrf-token'))) {
      return void refuse(res, 403, 'csrf', 'missing or wrong X-CSRF-Token');
    }
    next();
  };
}

/** Route guard: a session whose role has the capability; 401 without one, 403 for the wrong role. */
export function allow(capability: Capability): RequestHandler {
  const handler = (_req: Request, res: Response, next: NextFunction): void => {
    const a = authOf(res);
    if (!a) return void refuse(res, 401, 'unauthenticated', 'log in first');
    if (!can(a.user.role, capability)) return void refuse(res, 403, 'forbidden', `your role (${a.user.role}) may not do this`);
    next();
  };
  // Named so the route listing can show which capability guards a route.
  Object.defineProperty(handler, 'name', { value: `allow(${capability})` });
  return handler;
}

/** The scope of the caller of a route behind `allow()`. */
export function scopeOf(auth: AuthService, res: Response): Scope {
  return auth.scope(callerOf(res).principal);
}

/** Route guard for what every signed-in role may do (its own session, logout). */
export function signedIn(): RequestHandler {
  const handler = (_req: Request, res: Response, next: NextFunction): void => {
    if (!authOf(res)) return void refuse(res, 401, 'unauthenticated', 'log in first');
    next();
  };
  Object.defineProperty(handler, 'name', { value: 'allow(signed-in)' });
  return handler;
}

/** Route marker for what needs no session (the gate lists these paths in PUBLIC_*). */
export function anonymous(): RequestHandler {
  const handler = (_req: Request, _res: Response, next: NextFunction): void => next();
  Object.defineProperty(handler, 'name', { value: 'allow(anonymous)' });
  return handler;
}
