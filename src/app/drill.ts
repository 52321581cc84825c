/**
 * Drill mode (演练): the drill windows, loaded from storage; drills that ran out while the hub was down end now.
 * Replicas (issue 18): a drill started on another replica is read on its notice (and every 10 s),
 * and only the leader ends drills by the clock.
 */
import { type ChangeNotices, localNotices } from '../cluster/change-notices.js';
import { type ReplicaRole, singleHubRole } from '../cluster/role.js';
import { moduleLogger } from '../core/logger.js';
import { DrillService } from '../drill/service.js';
import type { Store } from '../store/index.js';
import type { HubContext } from './context.js';

export async function buildDrills(
  ctx: HubContext,
  store: Store,
  notices: ChangeNotices = localNotices(),
  role: ReplicaRole = singleHubRole(),
): Promise<DrillService> {
  const drills = await DrillService.open({ store, bus: ctx.bus, clock: ctx.clock, log: moduleLogger(ctx.root, 'drill'), metrics: ctx.metrics, notices, role });
  await drills.start();
  return drills;
}
