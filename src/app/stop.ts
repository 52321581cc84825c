/** The hub's stop order, in one place: what `Hub.stop()` runs (after a drain, or on its own). */
import type { AuthService } from '../auth/service.js';
import type { Logger } from '../core/logger.js';
import type { DrillService } from '../drill/service.js';
import type { Ingest } from '../ingest/ingest.js';
import type { LivenessMonitor } from '../ingest/liveness.js';
import type { Notifier } from '../notify/notifier.js';
import type { ReportService } from '../reports/service.js';
import type { ChangeNotices } from '../cluster/change-notices.js';
import type { RedisLink } from '../cluster/redis.js';
import type { Store } from '../store/index.js';
import type { CameraService } from '../video/camera-service.js';
import type { HubApi } from './api.js';
import type { HubBroker } from './broker.js';
import type { Replica } from './replica.js';

/** Every started module that has something to stop. */
export interface StopParts {
  watcher: { close(): void } | null;
  liveness: Pick<LivenessMonitor, 'stop'>;
  reports: Pick<ReportService, 'stop'>;
  broker: Pick<HubBroker['broker'], 'stop'>;
  ingest: Pick<Ingest, 'flush'>;
  cameras: { detach(): void };
  video: Pick<CameraService, 'stop'>;
  auth: Pick<AuthService, 'stop'>;
  api: Pick<HubApi, 'io' | 'http' | 'detachConsole' | 'forwarding'>;
  replica: Pick<Replica, 'stop'>;
  dispatch: { detach(): Promise<void> };
  detachCommissioning: () => void;
  drills: Pick<DrillService, 'stop'>;
  notifier: Pick<Notifier, 'stop'>;
  notices: Pick<ChangeNotices, 'close'>;
  cluster: Pick<RedisLink, 'close'> | null;
  store: Pick<Store, 'close'>;
  log: Logger;
  /** The "hub stopped" line in the configured language. */
  stoppedText: string;
}

/**
 * Inputs first, storage last; once, however often it is called. The broker goes first of all: from
 * then on no device gets a PUBACK, so whatever was acknowledged is already committed and whatever
 * was not is resent by the device after the restart (its msgId makes the resend a duplicate, not a
 * second alarm).
 */
export function stopInOrder(p: StopParts): () => Promise<void> {
  let stopped = false;
  return async () => {
    if (stopped) return;
    stopped = true;
    p.watcher?.close();
    p.liveness.stop();
    p.reports.stop();
    await p.broker.stop();
    await p.ingest.flush();
    p.cameras.detach();
    await p.video.stop();
    p.auth.stop();
    // Only this replica's sockets: with the Redis adapter, io.disconnectSockets() reaches every replica's.
    p.api.io.local.disconnectSockets(true);
    const ioClosed = new Promise<void>((ok) => {
      void p.api.io.close(() => ok());
    });
    // A live view or a kept-alive request would hold http.close() open until the browser lets go.
    p.api.http.closeAllConnections();
    await ioClosed;
    p.api.detachConsole();
    // The partitions go before the dispatch stops: their sites' held writes are written, then the locks freed.
    await p.replica.stop();
    await p.dispatch.detach();
    p.detachCommissioning();
    p.drills.stop();
    await p.notifier.stop();
    await p.api.forwarding?.stop();
    await p.notices.close();
    await p.cluster?.close();
    await p.store.close();
    p.log.info(p.stoppedText);
  };
}
