/**
 * Health polling, the shell around health-rules.ts: each camera is asked every
 * `video.poll_interval` whether it is alive (ONVIF: probe once, then an authenticated
 * GetDeviceInformation; RTSP only: OPTIONS + an authenticated DESCRIBE, rtsp-probe.ts), and the rules decide what the
 * answer means. The camera's site hears `trouble.offline` / `restore` through `raise`.
 */
import type { VideoSettings } from '../config/model.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Say } from '../core/installer-messages.js';
import { describeCameraError } from './describe-error.js';
import { afterPoll, type PollOutcome } from './health-rules.js';
import { OnvifError } from './onvif/errors.js';
import { streamSource, type CameraEntry } from './registry.js';
import { probeRtsp } from './rtsp-probe.js';
import type { CameraEvent } from './camera-events.js';

export interface CameraHealthOptions {
  raise(event: CameraEvent): Promise<unknown>;
  /** A poll succeeded (the events job starts its subscription if the camera offers one). */
  answered(e: CameraEntry): void;
  /** The camera's availability changed (online ↔ offline, unknown → either): the consoles' markers. */
  changed?(e: CameraEntry): void;
  settings(): VideoSettings;
  clock: Clock;
  log: Logger;
  /** Installer-facing log text in the hub's language. */
  say: Say;
}

export class CameraHealth {
  private stopped = false;

  constructor(private readonly o: CameraHealthOptions) {}

  /** Begin polling a camera that has an address and is in use. */
  start(e: CameraEntry): void {
    if (e.camera.disabledReason || !(e.camera.onvif || e.camera.rtsp)) return;
    // First poll soon after start, spread a little so that many cameras do not all ask at once.
    e.poll.timer = setTimeout(() => void this.poll(e), 50 + Math.floor(Math.random() * 200));
  }

  /** Stop polling one camera (its entry's abort signal ends a poll in flight). */
  release(e: CameraEntry): void {
    if (e.poll.timer) clearTimeout(e.poll.timer);
    e.poll.timer = null;
  }

  stop(): void {
    this.stopped = true;
  }

  private schedule(e: CameraEntry): void {
    if (this.stopped || e.abort.signal.aborted) return;
    e.poll.timer = setTimeout(() => void this.poll(e), this.o.settings().pollIntervalMs);
  }

  private async check(e: CameraEntry): Promise<void> {
    if (e.client) await this.checkOnvif(e, e.client);
    // The stream itself, with its own login (rtsp_login, else the ONVIF one): OPTIONS + an
    // authenticated DESCRIBE, not a TCP connect, so a wrong stream password is not "online" even
    // when the ONVIF login is right. Only RTSP streams (an HTTP MJPEG stream has no DESCRIBE).
    const src = streamSource(e);
    if (src && /^rtsps?:/i.test(src.url)) {
      const r = await probeRtsp(src.url, { username: src.username, password: src.password, timeoutMs: 5000 });
      e.stream = { codec: r.codec };
    }
  }

  private async checkOnvif(e: CameraEntry, client: NonNullable<CameraEntry['client']>): Promise<void> {
    try {
      if (!e.probe) {
        e.probe = await client.probe();
        const { info, profiles, services } = e.probe;
        this.o.log.info({ site: e.site.id, camera: e.camera.id, model: info.model, profiles: profiles.length, events: services.pullPoint }, 'camera answered');
        // A stream or snapshot URI on another host was refused by the client's host pin, which logs and counts it (camera-host.ts).
      } else {
        // Authenticated, so that a changed password shows as a fault rather than "alive".
        await client.getDeviceInformation();
      }
    } catch (err) {
      // A camera that answered with something else than before (new firmware, replaced): probe again.
      if (err instanceof OnvifError && err.code !== 'timeout' && err.code !== 'unreachable') e.probe = null;
      throw err;
    }
  }

  private async poll(e: CameraEntry): Promise<void> {
    if (this.stopped || e.abort.signal.aborted || e.poll.running) return;
    e.poll.running = true;
    try {
      let outcome: PollOutcome;
      try {
        await this.check(e);
        outcome = { ok: true };
      } catch (err) {
        if (e.abort.signal.aborted) return;
        outcome = {
          ok: false,
          reason: describeCameraError(err),
          conclusive: err instanceof OnvifError && (err.code === 'not_authorized' || err.code === 'unsupported'),
        };
      }
      const rules = { offlineAfter: this.o.settings().offlineAfter, now: this.o.clock.now(), cameraName: e.camera.name ?? e.camera.id };
      const step = afterPoll(e.health, outcome, rules);
      const before = e.health.availability;
      e.health = step.state;
      if (step.state.availability !== before) this.o.changed?.(e);
      const where = { site: e.site.id, camera: e.camera.id };
      if (!outcome.ok && step.state.availability === 'pending_install') {
        // Never answered: a camera not put up yet (a fresh sample district) is said once, not every poll.
        if (step.state.failures === 1)
          this.o.log.info({ ...where, reason: step.state.reason, code: 'SG_CAMERA_PENDING_INSTALL' }, this.o.say('SG_CAMERA_PENDING_INSTALL'));
      } else if (!outcome.ok) this.o.log.warn({ ...where, failures: step.state.failures, reason: step.state.reason }, 'camera poll failed');
      if (step.announce?.kind === 'restore') this.o.log.info(where, 'camera back online');
      if (step.announce) {
        // The event goes through ingest's durable path; if that fails the state change still holds.
        await this.o
          .raise({
            siteId: e.site.id,
            cameraId: e.camera.id,
            kind: step.announce.kind,
            detail: step.announce.detail,
            ...(step.announce.message ? { message: step.announce.message } : {}),
          })
          .catch((err: unknown) => this.o.log.error({ ...where, kind: step.announce!.kind, err: describeCameraError(err) }, 'camera event not raised'));
      }
      if (outcome.ok) this.o.answered(e);
    } finally {
      e.poll.running = false;
      this.schedule(e);
    }
  }
}
