/** What a caller (the CLI, a test) may set when starting a hub. */
import type { CommandRateSpec } from '../api/socket/command-rate.js';
import type { LimiterOptions } from '../auth/limiter.js';
import type { SessionTimeouts } from '../auth/sessions.js';
import type { VideoSettings } from '../config/model.js';
import type { Clock } from '../core/clock.js';
import type { Logger, LoggerOptions } from '../core/logger.js';

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
  /** Socket command rate limit (default api/socket/command-rate.ts SOCKET_COMMAND_RATE; a fuzz test raises it). */
  commandRate?: CommandRateSpec;
  /** Login throttling (default 5 failures per 15 min, per address and per user name). */
  loginLimit?: LimiterOptions;
  /** Where a first start shows the one-time admin password (default stderr). */
  announce?: (text: string) => void;
}
