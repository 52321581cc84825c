/** Ingest (device messages → stored events) and the liveness monitor that watches its devices' heartbeats. */
import { moduleLogger } from '../core/logger.js';
import type { CommissioningService } from '../commissioning/service.js';
import type { IncidentService } from '../dispatch/incidents.js';
import { Ingest } from '../ingest/ingest.js';
import type { DrillService } from '../drill/service.js';
import { LivenessMonitor } from '../ingest/liveness.js';
import type { DeviceStates } from '../ingest/device-state.js';
import { LAST_SEEN_PERSIST_MS } from '../ingest/device-state.js';
import { type ReplicaRole, singleHubRole } from '../cluster/role.js';
import { TopicRouter } from '../ingest/router.js';
import type { Store } from '../store/index.js';
import type { HubContext } from './context.js';

export interface BuildIngest {
  ctx: HubContext;
  store: Store;
  incidents: IncidentService;
  /** Says where each event goes (walk test, maintenance) and hears the panel's own walk-test mode. */
  commissioning?: CommissioningService;
  /** The hub's drill windows, which flag the events of drilled sites (演练). */
  drills?: DrillService;
  /** Default: a single hub. */
  role?: ReplicaRole;
  /** The devices' live state, shared with commissioning; absent: ingest loads its own. */
  devices?: DeviceStates;
}

export function buildIngest({ ctx, store, incidents, commissioning, drills, role = singleHubRole(), devices }: BuildIngest): Promise<Ingest> {
  return Ingest.open({
    // Dispatch reads what it needs before the events are announced, so it publishes in their tick.
    readAhead: incidents,
    ...(commissioning ? { commissioning } : {}),
    router: new TopicRouter(ctx.running.config, ctx.running.profiles),
    directory: ctx.running.readDirectory,
    store,
    bus: ctx.bus,
    log: moduleLogger(ctx.root, 'ingest'),
    metrics: ctx.metrics,
    clock: ctx.clock,
    ...(drills ? { drills } : {}),
    ...(devices ? { devices } : {}),
    // Replicas: a device back after a silence is checked against the owner's marks in the shared row.
    ...(role.replicated ? { storedDevice: (key: string) => store.deviceState.get(key) } : {}),
  });
}

/**
 * Replicas (issue 18): only a site's owner judges its devices' silence, from the last-seen every
 * replica writes to the shared store (behind by up to LAST_SEEN_PERSIST_MS, added to the grace).
 */
export function buildLiveness(ctx: HubContext, ingest: Ingest, store?: Store, role: ReplicaRole = singleHubRole()): LivenessMonitor {
  return new LivenessMonitor({
    ingest,
    ...(role.replicated && store
      ? {
          replica: {
            role,
            stored: () => store.deviceState.all(),
            lagMs: LAST_SEEN_PERSIST_MS,
            readEveryMs: Math.min(10_000, ctx.options.livenessCheckMs ?? 10_000),
          },
        }
      : {}),
    clock: ctx.clock,
    log: moduleLogger(ctx.root, 'liveness'),
    ...(ctx.options.livenessCheckMs ? { checkEveryMs: ctx.options.livenessCheckMs } : {}),
  });
}
