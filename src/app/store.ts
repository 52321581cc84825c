/** Storage: hub.yaml's `storage` (the SQLite file at `path`, or the PostgreSQL database at `url`), and its audit anchor. */
import { resolve } from 'node:path';
import { type ReplicaRole, singleHubRole } from '../cluster/role.js';
import { moduleLogger } from '../core/logger.js';
import { AuditAnchorWriter, anchorPathFor, openConfiguredStore, type Store } from '../store/index.js';
import type { HubContext } from './context.js';

/** How often the audit chain head is appended to the anchor file (and at stop). */
export const AUDIT_ANCHOR_EVERY_MS = 60_000;

/** `role`: in replica mode only the leader appends the audit anchor (one writer of one file). */
export async function openHubStore(ctx: HubContext, role: Pick<ReplicaRole, 'leads'> = singleHubRole()): Promise<Store> {
  const { storage } = ctx.running.config.hub;
  const storeLog = moduleLogger(ctx.root, 'store');
  const store = await openConfiguredStore(storage, {
    onCheckpointError: (message) => storeLog.warn({ error: message }, 'WAL checkpoint failed; the next one tries again'),
  });
  // Gauges are read synchronously and the count is a query: each scrape shows the count the
  // previous one asked for (stale by one scrape interval) and asks again.
  let events = 0;
  const countEvents = (): void => {
    store.events.count().then(
      (n) => {
        events = n;
      },
      () => undefined, // closed or failing: /api/health reports storage; the gauge keeps its last value
    );
  };
  countEvents();
  ctx.metrics.gauge('sg_events_total', 'Events in storage (as of the previous scrape)', () => {
    countEvents();
    return events;
  });
  if (storage.backend === 'sqlite' && storage.path === ':memory:') return store;
  const log = moduleLogger(ctx.root, 'audit');
  const anchor = new AuditAnchorWriter({
    path: anchorPathFor(storage.path, storage.auditAnchor ? resolve(ctx.rootDir, storage.auditAnchor) : null),
    key: storage.auditKey,
    head: () => store.audit.head(),
    now: () => ctx.clock.now(),
    // A second copy of the head, in the log that is shipped elsewhere.
    onWrite: (l) => log.info({ seq: l.seq, hash: l.hash, signed: l.mac !== null }, 'audit anchor'),
    active: () => role.leads(),
  });
  anchor.start(AUDIT_ANCHOR_EVERY_MS);
  // The final head is anchored before the database closes, on every stop path (including a failed start).
  const close = store.close;
  return {
    ...store,
    close: async () => {
      try {
        await anchor.stop();
      } catch (err) {
        log.error({ err }, 'could not write the audit anchor');
      }
      await close();
    },
  };
}
