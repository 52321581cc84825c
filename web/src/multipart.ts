/**
 * The hub's live view stream (`multipart/x-mixed-replace`, src/contract/live-view.ts) read part by
 * part. Pure: no DOM, so the integration tests read the hub's stream with the page's own reader.
 */
import { isLiveEndCode, type LiveEnd } from '../../src/contract/live-view.js';

/**
 * Reads `multipart/x-mixed-replace` parts: every image/jpeg or video/mp4 part goes to `onFrame` with its type; an
 * application/json part is the hub's closing reason and ends the read. Resolves at the end of the
 * stream (with the reason, if the hub gave one).
 */
export async function readParts(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  boundary: string,
  onFrame: (body: Uint8Array<ArrayBuffer>, contentType: string) => void,
): Promise<LiveEnd | null> {
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const marker = enc.encode(`--${boundary}`);
  const headEnd = enc.encode('\r\n\r\n');
  let buf: Uint8Array<ArrayBuffer> = new Uint8Array(0);
  for (;;) {
    // Take every complete part in the buffer.
    for (;;) {
      const at = indexOf(buf, marker, 0);
      if (at < 0) break;
      const he = indexOf(buf, headEnd, at + marker.length);
      if (he < 0) break;
      const head = dec.decode(buf.subarray(at + marker.length, he));
      const length = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? NaN);
      // Parts without a length are not what the hub sends: skip past this marker.
      if (!Number.isFinite(length)) {
        buf = buf.subarray(at + marker.length);
        continue;
      }
      const start = he + headEnd.length;
      if (buf.length < start + length) break;
      const body = buf.subarray(start, start + length);
      buf = buf.subarray(start + length);
      if (/content-type:\s*application\/json/i.test(head)) {
        try {
          const end = JSON.parse(dec.decode(body)) as LiveEnd;
          return isLiveEndCode(end.code) ? end : { code: 'failed', detail: '', frames: 0 };
        } catch {
          return { code: 'failed', detail: '', frames: 0 };
        }
      }
      onFrame(body.slice(), /content-type:\s*([^\s;]+)/i.exec(head)?.[1]?.toLowerCase() ?? 'image/jpeg');
    }
    const { value, done } = await reader.read();
    if (done) return null;
    const next = new Uint8Array(buf.length + value.length);
    next.set(buf, 0);
    next.set(value, buf.length);
    buf = next;
    // A runaway part (no end in sight): drop it rather than grow without bound.
    if (buf.length > 16 * 1024 * 1024) buf = new Uint8Array(0);
  }
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from: number): number {
  outer: for (let i = from; i <= hay.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
