/** Dispatch: incidents from stored events; open incidents are recovered from storage before anything arrives. */
import { moduleLogger } from '../core/logger.js';
import { IncidentService } from '../dispatch/incidents.js';
import type { Notifier } from '../notify/notifier.js';
import type { Store } from '../store/index.js';
import type { ReplicaRole } from '../cluster/role.js';
import type { HubContext } from './context.js';

/** New incidents' guard alerts are enqueued by `notifier` in the transaction that writes them; it starts sending once recovered. */
export async function buildDispatch(
  ctx: HubContext,
  store: Store,
  notifier: Notifier,
  role: ReplicaRole,
): Promise<{ incidents: IncidentService; detach: () => Promise<void> }> {
  const triage = ctx.running.config.hub.triage;
  const log = moduleLogger(ctx.root, 'dispatch');
  if (triage.correlationWindowMs !== null) {
    log.warn(
      { key: 'triage.correlation_window' },
      'triage.correlation_window is deprecated and ignored: an incident stays open for its site and category until it is closed; remove the key',
    );
  }
  // Open incidents, false alarms and armed state are loaded here, before the broker accepts devices.
  const incidents = await IncidentService.open({
    store,
    bus: ctx.bus,
    clock: ctx.clock,
    log,
    metrics: ctx.metrics,
    ackTimeoutMs: triage.ackTimeoutMs,
    repeatWindowMs: triage.repeatWindowMs,
    night: triage,
    // Site, cell and station names and the workflow view of the current config (Map lookups; a reload swaps them).
    directory: ctx.running,
    workflow: ctx.running,
    withNewIncidents: (list) => notifier.enqueue(list),
    // Replicas (issue 18): only the owner's sites are correlated here; sites arrive with their partitions (app/replica.ts).
    // Their writes are fenced by the lease epoch, and new incidents written at once (src/cluster/README.md).
    ...(role.replicated ? { owns: role.owns.bind(role), sharedNumbering: true, writeNewAtOnce: true } : {}),
    ...(role.fence ? { fence: role.fence.bind(role) } : {}),
  });
  await incidents.recover();
  notifier.start(incidents);
  return { incidents, detach: incidents.attach() };
}
