/** Accounts, sessions and scope (src/auth); started before the API so the first admin exists. */
import { AuthService } from '../auth/service.js';
import { moduleLogger } from '../core/logger.js';
import type { Store } from '../store/index.js';
import type { HubContext } from './context.js';

export async function buildAuth(ctx: HubContext, store: Store): Promise<AuthService> {
  const { running, options, env } = ctx;
  const hub = running.config.hub;
  const idleMinutes = Number(env.SG_SESSION_IDLE_MINUTES);
  const auth = new AuthService({
    rootDir: ctx.rootDir,
    config: () => running.config,
    clock: ctx.clock,
    log: moduleLogger(ctx.root, 'auth'),
    // hub.yaml `sessions`; SG_SESSION_IDLE_MINUTES still overrides the idle timeout (older setups).
    timeouts: {
      ...hub.sessions,
      ...(Number.isFinite(idleMinutes) && idleMinutes > 0 ? { idleMs: idleMinutes * 60_000 } : {}),
      ...options.sessions,
    },
    ...(options.loginLimit ? { loginLimit: options.loginLimit } : {}),
    ...(options.announce ? { announce: options.announce } : {}),
    say: ctx.say,
    // hub.yaml `metrics.token_env|token_file_key`; SG_METRICS_TOKEN when hub.yaml names none.
    metricsToken: hub.metricsToken ?? (env.SG_METRICS_TOKEN || null),
    sessionStore: store.sessions,
  });
  await auth.start();
  return auth;
}
