/**
 * Cameras as first-class parts of the hub — the facade that app.ts and api/ use. Each job lives
 * in its own file; this one builds them, wires them together and keeps the public API:
 *
 *   registry.ts       which cameras exist (from Config, hot reload with `update`)
 *   health.ts         polling → online/offline (rules in health-rules.ts, pure)
 *   camera-events.ts  ONVIF PullPoint subscriptions → camera events for the site
 *   verification.ts   snapshots and clips for incidents (decision in verification-plan.ts, pure)
 *   live.ts           live MJPEG view
 *
 * It reaches the rest of the hub only through `VideoSinks` (wired in app.ts), so video/ imports
 * nothing downstream of it.
 */
import type { Writable } from 'node:stream';
import type { Incident, IncidentMedia } from '../contract/incident.js';
import type { Config, VideoSettings } from '../config/model.js';
import { systemClock, type Clock } from '../core/clock.js';
import { sayIn, type Say } from '../core/installer-messages.js';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import type { LiveEndCode, LiveMode } from '../contract/live-view.js';
import { CameraEvents, sleep, type CameraEvent } from './camera-events.js';
import { describeCameraError } from './describe-error.js';
import { Ffmpeg, FfmpegError, locateFfmpeg, type Source } from './ffmpeg/ffmpeg.js';
import { CameraHealth } from './health.js';
import type { CameraAvailability } from './health-rules.js';
import { LiveHub, liveEndCode } from './live.js';
import { OnvifError } from './onvif/errors.js';
import { MediaStore } from './media-store.js';
import { CameraRegistry, streamSource, type CameraEntry } from './registry.js';
import { probeRtsp } from './rtsp-probe.js';
import { resolveVideoSettings } from './settings.js';
import { Verification } from './verification.js';

export { DEFAULT_VIDEO } from './settings.js';
export type { CameraAvailability } from './health-rules.js';

export interface VideoSinks {
  /** A camera event for its site, through ingest's durable path. */
  raise(event: CameraEvent): Promise<unknown>;
  addMedia(incidentId: string, media: IncidentMedia): unknown;
  /** A camera's availability changed (pushed to the consoles as `camera:status`). */
  status?(status: CameraStatus): void;
}

/** One viewer's live feed to start: which camera, where the pictures go, what runs once it is sure to start, and MP4 or MJPEG. */
/** A viewer of a camera's live feed (watchLive): where the pictures go, and MJPEG or fragmented MP4. */
export interface LiveWatch {
  /** null: the first camera with this id (ids repeat across sites). */
  siteId: string | null;
  cameraId: string;
  out: Writable;
  /** Runs once the feed is sure to start, before the first picture is written. */
  onStart?: () => void;
  mp4?: boolean;
}

interface LiveStart {
  siteId: string | null;
  cameraId: string;
  out: Writable;
  onStart: () => void;
  mp4: boolean;
}

export interface CameraStatus {
  siteId: string;
  cameraId: string;
  availability: CameraAvailability;
  /** Why it is offline or disabled, in words. */
  reason: string | null;
  lastOkAt: string | null;
  /** What the camera said about itself (ONVIF). */
  model: string | null;
  events: boolean;
}

export interface CameraServiceOptions {
  config: Config;
  mediaRoot: string;
  sinks: VideoSinks;
  log: Logger;
  metrics: Metrics;
  env?: NodeJS.ProcessEnv;
  /** Overrides hub.yaml `video` (tests shorten the poll). */
  settings?: Partial<VideoSettings>;
  /** PullMessages long-poll, seconds (default 10). */
  pullTimeoutSeconds?: number;
  /** ONVIF event subscription lifetime asked for, seconds (default 120). */
  subscriptionSeconds?: number;
  /** Time of media, of a camera's last good poll, of ONVIF requests and renewals (default: the system clock). */
  clock?: Clock;
  /** Installer-facing log text in the hub's language (default English). */
  say?: Say;
}

export class CameraService {
  private settings: VideoSettings;
  private readonly registry: CameraRegistry;
  private readonly media: MediaStore;
  readonly ffmpeg: Ffmpeg | null;
  readonly live: LiveHub;
  private readonly health: CameraHealth;
  private readonly events: CameraEvents;
  private readonly verification: Verification;
  private stopped = false;
  private readonly countLive: (reason: LiveEndCode) => void;

  constructor(private readonly o: CameraServiceOptions) {
    this.settings = resolveVideoSettings(o.config, o.settings);
    this.media = new MediaStore(o.mediaRoot, this.settings.retention);
    const ffBin = locateFfmpeg(o.env);
    this.ffmpeg = ffBin ? new Ffmpeg(ffBin) : null;
    if (!ffBin) o.log.warn('ffmpeg not found (PATH, SG_FFMPEG): RTSP snapshots, clips and live view are unavailable');
    else o.log.info({ ffmpeg: ffBin.versionLine.slice(0, 60), source: ffBin.source }, 'ffmpeg found');
    const clock = o.clock ?? systemClock;
    // Issue 16: an address a camera names on another host is refused (camera-host.ts); say so, count it.
    const countRefused = o.metrics.counter(
      'sg_camera_uri_refused_total',
      'Camera addresses refused because they name another host than the camera (SG_CAMERA_FOREIGN_HOST), by kind',
    );
    this.registry = new CameraRegistry({
      clock,
      onRefused: ({ site, camera }, r) => {
        countRefused({ kind: r.kind });
        o.log.warn({ site: site.id, camera: camera.id, code: r.code, kind: r.kind, host: r.host, reason: r.reason }, 'camera address on another host refused');
      },
    });
    const settings = (): VideoSettings => this.settings;
    const raise = o.sinks.raise.bind(o.sinks);
    const countLive = o.metrics.counter('sg_video_live_stopped_total', 'Live views refused or ended by the camera, by reason');
    this.countLive = (reason) => countLive({ reason });
    this.live = new LiveHub(() => this.ffmpeg, o.log, undefined, this.countLive);
    this.events = new CameraEvents({
      raise,
      settings,
      pullTimeoutSeconds: o.pullTimeoutSeconds ?? 10,
      log: o.log,
      metrics: o.metrics,
      clock,
      ...(o.subscriptionSeconds ? { subscriptionSeconds: o.subscriptionSeconds } : {}),
    });
    this.health = new CameraHealth({
      raise,
      answered: (e) => this.events.ensure(e),
      changed: (e) => o.sinks.status?.(statusOf(e)),
      settings,
      clock,
      log: o.log,
      say: o.say ?? sayIn('en'),
    });
    const countSnapshots = o.metrics.counter('sg_video_snapshots_total', 'Snapshots for incidents, by outcome');
    this.verification = new Verification({
      registry: this.registry,
      media: this.media,
      ffmpeg: this.ffmpeg,
      settings,
      // Dispatch writes the media to the incident asynchronously (issue 18): a failed write is
      // logged here, never left as an unhandled rejection that would stop the hub.
      addMedia: (incidentId, media) =>
        Promise.resolve(o.sinks.addMedia(incidentId, media)).catch((err: unknown) =>
          o.log.error({ err, incident: incidentId, camera: media.cameraId }, 'could not attach media to the incident'),
        ),
      countSnapshot: (outcome) => countSnapshots({ outcome }),
      clock,
      log: o.log,
    });
    o.metrics.gauge('sg_cameras', 'Cameras by availability', () => {
      const all = this.registry.all();
      return (['online', 'offline', 'unknown', 'disabled', 'pending_install'] as const).map((a) => ({
        labels: { availability: a },
        value: all.filter((e) => e.health.availability === a).length,
      }));
    });
    o.metrics.gauge('sg_video_live_feeds', 'Cameras being watched live', () => this.live.active);
    this.update(o.config);
  }

  /** Apply a (re)loaded config: new cameras start, removed ones stop, changed ones restart. */
  update(config: Config): void {
    if (this.stopped) return;
    this.settings = resolveVideoSettings(config, this.o.settings);
    this.media.setRetention(this.settings.retention);
    const change = this.registry.apply(config);
    for (const e of change.removed) this.retire(e);
    for (const e of change.added) this.health.start(e);
  }

  private retire(e: CameraEntry): void {
    e.abort.abort();
    this.health.release(e);
    this.events.release(e);
  }

  status(): CameraStatus[] {
    return this.registry.all().map(statusOf);
  }

  cameraStatus(siteId: string, cameraId: string): CameraStatus | undefined {
    const e = this.registry.get(siteId, cameraId);
    return e ? statusOf(e) : undefined;
  }

  /** Subscribe-side entry point for `incident:new` and `incident:update`. */
  onIncident(incident: Incident): void {
    if (this.stopped) return;
    this.verification.onIncident(incident);
  }

  /** Resolves when every snapshot and clip in flight is done (tests, shutdown). */
  idle(): Promise<void> {
    return this.verification.idle();
  }

  mediaFile(id: string): ReturnType<MediaStore['get']> {
    return this.media.get(id);
  }

  /**
   * Start (or join) the live MJPEG feed of a camera; resolves with the disposer. An ONVIF camera
   * that has not answered a probe yet (down at start, or a wrong password) is asked for its stream
   * address now, so that the viewer hears the camera's own answer (401, no route) rather than
   * "no address yet". Refusals are `LiveRefusal`s with the code the page words; `onStart` runs
   * once the feed is sure to start, before the first picture is written to `out`.
   */
  async watchLive(w: LiveWatch): Promise<() => void> {
    const { siteId, cameraId, out, onStart = () => undefined, mp4 = false } = w;
    try {
      return await this.startLive({ siteId, cameraId, out, onStart, mp4 });
    } catch (err) {
      if (err instanceof LiveRefusal) this.countLive(err.code);
      throw err;
    }
  }

  private async startLive({ siteId, cameraId, out, onStart, mp4 }: LiveStart): Promise<() => void> {
    const e = siteId ? this.registry.get(siteId, cameraId) : this.registry.withCameraId(cameraId)[0];
    if (!e) throw new LiveRefusal('failed', 'no such camera');
    if (e.camera.disabledReason) throw new LiveRefusal('disabled', `camera not in use: ${e.camera.disabledReason}`);
    if (!this.ffmpeg) throw new LiveRefusal('no_ffmpeg', 'ffmpeg is not available on this hub');
    if (!streamSource(e) && e.client && !e.probe) {
      try {
        e.probe = await e.client.probe();
      } catch (err) {
        throw new LiveRefusal(liveCodeOfCameraError(err), describeCameraError(err));
      }
    }
    const src = streamSource(e);
    if (!src) throw new LiveRefusal('failed', 'the camera has no stream address');
    const mode = await this.liveMode(e, src, mp4);
    // The caller sends its headers now: from here on pictures (or the closing reason) follow.
    onStart();
    return this.live.watch(e.key, () => src, out, mode);
  }

  /**
   * How this camera's live view travels. An RTSP camera whose feed is not running yet is asked
   * for DESCRIBE with its login first (rtsp-probe.ts): a refused password is refused here, before
   * any HTTP 200, and its SDP says whether it sends H.264 — copied as fMP4 to a page that plays
   * it (`mp4`), no transcoding. It also keeps the password off RTSP Basic over plain TCP.
   */
  private async liveMode(e: CameraEntry, src: Source, mp4: boolean): Promise<LiveMode> {
    if (!/^rtsps?:/i.test(src.url)) return 'mjpeg';
    const running = (m: LiveMode): boolean => this.live.running(e.key, m);
    if (mp4 && running('fmp4')) return 'fmp4';
    if (!mp4 && running('mjpeg')) return 'mjpeg';
    try {
      const r = await probeRtsp(src.url, { username: src.username, password: src.password, timeoutMs: 5000 });
      e.stream = { codec: r.codec };
      return mp4 && r.codec === 'H264' ? 'fmp4' : 'mjpeg';
    } catch (err) {
      throw new LiveRefusal(liveCodeOfCameraError(err), describeCameraError(err));
    }
  }

  findCamera(cameraId: string): Array<{ siteId: string; cameraId: string }> {
    return this.registry.withCameraId(cameraId).map((e) => ({ siteId: e.site.id, cameraId: e.camera.id }));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.health.stop();
    for (const e of this.registry.all()) this.retire(e);
    // After retire: each camera's Unsubscribe is on its way; wait for them (each bounded to 3 s).
    await this.events.stop();
    this.live.stop();
    // Snapshots in flight get a second to land; the timer is cancelled once they have, so it
    // never holds the process open after a stop (it used to keep it alive 3 s).
    const waited = new AbortController();
    await Promise.race([this.idle(), sleep(1000, waited.signal)]);
    waited.abort();
  }
}

function statusOf(e: CameraEntry): CameraStatus {
  return {
    siteId: e.site.id,
    cameraId: e.camera.id,
    availability: e.health.availability,
    reason: e.health.reason,
    lastOkAt: e.health.lastOkMs ? new Date(e.health.lastOkMs).toISOString() : null,
    model: e.probe ? `${e.probe.info.manufacturer} ${e.probe.info.model}`.slice(0, 120) : null,
    events: e.events.sub !== null,
  };
}

/** A live view that cannot start, with the code the page words (src/contract/live-view.ts). */
export class LiveRefusal extends Error {
  constructor(
    readonly code: LiveEndCode,
    readonly detail: string,
  ) {
    super(detail);
    this.name = 'LiveRefusal';
  }
}

/** An ONVIF or ffmpeg failure → why live view cannot start. */
export function liveCodeOfCameraError(err: unknown): LiveEndCode {
  if (err instanceof OnvifError) {
    if (err.code === 'not_authorized') return 'not_authorized';
    if (err.code === 'timeout' || err.code === 'unreachable') return 'unreachable';
    return 'failed';
  }
  if (err instanceof FfmpegError) return liveEndCode(err.code);
  return 'failed';
}
