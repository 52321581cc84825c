/**
 * Live view of one camera in the incident detail. The page reads the hub's MJPEG stream itself
 * (fetch, not `<img src>`), so that a refusal or an end has words instead of a broken picture: the
 * hub answers a camera that cannot stream with `live_unavailable` and a `reason`, and ends a stream
 * the camera closed with a JSON part saying why (src/contract/live-view.ts). A JPEG picture is shown
 * through a blob: URL (the CSP allows `img-src blob:`), the previous one revoked; an H.264 camera's
 * fMP4 parts play in a <video> through Media Source Extensions (live-mse.ts, `media-src blob:`).
 */
import { isLiveEndCode, livePath, type LiveEndCode } from '../../src/contract/live-view.js';
import { h } from './dom.js';
import type { TextKey } from './i18n/catalogue.js';
import { t } from './i18n/index.js';
import { canPlayLiveMp4, MsePlayer } from './live-mse.js';
import { readParts } from './multipart.js';

const REASON_WORD = {
  not_authorized: 'liveEndNotAuthorized',
  unreachable: 'liveEndUnreachable',
  ended: 'liveEndEnded',
  failed: 'liveEndFailed',
  disabled: 'liveEndDisabled',
  no_ffmpeg: 'liveEndNoFfmpeg',
} as const satisfies Record<LiveEndCode, TextKey>;

/** Why the view stopped, beyond the camera's own reasons: no permission (403/404), or the hub is unreachable. */
export type LiveStop = LiveEndCode | 'forbidden' | 'offline';

export class LiveViewer {
  readonly el: HTMLElement;
  readonly img: HTMLImageElement;
  private readonly status: HTMLElement;
  private readonly abort = new AbortController();
  private url: string | null = null;
  private stopped: LiveStop | null = null;
  /** H.264 cameras: the camera's own stream in a <video> (fMP4 parts), created at the first such part. */
  private player: MsePlayer | null = null;

  constructor(
    readonly siteId: string,
    readonly cameraId: string,
    label: string,
  ) {
    this.img = h('img', { class: 'live-img', attrs: { alt: label } });
    this.img.hidden = true;
    this.status = h('p', { class: 'live-status muted', attrs: { role: 'status', 'data-state': 'connecting' }, text: t('liveConnecting') });
    this.el = h('div', { class: 'live-view', dataset: { site: siteId, camera: cameraId } }, this.img, this.status);
    void this.run();
  }

  /** Stop watching: the hub stops ffmpeg when nobody watches any more. */
  close(): void {
    this.abort.abort();
    this.player?.close();
    if (this.url) URL.revokeObjectURL(this.url);
    this.url = null;
  }

  /** The language changed: reword the status line. */
  relabel(): void {
    if (this.stopped) this.showStopAnyway(this.stopped);
    else if (this.img.hidden && !this.player?.video.dataset.playing) this.status.textContent = t('liveConnecting');
  }

  private async run(): Promise<void> {
    let res: Response;
    try {
      // A browser that plays H.264 asks for it: an H.264 camera then comes without transcoding.
      const accept = canPlayLiveMp4() ? 'video/mp4, multipart/x-mixed-replace' : 'multipart/x-mixed-replace';
      res = await fetch(livePath(this.siteId, this.cameraId), { credentials: 'same-origin', signal: this.abort.signal, headers: { Accept: accept } });
    } catch {
      if (!this.abort.signal.aborted) this.showStop('offline');
      return;
    }
    if (!res.ok) {
      const body = (await res.json().catch(() => ({}))) as { reason?: unknown };
      this.showStop(isLiveEndCode(body.reason) ? body.reason : res.status === 403 || res.status === 404 ? 'forbidden' : 'failed');
      return;
    }
    const boundary = /boundary=([^;\s]+)/.exec(res.headers.get('content-type') ?? '')?.[1];
    if (!res.body || !boundary) return this.showStop('failed');
    try {
      const end = await readParts(res.body.getReader(), boundary, (body, type) => (type === 'video/mp4' ? this.showMp4(body) : this.showFrame(body)));
      this.showStop(end?.code ?? 'ended');
    } catch {
      // A cut connection (the hub went away) while pictures were coming; our own abort is no news.
      if (!this.abort.signal.aborted) this.showStop('ended');
    }
  }

  private showFrame(jpeg: Uint8Array<ArrayBuffer>): void {
    if (this.abort.signal.aborted) return;
    const old = this.url;
    this.url = URL.createObjectURL(new Blob([jpeg], { type: 'image/jpeg' }));
    this.img.src = this.url;
    if (old) URL.revokeObjectURL(old);
    if (this.img.hidden) {
      this.img.hidden = false;
      this.status.hidden = true;
      this.status.dataset.state = 'playing';
    }
  }

  private showMp4(part: Uint8Array<ArrayBuffer>): void {
    if (this.abort.signal.aborted) return;
    if (!this.player) {
      const player = new MsePlayer(
        this.img.alt,
        () => {
          player.video.hidden = false;
          player.video.dataset.playing = 'true';
          this.status.hidden = true;
          this.status.dataset.state = 'playing';
        },
        () => {
          this.abort.abort(); // the hub stops the camera's session when this viewer leaves
          this.showStopAnyway('failed');
        },
      );
      this.player = player;
      this.el.insertBefore(player.video, this.status);
    }
    this.player.push(part);
  }

  /** The browser could not play the camera's video: say so even though the fetch is aborted. */
  private showStopAnyway(why: LiveStop): void {
    this.stopped = why;
    this.status.hidden = false;
    this.status.className = 'live-status live-stopped';
    this.status.dataset.state = 'stopped';
    this.status.dataset.reason = why;
    this.status.textContent = t(why === 'forbidden' ? 'liveEndForbidden' : why === 'offline' ? 'liveEndOffline' : REASON_WORD[why]);
  }

  private showStop(why: LiveStop): void {
    if (this.abort.signal.aborted) return;
    this.showStopAnyway(why);
  }
}
