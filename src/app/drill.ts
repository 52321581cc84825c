/** Drill mode (演练): the drill windows, loaded from storage; drills that ran out while the hub was down end now. */
import { moduleLogger } from '../core/logger.js';
import { DrillService } from '../drill/service.js';
import type { Store } from '../store/index.js';
import type { HubContext } from './context.js';

export async function buildDrills(ctx: HubContext, store: Store): Promise<DrillService> {
  const drills = await DrillService.open({ store, bus: ctx.bus, clock: ctx.clock, log: moduleLogger(ctx.root, 'drill'), metrics: ctx.metrics });
  await drills.start();
  return drills;
}
