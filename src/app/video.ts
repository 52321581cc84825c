/** Video: cameras raise their events through ingest's durable path and attach media to incidents. */
import { resolve } from 'node:path';
import { moduleLogger } from '../core/logger.js';
import type { IncidentService } from '../dispatch/incidents.js';
import type { Ingest } from '../ingest/ingest.js';
import { CameraService } from '../video/camera-service.js';
import type { HubContext } from './context.js';

export function buildVideo(ctx: HubContext, ingest: Ingest, incidents: IncidentService): { video: CameraService; detach: () => void } {
  const config = ctx.running.config;
  const video = new CameraService({
    config,
    mediaRoot: resolve(ctx.rootDir, config.hub.storage.mediaPath),
    sinks: {
      raise: (event) => ingest.raiseCameraEvent(event),
      addMedia: (incidentId, media) => incidents.addMedia(incidentId, media),
      status: (s) => ctx.bus.emit('camera:status', { siteId: s.siteId, cameraId: s.cameraId, availability: s.availability, lastOkAt: s.lastOkAt }),
    },
    log: moduleLogger(ctx.root, 'video'),
    metrics: ctx.metrics,
    env: ctx.env,
    say: ctx.say,
    ...(ctx.options.video ? { settings: ctx.options.video } : {}),
  });
  const detachVideo = [ctx.bus.on('incident:new', (i) => video.onIncident(i)), ctx.bus.on('incident:update', (i) => video.onIncident(i))];
  return { video, detach: () => detachVideo.forEach((d) => d()) };
}
