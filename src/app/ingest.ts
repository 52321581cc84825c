/** Ingest (device messages → stored events) and the liveness monitor that watches its devices' heartbeats. */
import { moduleLogger } from '../core/logger.js';
import type { CommissioningService } from '../commissioning/service.js';
import { Ingest } from '../ingest/ingest.js';
import type { DrillService } from '../drill/service.js';
import { LivenessMonitor } from '../ingest/liveness.js';
import { TopicRouter } from '../ingest/router.js';
import type { Store } from '../store/index.js';
import type { HubContext } from './context.js';

/**
 * `commissioning` says where each event goes (walk test, maintenance) and hears the panel's own walk-test mode;
 * `drills`: the hub's drill windows, which flag the events of drilled sites (演练).
 */
export function buildIngest(ctx: HubContext, store: Store, commissioning?: CommissioningService, drills?: DrillService): Promise<Ingest> {
  return Ingest.open({
    ...(commissioning
      ? {
          destinationOf: (site, device, now) => commissioning.destinationOf(site, device, now),
          onPanelMode: (site, device, change) => commissioning.panelMode(site, device, change),
        }
      : {}),
    router: new TopicRouter(ctx.running.config, ctx.running.profiles),
    store,
    bus: ctx.bus,
    log: moduleLogger(ctx.root, 'ingest'),
    metrics: ctx.metrics,
    clock: ctx.clock,
    ...(drills ? { drills } : {}),
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
