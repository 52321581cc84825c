/** Guard alerts (issue 13): the notifier and its outbox; dispatch hands it new incidents inside their transaction. */
import { moduleLogger } from '../core/logger.js';
import { Notifier } from '../notify/notifier.js';
import type { Store } from '../store/index.js';
import type { HubContext } from './context.js';

export function buildNotifier(ctx: HubContext, store: Store): Notifier {
  const { running } = ctx;
  return new Notifier({
    store,
    clock: ctx.clock,
    log: moduleLogger(ctx.root, 'notify'),
    metrics: ctx.metrics,
    config: () => running.config.hub.notify,
    site: (siteId) => {
      const s = running.directory.site(siteId);
      return s ? { guardGroup: s.guardGroup, address: s.address ?? null, doorPlate: s.doorPlate ?? null, contacts: s.contacts } : undefined;
    },
    timeZone: () => running.config.hub.triage.timezone,
  });
}
