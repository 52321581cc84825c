/**
 * Composition root: builds every module from the validated config and owns the start/stop order.
 * No module-level singletons: each test builds its own hub here and stops it. Each module's
 * construction is one builder in src/app/; startHub is the table of contents.
 */
import type { Config } from './config/model.js';
import type { ConfigDirectory } from './config/directory.js';
import type { EventBus } from './core/event-bus.js';
import type { HubEvents } from './core/hub-events.js';
import { moduleLogger, type Logger } from './core/logger.js';
import type { Metrics } from './core/metrics.js';
import type { Problem } from './core/problems.js';
import type { IncidentService } from './dispatch/incidents.js';
import type { Ingest } from './ingest/ingest.js';
import type { CommissioningService } from './commissioning/service.js';
import type { DrillService } from './drill/service.js';
import type { CameraService } from './video/camera-service.js';
import type { ReportService } from './reports/service.js';
import type { Store } from './store/index.js';
import type { AuthService } from './auth/service.js';
import type { RouteInfo } from './api/http/route-list.js';
import type { Readiness } from './core/readiness.js';
import { buildApi } from './app/api.js';
import { buildAuth } from './app/auth.js';
import { buildBroker } from './app/broker.js';
import { openCluster } from './app/cluster.js';
import { openNotices } from './app/notices.js';
import type { ClusterSignal } from './cluster/redis.js';
import type { ReplicaRole } from './cluster/role.js';
import { buildCommissioning } from './app/commissioning.js';
import { DeviceStates } from './ingest/device-state.js';
import { loadStartConfig } from './app/config.js';
import { buildDispatch } from './app/dispatch.js';
import { buildDrills } from './app/drill.js';
import { buildNotifier } from './app/notify.js';
import { buildReports } from './app/reports.js';
import { buildIngest, buildLiveness } from './app/ingest.js';
import { buildReadiness, drainer } from './app/lifecycle.js';
import { listen } from './app/listen.js';
import type { HubOptions } from './app/options.js';
import { watchConfig } from './app/reload.js';
import { openHubStore } from './app/store.js';
import { buildReplica } from './app/replica.js';
import { drainingCommands } from './app/forwarding.js';
import { buildVideo } from './app/video.js';
import { stopInOrder } from './app/stop.js';

export type { HubOptions } from './app/options.js';

export interface Hub {
  readonly config: Config;
  /** Sites, cells, stations and cameras of the current config by id. */
  readonly directory: ConfigDirectory;
  readonly httpPort: number;
  /** `https` when hub.yaml `http.tls` is set, with the certificate's SHA-256 fingerprint. */
  readonly https: { fingerprint: string; selfSigned: boolean } | null;
  readonly mqttPort: number | null;
  readonly store: Store;
  readonly bus: EventBus<HubEvents>;
  readonly metrics: Metrics;
  readonly incidents: IncidentService;
  readonly ingest: Ingest;
  /** Pending install, maintenance, walk tests (issue 15). */
  readonly commissioning: CommissioningService;
  /** Drill windows (演练, issue 15). */
  readonly drills: DrillService;
  /** Cameras: registry, health, events, snapshots, live view (issue 6). */
  readonly video: CameraService;
  readonly log: Logger;
  /** Accounts, sessions and scope (src/auth). */
  readonly auth: AuthService;
  /** Reports (issue 14): built on demand, the daily one stored at `reports.daily_at`. */
  readonly reports: ReportService;
  /** Every HTTP route (method, path, guarding capability), for the access-matrix test and docs. */
  readonly routes: readonly RouteInfo[];
  /** Socket.IO namespaces served. */
  readonly namespaces: readonly string[];
  /** Replicas on Redis (hub.yaml `cluster`): whether this replica's Redis link works now, and its changes; null for one hub. */
  readonly cluster: ClusterSignal | null;
  /** This replica's share of the sites (issue 18: partition leases on PostgreSQL); one hub owns every site. */
  readonly role: ReplicaRole;
  /** Problems of the running config (held-back or last-good site files). */
  problems(): Problem[];
  /** Whether this replica takes alarms now (`/api/health/ready`); the cluster adds its checks here. */
  readonly readiness: Readiness;
  /** Graceful stop (SIGTERM, issue 18): not ready at once, no new connections, in-flight alarms committed and acknowledged, then stop(). */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

/** Start order: config → store → dispatch → ingest → video → broker → auth → api → listen → liveness → watch. */
export async function startHub(options: HubOptions): Promise<Hub> {
  const { ctx, parseCacheFile } = loadStartConfig(options);
  const { running, bus, metrics, root } = ctx;
  const log = moduleLogger(root, 'app');
  const replica = buildReplica(ctx);
  const { role } = replica;
  const store = await openHubStore(ctx, role);
  const notifier = buildNotifier(ctx, store);
  const dispatch = await buildDispatch(ctx, store, notifier, role);
  const { incidents } = dispatch;
  const cluster = openCluster(ctx);
  // Replica duties (issue 18): other replicas' drill and commissioning changes steer events arriving here.
  const notices = openNotices(ctx, cluster);
  const drills = await buildDrills(ctx, store, notices, role);
  const devices = await DeviceStates.load(store);
  const commissioning = await buildCommissioning({ ctx, store, devices, notices, role });
  const ingest = await buildIngest({ ctx, store, incidents, commissioning, drills, role, devices });
  const detachCommissioning = commissioning.attach();
  const cameras = buildVideo(ctx, ingest, incidents);
  const { video } = cameras;
  const { broker, deviceAccess } = buildBroker(ctx, ingest, cluster);
  const auth = await buildAuth(ctx, store, cluster);
  const reports = buildReports(ctx, store, notifier, role);
  const readiness = buildReadiness(store);
  // A replica without its Redis link is taken out of the load balancer (src/cluster/redis.ts).
  if (cluster) readiness.addCheck(() => (cluster.ready() ? null : 'redis_unavailable'));
  // Built before the leases' first round, so a partition given up waits for its commands running here.
  const onStoredElsewhere = replica.onStored;
  const api = buildApi(ctx, { store, incidents, ingest, broker, video, auth, commissioning, drills, reports, readiness, role, onStoredElsewhere }, cluster);
  await replica.start(drainingCommands(incidents, api.forwarding), readiness);
  await api.start();
  const liveness = buildLiveness(ctx, ingest, store, role);
  const httpPort = await listen({ http: api.http, broker, video, auth, store }, running.config.hub.http);
  liveness.start();
  reports.start();
  readiness.markServing();
  logStarted(log, running.config, { httpPort, mqttPort: broker.port }, ctx.say('HUB_STARTED'));
  const watcher = watchConfig(ctx, { ingest, video, broker, deviceAccess }, parseCacheFile);

  // biome-ignore format: the modules in stop order, as names; stop.ts says what each step does.
  const stop = stopInOrder({ watcher, liveness, reports, broker, ingest, cameras, video, auth, api, replica, dispatch, detachCommissioning,
    drills, notifier, notices, cluster, store, log, stoppedText: ctx.say('HUB_STOPPED') });
  // Settings read when the drain starts: a config reload may have changed them.
  const drain = drainer({ readiness, broker, http: api.http, io: api.io, settings: () => running.config.hub.drain, log, stop });
  // biome-ignore format: the Hub facade's fields, as names.
  const hub: Hub = {
    get config() { return running.config; },
    get directory() { return running.directory; },
    httpPort, https: api.tls, mqttPort: broker.port, store, bus, metrics, incidents, ingest, commissioning, drills, video, log: root,
    auth, reports, routes: api.routes, cluster, role: replica.role, readiness, drain, stop, problems: () => running.problems,
    // What Socket.IO really serves (its own map; it has no public list), so the access-matrix test sees a namespace added anywhere.
    namespaces: [...api.io._nsps.keys()].filter((n) => n !== '/'),
  };
  return hub;
}

function logStarted(log: Logger, config: Config, ports: { httpPort: number; mqttPort: number | null }, text: string): void {
  const { httpPort, mqttPort } = ports;
  const { http, mqtt, storage } = config.hub;
  log.info(
    {
      http: `${http.host}:${httpPort}`,
      mqtt: mqtt.mode === 'embedded' ? `${mqtt.host}:${mqttPort}` : 'external',
      storage: storage.path,
      sites: config.sites.length,
      cells: config.cells.length,
    },
    text,
  );
}
