/**
 * Live H.264 in a `<video>` through Media Source Extensions, no library: the hub sends the
 * camera's stream copied into fragmented MP4 (first the init segment, then whole fragments; see
 * src/contract/live-view.ts `LiveMode`), and this appends them in order. It stays near the live
 * edge (a tab that fell behind jumps forward) and drops what was played long ago, so memory does
 * not grow with viewing time.
 */
import { h } from './dom.js';

/** The H.264 profile every browser with MSE plays (constrained baseline, level 3.0). */
const PROBE_TYPE = 'video/mp4; codecs="avc1.42E01E"';

/** Whether this browser can play the hub's fMP4 live view (the page then asks for it). */
export function canPlayLiveMp4(): boolean {
  return typeof MediaSource !== 'undefined' && MediaSource.isTypeSupported(PROBE_TYPE);
}

/**
 * The RFC 6381 codec of an init segment's H.264 track (`avc1.42C01E`): profile, constraint flags
 * and level from its avcC box. Null when there is no avcC (not H.264).
 */
export function avcCodecOf(init: Uint8Array): string | null {
  for (let i = 0; i + 8 <= init.length; i++) {
    if (init[i] === 0x61 && init[i + 1] === 0x76 && init[i + 2] === 0x63 && init[i + 3] === 0x43) {
      const hex = (n: number): string => n.toString(16).toUpperCase().padStart(2, '0');
      return `avc1.${hex(init[i + 5]!)}${hex(init[i + 6]!)}${hex(init[i + 7]!)}`;
    }
  }
  return null;
}

/** Seconds behind the newest picture before the player jumps forward. */
const MAX_LAG_S = 2;
/** Seconds of played video kept in the buffer. */
const KEEP_S = 10;

export class MsePlayer {
  readonly video: HTMLVideoElement;
  private readonly source = new MediaSource();
  private readonly url: string;
  private buffer: SourceBuffer | null = null;
  private readonly queue: Uint8Array<ArrayBuffer>[] = [];
  private codec: string | null = null;
  private open = false;
  private closed = false;

  /** `onPicture` runs once, when the first picture can be shown; `onError` when the browser cannot play it. */
  constructor(
    label: string,
    private readonly onPicture: () => void,
    private readonly onError: () => void,
  ) {
    this.video = h('video', { class: 'live-video', attrs: { 'aria-label': label, playsinline: '', muted: '' } });
    this.video.muted = true;
    this.video.autoplay = true;
    this.video.hidden = true;
    this.url = URL.createObjectURL(this.source);
    this.video.src = this.url;
    this.source.addEventListener('sourceopen', () => {
      this.open = true;
      this.pump();
    });
    this.video.addEventListener('loadeddata', () => this.onPicture(), { once: true });
  }

  /** One video/mp4 part from the hub: the init segment first, then fragments. */
  push(bytes: Uint8Array<ArrayBuffer>): void {
    if (this.closed) return;
    if (!this.codec) {
      this.codec = avcCodecOf(bytes);
      if (!this.codec) return this.fail();
    }
    this.queue.push(bytes);
    this.pump();
  }

  close(): void {
    this.closed = true;
    this.queue.length = 0;
    this.video.removeAttribute('src');
    this.video.load();
    URL.revokeObjectURL(this.url);
  }

  private fail(): void {
    if (this.closed) return;
    this.close();
    this.onError();
  }

  private pump(): void {
    if (this.closed || !this.open || !this.codec) return;
    if (!this.buffer) {
      const type = `video/mp4; codecs="${this.codec}"`;
      if (!MediaSource.isTypeSupported(type)) return this.fail();
      try {
        this.buffer = this.source.addSourceBuffer(type);
      } catch {
        return this.fail();
      }
      this.buffer.mode = 'segments';
      this.buffer.addEventListener('updateend', () => this.afterAppend());
      this.buffer.addEventListener('error', () => this.fail());
    }
    if (this.buffer.updating) return;
    const next = this.queue.shift();
    if (!next) return;
    try {
      this.buffer.appendBuffer(next);
    } catch {
      this.fail();
    }
  }

  private afterAppend(): void {
    const b = this.buffer;
    if (!b || this.closed) return;
    const ranges = b.buffered;
    if (ranges.length > 0) {
      const start = ranges.start(0);
      const end = ranges.end(ranges.length - 1);
      const v = this.video;
      // Behind the live edge (a background tab, a slow machine) or before the first picture: jump.
      if (v.currentTime < start || end - v.currentTime > MAX_LAG_S) v.currentTime = Math.max(start, end - 0.3);
      if (v.paused) void v.play().catch(() => undefined);
      if (v.currentTime - start > KEEP_S * 2 && !b.updating) {
        b.remove(start, v.currentTime - KEEP_S);
        return; // updateend follows the removal, and pumps on
      }
    }
    this.pump();
  }
}
