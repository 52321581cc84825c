/**
 * The simulated camera's picture: ffmpeg's `testsrc` (a moving pattern with a frame counter, so two
 * frames always differ), encoded as MJPEG and split into JPEG frames on the EOI marker (FF D9 cannot
 * appear inside entropy-coded data: JPEG stuffs FF with 00). `-huffman default` keeps the standard
 * Huffman tables of ITU T.81 Annex K (ffmpeg's default is per-frame optimal tables): RTP/JPEG
 * (RFC 2435, rtsp.ts) does not carry Huffman tables, so its receivers assume the standard ones;
 * and 4:2:0 (`yuvj420p`), since RFC 2435 carries only 4:2:0 and 4:2:2 (from RGB, ffmpeg picks 4:4:4).
 */
import { spawn, type ChildProcess } from 'node:child_process';

export class FrameSource {
  private child: ChildProcess | null = null;
  private latest: Buffer | null = null;
  private readonly waiters = new Set<(frame: Buffer) => void>();
  private readonly listeners = new Set<(frame: Buffer) => void>();
  private users = 0;
  private linger: NodeJS.Timeout | null = null;
  frames = 0;

  constructor(private readonly o: { ffmpeg?: string; size?: string; fps?: number; hue?: number } = {}) {}

  /** Listeners registered with onFrame (RTSP sessions playing, MJPEG viewers). */
  get watchers(): number {
    return this.listeners.size;
  }

  /** Start producing frames (reference counted). */
  acquire(): void {
    this.users++;
    if (this.linger) clearTimeout(this.linger);
    this.linger = null;
    if (this.child) return;
    const args = [
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'error',
      '-re',
      '-f',
      'lavfi',
      '-i',
      `testsrc=size=${this.o.size ?? '320x240'}:rate=${this.o.fps ?? 5},hue=h=${this.o.hue ?? 0}`,
      '-c:v',
      'mjpeg',
      '-pix_fmt',
      'yuvj420p',
      '-huffman',
      'default',
      '-q:v',
      '5',
      '-f',
      'mjpeg',
      'pipe:1',
    ];
    const child = spawn(this.o.ffmpeg ?? 'ffmpeg', args, { stdio: ['ignore', 'pipe', 'ignore'] });
    this.child = child;
    let buf = Buffer.alloc(0);
    child.stdout!.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const start = buf.indexOf(Buffer.from([0xff, 0xd8]));
        if (start < 0) {
          buf = Buffer.alloc(0);
          break;
        }
        const end = buf.indexOf(Buffer.from([0xff, 0xd9]), start + 2);
        if (end < 0) {
          buf = buf.subarray(start);
          break;
        }
        const frame = Buffer.from(buf.subarray(start, end + 2));
        buf = buf.subarray(end + 2);
        this.latest = frame;
        this.frames++;
        for (const w of this.waiters) w(frame);
        this.waiters.clear();
        for (const l of this.listeners) l(frame);
      }
    });
    child.on('exit', () => {
      if (this.child === child) this.child = null;
    });
  }

  /**
   * One user fewer. The encoder runs on for a few seconds after the last one, like a camera's
   * sensor: a client that reconnects (a second snapshot over RTSP) sees the picture moved on, not
   * the pattern restarted at frame 0.
   */
  release(): void {
    this.users = Math.max(0, this.users - 1);
    if (this.users > 0 || this.linger) return;
    this.linger = setTimeout(() => {
      this.linger = null;
      if (this.users === 0) this.stop();
    }, 5000);
    this.linger.unref();
  }

  stop(): void {
    if (this.linger) clearTimeout(this.linger);
    this.linger = null;
    this.child?.kill('SIGKILL');
    this.child = null;
  }

  /** The newest frame, waiting for the first one if the source just started. */
  async frame(timeoutMs = 3000): Promise<Buffer> {
    if (this.latest && this.child) return this.latest;
    this.acquire();
    try {
      return await new Promise<Buffer>((ok, fail) => {
        const t = setTimeout(() => fail(new Error('no frame from ffmpeg')), timeoutMs);
        this.waiters.add((f) => {
          clearTimeout(t);
          ok(f);
        });
      });
    } finally {
      // Keep running briefly so that a burst of snapshots shares one ffmpeg.
      setTimeout(() => this.release(), 5000).unref();
    }
  }

  onFrame(fn: (frame: Buffer) => void): () => void {
    this.listeners.add(fn);
    this.acquire();
    return () => {
      this.listeners.delete(fn);
      this.release();
    };
  }
}
