/**
 * Accounts, sessions and scope for people, in one object the API layer holds. No HTTP here: the
 * routes and sockets (api/) translate requests into these calls and results into status codes.
 */
import { sayIn, type Say } from '../core/installer-messages.js';
import type { Config } from '../config/model.js';
import { formatProblems } from '../config/report.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { FailureLimiter, DEFAULT_LOGIN_LIMIT, type LimiterOptions } from './limiter.js';
import { decoyHash, generatePassword, hashPassword, PASSWORD_RULE_TEXT, passwordRuleBroken, verifyPassword, type PasswordRule } from './password.js';
import { can } from './roles.js';
import { audience, scopeFor, type Principal, type Scope, type Scoped } from './scope.js';
import { DEFAULT_TIMEOUTS, SessionStore, tokensEqual, type Session, type SessionPersistence, type SessionTimeouts } from './sessions.js';
import { addUser, setPassword, UserDirectory, usersFilePaths, type UserAccount } from './users.js';

export interface AuthOptions {
  rootDir: string;
  config: () => Config;
  clock: Clock;
  log: Logger;
  timeouts?: Partial<SessionTimeouts>;
  loginLimit?: LimiterOptions;
  /**
   * Where the one-time admin password is shown: stderr by default — a person at the console reads
   * it, and it never enters the JSON log that is shipped elsewhere.
   */
  announce?: (text: string) => void;
  /** The announcement's language (hub.yaml `language`, else LANG); default English. */
  say?: Say;
  /** Bearer token that lets a Prometheus scraper read /metrics without a session (SG_METRICS_TOKEN). */
  metricsToken?: string | null;
  /** How often expired sessions are swept (and their sockets cut), ms. */
  sweepEveryMs?: number;
  /** Where sessions survive a restart (the hub's SQLite store); without it they live in memory only. */
  sessionStore?: SessionPersistence;
}

export type LoginResult =
  | { ok: true; session: Session; user: UserAccount }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'rate_limited'; retryAfterSeconds: number };

export interface Authenticated {
  session: Session;
  user: UserAccount;
  principal: Principal;
  /** First login with a one-time password: nothing but changing it is allowed. */
  mustChangePassword: boolean;
}

export type PasswordChangeResult =
  | { ok: true }
  | {
      ok: false;
      code: 'bad_password' | 'weak_password' | 'rate_limited' | 'bad_request';
      error: string;
      /** For weak_password: which rule, so the page can say it in its language. */
      rule?: PasswordRule | 'same_as_current';
      retryAfterSeconds?: number;
    };

const MAX_USERNAME = 64;

export class AuthService {
  readonly users: UserDirectory;
  readonly sessions: SessionStore;
  private readonly limiter: FailureLimiter;
  private readonly log: Logger;
  private scopeCache: { config: Config; scopes: Map<string, Scope> } | null = null;
  private sweeper: NodeJS.Timeout | null = null;

  constructor(private readonly o: AuthOptions) {
    const { path, displayPath } = usersFilePaths(o.rootDir, o.config().hub.usersFile);
    this.users = new UserDirectory(path, displayPath, () => o.config());
    this.sessions = new SessionStore(o.clock, { ...DEFAULT_TIMEOUTS, ...o.timeouts }, o.sessionStore ?? null);
    this.limiter = new FailureLimiter(o.clock, o.loginLimit ?? DEFAULT_LOGIN_LIMIT);
    this.log = o.log;
  }

  /**
   * First start: with no accounts file, or one without any admin, create `admin` with a random
   * one-time password and show it once. An accounts file with problems is reported, not repaired:
   * overwriting an installer's file would be worse than a refused login.
   */
  async start(): Promise<void> {
    const state = this.users.current();
    if (state.problems.length) {
      this.log.error(
        { file: this.users.displayPath, problems: state.problems.length },
        `accounts file has problems; those accounts cannot log in:\n${formatProblems(state.problems)}`,
      );
    }
    const hasAdmin = [...state.users.values()].some((u) => u.role === 'admin');
    if (!hasAdmin && state.problems.length === 0) {
      const username = state.users.has('admin') ? 'safegrid-admin' : 'admin';
      const password = generatePassword();
      addUser(this.users.path, { username, name: '管理员', role: 'admin', passwordHash: await hashPassword(password), mustChangePassword: true });
      this.log.warn(
        { username, file: this.users.displayPath },
        'no admin account: created one with a one-time password (shown once on the console, not in this log)',
      );
      const say = this.o.announce ?? ((text: string) => process.stderr.write(text));
      say((this.o.say ?? sayIn('en'))('FIRST_ADMIN', { username, password }));
    }
    const every = this.o.sweepEveryMs ?? 15_000;
    this.sweeper = setInterval(() => this.sweep(), every);
    this.sweeper.unref();
  }

  stop(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
  }

  /** Ends expired sessions now (the timer calls it; tests with a manual clock call it directly). */
  sweep(): number {
    return this.sessions.sweep();
  }

  async login(rawUsername: unknown, rawPassword: unknown, ip: string): Promise<LoginResult> {
    const username = typeof rawUsername === 'string' ? rawUsername.trim().slice(0, MAX_USERNAME) : '';
    const password = typeof rawPassword === 'string' ? rawPassword.slice(0, 1024) : '';
    const ipKey = `ip:${ip}`;
    const userKey = `user:${username.toLowerCase()}`;
    const waitMs = Math.max(this.limiter.blockedFor(ipKey), username ? this.limiter.blockedFor(userKey) : 0);
    if (waitMs > 0) {
      this.log.warn({ username, ip, ok: false, reason: 'rate_limited' }, 'login refused');
      return { ok: false, reason: 'rate_limited', retryAfterSeconds: Math.ceil(waitMs / 1000) };
    }
    const user = username ? this.users.find(username) : undefined;
    const usable = user && !user.disabled ? user : undefined;
    // Always run scrypt, against a decoy when there is no usable account: the time taken must not
    // tell which user names exist.
    const matches = await verifyPassword(password, usable?.passwordHash ?? (await decoyHash()));
    if (!usable || !matches || !password) {
      this.limiter.fail(ipKey);
      if (username) this.limiter.fail(userKey);
      const reason = !user ? 'unknown_user' : user.disabled ? 'disabled' : 'bad_password';
      this.log.warn({ username, ip, ok: false, reason }, 'login failed');
      return { ok: false, reason: 'invalid' };
    }
    // The address keeps its failures: one valid account must not reset a guesser's counter.
    this.limiter.reset(userKey);
    const session = this.sessions.create(usable.username, ip);
    this.log.info({ username: usable.username, role: usable.role, ip, ok: true, mustChangePassword: usable.mustChangePassword }, 'login');
    return { ok: true, session, user: usable };
  }

  /** The session behind a cookie, with the account as it is in the file now (disabled → ended). */
  authenticate(sessionId: string | undefined, touch = true): Authenticated | null {
    const session = this.sessions.get(sessionId, touch);
    if (!session) return null;
    const user = this.users.find(session.username);
    if (!user || user.disabled) {
      this.sessions.end(session, 'account_disabled');
      this.log.info({ username: session.username }, 'session ended: account disabled or removed');
      return null;
    }
    return {
      session,
      user,
      principal: { username: user.username, role: user.role, stationId: user.stationId, guardGroup: user.guardGroup },
      mustChangePassword: user.mustChangePassword,
    };
  }

  logout(session: Session, ip: string): void {
    this.sessions.end(session, 'logout');
    this.log.info({ username: session.username, ip }, 'logout');
  }

  csrfValid(session: Session, token: string | undefined): boolean {
    return tokensEqual(token, session.csrfToken);
  }

  async changePassword(auth: Authenticated, current: unknown, next: unknown, ip: string): Promise<PasswordChangeResult> {
    const key = `passwd:${auth.user.username.toLowerCase()}`;
    const waitMs = this.limiter.blockedFor(key);
    if (waitMs > 0) return { ok: false, code: 'rate_limited', error: 'too many wrong passwords; try again later', retryAfterSeconds: Math.ceil(waitMs / 1000) };
    if (typeof current !== 'string' || !(await verifyPassword(current, auth.user.passwordHash))) {
      this.limiter.fail(key);
      this.log.warn({ username: auth.user.username, ip, ok: false }, 'password change refused: current password wrong');
      return { ok: false, code: 'bad_password', error: 'the current password is wrong' };
    }
    if (typeof next !== 'string')
      return { ok: false, code: 'bad_request', error: 'send JSON { "current": "...", "next": "..." }: the new password is missing ("next")' };
    const rule = passwordRuleBroken(next, auth.user.username);
    if (rule) return { ok: false, code: 'weak_password', rule, error: `the new password must be ${PASSWORD_RULE_TEXT[rule]}` };
    if (next === current) return { ok: false, code: 'weak_password', rule: 'same_as_current', error: 'the new password must differ from the current one' };
    setPassword(this.users.path, auth.user.username, await hashPassword(next as string), false);
    this.limiter.reset(key);
    // Anyone else holding this account (the one-time password was seen) is logged out.
    this.sessions.endUser(auth.user.username, 'password_changed', auth.session.id);
    this.log.info({ username: auth.user.username, ip, ok: true }, 'password changed');
    return { ok: true };
  }

  /** What a principal sees, computed once per config version. */
  scope(p: Principal): Scope {
    const config = this.o.config();
    if (this.scopeCache?.config !== config) this.scopeCache = { config, scopes: new Map() };
    const key = `${p.role}\u0000${p.stationId ?? ''}\u0000${p.guardGroup ?? ''}`;
    let s = this.scopeCache.scopes.get(key);
    if (!s) {
      s = scopeFor(p, config);
      this.scopeCache.scopes.set(key, s);
    }
    return s;
  }

  /**
   * Who an incident may be handed to: an enabled account that can work it (dispatch it) and sees
   * it. Without this check a typo, a guard or an operator of another station would own an incident
   * nobody can act on until an admin takes it over.
   */
  handoverTarget(rawUsername: string, item: Scoped): { ok: true; username: string } | { ok: false; error: string } {
    const name = rawUsername.trim().slice(0, 64);
    const user = name ? this.users.find(name) : undefined;
    if (!user || user.disabled) return { ok: false, error: `no active account "${name}"` };
    if (!can(user.role, 'incidents:dispatch')) return { ok: false, error: `${user.username} (${user.role}) cannot work an incident` };
    const principal: Principal = { username: user.username, role: user.role, stationId: user.stationId, guardGroup: user.guardGroup };
    if (!this.scope(principal).sees(item)) return { ok: false, error: `${user.username} does not see this incident (another station)` };
    return { ok: true, username: user.username };
  }

  /** The socket rooms an incident, event or device status goes to. */
  audience(item: Scoped): string[] {
    return audience(item, this.o.config());
  }

  metricsTokenValid(header: string | undefined): boolean {
    const token = this.o.metricsToken;
    if (!token || !header?.startsWith('Bearer ')) return false;
    return tokensEqual(header.slice(7).trim(), token);
  }
}
