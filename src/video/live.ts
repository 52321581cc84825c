/**
 * Live view without plugins: one ffmpeg per watched camera, fanned out to every viewer as
 * `multipart/x-mixed-replace`. An H.264 camera is copied into fragmented MP4 (no transcoding; the
 * page plays it with Media Source Extensions); any other camera is turned into JPEG frames. The ffmpeg stops
 * when the last viewer disconnects. A feed that ends by itself (the camera refused the password,
 * cannot be reached, closed the stream) ends every viewer's response with one `application/json`
 * part saying why (src/contract/live-view.ts), so the page can say so instead of a broken image.
 */
import type { Writable } from 'node:stream';
import {
  LIVE_BOUNDARY,
  LIVE_END_CONTENT_TYPE,
  LIVE_MP4_CONTENT_TYPE,
  type LiveEnd as LiveEndPart,
  type LiveEndCode,
  type LiveMode,
} from '../contract/live-view.js';
import type { Logger } from '../core/logger.js';
import { explainFailure, scrub, type Ffmpeg, type FfmpegErrorCode, type Source } from './ffmpeg/ffmpeg.js';
import { Fmp4Splitter } from './fmp4.js';

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
  /** Each viewer, and whether it waits for a key frame (fMP4: joined late, or skipped while slow). */
  viewers: Map<Writable, { needKey: boolean }>;
  frames: number;
  /** We stopped it (last viewer left, hub stopping); any other end is the camera's doing. */
  stopped: boolean;
  mode: LiveMode;
  /** fMP4: the init segment, and the fragments since the last key frame (what a new viewer needs). */
  init: Buffer | null;
  gop: Buffer[];
}

/** Why a live feed ended, when nobody here ended it. */
export interface LiveEnd {
  camera: string;
  reason: string;
  code: LiveEndCode;
  frames: number;
}

/** One part of the multipart response. */
function part(type: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`--${LIVE_BOUNDARY}\r\nContent-Type: ${type}\r\nContent-Length: ${body.length}\r\n\r\n`), body, Buffer.from('\r\n')]);
}

/** A viewer whose socket holds more than this is skipped (MJPEG: frames; fMP4: up to the next key frame). */
const SLOW_VIEWER_BYTES = 4 * 1024 * 1024;
/** Bound of the fMP4 fragments kept since the last key frame (a camera with a very long GOP). */
const MAX_GOP_BYTES = 8 * 1024 * 1024;

export class LiveHub {
  private readonly feeds = new Map<string, Feed>();
  /** The last feeds that ended by themselves (newest last, at most 20), for status and tests. */
  readonly ended: LiveEnd[] = [];
  /** ffmpeg sessions started (one per camera and mode while watched), for the bench and tests. */
  sessionsStarted = 0;

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

  /** Whether a camera's feed in this mode runs now (a new viewer joins it without asking the camera). */
  running(key: string, mode: LiveMode = 'mjpeg'): boolean {
    return this.feeds.has(`${key}#${mode}`);
  }

  /**
   * Add a viewer; returns its disposer. Throws when there is no ffmpeg. `fmp4`: the camera's H.264
   * copied into fragmented MP4 (no transcoding), one ffmpeg per camera for all its viewers.
   */
  watch(key: string, source: () => Source | null, out: Writable, mode: LiveMode = 'mjpeg'): () => void {
    const feedKey = `${key}#${mode}`;
    let feed = this.feeds.get(feedKey);
    if (!feed) {
      const ff = this.ffmpeg();
      const src = source();
      if (!ff || !src) throw new Error(!ff ? 'ffmpeg is not available on this hub' : 'the camera has no stream address yet');
      feed = this.start(feedKey, ff, src, mode);
    }
    const f = feed;
    f.viewers.set(out, { needKey: false });
    if (f.mode === 'fmp4' && f.init) {
      // Joining a running camera: the init segment and the pictures since its last key frame.
      out.write(part(LIVE_MP4_CONTENT_TYPE, f.init));
      for (const g of f.gop) out.write(part(LIVE_MP4_CONTENT_TYPE, g));
      if (f.gop.length === 0) f.viewers.set(out, { needKey: true });
    }
    let gone = false;
    return () => {
      if (gone) return;
      gone = true;
      f.viewers.delete(out);
      if (f.viewers.size === 0) {
        f.stop();
        if (this.feeds.get(feedKey) === f) this.feeds.delete(feedKey);
      }
    };
  }

  private start(key: string, ff: Ffmpeg, src: Source, mode: LiveMode): Feed {
    const { child, secrets } = mode === 'fmp4' ? ff.fmp4(src, { timeoutMs: 5000 }) : ff.mjpeg(src, { ...this.o, timeoutMs: 5000 });
    this.sessionsStarted++;
    const feed: Feed = {
      viewers: new Map(),
      frames: 0,
      stopped: false,
      mode,
      init: null,
      gop: [],
      stop: () => {
        feed.stopped = true;
        child.kill('SIGKILL');
      },
    };
    this.feeds.set(key, feed);
    const onData = mode === 'fmp4' ? this.fmp4Reader(feed) : this.mjpegReader(feed);
    child.stdout.on('data', (chunk: Buffer) => {
      try {
        onData(chunk);
      } catch (err) {
        this.log.warn({ camera: key, err: (err as Error).message }, 'live view: unreadable output from ffmpeg');
        child.kill('SIGKILL');
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
        const camera = key.replace(/#(mjpeg|fmp4)$/, '');
        this.ended.push({ camera, reason, code: endCode, frames: feed.frames });
        if (this.ended.length > 20) this.ended.shift();
        this.log.warn({ camera, reason, frames: feed.frames, viewers: feed.viewers.size, mode }, 'live view ended');
        this.onEnd(endCode);
        const end = liveEndPart({ code: endCode, detail: reason, frames: feed.frames });
        for (const v of feed.viewers.keys()) v.write(end);
      }
      for (const v of feed.viewers.keys()) v.end();
      feed.viewers.clear();
    });
    return feed;
  }

  /** JPEG after JPEG from ffmpeg → one part each to every viewer. */
  private mjpegReader(feed: Feed): (chunk: Buffer) => void {
    let buf: Buffer = Buffer.alloc(0);
    const SOI = Buffer.from([0xff, 0xd8]);
    const EOI = Buffer.from([0xff, 0xd9]);
    return (chunk) => {
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
        const bytes = part('image/jpeg', frame);
        for (const v of feed.viewers.keys()) {
          // A slow viewer skips frames instead of buffering without bound.
          if (v.writableLength > SLOW_VIEWER_BYTES) continue;
          v.write(bytes);
        }
      }
    };
  }

  /** ffmpeg's fragmented MP4 → the init segment once, then each fragment, to every viewer. */
  private fmp4Reader(feed: Feed): (chunk: Buffer) => void {
    const splitter = new Fmp4Splitter();
    return (chunk) => {
      for (const piece of splitter.push(chunk)) {
        const bytes = part(LIVE_MP4_CONTENT_TYPE, piece.bytes);
        if (piece.kind === 'init') {
          feed.init = piece.bytes;
          for (const v of feed.viewers.keys()) v.write(bytes);
          continue;
        }
        feed.frames++;
        if (piece.key) feed.gop = [];
        // A very long GOP stops being kept at the bound; a new viewer still starts at its key frame.
        if (feed.gop.reduce((n, g) => n + g.length, 0) + piece.bytes.length <= MAX_GOP_BYTES) feed.gop.push(piece.bytes);
        for (const [v, state] of feed.viewers) {
          if (state.needKey && !piece.key) continue;
          // A slow viewer misses pictures up to the next key frame (a decoder cannot skip just one).
          if (v.writableLength > SLOW_VIEWER_BYTES) {
            state.needKey = true;
            continue;
          }
          state.needKey = false;
          v.write(bytes);
        }
      }
    };
  }

  stop(): void {
    for (const f of this.feeds.values()) f.stop();
    this.feeds.clear();
  }
}
