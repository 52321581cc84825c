/**
 * Cameras as first-class parts of the hub: a registry built from Config (hot reload with
 * `update`), health polling (N failed polls → `trouble.offline` for the camera's site, recovery →
 * `restore`), ONVIF PullPoint events (motion, tamper, digital input), and video verification: on
 * every incident that opens or gains a zone, a snapshot from each linked camera (and a clip where
 * configured), attached to the incident — or a note saying which camera failed and why.
 *
 * It reaches the rest of the hub only through `VideoSinks` (wired in app.ts), so video/ imports
 * nothing downstream of it.
 */
import { rmSync } from 'node:fs';
import net from 'node:net';
import type { EventKind } from '../contract/alarm-event.js';
import type { Incident, IncidentMedia } from '../contract/incident.js';
import type { Camera, Config, Site, VideoSettings } from '../config/model.js';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import { newId } from '../core/ids.js';
import { Ffmpeg, FfmpegError, locateFfmpeg, redact, type FfmpegBinary, type Source } from './ffmpeg/ffmpeg.js';
import { LiveHub } from './live.js';
import { MediaStore } from './media-store.js';
import { OnvifClient, type CameraProbe } from './onvif/client.js';
import { OnvifError } from './onvif/errors.js';
import { EventInterpreter } from './onvif/events.js';
import type { PullPointSubscription } from './onvif/messages.js';
import type { Writable } from 'node:stream';

export const DEFAULT_VIDEO: VideoSettings = {
  pollIntervalMs: 60_000,
  offlineAfter: 3,
  snapshotTimeoutMs: 2000,
  clips: false,
  clipSeconds: 10,
  retention: { maxAgeMs: 30 * 24 * 3600_000, maxFiles: 100_000, maxBytes: 10 * 1024 * 1024 * 1024 },
};

export interface VideoSinks {
  /** A camera event for its site, through ingest's durable path. */
  raise(siteId: string, cameraId: string, kind: EventKind, detail: string): Promise<unknown>;
  addMedia(incidentId: string, media: IncidentMedia): unknown;
}

export type CameraAvailability = 'online' | 'offline' | 'unknown' | 'disabled';

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
}

interface Entry {
  key: string;
  site: Site;
  camera: Camera;
  fingerprint: string;
  availability: CameraAvailability;
  reason: string | null;
  failures: number;
  lastOkMs: number | null;
  probe: CameraProbe | null;
  client: OnvifClient | null;
  timer: NodeJS.Timeout | null;
  abort: AbortController;
  polling: boolean;
  sub: PullPointSubscription | null;
  eventsRunning: boolean;
}

const keyOf = (siteId: string, cameraId: string): string => `${siteId}/${cameraId}`;

function describe(err: unknown): string {
  if (err instanceof OnvifError) {
    switch (err.code) {
      case 'timeout':
        return 'did not answer in time';
      case 'unreachable':
        return `cannot be reached (${err.reason})`;
      case 'not_authorized':
        return 'refused the user name or password';
      default:
        return err.reason;
    }
  }
  if (err instanceof FfmpegError) return err.code === 'timeout' ? 'did not answer in time' : err.message;
  return err instanceof Error ? err.message : String(err);
}

export class CameraService {
  private readonly entries = new Map<string, Entry>();
  private settings: VideoSettings;
  private readonly media: MediaStore;
  private readonly ffBin: FfmpegBinary | null;
  readonly ffmpeg: Ffmpeg | null;
  readonly live: LiveHub;
  /** incident id → camera keys already asked for a snapshot. */
  private readonly verified = new Map<string, Set<string>>();
  private readonly pending = new Set<Promise<unknown>>();
  private stopped = false;
  private readonly countSnapshots;

  constructor(private readonly o: CameraServiceOptions) {
    this.settings = { ...DEFAULT_VIDEO, ...(o.config.hub.video ?? {}), ...(o.settings ?? {}) };
    this.media = new MediaStore(o.mediaRoot, this.settings.retention);
    this.ffBin = locateFfmpeg(o.env);
    this.ffmpeg = this.ffBin ? new Ffmpeg(this.ffBin) : null;
    if (!this.ffBin) o.log.warn('ffmpeg not found (PATH, SG_FFMPEG): RTSP snapshots, clips and live view are unavailable');
    else o.log.info({ ffmpeg: this.ffBin.versionLine.slice(0, 60), source: this.ffBin.source }, 'ffmpeg found');
    this.live = new LiveHub(() => this.ffmpeg, o.log);
    this.countSnapshots = o.metrics.counter('sg_video_snapshots_total', 'Snapshots for incidents, by outcome');
    o.metrics.gauge('sg_cameras', 'Cameras by availability', () =>
      (['online', 'offline', 'unknown', 'disabled'] as const).map((a) => ({ labels: { availability: a }, value: [...this.entries.values()].filter((e) => e.availability === a).length })),
    );
    o.metrics.gauge('sg_video_live_feeds', 'Cameras being watched live', () => this.live.active);
    this.update(o.config);
  }

  // --- registry ---

  /** Apply a (re)loaded config: new cameras start, removed ones stop, changed ones restart. */
  update(config: Config): void {
    if (this.stopped) return;
    this.settings = { ...DEFAULT_VIDEO, ...(config.hub.video ?? {}), ...(this.o.settings ?? {}) };
    this.media.setRetention(this.settings.retention);
    const seen = new Set<string>();
    for (const site of config.sites) {
      for (const camera of site.cameras) {
        const key = keyOf(site.id, camera.id);
        seen.add(key);
        const fingerprint = JSON.stringify([camera.onvif, camera.rtsp, camera.rtspLogin, camera.disabledReason ?? null]);
        const old = this.entries.get(key);
        if (old && old.fingerprint === fingerprint) {
          old.site = site;
          old.camera = camera;
          continue;
        }
        if (old) this.retire(old);
        this.entries.set(key, this.enroll(key, site, camera, fingerprint, old));
      }
    }
    for (const [key, e] of this.entries) {
      if (!seen.has(key)) {
        this.retire(e);
        this.entries.delete(key);
      }
    }
  }

  private enroll(key: string, site: Site, camera: Camera, fingerprint: string, old?: Entry): Entry {
    const e: Entry = {
      key,
      site,
      camera,
      fingerprint,
      // A camera whose address changed starts afresh, but an offline one stays offline until a
      // poll proves otherwise (so its restore is still reported).
      availability: camera.disabledReason ? 'disabled' : old?.availability === 'offline' ? 'offline' : 'unknown',
      reason: camera.disabledReason ?? null,
      failures: 0,
      lastOkMs: null,
      probe: null,
      client: camera.onvif
        ? new OnvifClient({ xaddr: camera.onvif.xaddr, username: camera.onvif.username, password: camera.onvif.password, timeoutMs: 5000 })
        : null,
      timer: null,
      abort: new AbortController(),
      polling: false,
      sub: null,
      eventsRunning: false,
    };
    if (!camera.disabledReason && (camera.onvif || camera.rtsp)) {
      // First poll soon after start, spread a little so that many cameras do not all ask at once.
      e.timer = setTimeout(() => void this.poll(e), 50 + Math.floor(Math.random() * 200));
    }
    return e;
  }

  private retire(e: Entry): void {
    e.abort.abort();
    if (e.timer) clearTimeout(e.timer);
    e.timer = null;
    if (e.sub && e.client) {
      const sub = e.sub;
      e.sub = null;
      void e.client.unsubscribe(sub).catch(() => undefined); // best effort; it expires anyway
    }
  }

  status(): CameraStatus[] {
    return [...this.entries.values()].map((e) => this.statusOf(e));
  }

  cameraStatus(siteId: string, cameraId: string): CameraStatus | undefined {
    const e = this.entries.get(keyOf(siteId, cameraId));
    return e ? this.statusOf(e) : undefined;
  }

  private statusOf(e: Entry): CameraStatus {
    return {
      siteId: e.site.id,
      cameraId: e.camera.id,
      availability: e.availability,
      reason: e.reason,
      lastOkAt: e.lastOkMs ? new Date(e.lastOkMs).toISOString() : null,
      model: e.probe ? `${e.probe.info.manufacturer} ${e.probe.info.model}`.slice(0, 120) : null,
      events: e.sub !== null,
    };
  }

  // --- health ---

  private schedule(e: Entry): void {
    if (this.stopped || e.abort.signal.aborted) return;
    e.timer = setTimeout(() => void this.poll(e), this.settings.pollIntervalMs);
  }

  private async check(e: Entry): Promise<void> {
    if (e.client) {
      if (!e.probe) {
        e.probe = await e.client.probe();
        this.o.log.info({ site: e.site.id, camera: e.camera.id, model: e.probe.info.model, profiles: e.probe.profiles.length, events: e.probe.services.pullPoint }, 'camera answered');
      } else {
        // Authenticated, so that a changed password shows as a fault rather than "alive".
        await e.client.getDeviceInformation();
      }
      return;
    }
    if (e.camera.rtsp) await tcpReachable(e.camera.rtsp, 5000);
  }

  private async poll(e: Entry): Promise<void> {
    if (this.stopped || e.abort.signal.aborted || e.polling) return;
    e.polling = true;
    try {
      await this.check(e);
      e.failures = 0;
      e.lastOkMs = Date.now();
      const was = e.availability;
      e.availability = 'online';
      e.reason = null;
      if (was === 'offline') {
        this.o.log.info({ site: e.site.id, camera: e.camera.id }, 'camera back online');
        await this.o.sinks.raise(e.site.id, e.camera.id, 'restore', `camera ${e.camera.name ?? e.camera.id} back online`);
      }
      if (e.client && e.probe?.services.pullPoint && !e.eventsRunning) void this.runEvents(e);
    } catch (err) {
      if (e.abort.signal.aborted) return;
      e.failures++;
      e.reason = describe(err);
      // A camera that answered with something else than before (new firmware, replaced): probe again.
      if (err instanceof OnvifError && err.code !== 'timeout' && err.code !== 'unreachable') e.probe = null;
      this.o.log.warn({ site: e.site.id, camera: e.camera.id, failures: e.failures, reason: e.reason }, 'camera poll failed');
      if (e.failures >= this.settings.offlineAfter && e.availability !== 'offline') {
        e.availability = 'offline';
        await this.o.sinks.raise(e.site.id, e.camera.id, 'trouble.offline', `camera ${e.camera.name ?? e.camera.id} ${e.reason} (${e.failures} polls)`);
      }
    } finally {
      e.polling = false;
      this.schedule(e);
    }
  }

  // --- ONVIF events (PullPoint) ---

  private async runEvents(e: Entry): Promise<void> {
    const client = e.client!;
    e.eventsRunning = true;
    const interpreter = new EventInterpreter();
    const pullSeconds = this.o.pullTimeoutSeconds ?? 10;
    let backoff = 1000;
    try {
      while (!this.stopped && !e.abort.signal.aborted) {
        try {
          if (!e.sub) {
            e.sub = await client.createPullPoint(120);
            this.o.log.info({ site: e.site.id, camera: e.camera.id }, 'subscribed to camera events');
          }
          let renewAt = Date.now() + 60_000;
          while (!this.stopped && !e.abort.signal.aborted && e.sub) {
            const messages = await client.pullMessages(e.sub, pullSeconds, 32);
            for (const n of interpreter.feed(messages)) {
              const detail = `ONVIF ${n.topic}${n.source ? ` (${n.source})` : ''}`;
              await this.o.sinks.raise(e.site.id, e.camera.id, n.kind!, detail);
            }
            if (Date.now() > renewAt) {
              await client.renew(e.sub, 120);
              renewAt = Date.now() + 60_000;
            }
            backoff = 1000;
          }
        } catch (err) {
          if (this.stopped || e.abort.signal.aborted) break;
          e.sub = null;
          this.o.log.debug({ site: e.site.id, camera: e.camera.id, reason: describe(err) }, 'event subscription lost; retrying');
          if (err instanceof OnvifError && err.code === 'unsupported') break;
          await sleep(backoff, e.abort.signal);
          backoff = Math.min(backoff * 2, Math.max(this.settings.pollIntervalMs, 2000));
          if (e.availability === 'offline') break; // the next good poll restarts events
        }
      }
    } finally {
      e.eventsRunning = false;
    }
  }

  // --- video verification ---

  /** Subscribe-side entry point for `incident:new` and `incident:update`. */
  onIncident(incident: Incident): void {
    if (this.stopped || incident.category === 'technical') return;
    const site = this.entries.size ? [...this.entries.values()].find((x) => x.site.id === incident.siteId)?.site : undefined;
    if (!site) return;
    const zones = new Set(incident.zones);
    const linked = [...this.entries.values()].filter(
      (e) => e.site.id === incident.siteId && (zones.size === 0 || e.camera.zones.some((z) => zones.has(z))) && (e.camera.onvif || e.camera.rtsp),
    );
    let asked = this.verified.get(incident.id);
    if (!asked) {
      asked = new Set();
      this.verified.set(incident.id, asked);
      if (this.verified.size > 5000) this.verified.delete(this.verified.keys().next().value as string);
    }
    for (const e of linked) {
      if (asked.has(e.key)) continue;
      asked.add(e.key);
      this.track(this.verify(incident.id, e));
      if (e.camera.clip ?? this.settings.clips) this.track(this.recordClip(incident.id, e));
    }
  }

  private track(p: Promise<unknown>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** Resolves when every snapshot and clip in flight is done (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  private label(e: Entry): string {
    return e.camera.name && e.camera.name !== e.camera.id ? `${e.camera.name} (${e.camera.id})` : e.camera.id;
  }

  private async verify(incidentId: string, e: Entry): Promise<void> {
    const at = new Date().toISOString();
    const base = { cameraId: e.camera.id, siteId: e.site.id, kind: 'snapshot' as const, at };
    if (e.camera.disabledReason) {
      this.o.sinks.addMedia(incidentId, { ...base, id: newId(), url: null, error: `${this.label(e)} is not in use: ${e.camera.disabledReason}` });
      return;
    }
    const limit = this.settings.snapshotTimeoutMs;
    const started = Date.now();
    try {
      const jpeg = await this.snapshot(e, limit);
      const file = this.media.saveSnapshot(jpeg, e.site.id);
      this.countSnapshots({ outcome: 'ok' });
      this.o.log.info({ site: e.site.id, camera: e.camera.id, incident: incidentId, ms: Date.now() - started, bytes: jpeg.length }, 'snapshot attached');
      this.o.sinks.addMedia(incidentId, { ...base, id: file.id, url: `/api/media/${file.id}`, error: null });
    } catch (err) {
      this.countSnapshots({ outcome: 'failed' });
      const timedOut = (err instanceof OnvifError && err.code === 'timeout') || (err instanceof FfmpegError && err.code === 'timeout') || Date.now() - started >= limit;
      const unreachable = err instanceof OnvifError && err.code === 'unreachable';
      const seconds = Number((limit / 1000).toFixed(1));
      // The operator reads this beside the alarm: which camera, and that there is no picture.
      const error = timedOut
        ? `${this.label(e)} did not answer within ${seconds} s`
        : unreachable
          ? `${this.label(e)} did not answer within ${seconds} s (${describe(err)})`
          : `${this.label(e)}: no snapshot, ${describe(err)}`;
      this.o.log.warn({ site: e.site.id, camera: e.camera.id, incident: incidentId, reason: describe(err) }, 'snapshot failed');
      this.o.sinks.addMedia(incidentId, { ...base, id: newId(), url: null, error });
    }
  }

  /** ONVIF snapshot URI (HTTP Digest) when known, else one frame from the stream with ffmpeg. */
  private async snapshot(e: Entry, limitMs: number): Promise<Buffer> {
    const deadline = Date.now() + limitMs;
    const left = (): number => Math.max(1, deadline - Date.now());
    const race = <T>(p: Promise<T>): Promise<T> =>
      Promise.race([p, new Promise<T>((_, fail) => setTimeout(() => fail(new OnvifError('timeout', `no snapshot within ${limitMs} ms`)), left()).unref())]);
    if (e.client && e.probe?.snapshotUri) return race(e.client.fetchSnapshot(e.probe.snapshotUri, left()));
    const src = this.streamSource(e);
    if (src && this.ffmpeg) return race(this.ffmpeg.snapshot(src, left()));
    if (e.client && !e.probe) {
      // Not probed yet (the hub just started): one quick probe within the same budget.
      const client = new OnvifClient({ xaddr: e.camera.onvif!.xaddr, username: e.camera.onvif!.username, password: e.camera.onvif!.password, timeoutMs: left() });
      const probe = await race(client.probe());
      e.probe ??= probe;
      if (probe.snapshotUri) return race(client.fetchSnapshot(probe.snapshotUri, left()));
    }
    throw new Error(this.ffmpeg ? 'the camera has no snapshot or stream address' : 'no snapshot URI, and ffmpeg is not installed for the stream');
  }

  private streamSource(e: Entry): Source | null {
    const url = e.camera.rtsp ?? e.probe?.streamUri ?? null;
    if (!url) return null;
    // The stream's own login (rtsp_login) if given, else the ONVIF one (most cameras share them).
    const login = e.camera.rtspLogin ?? e.camera.onvif;
    return { url, username: login?.username ?? null, password: login?.password ?? null };
  }

  private async recordClip(incidentId: string, e: Entry): Promise<void> {
    const src = this.streamSource(e);
    const at = new Date().toISOString();
    const base = { cameraId: e.camera.id, siteId: e.site.id, kind: 'clip' as const, at };
    if (!src || !this.ffmpeg) {
      this.o.sinks.addMedia(incidentId, { ...base, id: newId(), url: null, error: `${this.label(e)}: no clip, ${!this.ffmpeg ? 'ffmpeg is not installed' : 'no stream address known'}` });
      return;
    }
    const ext = /^rtsps?:/i.test(src.url) ? 'mp4' : 'mkv';
    const { id, path } = this.media.reserve(ext);
    const seconds = this.settings.clipSeconds;
    try {
      const r = await this.ffmpeg.clip(src, seconds, path, seconds * 1000 + 8000);
      this.media.commit(id, path, ext, e.site.id);
      this.o.sinks.addMedia(incidentId, { ...base, id, url: `/api/media/${id}`, error: null });
      if (r.cutShort) {
        // What there is stays attached; the operator also learns why it is shorter.
        const reason = `${this.label(e)}: clip ends after ${r.seconds.toFixed(1)} s of ${seconds} s, the camera closed the stream`;
        this.o.log.warn({ site: e.site.id, camera: e.camera.id, url: redact(src.url), seconds: r.seconds }, 'clip cut short: the camera closed the stream');
        this.o.sinks.addMedia(incidentId, { ...base, id: newId(), url: null, error: reason });
      }
    } catch (err) {
      rmSync(path, { force: true }); // a failed run leaves no playable file
      this.o.log.warn({ site: e.site.id, camera: e.camera.id, url: redact(src.url), reason: describe(err) }, 'clip failed');
      this.o.sinks.addMedia(incidentId, { ...base, id: newId(), url: null, error: `${this.label(e)}: no clip, ${describe(err)}` });
    }
  }

  // --- media and live view for the API ---

  mediaFile(id: string): ReturnType<MediaStore['get']> {
    return this.media.get(id);
  }

  /** Start (or join) the live MJPEG feed of a camera; returns the disposer. */
  watchLive(siteId: string | null, cameraId: string, out: Writable): () => void {
    const e = siteId ? this.entries.get(keyOf(siteId, cameraId)) : [...this.entries.values()].find((x) => x.camera.id === cameraId);
    if (!e) throw new Error('no such camera');
    if (e.camera.disabledReason) throw new Error(`camera not in use: ${e.camera.disabledReason}`);
    return this.live.watch(e.key, () => this.streamSource(e), out);
  }

  findCamera(cameraId: string): Array<{ siteId: string; cameraId: string }> {
    return [...this.entries.values()].filter((e) => e.camera.id === cameraId).map((e) => ({ siteId: e.site.id, cameraId: e.camera.id }));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const e of this.entries.values()) this.retire(e);
    this.live.stop();
    await Promise.race([this.idle(), sleep(3000)]);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((ok) => {
    const t = setTimeout(ok, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      ok();
    }, { once: true });
  });
}

/** An RTSP-only camera is alive when its RTSP port accepts a connection. */
function tcpReachable(url: string, timeoutMs: number): Promise<void> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return Promise.reject(new OnvifError('bad_url', 'not a URL'));
  }
  const port = Number(u.port || (u.protocol === 'rtsps:' ? 322 : u.protocol === 'rtsp:' ? 554 : u.protocol === 'https:' ? 443 : 80));
  return new Promise((ok, fail) => {
    const s = net.connect({ host: u.hostname, port, timeout: timeoutMs });
    s.once('connect', () => {
      s.destroy();
      ok();
    });
    s.once('timeout', () => {
      s.destroy();
      fail(new OnvifError('timeout', `no answer on port ${port}`));
    });
    s.once('error', (err: NodeJS.ErrnoException) => fail(new OnvifError('unreachable', err.code ?? err.message)));
  });
}
