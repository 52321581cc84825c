/**
 * Video verification, the shell around verification-plan.ts: on an incident it asks the plan
 * which snapshots and clips to take, takes them (ONVIF snapshot URI, else one frame with ffmpeg;
 * clips with ffmpeg) and attaches each to the incident — or a note saying which camera failed and
 * why. What was asked is held per open incident here and handed back to the plan.
 */
import { rmSync } from 'node:fs';
import type { Incident, IncidentMedia } from '../contract/incident.js';
import type { VideoSettings } from '../config/model.js';
import type { Clock } from '../core/clock.js';
import { newId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import { cameraFailureReason, describeCameraError, snapshotFailure, snapshotFailureNote, videoFailure } from './describe-error.js';
import { COPYABLE_CODECS, redact, type Ffmpeg, type Source } from './ffmpeg/ffmpeg.js';
import type { MediaStore } from './media-store.js';
import { OnvifClient } from './onvif/client.js';
import { OnvifError } from './onvif/errors.js';
import { cameraLabel, streamSource, type CameraEntry, type CameraRegistry } from './registry.js';
import { probeRtsp } from './rtsp-probe.js';
import { planCaptures, type CaptureMemory, type LinkableCamera } from './verification-plan.js';

export interface VerificationOptions {
  registry: CameraRegistry;
  media: MediaStore;
  ffmpeg: Ffmpeg | null;
  settings(): VideoSettings;
  addMedia(incidentId: string, media: IncidentMedia): unknown;
  /** Counts snapshots by outcome (`ok`, `failed`). */
  countSnapshot(outcome: 'ok' | 'failed'): void;
  clock: Clock;
  log: Logger;
}

export class Verification {
  /** Open incident id → what was asked for it (dropped when the plan says so, e.g. on close). */
  private readonly memory = new Map<string, CaptureMemory>();
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly o: VerificationOptions) {}

  /** Incidents video holds a memory for (open ones with cameras at their site). */
  get remembered(): number {
    return this.memory.size;
  }

  onIncident(incident: Incident): void {
    const entries = this.o.registry.atSite(incident.siteId);
    if (entries.length === 0 && !this.memory.has(incident.id)) return;
    const clips = this.o.settings().clips;
    const cameras: LinkableCamera[] = entries.map((e) => ({
      siteId: e.site.id,
      cameraId: e.camera.id,
      zones: e.camera.zones,
      addressed: Boolean(e.camera.onvif || e.camera.rtsp),
      clip: e.camera.clip ?? clips,
    }));
    const plan = planCaptures(incident, cameras, this.memory.get(incident.id) ?? null);
    if (plan.memory) this.memory.set(incident.id, plan.memory);
    else this.memory.delete(incident.id);
    for (const job of plan.jobs) {
      const e = this.o.registry.get(job.siteId, job.cameraId);
      if (!e) continue;
      this.track(job.kind === 'snapshot' ? this.snapshotFor(incident.id, e) : this.clipFor(incident.id, e));
    }
  }

  /** Resolves when every snapshot and clip in flight is done (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  private track(p: Promise<unknown>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  private async snapshotFor(incidentId: string, e: CameraEntry): Promise<void> {
    const at = new Date(this.o.clock.now()).toISOString();
    const base = { cameraId: e.camera.id, siteId: e.site.id, kind: 'snapshot' as const, at };
    const label = cameraLabel(e.camera);
    if (e.camera.disabledReason) {
      this.o.addMedia(incidentId, {
        ...base,
        id: newId(),
        url: null,
        error: `${label} is not in use: ${e.camera.disabledReason}`,
        ...videoFailure(e.camera, 'snapshot', { reason: 'disabled', detail: e.camera.disabledReason }),
      });
      return;
    }
    const limit = this.o.settings().snapshotTimeoutMs;
    const started = Date.now();
    try {
      const jpeg = await this.snapshot(e, limit);
      const file = this.o.media.saveSnapshot(jpeg, e.site.id);
      this.o.countSnapshot('ok');
      this.o.log.info({ site: e.site.id, camera: e.camera.id, incident: incidentId, ms: Date.now() - started, bytes: jpeg.length }, 'snapshot attached');
      this.o.addMedia(incidentId, { ...base, id: file.id, url: `/api/media/${file.id}`, error: null });
    } catch (err) {
      this.o.countSnapshot('failed');
      const error = snapshotFailureNote(label, err, { limitMs: limit, elapsedMs: Date.now() - started });
      this.o.log.warn({ site: e.site.id, camera: e.camera.id, incident: incidentId, reason: describeCameraError(err) }, 'snapshot failed');
      this.o.addMedia(incidentId, {
        ...base,
        id: newId(),
        url: null,
        error,
        ...snapshotFailure(e.camera, err, { limitMs: limit, elapsedMs: Date.now() - started }),
      });
    }
  }

  /** ONVIF snapshot URI (HTTP Digest) when known, else one frame from the stream with ffmpeg. */
  private async snapshot(e: CameraEntry, limitMs: number): Promise<Buffer> {
    const deadline = Date.now() + limitMs;
    const left = (): number => Math.max(1, deadline - Date.now());
    const race = <T>(p: Promise<T>): Promise<T> =>
      Promise.race([p, new Promise<T>((_, fail) => setTimeout(() => fail(new OnvifError('timeout', `no snapshot within ${limitMs} ms`)), left()).unref())]);
    if (e.client && e.probe?.snapshotUri) return race(e.client.fetchSnapshot(e.probe.snapshotUri, left()));
    const src = streamSource(e);
    const ffmpeg = this.o.ffmpeg;
    if (src && ffmpeg) {
      // Learns the codec once (and refuses a camera that wants the password in Basic over plain RTSP).
      await race(streamCodec(e, src, left()));
      return race(ffmpeg.snapshot(src, left()));
    }
    if (e.client && !e.probe && e.camera.onvif) {
      // Not probed yet (the hub just started): one quick probe within the same budget.
      const { xaddr, username, password } = e.camera.onvif;
      const client = new OnvifClient({ xaddr, username, password, timeoutMs: left() });
      const probe = await race(client.probe());
      e.probe ??= probe;
      if (probe.snapshotUri) return race(client.fetchSnapshot(probe.snapshotUri, left()));
    }
    throw new Error(ffmpeg ? 'the camera has no snapshot or stream address' : 'no snapshot URI, and ffmpeg is not installed for the stream');
  }

  private async clipFor(incidentId: string, e: CameraEntry): Promise<void> {
    const src = streamSource(e);
    const at = new Date(this.o.clock.now()).toISOString();
    const base = { cameraId: e.camera.id, siteId: e.site.id, kind: 'clip' as const, at };
    const label = cameraLabel(e.camera);
    const ffmpeg = this.o.ffmpeg;
    if (!src || !ffmpeg) {
      const why = !ffmpeg ? 'ffmpeg is not installed' : 'no stream address known';
      this.o.addMedia(incidentId, {
        ...base,
        id: newId(),
        url: null,
        error: `${label}: no clip, ${why}`,
        ...videoFailure(e.camera, 'clip', { reason: !ffmpeg ? 'no_ffmpeg' : 'no_stream' }),
      });
      return;
    }
    const ext = 'mp4';
    const { id, path } = this.o.media.reserve(ext);
    const seconds = this.o.settings().clipSeconds;
    try {
      // H.264/H.265 is copied; Motion JPEG (the simulator, cheap cameras) is encoded to H.264 so it plays in browsers.
      const codec = await streamCodec(e, src);
      const r = await ffmpeg.clip(src, { seconds, outPath: path, timeoutMs: seconds * 1000 + 8000, transcode: codec !== null && !COPYABLE_CODECS.has(codec) });
      this.o.media.commit(id, path, ext, e.site.id);
      this.o.addMedia(incidentId, { ...base, id, url: `/api/media/${id}`, error: null });
      if (r.cutShort) {
        // What there is stays attached; the operator also learns why it is shorter.
        const reason = `${label}: clip ends after ${r.seconds.toFixed(1)} s of ${seconds} s, the camera closed the stream`;
        this.o.log.warn({ site: e.site.id, camera: e.camera.id, url: redact(src.url), seconds: r.seconds }, 'clip cut short: the camera closed the stream');
        this.o.addMedia(incidentId, {
          ...base,
          id: newId(),
          url: null,
          error: reason,
          ...videoFailure(e.camera, 'clip', { reason: 'cut_short', seconds: Number(r.seconds.toFixed(1)), detail: `${r.seconds.toFixed(1)}/${seconds}` }),
        });
      }
    } catch (err) {
      rmSync(path, { force: true }); // a failed run leaves no playable file
      this.o.log.warn({ site: e.site.id, camera: e.camera.id, url: redact(src.url), reason: describeCameraError(err) }, 'clip failed');
      this.o.addMedia(incidentId, {
        ...base,
        id: newId(),
        url: null,
        error: `${label}: no clip, ${describeCameraError(err)}`,
        ...videoFailure(e.camera, 'clip', cameraFailureReason(err)),
      });
    }
  }
}

/**
 * What the stream's DESCRIBE says (codec, how it logs in): health's last answer, else one DESCRIBE
 * now (a few ms; same host and login as the stream). An HTTP stream is Motion JPEG.
 *
 * It is also the guard in front of ffmpeg: ffmpeg answers a Basic challenge on plain RTSP with the
 * password in clear, so a camera that asks for that is refused here (the error names why) and
 * ffmpeg never gets the login. Other failures return codec null: ffmpeg's own run names them.
 */
export async function streamCodec(e: CameraEntry, src: Source, timeoutMs = 3000): Promise<string | null> {
  if (!/^rtsps?:/i.test(src.url)) return 'JPEG';
  if (e.stream) return e.stream.codec;
  try {
    const r = await probeRtsp(src.url, { username: src.username, password: src.password, timeoutMs });
    e.stream = { codec: r.codec };
    return r.codec;
  } catch (err) {
    if (err instanceof OnvifError && err.code === 'unsupported') throw err;
    return null;
  }
}
