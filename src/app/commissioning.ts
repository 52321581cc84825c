/** Commissioning (issue 15): pending install, maintenance and walk tests; ingest asks it where each event goes. */
import { type ChangeNotices, localNotices } from '../cluster/change-notices.js';
import { type ReplicaRole, singleHubRole } from '../cluster/role.js';
import { CommissioningService } from '../commissioning/service.js';
import { signalOf } from '../commissioning/walk-test.js';
import { moduleLogger } from '../core/logger.js';
import type { DeviceStates } from '../ingest/device-state.js';
import { deviceKey } from '../ingest/router.js';
import type { Store } from '../store/index.js';
import type { HubContext } from './context.js';

/**
 * Built before ingest (ingest asks it where events go). It reads what ingest last heard of a device
 * (seen when, battery, signal) from the live device states the two share; `attach` starts its clock.
 */
export interface BuildCommissioning {
  ctx: HubContext;
  store: Store;
  /** The live device states ingest writes (DeviceStates.load). */
  devices: DeviceStates;
  /** Replicas: other replicas' maintenance and walk tests; default: this hub's only. */
  notices?: ChangeNotices;
  /** Default: a single hub. */
  role?: ReplicaRole;
}

export async function buildCommissioning({
  ctx,
  store,
  devices,
  notices = localNotices(),
  role = singleHubRole(),
}: BuildCommissioning): Promise<CommissioningService> {
  return CommissioningService.open({
    store,
    bus: ctx.bus,
    clock: ctx.clock,
    log: moduleLogger(ctx.root, 'commissioning'),
    sites: () => ctx.running.config.sites,
    site: (siteId) => ctx.running.directory.site(siteId),
    // Replicas (issue 18): another replica's maintenance or walk test steers events arriving here.
    notices,
    role,
    heard: (siteId, deviceId) => {
      const live = devices.get(deviceKey(siteId, deviceId));
      return live ? { lastSeenMs: live.lastSeenMs, battery: live.supervision?.battery ?? null, signal: signalOf(live.state) } : undefined;
    },
  });
}
