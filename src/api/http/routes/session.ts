import { Router } from 'express';
import type { ApiContext } from '../../context.js';
import { ROLE_NAMES } from '../../../auth/roles.js';
import { loginBody, parseBody, passwordBody } from '../inputs.js';
import { anonymous, callerOf, clearedCookie, clientIp, parseCookies, SESSION_COOKIE, sessionCookie, signedIn } from '../access.js';
import { refuse } from '../refuse.js';

/** Logging in and out, the caller's session (with its CSRF token), and changing one's password. */
export function sessionRoutes(ctx: ApiContext): Router {
  const r = Router();
  r.post('/login', anonymous(), async (req, res) => {
    const body = parseBody(loginBody, req, res, 'send JSON { "username": "...", "password": "..." }');
    if (!body) return;
    const ip = clientIp(req);
    const result = await ctx.auth.login(body.username, body.password, ip);
    if (!result.ok) {
      if (result.reason === 'rate_limited') {
        res.setHeader('Retry-After', String(result.retryAfterSeconds));
        return void refuse(res, 429, 'rate_limited', 'too many failed logins; try again later', { retryAfterSeconds: result.retryAfterSeconds });
      }
      // One answer for unknown user, wrong password and disabled account: no user-name probing.
      return void refuse(res, 401, 'bad_credentials', 'wrong user name or password');
    }
    // A new id on every login (no session fixation); an older session of this browser ends.
    const old = await ctx.auth.authenticate(parseCookies(req.headers.cookie)[SESSION_COOKIE], false);
    if (old) await ctx.auth.sessions.end(old.session, 'logout');
    res.setHeader('Set-Cookie', sessionCookie(result.session.id, req, Math.floor(ctx.auth.sessions.timeouts.absoluteMs / 1000)));
    res.json({
      user: result.user.username,
      name: result.user.name,
      role: result.user.role,
      csrfToken: result.session.csrfToken,
      mustChangePassword: result.user.mustChangePassword,
    });
  });
  r.post('/logout', signedIn(), async (req, res) => {
    await ctx.auth.logout(callerOf(res).session, clientIp(req));
    res.setHeader('Set-Cookie', clearedCookie(req));
    res.json({ ok: true });
  });
  r.get('/session', signedIn(), (_req, res) => {
    const a = callerOf(res);
    res.json({
      user: a.user.username,
      name: a.user.name,
      role: a.user.role,
      roleName: ROLE_NAMES[a.user.role],
      station: a.user.stationId,
      guardGroup: a.user.guardGroup,
      csrfToken: a.session.csrfToken,
      mustChangePassword: a.mustChangePassword,
      idleTimeoutSeconds: Math.floor(ctx.auth.sessions.timeouts.idleMs / 1000),
      // Every time on the pages is shown in the centre's zone, whatever the browser's (issue 13).
      timezone: ctx.config().hub.timezone ?? 'Asia/Shanghai',
    });
  });
  /**
   * An open console renews its session on purpose (GET /api/session never does, so polling it
   * cannot keep an abandoned page alive). The absolute lifetime still ends it; `expiresAt` lets the
   * page warn before that.
   */
  r.post('/session/renew', signedIn(), (_req, res) => {
    const a = callerOf(res);
    const t = ctx.auth.sessions.timeouts;
    res.json({
      idleTimeoutSeconds: Math.floor(t.idleMs / 1000),
      expiresAt: new Date(a.session.createdAt + t.absoluteMs).toISOString(),
    });
  });
  r.post('/password', signedIn(), async (req, res) => {
    const body = parseBody(passwordBody, req, res, 'send JSON { "current": "...", "next": "..." }');
    if (!body) return;
    const result = await ctx.auth.changePassword(callerOf(res), body.current, body.next, clientIp(req));
    if (result.ok) return void res.json({ ok: true });
    if (result.code === 'rate_limited') {
      res.setHeader('Retry-After', String(result.retryAfterSeconds ?? 60));
      return void refuse(res, 429, result.code, result.error);
    }
    refuse(res, 400, result.code, result.error, result.rule ? { rule: result.rule } : {});
  });
  return r;
}
