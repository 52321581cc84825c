/** What every module builder of the composition root receives: the shared pieces, built once. */
import type { RunningConfig } from '../config/running.js';
import type { Clock } from '../core/clock.js';
import type { EventBus } from '../core/event-bus.js';
import type { HubEvents } from '../core/hub-events.js';
import type { Logger } from '../core/logger.js';
import type { Say } from '../core/installer-messages.js';
import type { Metrics } from '../core/metrics.js';
import type { HubOptions } from './options.js';

export interface HubContext {
  rootDir: string;
  env: NodeJS.ProcessEnv;
  /** The caller's options with the environment's overrides applied (SG_MQTT_MODE, SG_MQTT_URL). */
  options: HubOptions;
  /** Root logger; each builder takes its module's child. */
  root: Logger;
  clock: Clock;
  /** Config, directory, profiles and problems; swapped as one on hot reload. */
  running: RunningConfig;
  metrics: Metrics;
  bus: EventBus<HubEvents>;
  /** Installer-facing text (hub.yaml `language`, else LANG). */
  say: Say;
}
