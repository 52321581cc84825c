/**
 * The simulated camera's checks of who is asking: HTTP Digest on the snapshot and MJPEG URIs
 * (RFC 7616 §3.3–3.4, server side; realm `sim-camera`, qop `auth`, MD5 or SHA-256) and WS-Security
 * UsernameToken on SOAP requests (UsernameToken Profile 1.0 §3.1; ONVIF Core §5.12.2), with the
 * operations ONVIF Core §5.9.4.3 puts in access class PRE_AUTH answered without either.
 * The RTSP server's own Digest is in rtsp-auth.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import type http from 'node:http';
import { get, type Obj, str } from './soap-xml.js';

/** Core §5.9.4.3 access class PRE_AUTH: answered without credentials. */
export const PRE_AUTH = new Set([
  'GetSystemDateAndTime',
  'GetHostname',
  'GetCapabilities',
  'GetServices',
  'GetServiceCapabilities',
  'GetWsdlUrl',
  'GetEndpointReference',
]);

export interface Credentials {
  username: string;
  password: string;
}

// --- HTTP Digest (RFC 7616 §3.3–3.4), server side ---

export class HttpDigest {
  private readonly digestNonces = new Set<string>();

  constructor(private readonly algorithm: () => 'MD5' | 'SHA-256') {}

  ok(req: http.IncomingMessage, c: Credentials): boolean {
    const h = req.headers.authorization ?? '';
    if (!h.startsWith('Digest ')) return false;
    const p: Record<string, string> = {};
    for (const m of h.slice(7).matchAll(/([a-z]+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]+))/gi)) p[m[1]!.toLowerCase()] = (m[2] ?? m[3] ?? '').replace(/\\(.)/g, '$1');
    if (!p.nonce || !this.digestNonces.has(p.nonce)) return false;
    const algo = this.algorithm();
    const H = (s: string): string =>
      createHash(algo === 'SHA-256' ? 'sha256' : 'md5')
        .update(s)
        .digest('hex');
    const password = c.password;
    if (p.username !== c.username) return false;
    const ha1 = H(`${c.username}:sim-camera:${password}`);
    const ha2 = H(`${req.method}:${p.uri}`);
    if (p.uri !== req.url) return false;
    const expected = H(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`);
    return p.qop === 'auth' && p.response === expected;
  }

  challenge(res: http.ServerResponse): void {
    const nonce = randomBytes(16).toString('base64');
    this.digestNonces.add(nonce);
    const opaque = randomBytes(8).toString('hex');
    res.writeHead(401, {
      'WWW-Authenticate': `Digest realm="sim-camera", qop="auth", algorithm=${this.algorithm()}, nonce="${nonce}", opaque="${opaque}"`,
      'Content-Type': 'text/plain',
    });
    res.end('401 Unauthorized');
  }
}

// --- WS-Security UsernameToken ---

export class UsernameTokenAuth {
  private readonly usedNonces = new Map<string, number>();

  /** WS-Security UsernameToken Profile 1.0 §3.1; ONVIF Core §5.12.2. `now`: the camera's clock. */
  authenticated(envelope: unknown, c: Credentials, now: () => Date): boolean {
    const token = get(envelope, 'Envelope', 'Header', 'Security', 'UsernameToken');
    if (!token) return false;
    const user = str(get(token, 'Username'));
    const pwNode = get(token, 'Password') as Obj | string | undefined;
    const pw = str(pwNode);
    const type = typeof pwNode === 'object' ? String(pwNode['@_Type'] ?? '') : '';
    const nonce = str(get(token, 'Nonce'));
    const created = str(get(token, 'Created'));
    const password = c.password;
    if (user !== c.username) return false;
    if (type.endsWith('#PasswordText')) return pw === password;
    if (!nonce || !created) return false;
    const t = Date.parse(created);
    if (!Number.isFinite(t) || Math.abs(t - now().getTime()) > 5 * 60_000) return false;
    // Replay: a nonce is accepted once within the Created window.
    const seen = this.usedNonces.get(nonce);
    if (seen !== undefined && seen === t) return false;
    const expected = createHash('sha1')
      .update(Buffer.concat([Buffer.from(nonce, 'base64'), Buffer.from(created), Buffer.from(password)]))
      .digest('base64');
    if (expected !== pw) return false;
    this.usedNonces.set(nonce, t);
    if (this.usedNonces.size > 5000) this.usedNonces.clear();
    return true;
  }
}
