/** Accounts, sessions and scope (src/auth); started before the API so the first admin exists. */
import { AuthService } from '../auth/service.js';
import { DEFAULT_LOGIN_LIMIT } from '../auth/limiter.js';
import { SharedFailureLimiter } from '../auth/shared-limiter.js';
import type { RedisLink } from '../cluster/redis.js';
import { moduleLogger } from '../core/logger.js';
import type { Store } from '../store/index.js';
import type { HubContext } from './context.js';

export async function buildAuth(ctx: HubContext, store: Store, cluster: RedisLink | null = null): Promise<AuthService> {
  const { running, options, env } = ctx;
  const hub = running.config.hub;
  const idleMinutes = Number(env.SG_SESSION_IDLE_MINUTES);
  const auth = new AuthService({
    rootDir: ctx.rootDir,
    config: running.readConfig,
    directory: running.readDirectory,
    clock: ctx.clock,
    log: moduleLogger(ctx.root, 'auth'),
    // hub.yaml `sessions`; SG_SESSION_IDLE_MINUTES still overrides the idle timeout (older setups).
    timeouts: {
      ...hub.sessions,
      ...(Number.isFinite(idleMinutes) && idleMinutes > 0 ? { idleMs: idleMinutes * 60_000 } : {}),
      ...options.sessions,
    },
    ...(options.loginLimit ? { loginLimit: options.loginLimit } : {}),
    ...(cluster ? { limiter: sharedLimiter(ctx, cluster) } : {}),
    ...(options.announce ? { announce: options.announce } : {}),
    say: ctx.say,
    // hub.yaml `metrics.token_env|token_file_key`; SG_METRICS_TOKEN when hub.yaml names none.
    metricsToken: hub.metricsToken ?? (env.SG_METRICS_TOKEN || null),
    sessionStore: store.sessions,
  });
  await auth.start();
  return auth;
}

/**
 * Replicas count failed logins together in Redis (issue 18): an attacker spread over replicas by
 * the load balancer gets one allowance, not one per replica. Its connection fails fast (no offline
 * queue, 1 s command timeout): a login never waits for Redis, it falls back to this replica's count.
 */
function sharedLimiter(ctx: HubContext, cluster: RedisLink): SharedFailureLimiter {
  const fallback = ctx.metrics.counter('sg_auth_limiter_local_total', 'Login attempts counted on this replica only because Redis did not answer');
  return new SharedFailureLimiter({
    redis: cluster.connection('auth-limiter', { enableOfflineQueue: false, commandTimeout: 1_000 }),
    clock: ctx.clock,
    log: moduleLogger(ctx.root, 'auth'),
    limit: ctx.options.loginLimit ?? DEFAULT_LOGIN_LIMIT,
    onFallback: () => fallback(),
  });
}
