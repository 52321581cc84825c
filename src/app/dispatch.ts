/** Dispatch: incidents from stored events; open incidents are recovered from storage before anything arrives. */
import { moduleLogger } from '../core/logger.js';
import { IncidentService } from '../dispatch/incidents.js';
import type { Store } from '../store/index.js';
import type { HubContext } from './context.js';

export function buildDispatch(ctx: HubContext, store: Store): { incidents: IncidentService; detach: () => void } {
  const triage = ctx.running.config.hub.triage;
  const log = moduleLogger(ctx.root, 'dispatch');
  if (triage.correlationWindowMs !== null) {
    log.warn(
      { key: 'triage.correlation_window' },
      'triage.correlation_window is deprecated and ignored: an incident stays open for its site and category until it is closed; remove the key',
    );
  }
  const incidents = new IncidentService({
    store,
    bus: ctx.bus,
    clock: ctx.clock,
    log,
    metrics: ctx.metrics,
    ackTimeoutMs: triage.ackTimeoutMs,
    repeatWindowMs: triage.repeatWindowMs,
    night: triage,
    // Site, cell and station names of the current config (Map lookups; a reload swaps them).
    directory: ctx.running,
  });
  incidents.recover();
  return { incidents, detach: incidents.attach() };
}
