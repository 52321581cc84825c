/**
 * Reports (issue 14): built on the store and the running config (those asked over REST in the report
 * worker, off the event loop); the daily report is sent through the notifier's outbox. Replicas
 * (issue 18): the leader alone builds the daily report, and the worker reads PostgreSQL.
 */
import { type ReplicaRole, singleHubRole } from '../cluster/role.js';
import { moduleLogger } from '../core/logger.js';
import type { Notifier } from '../notify/notifier.js';
import { ReportService } from '../reports/service.js';
import type { Store } from '../store/index.js';
import type { HubContext } from './context.js';

export function buildReports(ctx: HubContext, store: Store, notifier: Notifier, role: ReplicaRole = singleHubRole()): ReportService {
  const { running } = ctx;
  const { storage } = running.config.hub;
  return new ReportService({
    store,
    clock: ctx.clock,
    log: moduleLogger(ctx.root, 'reports'),
    rootDir: ctx.rootDir,
    config: running.readConfig,
    send: (key, channels, message) => notifier.enqueueMessage(key, channels, message),
    role,
    // Reports asked over REST are built in a worker thread on a read-only connection to this file,
    // or on a read-only pool to the shared PostgreSQL database.
    ...(storage.backend === 'postgres' && storage.url
      ? { workerPostgres: { url: storage.url, ...(storage.password !== null ? { password: storage.password } : {}) } }
      : { workerDbPath: storage.path }),
  });
}
