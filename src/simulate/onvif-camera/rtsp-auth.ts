/**
 * RTSP authentication, server side (RFC 2326 §12.5 → HTTP authentication of RFC 2617): Digest with
 * MD5 and qop=auth (also the RFC 2069 form without qop), and Basic when configured. Only MD5 is
 * offered because that is what RTSP cameras send and all ffmpeg 5.1's RTSP client answers.
 *
 * Nonces are stateless: `<time>.<HMAC(time)>` under a per-server key, valid 5 minutes (then the
 * answer is a fresh challenge with `stale=true`, §3.2.1), so memory does not grow with clients.
 * Simpler than some cameras: the nonce count is not checked for replays, and `opaque` is not used.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type RtspAuthScheme = 'digest' | 'basic' | 'digest+basic' | 'none';

export interface Credentials {
  username: string;
  password: string;
}

export type AuthResult = 'ok' | 'missing' | 'wrong' | 'stale';

const NONCE_LIFETIME_MS = 5 * 60_000;
const md5 = (s: string): string => createHash('md5').update(s, 'utf8').digest('hex');

function same(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** `Digest a="b", c=d` → Map (quoted-string escapes undone). */
export function parseAuthParams(s: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of s.matchAll(/([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    const k = m[1]!.toLowerCase();
    if (!out.has(k)) out.set(k, (m[2] ?? m[3] ?? '').replace(/\\(.)/g, '$1'));
  }
  return out;
}

/** RFC 2617 §3.2.2.1 request-digest (MD5; qop=auth, or the RFC 2069 form when qop is absent). */
export function digestResponse(p: {
  username: string;
  realm: string;
  password: string;
  method: string;
  uri: string;
  nonce: string;
  nc?: string;
  cnonce?: string;
  qop?: string;
  algorithm?: string;
}): string {
  let ha1 = md5(`${p.username}:${p.realm}:${p.password}`);
  if ((p.algorithm ?? 'MD5').toUpperCase() === 'MD5-SESS') ha1 = md5(`${ha1}:${p.nonce}:${p.cnonce ?? ''}`);
  const ha2 = md5(`${p.method}:${p.uri}`);
  return p.qop ? md5(`${ha1}:${p.nonce}:${p.nc ?? ''}:${p.cnonce ?? ''}:${p.qop}:${ha2}`) : md5(`${ha1}:${p.nonce}:${ha2}`);
}

export class RtspAuth {
  private readonly key = randomBytes(32);
  /** Requests let in, by scheme (tests check which one a client chose). */
  readonly accepted = { digest: 0, basic: 0 };

  constructor(
    readonly scheme: RtspAuthScheme,
    readonly realm: string,
    private readonly credentials: () => Credentials,
    private readonly now: () => number = Date.now,
  ) {}

  private nonce(): string {
    const t = this.now().toString(36);
    return `${t}.${createHmac('sha256', this.key).update(t).digest('base64url').slice(0, 22)}`;
  }

  private nonceState(nonce: string): 'ok' | 'stale' | 'bad' {
    const [t, mac] = nonce.split('.');
    if (!t || !mac || !same(mac, createHmac('sha256', this.key).update(t).digest('base64url').slice(0, 22))) return 'bad';
    const age = this.now() - parseInt(t, 36);
    return age >= 0 && age <= NONCE_LIFETIME_MS ? 'ok' : 'stale';
  }

  /** WWW-Authenticate values for a 401, strongest first. */
  challenges(stale = false): string[] {
    const out: string[] = [];
    if (this.scheme === 'digest' || this.scheme === 'digest+basic') {
      out.push(`Digest realm="${this.realm}", nonce="${this.nonce()}", algorithm=MD5, qop="auth"${stale ? ', stale=true' : ''}`);
    }
    if (this.scheme === 'basic' || this.scheme === 'digest+basic') out.push(`Basic realm="${this.realm}"`);
    return out;
  }

  /** Check a request's Authorization header against the configured schemes. */
  check(method: string, uri: string, authorization: string | undefined): AuthResult {
    if (this.scheme === 'none') return 'ok';
    if (!authorization) return 'missing';
    const space = authorization.indexOf(' ');
    const kind = (space < 0 ? authorization : authorization.slice(0, space)).toLowerCase();
    const rest = space < 0 ? '' : authorization.slice(space + 1).trim();
    const { username, password } = this.credentials();
    if (kind === 'basic' && (this.scheme === 'basic' || this.scheme === 'digest+basic')) {
      if (!same(Buffer.from(rest, 'base64').toString('utf8'), `${username}:${password}`)) return 'wrong';
      this.accepted.basic++;
      return 'ok';
    }
    if (kind === 'digest' && (this.scheme === 'digest' || this.scheme === 'digest+basic')) {
      const p = parseAuthParams(rest);
      const nonce = p.get('nonce') ?? '';
      const state = this.nonceState(nonce);
      if (state === 'bad') return 'wrong';
      const algorithm = (p.get('algorithm') ?? 'MD5').toUpperCase();
      if (algorithm !== 'MD5' && algorithm !== 'MD5-SESS') return 'wrong';
      if (p.get('username') !== username || p.get('realm') !== this.realm) return 'wrong';
      // §3.2.2.5: the digest-uri must name the Request-URI (ffmpeg sends it verbatim).
      if (p.get('uri') !== uri) return 'wrong';
      const qop = p.get('qop');
      const cnonce = p.get('cnonce') ?? '';
      const nc = p.get('nc') ?? '';
      if (qop === 'auth' ? !/^[0-9a-fA-F]{8}$/.test(nc) || !cnonce : qop !== undefined) return 'wrong';
      const expected = digestResponse({ username, realm: this.realm, password, method, uri, nonce, nc, cnonce, ...(qop ? { qop } : {}), algorithm });
      if (!same((p.get('response') ?? '').toLowerCase(), expected)) return 'wrong';
      if (state === 'stale') return 'stale';
      this.accepted.digest++;
      return 'ok';
    }
    return 'wrong';
  }
}
