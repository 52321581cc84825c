/**
 * Composition root: builds every module from the validated config and owns the start/stop order.
 * No module-level singletons: each test builds its own hub here and stops it.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Server as IoServer } from 'socket.io';
import { loadConfig, formatProblems, parseCachePath, watchSites } from './config/index.js';
import type { Config } from './config/model.js';
import { systemClock, type Clock } from './core/clock.js';
import { EventBus } from './core/event-bus.js';
import type { HubEvents } from './core/hub-events.js';
import { createRootLogger, moduleLogger, type Logger, type LoggerOptions } from './core/logger.js';
import { Metrics } from './core/metrics.js';
import type { Problem } from './core/problems.js';
import { SafeGridError } from './core/errors.js';
import { EmbeddedBroker, readTlsFiles } from './broker/embedded.js';
import { ConfigDeviceAccess } from './broker/device-access.js';
import { ExternalBroker } from './broker/external.js';
import type { BrokerLink } from './broker/types.js';
import { Ingest } from './ingest/ingest.js';
import { LivenessMonitor } from './ingest/liveness.js';
import { TopicRouter } from './ingest/router.js';
import type { ProfileRegistry } from './profiles/types.js';
import { IncidentService } from './dispatch/incidents.js';
import { CameraService } from './video/camera-service.js';
import type { VideoSettings } from './config/model.js';
import { openStore, type Store } from './store/index.js';
import { AuthService } from './auth/service.js';
import type { SessionTimeouts } from './auth/sessions.js';
import type { LimiterOptions } from './auth/limiter.js';
import { createHttpApp } from './api/http/server.js';
import { listRoutes, type RouteInfo } from './api/http/route-list.js';
import { attachConsole } from './api/socket/console.js';
import type { ApiContext } from './api/context.js';

export interface HubOptions {
  /** Folder holding config/ and devices/. */
  rootDir: string;
  /** Overrides for tests and the CLI (port 0 = pick a free port). */
  httpPort?: number;
  httpHost?: string;
  mqttPort?: number;
  mqttHost?: string;
  storagePath?: string;
  mqttMode?: 'embedded' | 'external';
  mqttUrl?: string;
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  logger?: Logger;
  log?: LoggerOptions;
  /** Watch devices/ for changes (default true). */
  watch?: boolean;
  /** Heartbeat check period, ms (tests shorten it). */
  livenessCheckMs?: number;
  /** Overrides of hub.yaml `video` (tests shorten the camera poll). */
  video?: Partial<VideoSettings>;
  /** Overrides of hub.yaml `sessions` (tests use a manual clock with shorter ones). */
  sessions?: Partial<SessionTimeouts>;
  /** Login throttling (default 5 failures per 15 min, per address and per user name). */
  loginLimit?: LimiterOptions;
  /** Where a first start shows the one-time admin password (default stderr). */
  announce?: (text: string) => void;
}

export interface Hub {
  readonly config: Config;
  readonly httpPort: number;
  readonly mqttPort: number | null;
  readonly store: Store;
  readonly bus: EventBus<HubEvents>;
  readonly metrics: Metrics;
  readonly incidents: IncidentService;
  readonly ingest: Ingest;
  /** Cameras: registry, health, events, snapshots, live view (issue 6). */
  readonly video: CameraService;
  readonly log: Logger;
  /** Accounts, sessions and scope (src/auth). */
  readonly auth: AuthService;
  /** Every HTTP route (method, path, guarding capability), for the access-matrix test and docs. */
  readonly routes: readonly RouteInfo[];
  /** Socket.IO namespaces served. */
  readonly namespaces: readonly string[];
  /** Problems of the running config (held-back or last-good site files). */
  problems(): Problem[];
  stop(): Promise<void>;
}

export async function startHub(options: HubOptions): Promise<Hub> {
  const rootDir = resolve(options.rootDir);
  const env = options.env ?? process.env;
  const root = options.logger ?? createRootLogger(options.log);
  const log = moduleLogger(root, 'app');
  const clock = options.clock ?? systemClock;

  // Unchanged files are not parsed again on a restart: their parse is cached beside the database.
  let parseCacheFile: string | null = null;
  const loaded = loadConfig(rootDir, {
    env,
    parseCacheFile: (hub) => {
      const db = options.storagePath ?? hub.storage.path;
      parseCacheFile = parseCachePath(db === ':memory:' ? db : resolve(rootDir, db));
      return parseCacheFile;
    },
  });
  if (loaded.parseCache) {
    const c = loaded.parseCache;
    if (c.writeError) log.warn({ file: c.file }, `parse cache not written (the hub works without it): ${c.writeError}`);
    log.info({ file: c.file, fromCache: c.hits, addedToCache: c.added, ...(c.discarded ? { cacheNotUsed: c.discarded } : {}) }, 'configuration files read');
  }
  if (!loaded.config || !loaded.profiles) {
    throw new SafeGridError('SG_CONFIG_INVALID_VALUE', `configuration has errors:\n${formatProblems(loaded.problems)}`, {
      problems: loaded.problems,
    });
  }
  // Environment overrides for containers (docker-compose.yml): SG_MQTT_MODE, SG_MQTT_URL.
  if (!options.mqttMode && (env.SG_MQTT_MODE === 'embedded' || env.SG_MQTT_MODE === 'external')) options = { ...options, mqttMode: env.SG_MQTT_MODE };
  if (!options.mqttUrl && env.SG_MQTT_URL && (options.mqttMode ?? loaded.config.hub.mqtt.mode) === 'external') options = { ...options, mqttUrl: env.SG_MQTT_URL };
  let config: Config = applyOverrides(loaded.config, options, rootDir);
  let profiles: ProfileRegistry = loaded.profiles;
  let problems: Problem[] = loaded.problems;
  for (const held of loaded.heldBack) {
    log.error({ file: held.file, site: held.siteId }, `site file held back:\n${formatProblems(held.problems)}`);
  }

  const metrics = new Metrics();
  const bus = new EventBus<HubEvents>(moduleLogger(root, 'bus'));
  metrics.gauge('sg_bus_subscriber_errors_total', 'Event subscribers that threw', () => bus.subscriberErrors);
  metrics.gauge('sg_config_problems', 'Problems in the running configuration, by severity', () => [
    { labels: { severity: 'error' }, value: problems.filter((p) => p.severity === 'error').length },
    { labels: { severity: 'warning' }, value: problems.filter((p) => p.severity === 'warning').length },
  ]);
  const store = openStore(config.hub.storage.path);
  metrics.gauge('sg_events_total', 'Events in storage', () => store.events.count());

  const cellNames = new Map(config.cells.map((c) => [c.id, c.name]));
  const incidents = new IncidentService({
    store,
    bus,
    clock,
    log: moduleLogger(root, 'dispatch'),
    metrics,
    correlationWindowMs: config.hub.triage.correlationWindowMs,
    ackTimeoutMs: config.hub.triage.ackTimeoutMs,
    repeatWindowMs: config.hub.triage.repeatWindowMs,
    night: config.hub.triage,
    directory: {
      siteName: (id) => config.sites.find((s) => s.id === id)?.name ?? null,
      cellName: (id) => cellNames.get(id) ?? null,
      stationParent: (id) => config.stations.find((s) => s.id === id)?.parent ?? null,
      stationName: (id) => config.stations.find((s) => s.id === id)?.name ?? null,
    },
  });
  incidents.recover();
  const detachIncidents = incidents.attach();

  const ingest = new Ingest({
    router: new TopicRouter(config, profiles),
    store,
    bus,
    log: moduleLogger(root, 'ingest'),
    metrics,
    clock,
  });

  // Cameras raise their events through ingest's durable path and attach media to incidents.
  const video = new CameraService({
    config,
    mediaRoot: resolve(rootDir, config.hub.storage.mediaPath),
    sinks: {
      raise: (siteId, cameraId, kind, detail) => ingest.raiseCameraEvent(siteId, cameraId, kind, detail),
      addMedia: (incidentId, media) => incidents.addMedia(incidentId, media),
    },
    log: moduleLogger(root, 'video'),
    metrics,
    env,
    ...(options.video ? { settings: options.video } : {}),
  });
  const detachVideo = [bus.on('incident:new', (i) => video.onIncident(i)), bus.on('incident:update', (i) => video.onIncident(i))];

  const mqttLog = moduleLogger(root, 'mqtt');
  // Device logins and topic rights (issue 3); only the embedded broker enforces them.
  const deviceAccess = config.hub.mqtt.mode === 'embedded' ? new ConfigDeviceAccess(config, profiles, mqttLog) : null;
  const broker: BrokerLink =
    config.hub.mqtt.mode === 'external'
      ? new ExternalBroker({
          url: config.hub.mqtt.url ?? 'mqtt://127.0.0.1:1883',
          clientId: config.hub.mqtt.clientId,
          username: config.hub.mqtt.username,
          password: config.hub.mqtt.password,
          topics: ingest.currentRouter.topics(),
          sink: ingest,
          log: mqttLog,
          metrics,
          ca: config.hub.mqtt.tls?.ca ? readFileSync(config.hub.mqtt.tls.ca) : null,
        })
      : new EmbeddedBroker({
          host: config.hub.mqtt.host,
          port: config.hub.mqtt.port,
          sink: ingest,
          log: mqttLog,
          metrics,
          access: deviceAccess,
          tls: config.hub.mqtt.tls ? readTlsFiles(config.hub.mqtt.tls, rootDir) : null,
        });

  const idleMinutes = Number(env.SG_SESSION_IDLE_MINUTES);
  const auth = new AuthService({
    rootDir,
    config: () => config,
    clock,
    log: moduleLogger(root, 'auth'),
    // hub.yaml `sessions`; SG_SESSION_IDLE_MINUTES still overrides the idle timeout (older setups).
    timeouts: {
      ...config.hub.sessions,
      ...(Number.isFinite(idleMinutes) && idleMinutes > 0 ? { idleMs: idleMinutes * 60_000 } : {}),
      ...options.sessions,
    },
    ...(options.loginLimit ? { loginLimit: options.loginLimit } : {}),
    ...(options.announce ? { announce: options.announce } : {}),
    // hub.yaml `metrics.token_env|token_file_key`; SG_METRICS_TOKEN when hub.yaml names none.
    metricsToken: config.hub.metricsToken ?? (env.SG_METRICS_TOKEN || null),
    sessionStore: store.sessions,
  });
  await auth.start();

  const ctx: ApiContext = {
    config: () => config,
    configProblems: () => problems,
    store,
    incidents,
    ingest,
    broker,
    metrics,
    log: moduleLogger(root, 'api'),
    startedAt: clock.now(),
    video,
    auth,
  };
  const httpApp = createHttpApp(ctx);
  const routes = listRoutes(httpApp);
  const http: HttpServer = createServer(httpApp);
  const io = new IoServer(http, { serveClient: true, maxHttpBufferSize: 64 * 1024 });
  const detachConsole = attachConsole(io, ctx, bus);

  const liveness = new LivenessMonitor({
    ingest,
    clock,
    log: moduleLogger(root, 'liveness'),
    ...(options.livenessCheckMs ? { checkEveryMs: options.livenessCheckMs } : {}),
  });

  // Start order: storage (open above) → broker → HTTP; stop in reverse.
  try {
    await broker.start();
    await new Promise<void>((ok, fail) => {
      http.once('error', fail);
      http.listen(config.hub.http.port, config.hub.http.host, () => {
        http.off('error', fail);
        ok();
      });
    });
  } catch (err) {
    await video.stop();
    auth.stop();
    await broker.stop().catch(() => undefined);
    store.close();
    throw err;
  }
  liveness.start();
  const addr = http.address();
  const httpPort = typeof addr === 'object' && addr ? addr.port : config.hub.http.port;
  log.info(
    {
      http: `${config.hub.http.host}:${httpPort}`,
      mqtt: config.hub.mqtt.mode === 'embedded' ? `${config.hub.mqtt.host}:${broker.port}` : 'external',
      storage: config.hub.storage.path,
      sites: config.sites.length,
      cells: config.cells.length,
    },
    'SafeGrid hub started',
  );

  const watcher =
    options.watch === false
      ? null
      : watchSites(rootDir, config, (result) => {
          config = applyOverrides(result.config, options, rootDir);
          problems = result.problems;
          profiles = result.profiles ?? profiles;
          cellNames.clear();
          for (const c of config.cells) cellNames.set(c.id, c.name);
          const router = new TopicRouter(config, profiles);
          ingest.setRouter(router);
          video.update(config);
          if (broker instanceof ExternalBroker) broker.resubscribe(router.topics());
          deviceAccess?.update(config, profiles);
          log.info({ sites: config.sites.length, problems: problems.length, ...result.parsed }, 'device files reloaded');
          if (problems.length) log.warn(`device files have problems:\n${formatProblems(problems)}`);
        }, { env, parseCacheFile });

  let stopped = false;
  return {
    get config() {
      return config;
    },
    httpPort,
    mqttPort: broker.port,
    store,
    bus,
    metrics,
    incidents,
    ingest,
    video,
    log: root,
    auth,
    routes,
    namespaces: [...io._nsps.keys()].filter((n) => n !== '/'),
    problems: () => problems,
    async stop() {
      if (stopped) return;
      stopped = true;
      watcher?.close();
      liveness.stop();
      for (const d of detachVideo) d();
      await video.stop();
      auth.stop();
      await broker.stop();
      ingest.flush();
      io.disconnectSockets(true);
      await new Promise<void>((ok) => {
        io.close(() => ok());
      });
      http.closeAllConnections();
      detachConsole();
      detachIncidents();
      store.close();
      log.info('SafeGrid hub stopped');
    },
  };
}

function applyOverrides(config: Config, o: HubOptions, rootDir: string): Config {
  const hub = structuredClone(config.hub);
  if (o.httpPort !== undefined) hub.http.port = o.httpPort;
  if (o.httpHost !== undefined) hub.http.host = o.httpHost;
  if (o.mqttPort !== undefined) hub.mqtt.port = o.mqttPort;
  if (o.mqttHost !== undefined) hub.mqtt.host = o.mqttHost;
  if (o.mqttMode !== undefined) hub.mqtt.mode = o.mqttMode;
  if (o.mqttUrl !== undefined) hub.mqtt.url = o.mqttUrl;
  if (o.storagePath !== undefined) hub.storage.path = o.storagePath;
  hub.storage.path = hub.storage.path === ':memory:' ? hub.storage.path : resolve(rootDir, hub.storage.path);
  return { ...config, hub };
}
