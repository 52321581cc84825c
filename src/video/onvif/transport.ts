/**
 * The one place ONVIF code touches the network over HTTP: bounded time and size, HTTP Digest
 * (RFC 7616) when the device asks for it, no credentials in any URL we log.
 */
import http from 'node:http';
import https from 'node:https';
import { ONVIF_LIMITS, OnvifError } from './errors.js';
import { digestAuthorization, parseChallenges, pickDigest, type Challenge } from './digest.js';

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Every WWW-Authenticate header, separately (a device may offer Digest SHA-256 and MD5). */
  authenticate: string[];
  body: Buffer;
}

export interface HttpRequest {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  maxBytes: number;
  /** For HTTP Digest. Basic is never sent over plain http (the password would cross the LAN in clear). */
  credentials?: { username: string; password: string } | null;
  /** Aborts the request (e.g. the hub is stopping). */
  signal?: AbortSignal;
}

/** `http://user:pw@host/x` → `http://host/x`: for logs and error messages. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/?#]*@/i, '$1');
}

function once(req: HttpRequest, authorization: string | null): Promise<HttpResult> {
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    return Promise.reject(new OnvifError('bad_url', `not a URL: ${redactUrl(req.url).slice(0, 100)}`));
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return Promise.reject(new OnvifError('bad_url', `scheme ${url.protocol} refused; expected http or https`));
  }
  const lib = url.protocol === 'https:' ? https : http;
  const body = req.body === undefined ? undefined : Buffer.from(req.body, 'utf8');
  const headers: Record<string, string> = { ...req.headers, Connection: 'close' };
  if (body) headers['Content-Length'] = String(body.length);
  if (authorization) headers.Authorization = authorization;
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (e: OnvifError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      r.destroy();
      reject(e);
    };
    const r = lib.request(
      {
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: req.method ?? 'GET',
        headers,
        agent: false,
      },
      (res) => {
        const declared = Number(res.headers['content-length'] ?? NaN);
        if (Number.isFinite(declared) && declared > req.maxBytes) {
          res.destroy();
          return fail(new OnvifError('too_large', `reply declares ${declared} bytes; limit ${req.maxBytes}`));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > req.maxBytes) {
            res.destroy();
            fail(new OnvifError('too_large', `reply exceeds ${req.maxBytes} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            authenticate: res.headersDistinct['www-authenticate'] ?? [],
            body: Buffer.concat(chunks),
          });
        });
        res.on('error', (e) => fail(new OnvifError('unreachable', e.message)));
        res.on('aborted', () => fail(new OnvifError('unreachable', 'connection closed mid-reply')));
      },
    );
    const timer = setTimeout(() => fail(new OnvifError('timeout', `no complete answer within ${req.timeoutMs} ms`)), req.timeoutMs);
    r.on('error', (e: NodeJS.ErrnoException) => fail(new OnvifError('unreachable', e.code ?? e.message)));
    req.signal?.addEventListener('abort', () => fail(new OnvifError('timeout', 'aborted')), { once: true });
    r.end(body);
  });
}

/** Remembers a digest challenge per origin, so the next request can answer it without a 401 round trip. */
export class DigestCache {
  private readonly byOrigin = new Map<string, { challenge: Challenge; nc: number }>();
  get(origin: string): { challenge: Challenge; nc: number } | undefined {
    return this.byOrigin.get(origin);
  }
  set(origin: string, challenge: Challenge): void {
    this.byOrigin.set(origin, { challenge, nc: 0 });
  }
  forget(origin: string): void {
    this.byOrigin.delete(origin);
  }
}

/** One HTTP exchange, answering a Digest challenge once. A 401 after that is `not_authorized`. */
export async function httpExchange(req: HttpRequest, cache?: DigestCache): Promise<HttpResult> {
  const url = new URL(req.url);
  const path = `${url.pathname}${url.search}`;
  const method = req.method ?? 'GET';
  const creds = req.credentials;
  const auth = (c: { challenge: Challenge; nc: number }): string =>
    digestAuthorization({ challenge: c.challenge, username: creds!.username, password: creds!.password, method, uri: path, nc: ++c.nc });
  const cached = creds ? cache?.get(url.origin) : undefined;
  let res = await once(req, cached ? auth(cached) : null);
  if (res.status !== 401 || !creds) return res;
  const challenges = parseChallenges(res.authenticate);
  const digest = pickDigest(challenges);
  if (!digest) {
    const schemes = challenges.map((c) => c.scheme).join(', ') || 'none';
    if (challenges.some((c) => c.scheme === 'basic') && url.protocol === 'https:') {
      return once(req, `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`);
    }
    throw new OnvifError('not_authorized', `device asks for ${schemes} authentication; only Digest (or Basic over https) is used`);
  }
  const entry = { challenge: digest, nc: 0 };
  cache?.set(url.origin, digest);
  res = await once(req, auth(cache?.get(url.origin) ?? entry));
  if (res.status === 401) {
    // A stale nonce gets one more try with the fresh challenge (RFC 7616 §3.3 stale=true).
    const again = pickDigest(parseChallenges(res.authenticate));
    if (again?.params.stale?.toLowerCase() === 'true') {
      cache?.set(url.origin, again);
      res = await once(req, auth(cache?.get(url.origin) ?? { challenge: again, nc: 0 }));
    }
  }
  return res;
}

export const DEFAULT_SOAP_LIMITS = { timeoutMs: 5000, maxBytes: ONVIF_LIMITS.maxXmlBytes };
