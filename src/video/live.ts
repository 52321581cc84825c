/**
 * Live view without plugins: one ffmpeg per watched camera turns its stream into JPEG frames,
 * fanned out to every viewer as `multipart/x-mixed-replace` (an <img> shows it). The ffmpeg stops
 * when the last viewer disconnects. A feed that ends by itself (the camera refused the password,
 * cannot be reached, closed the stream) ends every viewer's response with one `application/json`
 * part saying why (src/contract/live-view.ts), so the page can say so instead of a broken image.
 */
import type { Writable } from 'node:stream';
import { LIVE_BOUNDARY, LIVE_END_CONTENT_TYPE, type LiveEnd as LiveEndPart, type LiveEndCode } from '../contract/live-view.js';
import type { Logger } from '../core/logger.js';
import { explainFailure, scrub, type Ffmpeg, type FfmpegErrorCode, type Source } from './ffmpeg/ffmpeg.js';

export { LIVE_BOUNDARY } from '../contract/live-view.js';

/** ffmpeg's cause → what the viewer is told. A timeout at the input is a camera that does not answer. */
export function liveEndCode(code: FfmpegErrorCode): LiveEndCode {
  switch (code) {
    case 'not_authorized':
      return 'not_authorized';
    case 'unreachable':
    case 'timeout':
      return 'unreachable';
    case 'ended':
      return 'ended';
    case 'no_binary':
      return 'no_ffmpeg';
    default:
      return 'failed';
  }
}

/** The closing part of a live response: why it ended (JSON), after the last picture. */
export function liveEndPart(end: LiveEndPart): Buffer {
  const body = Buffer.from(JSON.stringify(end));
  return Buffer.concat([
    Buffer.from(`--${LIVE_BOUNDARY}\r\nContent-Type: ${LIVE_END_CONTENT_TYPE}\r\nContent-Length: ${body.length}\r\n\r\n`),
    body,
    Buffer.from(`\r\n--${LIVE_BOUNDARY}--\r\n`),
  ]);
}

interface Feed {
  stop(): void;
  viewers: Set<Writable>;
  frames: number;
  /** We stopped it (last viewer left, hub stopping); any other end is the camera's doing. */
  stopped: boolean;
}

/** Why a live feed ended, when nobody here ended it. */
export interface LiveEnd {
  camera: string;
  reason: string;
  code: LiveEndCode;
  frames: number;
}

export class LiveHub {
  private readonly feeds = new Map<string, Feed>();
  /** The last feeds that ended by themselves (newest last, at most 20), for status and tests. */
  readonly ended: LiveEnd[] = [];

  constructor(
    private readonly ffmpeg: () => Ffmpeg | null,
    private readonly log: Logger,
    private readonly o: { fps: number; width: number } = { fps: 5, width: 640 },
    /** A feed ended by itself (counted by reason in the metrics). */
    private readonly onEnd: (code: LiveEndCode) => void = () => undefined,
  ) {}

  get active(): number {
    return this.feeds.size;
  }

  /** Add a viewer; returns its disposer. Throws when there is no ffmpeg. */
  watch(key: string, source: () => Source | null, out: Writable): () => void {
    let feed = this.feeds.get(key);
    if (!feed) {
      const ff = this.ffmpeg();
      const src = source();
      if (!ff || !src) throw new Error(!ff ? 'ffmpeg is not available on this hub' : 'the camera has no stream address yet');
      feed = this.start(key, ff, src);
    }
    const f = feed;
    f.viewers.add(out);
    let gone = false;
    return () => {
      if (gone) return;
      gone = true;
      f.viewers.delete(out);
      if (f.viewers.size === 0) {
        f.stop();
        if (this.feeds.get(key) === f) this.feeds.delete(key);
      }
    };
  }

  private start(key: string, ff: Ffmpeg, src: Source): Feed {
    const { child, secrets } = ff.mjpeg(src, { ...this.o, timeoutMs: 5000 });
    const feed: Feed = {
      viewers: new Set(),
      frames: 0,
      stopped: false,
      stop: () => {
        feed.stopped = true;
        child.kill('SIGKILL');
      },
    };
    this.feeds.set(key, feed);
    let buf: Buffer = Buffer.alloc(0);
    const SOI = Buffer.from([0xff, 0xd8]);
    const EOI = Buffer.from([0xff, 0xd9]);
    child.stdout.on('data', (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      for (;;) {
        const s = buf.indexOf(SOI);
        if (s < 0) {
          buf = Buffer.alloc(0);
          return;
        }
        const e = buf.indexOf(EOI, s + 2);
        if (e < 0) {
          buf = buf.subarray(s);
          if (buf.length > 8 * 1024 * 1024) buf = Buffer.alloc(0); // a runaway frame: drop it
          return;
        }
        const frame = buf.subarray(s, e + 2);
        buf = buf.subarray(e + 2);
        feed.frames++;
        const head = Buffer.from(`--${LIVE_BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: ${frame.length}\r\n\r\n`);
        for (const v of feed.viewers) {
          // A slow viewer skips frames instead of buffering without bound.
          if ((v as Writable & { writableLength: number }).writableLength > 2 * 1024 * 1024) continue;
          v.write(Buffer.concat([head, frame, Buffer.from('\r\n')]));
        }
      }
    });
    let err = '';
    child.stderr.on('data', (c: Buffer) => {
      if (err.length < 2000) err += c.toString('utf8');
    });
    child.on('error', () => undefined); // spawn failure: 'close' follows with the reason in stderr or none
    child.on('close', (code) => {
      if (this.feeds.get(key) === feed) this.feeds.delete(key);
      if (!feed.stopped) {
        // ffmpeg exits 0 when the camera closes the connection: that is an end too, not a success.
        const failure = code === 0 ? null : explainFailure(code, scrub(err, secrets));
        const reason = failure ? failure.message : 'the camera closed the stream';
        const endCode = failure ? liveEndCode(failure.code) : 'ended';
        this.ended.push({ camera: key, reason, code: endCode, frames: feed.frames });
        if (this.ended.length > 20) this.ended.shift();
        this.log.warn({ camera: key, reason, frames: feed.frames, viewers: feed.viewers.size }, 'live view ended');
        this.onEnd(endCode);
        const part = liveEndPart({ code: endCode, detail: reason, frames: feed.frames });
        for (const v of feed.viewers) v.write(part);
      }
      for (const v of feed.viewers) v.end();
      feed.viewers.clear();
    });
    return feed;
  }

  stop(): void {
    for (const f of this.feeds.values()) f.stop();
    this.feeds.clear();
  }
}
