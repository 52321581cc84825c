/**
 * Accounts, sessions and scope for people, in one object the API layer holds. No HTTP here: the
 * routes and sockets (api/) translate requests into these calls and results into status codes.
 */
import { sayIn, type Say } from '../core/installer-messages.js';
import type { Config } from '../config/model.js';
import { formatProblems } from '../config/report.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { createHash } from 'node:crypto';
import { FailureLimiter, DEFAULT_LOGIN_LIMIT, HashGate, type AttemptLimiter, type LimiterOptions, type ReserveResult } from './limiter.js';
import { decoyHash, generatePassword, hashPassword, PASSWORD_RULE_TEXT, passwordRuleBroken, verifyPassword, type PasswordRule } from './password.js';
import { can } from './roles.js';
import { audience, type AudienceLookup, scopeFor, type Principal, type Scope, type Scoped } from './scope.js';
import { DEFAULT_TIMEOUTS, SessionStore, tokensEqual, type Session, type SessionPersistence, type SessionTimeouts } from './sessions.js';
import { addUser, setPassword, UserDirectory, usersFilePaths, type UserAccount, type UsersState } from './users.js';

export interface AuthOptions {
  rootDir: string;
  config: () => Config;
  /** The running config's lookups (src/config/directory.ts), read at each call so a reload takes effect: a push's rooms are Map lookups. */
  directory: () => AudienceLookup;
  clock: Clock;
  log: Logger;
  timeouts?: Partial<SessionTimeouts>;
  loginLimit?: LimiterOptions;
  /** Where attempts are counted: across replicas (`SharedFailureLimiter`, issue 18); default this process (`FailureLimiter` with `loginLimit`). */
  limiter?: AttemptLimiter;
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
  /** How often the accounts file is checked for revocations (disabled, new password, moved), ms. */
  accountsCheckEveryMs?: number;
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
/** How long an attempt waits for others of its address or account to settle, how often it asks, and how many may wait at once. */
const SETTLE_WAIT_MS = 10_000;
const SETTLE_POLL_MS = 100;
const MAX_SETTLE_WAITERS = 64;

function retryAfterSeconds(r: Exclude<ReserveResult, { ok: true }>): number {
  return r.reason === 'limited' ? Math.max(1, Math.ceil(r.waitMs / 1000)) : 1;
}

export class AuthService {
  readonly users: UserDirectory;
  readonly sessions: SessionStore;
  private readonly limiter: AttemptLimiter;
  /** Attempts waiting for others of their address or account to settle (bounded: `MAX_SETTLE_WAITERS`). */
  private settleWaiters = 0;
  /** Caps concurrent scrypt work per address and overall (limiter.ts). */
  private readonly hashGate = new HashGate();
  private readonly log: Logger;
  private scopeCache: { config: Config; scopes: Map<string, Scope> } | null = null;
  private sweeper: NodeJS.Timeout | null = null;
  private accountsWatch: NodeJS.Timeout | null = null;
  private lastAccounts: UsersState | null = null;
  private readonly accountListeners = new Set<() => void>();
  private readonly refusedLog = new Map<string, { at: number; count: number }>();

  constructor(private readonly o: AuthOptions) {
    const { path, displayPath } = usersFilePaths(o.rootDir, o.config().hub.usersFile);
    this.users = new UserDirectory(path, displayPath, () => o.config());
    this.sessions = new SessionStore(o.clock, { ...DEFAULT_TIMEOUTS, ...o.timeouts }, o.sessionStore ?? null);
    this.limiter = o.limiter ?? new FailureLimiter(o.clock, o.loginLimit ?? DEFAULT_LOGIN_LIMIT);
    this.log = o.log;
  }

  /**
   * First start: with no accounts file, or one without any admin, create `admin` with a random
   * one-time password and show it once. An accounts file with problems is reported, not repaired:
   * overwriting an installer's file would be worse than a refused login.
   */
  async start(): Promise<void> {
    await this.sessions.load();
    const state = this.users.current();
    if (state.problems.length) {
      this.log.error(
        { file: this.users.displayPath, problems: state.problems.length },
        (this.o.say ?? sayIn('en'))('ACCOUNTS_FILE_PROBLEMS', { problems: formatProblems(state.problems, this.o.say?.language) }),
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
    this.sweeper = setInterval(() => void this.sweep().catch((err: unknown) => this.log.error({ err }, 'session sweep failed')), every);
    this.sweeper.unref();
    this.lastAccounts = this.users.current();
    // One stat of the accounts file per tick: revocation reaches idle sockets within seconds.
    this.accountsWatch = setInterval(
      () => void this.checkAccounts().catch((err: unknown) => this.log.error({ err }, 'accounts check failed')),
      this.o.accountsCheckEveryMs ?? 2_000,
    );
    this.accountsWatch.unref();
  }

  stop(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    if (this.accountsWatch) clearInterval(this.accountsWatch);
    this.sweeper = null;
    this.accountsWatch = null;
  }

  /** Ends expired sessions now (the timer calls it; tests with a manual clock call it directly). */
  sweep(): Promise<number> {
    return this.sessions.sweep();
  }

  async login(rawUsername: unknown, rawPassword: unknown, ip: string): Promise<LoginResult> {
    const username = typeof rawUsername === 'string' ? rawUsername.trim().slice(0, MAX_USERNAME) : '';
    const password = typeof rawPassword === 'string' ? rawPassword.slice(0, 1024) : '';
    const ipKey = `ip:${addressKey(ip)}`;
    const userKey = `user:${username.toLowerCase()}`;
    // Counted before scrypt, in the same tick as the check: concurrent guesses cannot all slip in.
    const reserved = await this.reserveAttempt(username ? [ipKey, userKey] : [ipKey]);
    if (!reserved.ok) {
      this.logRefused(ipKey, { ...this.nameForLog(username), ip, ok: false, reason: 'rate_limited' });
      return { ok: false, reason: 'rate_limited', retryAfterSeconds: retryAfterSeconds(reserved) };
    }
    const user = username ? this.users.find(username) : undefined;
    const usable = user && !user.disabled ? user : undefined;
    // Always run scrypt, against a decoy when there is no usable account: the time taken must not
    // tell which user names exist.
    const target = usable?.passwordHash ?? (await decoyHash());
    const matches = await this.hashGate.run(ipKey, () => verifyPassword(password, target));
    if (matches === null) {
      // This address's line for hashing is full: refused unchecked, and the reserved attempt stays
      // counted (a burst from one address is not a person typing).
      await this.limiter.confirm(reserved.reservation);
      this.logRefused(ipKey, { ...this.nameForLog(username), ip, ok: false, reason: 'busy' });
      return { ok: false, reason: 'rate_limited', retryAfterSeconds: 1 };
    }
    if (!usable || !matches || !password) {
      const reason = !user ? 'unknown_user' : user.disabled ? 'disabled' : 'bad_password';
      await this.limiter.confirm(reserved.reservation);
      this.log.warn({ ...this.nameForLog(username), ip, ok: false, reason }, 'login failed');
      return { ok: false, reason: 'invalid' };
    }
    // The address keeps its other failures: one valid account must not reset a guesser's counter.
    await this.limiter.forgive(reserved.reservation, ipKey);
    await this.limiter.reset(userKey);
    const session = await this.sessions.create(usable.username, ip, credentialOf(usable));
    this.log.info({ username: usable.username, role: usable.role, ip, ok: true, mustChangePassword: usable.mustChangePassword }, 'login');
    return { ok: true, session, user: usable };
  }

  /**
   * Reserves an attempt, waiting while the allowance is full only of attempts still being checked
   * (on this replica or another): they may be genuine and be forgiven in ~0.1 s. Refused as
   * `settling` (429, retry in 1 s) after `SETTLE_WAIT_MS`, or at once when `MAX_SETTLE_WAITERS`
   * already wait, so a burst cannot pile up waiting requests.
   */
  private async reserveAttempt(keys: readonly string[]): Promise<ReserveResult> {
    const started = Date.now();
    for (;;) {
      const r = await this.limiter.reserve(keys);
      if (r.ok || r.reason === 'limited') return r;
      if (this.settleWaiters >= MAX_SETTLE_WAITERS || Date.now() - started >= SETTLE_WAIT_MS) return r;
      this.settleWaiters++;
      try {
        // Real time, not the injected clock: this waits for other requests' hashing, not for a deadline of the domain.
        await new Promise((ok) => setTimeout(ok, SETTLE_POLL_MS));
      } finally {
        this.settleWaiters--;
      }
    }
  }

  /**
   * Refusals without a password check are logged once per address per 10 s, with how many were
   * refused since: a burst of 300 must not write 300 lines (or cost 300 writes while it lasts).
   */
  private logRefused(key: string, fields: Record<string, unknown>): void {
    const now = this.o.clock.now();
    const seen = this.refusedLog.get(key);
    if (seen && now - seen.at < 10_000) {
      seen.count++;
      return;
    }
    this.log.warn({ ...fields, refusedSinceLastLine: seen?.count ?? 0 }, 'login refused');
    this.refusedLog.delete(key);
    this.refusedLog.set(key, { at: now, count: 0 });
    // Bounded like the limiter: a flood from many addresses forgets the oldest.
    if (this.refusedLog.size > 10_000) this.refusedLog.delete(this.refusedLog.keys().next().value!);
  }

  /**
   * A failed login's user name is logged only when it names an account: people type their password
   * into the user name field, and that must not land in a log shipped elsewhere. Anything else is
   * logged as a short digest, enough to see the same unknown name tried again.
   */
  private nameForLog(username: string): { username: string } | { unknownUser: string } {
    if (!username) return { username: '' };
    if (this.users.find(username)) return { username };
    return { unknownUser: `sha256:${createHash('sha256').update(username).digest('hex').slice(0, 12)}` };
  }

  /** The session behind a cookie, with the account as it is in the file now (disabled → ended). */
  async authenticate(sessionId: string | undefined, touch = true): Promise<Authenticated | null> {
    const session = await this.sessions.get(sessionId, touch);
    if (!session) return null;
    const user = this.users.find(session.username);
    const ended = await this.revoked(session, user);
    if (ended || !user) return null;
    return {
      session,
      user,
      principal: { username: user.username, role: user.role, stationId: user.stationId, guardGroup: user.guardGroup },
      mustChangePassword: user.mustChangePassword,
    };
  }

  /**
   * Ends a session whose account is gone, disabled, or has another password than the one it was
   * opened with (`safegrid user passwd` edits the file; this is how the hub learns of it).
   */
  private async revoked(session: Session, user: UserAccount | undefined): Promise<boolean> {
    if (!user || user.disabled) {
      await this.sessions.end(session, 'account_disabled');
      this.log.info({ username: session.username }, 'session ended: account disabled or removed');
      return true;
    }
    const credential = credentialOf(user);
    // A session stored before credentials were kept adopts the password it finds.
    if (!session.credential) await this.sessions.rebind(session, credential);
    else if (session.credential !== credential) {
      await this.sessions.end(session, 'password_changed');
      this.log.info({ username: session.username }, 'session ended: password changed');
      return true;
    }
    return false;
  }

  /**
   * When the accounts file changes: end the sessions it revokes (their sockets and live streams
   * are cut through `sessions.onEnd`), then tell the listeners (the socket layer re-scopes live
   * sockets: a guard moved to another group stops getting the old group's incidents).
   */
  async checkAccounts(): Promise<void> {
    const state = this.users.current();
    if (state === this.lastAccounts) return;
    // A file that does not parse at all (an editor half-way through saving it) loads no account:
    // cutting every console for that would be worse than waiting for the next good version.
    if (state.exists && state.users.size === 0 && state.problems.length > 0) return;
    this.lastAccounts = state;
    for (const s of this.sessions.live()) await this.revoked(s, state.users.get(s.username.toLowerCase()));
    for (const l of this.accountListeners) l();
  }

  onAccountsChanged(listener: () => void): () => void {
    this.accountListeners.add(listener);
    return () => this.accountListeners.delete(listener);
  }

  async logout(session: Session, ip: string): Promise<void> {
    await this.sessions.end(session, 'logout');
    this.log.info({ username: session.username, ip }, 'logout');
  }

  csrfValid(session: Session, token: string | undefined): boolean {
    return tokensEqual(token, session.csrfToken);
  }

  async changePassword(auth: Authenticated, current: unknown, next: unknown, ip: string): Promise<PasswordChangeResult> {
    const key = `passwd:${auth.user.username.toLowerCase()}`;
    const refused = (waitMs: number): PasswordChangeResult => ({
      ok: false,
      code: 'rate_limited',
      error: 'too many wrong passwords; try again later',
      retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
    });
    // As for logins: the attempt is counted before scrypt, so parallel guesses cannot all be tried.
    const reserved = await this.reserveAttempt([key]);
    if (!reserved.ok) return refused(retryAfterSeconds(reserved) * 1000);
    const matches = typeof current === 'string' ? await this.hashGate.run(key, () => verifyPassword(current, auth.user.passwordHash)) : false;
    if (matches === null) {
      await this.limiter.confirm(reserved.reservation);
      return refused(1000);
    }
    if (!matches) {
      await this.limiter.confirm(reserved.reservation);
      this.log.warn({ username: auth.user.username, ip, ok: false }, 'password change refused: current password wrong');
      return { ok: false, code: 'bad_password', error: 'the current password is wrong' };
    }
    await this.limiter.forgive(reserved.reservation, key);
    if (typeof next !== 'string')
      return { ok: false, code: 'bad_request', error: 'send JSON { "current": "...", "next": "..." }: the new password is missing ("next")' };
    const rule = passwordRuleBroken(next, auth.user.username);
    if (rule) return { ok: false, code: 'weak_password', rule, error: `the new password must be ${PASSWORD_RULE_TEXT[rule]}` };
    if (next === current) return { ok: false, code: 'weak_password', rule: 'same_as_current', error: 'the new password must differ from the current one' };
    const hash = await hashPassword(next as string);
    setPassword(this.users.path, auth.user.username, hash, false);
    await this.limiter.reset(key);
    // This session carries on under the new password; every other one of this account ends.
    await this.sessions.rebind(auth.session, credentialOfHash(hash));
    await this.sessions.endUser(auth.user.username, 'password_changed', auth.session.id);
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
    const fits =
      user &&
      !user.disabled &&
      can(user.role, 'incidents:dispatch') &&
      this.scope({ username: user.username, role: user.role, stationId: user.stationId, guardGroup: user.guardGroup }).sees(item);
    // One answer for a missing, disabled, wrong-role or other-station account: a refusal must not
    // tell the caller which accounts exist, what they are or where they work (issue 17, item 12).
    if (!user || !fits) return { ok: false, error: 'cannot hand over to that account: it must be an active operator who sees this incident' };
    return { ok: true, username: user.username };
  }

  /** The socket rooms an incident, event or device status goes to. */
  audience(item: Scoped): string[] {
    return audience(item, this.o.directory());
  }

  metricsTokenValid(header: string | undefined): boolean {
    const token = this.o.metricsToken;
    if (!token || !header?.startsWith('Bearer ')) return false;
    return tokensEqual(header.slice(7).trim(), token);
  }
}

/**
 * Rate-limit key of an address: IPv6 by its /64 (one host usually holds a whole /64, so per-address
 * counting would give it 2^64 fresh counters), IPv4 and IPv4-mapped addresses as they are.
 */
export function addressKey(ip: string): string {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (v4) return v4[1]!;
  if (!ip.includes(':')) return ip;
  const [head = '', tail = ''] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/** What a session remembers of the password it was opened with (a digest of its hash, never the hash). */
export function credentialOfHash(passwordHash: string): string {
  return createHash('sha256').update(passwordHash).digest('base64url').slice(0, 16);
}

function credentialOf(user: UserAccount): string {
  return credentialOfHash(user.passwordHash);
}
