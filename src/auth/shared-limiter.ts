/**
 * The login limit counted across replicas (issue 18): the same rule as `FailureLimiter`
 * (limiter.ts), its entries in Redis, one sorted set per key (`safegrid:login:<key>`, members
 * `p:<id>` pending and `f:<id>` failed, scored by time), checked and reserved in one Lua script so
 * two replicas cannot both take the last attempt. Per replica, an attacker spreading guesses over
 * three replicas behind HAProxy would get three allowances.
 *
 * Redis is not the record of anything here. While it does not answer (not connected, or no answer
 * within the connection's command timeout) the attempt is counted by this replica's own
 * `FailureLimiter`: logins keep working, limited per replica for that moment.
 *
 * Times come from the hub's clock (the replicas' clocks agree through NTP; a few ms apart change
 * nothing against a 15-minute window). The keys of one script must share a slot on a Redis
 * Cluster; SafeGrid uses one Redis server.
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { attemptId, FailureLimiter, PENDING_MS, type AttemptLimiter, type LimiterOptions, type Reservation, type ReserveResult } from './limiter.js';

/** The part of an ioredis connection used here. */
export interface LimiterRedis {
  readonly status: string;
  eval(script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
  del(...keys: string[]): Promise<number>;
}

/** Same judgement as `judgeKey` in limiter.ts; ZRANGE answers oldest first. Returns {0} reserved, {1, waitMs} limited, {2} settling. */
const RESERVE = `
local now, window, max, pendingMs = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local wait, settling = 0, false
for _, k in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', k, '-inf', now - window)
  local all = redis.call('ZRANGE', k, 0, -1, 'WITHSCORES')
  local fails, pending = {}, 0
  for j = 1, #all, 2 do
    local at = tonumber(all[j + 1])
    if string.sub(all[j], 1, 2) == 'f:' or now - at >= pendingMs then fails[#fails + 1] = at else pending = pending + 1 end
  end
  table.sort(fails)
  if #fails >= max then
    local w = fails[#fails - max + 1] + window - now
    if w > wait then wait = w end
  elseif #fails + pending >= max then
    settling = true
  end
end
if wait > 0 then return {1, wait} end
if settling then return {2, 0} end
for _, k in ipairs(KEYS) do
  redis.call('ZADD', k, now, 'p:' .. ARGV[5])
  redis.call('PEXPIRE', k, window)
end
return {0, 0}
`;

/** The pending entry becomes a failure, kept at its time (added again if a reset dropped it). */
const CONFIRM = `
for _, k in ipairs(KEYS) do
  redis.call('ZREM', k, 'p:' .. ARGV[1])
  redis.call('ZADD', k, tonumber(ARGV[2]), 'f:' .. ARGV[1])
  redis.call('PEXPIRE', k, tonumber(ARGV[3]))
end
return 0
`;

const FORGIVE = `redis.call('ZREM', KEYS[1], 'p:' .. ARGV[1]) return 0`;

export interface SharedLimiterOptions {
  redis: LimiterRedis;
  clock: Clock;
  log: Logger;
  limit: LimiterOptions;
  /** Counts attempts that fell back to this replica's own counter (Redis away). */
  onFallback?: () => void;
}

export class SharedFailureLimiter implements AttemptLimiter {
  /** While Redis does not answer. */
  private readonly local: FailureLimiter;
  private complainedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly o: SharedLimiterOptions) {
    this.local = new FailureLimiter(o.clock, o.limit);
  }

  async reserve(keys: readonly string[]): Promise<ReserveResult> {
    const now = this.o.clock.now();
    const id = attemptId();
    const answer = await this.call(() =>
      this.o.redis.eval(RESERVE, keys.length, ...keys.map(redisKey), now, this.o.limit.windowMs, this.o.limit.maxFailures, PENDING_MS, id),
    );
    if (answer === FAILED) {
      this.o.onFallback?.();
      const r = this.local.reserve(keys);
      return r.ok ? { ok: true, reservation: { ...r.reservation, local: true } } : r;
    }
    const [kind, waitMs] = answer as [number, number];
    if (kind === 1) return { ok: false, reason: 'limited', waitMs: Number(waitMs) };
    if (kind === 2) return { ok: false, reason: 'settling' };
    return { ok: true, reservation: { keys, at: now, id } };
  }

  async confirm(r: Reservation): Promise<void> {
    if (r.local) return this.local.confirm(r);
    // Not confirmed in Redis: the pending entry there counts as a failure after PENDING_MS anyway.
    await this.call(() => this.o.redis.eval(CONFIRM, r.keys.length, ...r.keys.map(redisKey), r.id, r.at, this.o.limit.windowMs));
  }

  async forgive(r: Reservation, key: string): Promise<void> {
    if (r.local) return this.local.forgive(r, key);
    await this.call(() => this.o.redis.eval(FORGIVE, 1, redisKey(key), r.id));
  }

  async reset(key: string): Promise<void> {
    this.local.reset(key);
    await this.call(() => this.o.redis.del(redisKey(key)));
  }

  private async call(run: () => Promise<unknown>): Promise<unknown> {
    // The connection has no offline queue (app/auth.ts): a command while it is down fails at once.
    if (this.o.redis.status !== 'ready') return this.failed(new Error(`Redis connection ${this.o.redis.status}`));
    try {
      return await run();
    } catch (err) {
      return this.failed(err);
    }
  }

  private failed(err: unknown): typeof FAILED {
    const now = this.o.clock.now();
    // Once a minute at most: during an outage every login would say it.
    if (now - this.complainedAt >= 60_000) {
      this.complainedAt = now;
      this.o.log.warn(
        { code: 'SG_AUTH_LIMITER_LOCAL', err: err instanceof Error ? err.message : String(err) },
        'login limit: Redis does not answer; counting on this replica only until it does',
      );
    }
    return FAILED;
  }
}

const FAILED = Symbol('redis failed');

/** Redis key of a limiter key (`ip:…`, `user:…`, `passwd:…`). */
export function redisKey(key: string): string {
  return `safegrid:login:${key}`;
}
