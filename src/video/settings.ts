import type { Config, VideoSettings } from '../config/model.js';

export const DEFAULT_VIDEO: VideoSettings = {
  pollIntervalMs: 60_000,
  offlineAfter: 3,
  snapshotTimeoutMs: 2000,
  clips: false,
  clipSeconds: 10,
  retention: { maxAgeMs: 30 * 24 * 3600_000, maxFiles: 100_000, maxBytes: 10 * 1024 * 1024 * 1024 },
};

/** hub.yaml `video:` over the defaults, and the caller's overrides (tests shorten the poll) over both. */
export function resolveVideoSettings(config: Config, overrides: Partial<VideoSettings> | undefined): VideoSettings {
  return { ...DEFAULT_VIDEO, ...(config.hub.video ?? {}), ...(overrides ?? {}) };
}
