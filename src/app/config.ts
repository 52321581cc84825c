/**
 * The hub's configuration at start: load (with the parse cache beside the database), refuse to
 * start on errors, apply the caller's and the environment's overrides, and build the shared context.
 */
import { resolve } from 'node:path';
import { formatProblems, loadConfig, parseCachePath } from '../config/index.js';
import { languageOfRoot } from '../config/language.js';
import type { Config } from '../config/model.js';
import { RunningConfig } from '../config/running.js';
import { systemClock } from '../core/clock.js';
import { message, resolveLanguage, sayIn } from '../core/installer-messages.js';
import { SafeGridError } from '../core/errors.js';
import { EventBus } from '../core/event-bus.js';
import type { HubEvents } from '../core/hub-events.js';
import { createRootLogger, moduleLogger } from '../core/logger.js';
import { Metrics } from '../core/metrics.js';
import type { HubContext } from './context.js';
import type { HubOptions } from './options.js';

export interface StartConfig {
  ctx: HubContext;
  /** Where the parse cache lives (null: none), for the watcher's reloads. */
  parseCacheFile: string | null;
}

export function loadStartConfig(given: HubOptions): StartConfig {
  const rootDir = resolve(given.rootDir);
  const env = given.env ?? process.env;
  const root = given.logger ?? createRootLogger(given.log);
  const log = moduleLogger(root, 'app');

  // Unchanged files are not parsed again on a restart: their parse is cached beside the database.
  let parseCacheFile: string | null = null;
  const loaded = loadConfig(rootDir, {
    env,
    parseCacheFile: (hub) => {
      const db = given.storagePath ?? hub.storage.path;
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
    const language = languageOfRoot(rootDir, env);
    throw new SafeGridError('SG_CONFIG_INVALID_VALUE', message('CONFIG_HAS_ERRORS', { problems: formatProblems(loaded.problems, language) }, language), {
      problems: loaded.problems,
    });
  }
  // hub.yaml `language` (else LANG) for what the installer reads in the log.
  const say = sayIn(resolveLanguage(loaded.config.hub.language, env));
  for (const held of loaded.heldBack) {
    log.error({ file: held.file, site: held.siteId }, say('SITE_HELD_BACK', { problems: formatProblems(held.problems, say.language) }));
  }
  const options = withEnvironment(given, env, loaded.config);
  const running = new RunningConfig({ config: applyOverrides(loaded.config, options, rootDir), profiles: loaded.profiles, problems: loaded.problems });
  const metrics = new Metrics();
  const bus = new EventBus<HubEvents>(moduleLogger(root, 'bus'));
  observeConfigAndBus(metrics, bus, running);
  return { ctx: { rootDir, env, options, root, clock: given.clock ?? systemClock, running, metrics, bus, say }, parseCacheFile };
}

/** Environment overrides for containers (docker-compose.yml): SG_MQTT_MODE, SG_MQTT_URL. */
export function withEnvironment(given: HubOptions, env: NodeJS.ProcessEnv, config: Config): HubOptions {
  let options = given;
  if (!options.mqttMode && (env.SG_MQTT_MODE === 'embedded' || env.SG_MQTT_MODE === 'external')) options = { ...options, mqttMode: env.SG_MQTT_MODE };
  if (!options.mqttUrl && env.SG_MQTT_URL && (options.mqttMode ?? config.hub.mqtt.mode) === 'external') options = { ...options, mqttUrl: env.SG_MQTT_URL };
  return options;
}

/** The caller's overrides (ports, hosts, database) over hub.yaml; the database path made absolute. */
export function applyOverrides(config: Config, o: HubOptions, rootDir: string): Config {
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

function observeConfigAndBus(metrics: Metrics, bus: EventBus<HubEvents>, running: RunningConfig): void {
  metrics.gauge('sg_bus_subscriber_errors_total', 'Event subscribers that threw', () => bus.subscriberErrors);
  metrics.gauge('sg_config_problems', 'Problems in the running configuration, by severity', () => [
    { labels: { severity: 'error' }, value: running.problems.filter((p) => p.severity === 'error').length },
    { labels: { severity: 'warning' }, value: running.problems.filter((p) => p.severity === 'warning').length },
  ]);
}
