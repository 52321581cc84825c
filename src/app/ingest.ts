/** Ingest (device messages → stored events) and the liveness monitor that watches its devices' heartbeats. */
import { moduleLogger } from '../core/logger.js';
import { Ingest, type IngestOptions } from '../ingest/ingest.js';
import { LivenessMonitor } from '../ingest/liveness.js';
import { TopicRouter } from '../ingest/router.js';
import type { Store } from '../store/index.js';
import type { HubContext } from './context.js';

/** `destinationOf`: where each event goes (commissioning: walk test, maintenance); absent, the queue. */
export function buildIngest(ctx: HubContext, store: Store, destinationOf?: IngestOptions['destinationOf']): Ingest {
  return new Ingest({
    ...(destinationOf ? { destinationOf } : {}),
    router: new TopicRouter(ctx.running.config, ctx.running.profiles),
    store,
    bus: ctx.bus,
    log: moduleLogger(ctx.root, 'ingest'),
    metrics: ctx.metrics,
    clock: ctx.clock,
  });
}

export function buildLiveness(ctx: HubContext, ingest: Ingest): LivenessMonitor {
  return new LivenessMonitor({
    ingest,
    clock: ctx.clock,
    log: moduleLogger(ctx.root, 'liveness'),
    ...(ctx.options.livenessCheckMs ? { checkEveryMs: ctx.options.livenessCheckMs } : {}),
  });
}
