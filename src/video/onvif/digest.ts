/**
 * HTTP Digest access authentication, client side (RFC 7616): MD5 and SHA-256, their -sess
 * variants, qop=auth, userhash; RFC 2069 compatibility when the server offers no qop. Pure.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parse WWW-Authenticate header values (RFC 7235 §4.1): `Scheme param=token, param="quoted"`.
 * A header may hold several challenges; a new one starts where a token is followed by a space
 * and a param, not by `=`.
 */
export function parseChallenges(values: readonly string[]): Challenge[] {
  const out: Challenge[] = [];
  for (const value of values) {
    let i = 0;
    const s = value.slice(0, 4096);
    let current: Challenge | null = null;
    const skip = (): void => {
      while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === ',')) i++;
    };
    const token = (): string => {
      const m = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/.exec(s.slice(i));
      if (!m) return '';
      i += m[0].length;
      return m[0];
    };
    while (i < s.length) {
      skip();
      const start = i;
      const t = token();
      if (!t) {
        i++;
        continue;
      }
      let j = i;
      while (s[j] === ' ' || s[j] === '\t') j++;
      if (s[j] === '=' && current) {
        i = j + 1;
        while (s[i] === ' ' || s[i] === '\t') i++;
        let v = '';
        if (s[i] === '"') {
          i++;
          while (i < s.length && s[i] !== '"') {
            if (s[i] === '\\' && i + 1 < s.length) i++;
            v += s[i];
            i++;
          }
          i++;
        } else {
          v = token();
        }
        current.params[t.toLowerCase()] = v;
      } else if (s[j] === '=' && !current) {
        i = start + t.length + 1; // a parameter before any scheme: ignore it
      } else {
        current = { scheme: t.toLowerCase(), params: {} };
        out.push(current);
      }
    }
  }
  return out;
}

type Algo = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';

function normaliseAlgo(a: string | undefined): Algo | null {
  const v = (a ?? 'MD5').toUpperCase();
  if (v === 'MD5') return 'MD5';
  if (v === 'MD5-SESS') return 'MD5-sess';
  if (v === 'SHA-256') return 'SHA-256';
  if (v === 'SHA-256-SESS') return 'SHA-256-sess';
  return null;
}

/** The best Digest challenge we support: SHA-256 before MD5 (RFC 7616 §3.7). */
export function pickDigest(challenges: readonly Challenge[]): Challenge | null {
  const digest = challenges.filter((c) => c.scheme === 'digest' && c.params.nonce !== undefined && normaliseAlgo(c.params.algorithm));
  const qopOk = (c: Challenge): boolean => !c.params.qop || c.params.qop.split(',').some((q) => q.trim() === 'auth');
  const usable = digest.filter(qopOk);
  return usable.find((c) => normaliseAlgo(c.params.algorithm)!.startsWith('SHA-256')) ?? usable[0] ?? null;
}

export interface DigestInput {
  challenge: Challenge;
  username: string;
  password: string;
  method: string;
  /** Request-target: path and query. */
  uri: string;
  cnonce?: string;
  nc?: number;
}

const quote = (s: string): string => `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;

export function digestAuthorization(d: DigestInput): string {
  const p = d.challenge.params;
  const algo = normaliseAlgo(p.algorithm) ?? 'MD5';
  const h = (s: string): string =>
    createHash(algo.startsWith('SHA-256') ? 'sha256' : 'md5')
      .update(s, 'utf8')
      .digest('hex');
  const realm = p.realm ?? '';
  const nonce = p.nonce ?? '';
  const cnonce = d.cnonce ?? randomBytes(12).toString('hex');
  const nc = (d.nc ?? 1).toString(16).padStart(8, '0');
  const qop = p.qop ? 'auth' : null;
  let ha1 = h(`${d.username}:${realm}:${d.password}`);
  if (algo.endsWith('-sess')) ha1 = h(`${ha1}:${nonce}:${cnonce}`);
  const ha2 = h(`${d.method}:${d.uri}`);
  const response = qop ? h(`${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`) : h(`${ha1}:${nonce}:${ha2}`);
  const userhash = p.userhash?.toLowerCase() === 'true';
  const parts = [
    `username=${quote(userhash ? h(`${d.username}:${realm}`) : d.username)}`,
    `realm=${quote(realm)}`,
    `uri=${quote(d.uri)}`,
    `algorithm=${p.algorithm ? algo : 'MD5'}`,
    `nonce=${quote(nonce)}`,
  ];
  if (qop) parts.push(`nc=${nc}`, `cnonce=${quote(cnonce)}`, `qop=${qop}`);
  parts.push(`response=${quote(response)}`);
  if (p.opaque !== undefined) parts.push(`opaque=${quote(p.opaque)}`);
  if (userhash) parts.push('userhash=true');
  return `Digest ${parts.join(', ')}`;
}
