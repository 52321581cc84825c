/**
 * Hot reload of devices/ (config/watch.ts): the new config, directory, profiles and problems take
 * effect as one (RunningConfig), then each module that holds config-derived state is told.
 */
import { formatProblems, watchSites } from '../config/index.js';
import type { ConfigDeviceAccess } from '../broker/device-access.js';
import { ExternalBroker } from '../broker/external.js';
import type { BrokerLink } from '../broker/types.js';
import { moduleLogger } from '../core/logger.js';
import type { Ingest } from '../ingest/ingest.js';
import { TopicRouter } from '../ingest/router.js';
import type { CameraService } from '../video/camera-service.js';
import { applyOverrides } from './config.js';
import type { HubContext } from './context.js';

export interface ReloadTargets {
  ingest: Ingest;
  video: CameraService;
  broker: BrokerLink;
  deviceAccess: ConfigDeviceAccess | null;
}

/** Starts watching unless the caller said `watch: false`; null then. */
export function watchConfig(ctx: HubContext, targets: ReloadTargets, parseCacheFile: string | null): { close(): void } | null {
  if (ctx.options.watch === false) return null;
  const { running, options, rootDir } = ctx;
  const log = moduleLogger(ctx.root, 'app');
  return watchSites(
    rootDir,
    running.config,
    (result) => {
      running.replace({
        config: applyOverrides(result.config, options, rootDir),
        problems: result.problems,
        profiles: result.profiles ?? running.profiles,
      });
      const { config, profiles, problems } = running;
      const router = new TopicRouter(config, profiles);
      targets.ingest.setRouter(router);
      targets.video.update(config);
      if (targets.broker instanceof ExternalBroker) targets.broker.resubscribe(router.topics());
      targets.deviceAccess?.update(config, profiles);
      log.info({ sites: config.sites.length, problems: problems.length, ...result.parsed }, 'device files reloaded');
      // Open pages read their directory again (search, map, status board) without a reload.
      ctx.bus.emit('directory:changed', { at: new Date(ctx.clock.now()).toISOString() });
      if (problems.length) log.warn(ctx.say('DEVICE_FILES_PROBLEMS', { problems: formatProblems(problems, ctx.say.language) }));
    },
    { env: ctx.env, parseCacheFile },
  );
}
