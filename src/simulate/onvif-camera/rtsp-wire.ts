/**
 * RTSP 1.0 message framing (RFC 2326 §4, §6, §7, §10.12), server side: requests and interleaved
 * binary frames in from a byte stream, responses out. Bounded: a header section above 8 KiB or a
 * body above 64 KiB is an error, never a growing buffer. Pure; no I/O.
 */

export interface RtspRequest {
  kind: 'request';
  method: string;
  uri: string;
  version: string;
  /** Lower-case names; a repeated header keeps its first value (§4.2 allows none we care about). */
  headers: Map<string, string>;
  body: Buffer;
}

export interface InterleavedFrame {
  kind: 'interleaved';
  channel: number;
  data: Buffer;
}

/** The stream cannot be read further (framing lost): answer `status` and close. */
export interface WireError {
  kind: 'error';
  status: number;
  reason: string;
  /** CSeq, when the broken message had one (the answer should echo it). */
  cseq: string | null;
}

export type Incoming = RtspRequest | InterleavedFrame | WireError;

export const LIMITS = { headerBytes: 8 * 1024, bodyBytes: 64 * 1024, headers: 64 };

/** Reason phrases of RFC 2326 §7.1.1 that this server uses. */
export const REASONS: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  413: 'Request Entity Too Large',
  451: 'Parameter Not Understood',
  454: 'Session Not Found',
  455: 'Method Not Valid in This State',
  459: 'Aggregate Operation Not Allowed',
  461: 'Unsupported Transport',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  505: 'RTSP Version not supported',
};

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export class RtspParser {
  private buf: Buffer = Buffer.alloc(0);
  private failed = false;

  /** Bytes buffered and not yet a complete message (tests check the bound). */
  get pending(): number {
    return this.buf.length;
  }

  /** Feed bytes; returns every complete message. After an error it returns nothing more. */
  push(chunk: Buffer): Incoming[] {
    if (this.failed) return [];
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Incoming[] = [];
    for (;;) {
      const item = this.next();
      if (!item) break;
      out.push(item);
      if (item.kind === 'error') {
        this.failed = true;
        this.buf = Buffer.alloc(0);
        break;
      }
    }
    return out;
  }

  private next(): Incoming | null {
    // Empty lines between messages are tolerated (§15.1 robustness; some clients send CRLF pings).
    let skip = 0;
    while (skip < this.buf.length && (this.buf[skip] === 0x0d || this.buf[skip] === 0x0a)) skip++;
    if (skip) this.buf = this.buf.subarray(skip);
    if (this.buf.length === 0) return null;
    if (this.buf[0] === 0x24) {
      if (this.buf.length < 4) return null;
      const len = this.buf.readUInt16BE(2);
      if (this.buf.length < 4 + len) return null;
      const frame: InterleavedFrame = { kind: 'interleaved', channel: this.buf[1]!, data: Buffer.from(this.buf.subarray(4, 4 + len)) };
      this.buf = this.buf.subarray(4 + len);
      return frame;
    }
    const end = headerEnd(this.buf);
    if (end === null) {
      if (this.buf.length > LIMITS.headerBytes) return { kind: 'error', status: 400, reason: 'header section longer than 8 KiB', cseq: null };
      return null;
    }
    if (end.headEnd > LIMITS.headerBytes) return { kind: 'error', status: 400, reason: 'header section longer than 8 KiB', cseq: null };
    const head = this.buf.subarray(0, end.headEnd).toString('latin1');
    const parsed = parseHead(head);
    if ('status' in parsed) return { kind: 'error', ...parsed };
    const lengthHeader = parsed.headers.get('content-length');
    let bodyLength = 0;
    if (lengthHeader !== undefined) {
      if (!/^\d{1,9}$/.test(lengthHeader)) return { kind: 'error', status: 400, reason: 'bad Content-Length', cseq: parsed.headers.get('cseq') ?? null };
      bodyLength = Number(lengthHeader);
      if (bodyLength > LIMITS.bodyBytes) return { kind: 'error', status: 413, reason: 'body longer than 64 KiB', cseq: parsed.headers.get('cseq') ?? null };
    }
    if (this.buf.length < end.bodyStart + bodyLength) return null;
    const body = Buffer.from(this.buf.subarray(end.bodyStart, end.bodyStart + bodyLength));
    this.buf = this.buf.subarray(end.bodyStart + bodyLength);
    return { kind: 'request', ...parsed, body };
  }
}

/** End of the header section: CRLF CRLF, or bare LF LF from sloppy clients. */
function headerEnd(buf: Buffer): { headEnd: number; bodyStart: number } | null {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf < 0 && lf < 0) return null;
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { headEnd: crlf, bodyStart: crlf + 4 };
  return { headEnd: lf, bodyStart: lf + 2 };
}

function parseHead(head: string): Omit<RtspRequest, 'kind' | 'body'> | { status: number; reason: string; cseq: string | null } {
  const lines = head.split(/\r?\n/);
  const headers = new Map<string, string>();
  let last: string | null = null;
  for (const line of lines.slice(1)) {
    if (/^[ \t]/.test(line) && last) {
      headers.set(last, `${headers.get(last)} ${line.trim()}`); // folded continuation (§4.2 via RFC 2616)
      continue;
    }
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trim().toLowerCase() : '';
    if (!name || !TOKEN.test(name)) return { status: 400, reason: 'malformed header line', cseq: headers.get('cseq') ?? null };
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
    last = name;
    if (headers.size > LIMITS.headers) return { status: 400, reason: 'too many headers', cseq: headers.get('cseq') ?? null };
  }
  const cseq = headers.get('cseq') ?? null;
  const m = /^([^ ]+) ([^ ]+) ([^ ]+)$/.exec(lines[0]!);
  if (!m || !TOKEN.test(m[1]!)) return { status: 400, reason: 'malformed request line', cseq };
  const [, method, uri, version] = m as unknown as [string, string, string, string];
  if (!/^RTSP\/\d\.\d$/.test(version)) return { status: 400, reason: 'not an RTSP request', cseq };
  if (version !== 'RTSP/1.0') return { status: 505, reason: `${version} is not supported`, cseq };
  return { method, uri, version, headers };
}

/** One response (§7). Header values must not contain CR or LF. */
export function formatResponse(status: number, headers: Array<[string, string | number]>, body?: Buffer | string): Buffer {
  const b = body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  let head = `RTSP/1.0 ${status} ${REASONS[status] ?? 'Unknown'}\r\n`;
  for (const [k, v] of headers) {
    const value = String(v);
    if (/[\r\n]/.test(value)) throw new Error(`header ${k} contains a line break`);
    head += `${k}: ${value}\r\n`;
  }
  if (b.length || body !== undefined) head += `Content-Length: ${b.length}\r\n`;
  return Buffer.concat([Buffer.from(`${head}\r\n`, 'latin1'), b]);
}

/** Parameters of a header like `Transport` or `Session`: `a;b=c;d="e"` → Map. */
export function params(value: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of value.split(';')) {
    const eq = part.indexOf('=');
    const k = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (!k) continue;
    const v =
      eq < 0
        ? ''
        : part
            .slice(eq + 1)
            .trim()
            .replace(/^"(.*)"$/, '$1');
    if (!out.has(k)) out.set(k, v);
  }
  return out;
}
