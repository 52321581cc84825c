/** The API: HTTP routes and the Socket.IO console, on one HTTP server (not listening yet). */
import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { securityHeaders } from '../api/http/edge.js';
import { forwardedHttps, socketIoEdge } from '../api/socket/edge.js';
import { Server as IoServer } from 'socket.io';
import { pushParser } from '../api/socket/json-parser.js';
import { clusterAdapter } from '../api/socket/cluster-adapter.js';
import type { RedisLink } from '../cluster/redis.js';
import type { ReplicaRole } from '../cluster/role.js';
import type { ApiContext } from '../api/context.js';
import { createHttpApp } from '../api/http/server.js';
import { listRoutes, type RouteInfo } from '../api/http/route-list.js';
import { attachConsole } from '../api/socket/console.js';
import { EventTail } from '../api/socket/event-tail.js';
import type { AuthService } from '../auth/service.js';
import type { CommissioningService } from '../commissioning/service.js';
import type { BrokerLink } from '../broker/types.js';
import { moduleLogger } from '../core/logger.js';
import type { IncidentService } from '../dispatch/incidents.js';
import type { Ingest } from '../ingest/ingest.js';
import type { DrillService } from '../drill/service.js';
import type { ReportService } from '../reports/service.js';
import type { Readiness } from '../core/readiness.js';
import type { Store } from '../store/index.js';
import type { CameraService } from '../video/camera-service.js';
import type { HubContext } from './context.js';
import { buildForwarding, type CommandForwardingShell } from './forwarding.js';
import { loadHttpTls, type HttpTls } from './tls.js';

export interface ApiModules {
  store: Store;
  incidents: IncidentService;
  ingest: Ingest;
  broker: BrokerLink;
  video: CameraService;
  auth: AuthService;
  commissioning: CommissioningService;
  drills: DrillService;
  reports: ReportService;
  /** `/api/health/ready` (issue 18). */
  readiness: Readiness;
  /** This replica's share of the sites (issue 18; one hub owns all). */
  role: ReplicaRole;
  /** Replica mode: other replicas committed events (NOTIFY), for the consoles' event tail (Replica.onStored). */
  onStoredElsewhere?: (fn: () => void) => () => void;
}

export interface HubApi {
  /** The one server of the pages, the API and Socket.IO: HTTPS when hub.yaml `http.tls` says so. */
  http: HttpServer;
  /** Its certificate's fingerprint; null on plain HTTP. */
  tls: Pick<HttpTls, 'fingerprint' | 'selfSigned'> | null;
  io: IoServer;
  routes: readonly RouteInfo[];
  detachConsole: () => void;
  /** Replica mode: commands run on their site's owner (start before listening, stop before Redis closes); null for one hub. */
  forwarding: CommandForwardingShell | null;
  /** Replica mode: the consoles' event log read from the store (started by `start`); null for one hub. */
  eventTail: EventTail | null;
  /** Before listening: the event tail's position (the store's end) and the forwarding's subscription. */
  start(): Promise<void>;
}

/** `cluster`: replicas sharing Redis (issue 18) — Socket.IO rooms then span them all. */
export function buildApi(ctx: HubContext, modules: ApiModules, cluster: RedisLink | null = null): HubApi {
  const { running } = ctx;
  const { onStoredElsewhere, ...rest } = modules;
  const api: ApiContext = {
    config: running.readConfig,
    directory: running.readDirectory,
    configProblems: running.readProblems,
    ...rest,
    metrics: ctx.metrics,
    log: moduleLogger(ctx.root, 'api'),
    startedAt: ctx.clock.now(),
  };
  const tail = modules.role.replicated ? buildEventTail(ctx, api, onStoredElsewhere) : null;
  if (tail) api.eventTail = tail.tail;
  const forwarding = buildForwarding(ctx, api, modules.role, cluster);
  if (forwarding) api.forwardCommand = forwarding.forward;
  const tls = loadHttpTls(ctx, api.log);
  api.tlsCertificate = tls?.cert ?? null;
  const httpApp = createHttpApp(api);
  const hub = running.config.hub;
  // A client trickling its headers or body holds a connection: drop it (Node's default waits 60 s
  // for headers and checks only every 30 s). The check runs every second so the limit means it.
  // An https.Server answers every http.Server call the hub makes (listen, address, closeAllConnections).
  const http = tls
    ? (createHttpsServer({ cert: tls.cert, key: tls.key, connectionsCheckingInterval: 1_000 }, httpApp) as unknown as HttpServer)
    : createServer({ connectionsCheckingInterval: 1_000 }, httpApp);
  http.headersTimeout = hub.http.headers_timeout;
  http.requestTimeout = Math.max(hub.http.request_timeout, hub.http.headers_timeout);
  // serveClient off: the pages bundle their own client, and the served file told its version.
  const io = new IoServer(http, {
    serveClient: false,
    maxHttpBufferSize: 64 * 1024,
    allowRequest: socketIoEdge(api),
    parser: pushParser,
    ...(cluster ? { adapter: clusterAdapter(cluster, api.log) } : {}),
  });
  io.engine.on('headers', (headers: Record<string, string>, req: IncomingMessage) => {
    const secure = Boolean((req.socket as TLSSocket).encrypted) || forwardedHttps(httpApp, req);
    Object.assign(headers, securityHeaders({ secure, host: req.headers.host, tilesUrl: api.config().hub.map.tiles.url }));
  });
  const detachConsole = attachConsole(io, api, ctx.bus, { commandRate: ctx.options.commandRate });
  return {
    http,
    tls: tls ? { fingerprint: tls.fingerprint, selfSigned: tls.selfSigned } : null,
    io,
    routes: listRoutes(httpApp),
    detachConsole: () => {
      detachConsole();
      tail?.detach();
    },
    forwarding,
    eventTail: tail?.tail ?? null,
    async start() {
      await tail?.tail.start();
      await forwarding?.start();
    },
  };
}

/**
 * Replica mode: the consoles' event log, read from the store in seq order (event-tail.ts), woken by
 * this replica's own commits (its bus) and by other replicas' (NOTIFY). Stopped with the console.
 */
function buildEventTail(ctx: HubContext, api: ApiContext, onStoredElsewhere: ApiModules['onStoredElsewhere']): { tail: EventTail; detach: () => void } {
  const failed = ctx.metrics.counter(
    'sg_console_tail_read_failures_total',
    "Reads of the consoles' event log from the store that failed (retried at the next wake-up)",
  );
  const tail = new EventTail({ events: api.store.events, log: api.log, onReadFailed: () => failed() });
  ctx.metrics.gauge('sg_console_pushed_seq', 'Highest event seq pushed to the consoles of this replica', () => tail.position);
  const offs = [ctx.bus.on('event:stored', () => tail.wake()), onStoredElsewhere?.(() => tail.wake()) ?? (() => undefined)];
  return {
    tail,
    detach: () => {
      for (const off of offs.splice(0)) off();
      tail.stop();
    },
  };
}
