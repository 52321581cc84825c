/**
 * What every HTTP answer carries and every request must pass before anything else, for the express
 * app and for Socket.IO's own answers under /socket.io/ alike (issue 17, items 15 and 16):
 * the security headers, with a CSP that lets images come only from this hub and the configured tile
 * server and WebSockets only to this hub; and the Host check that stops DNS rebinding.
 */
import { isIP } from 'node:net';
import { hostname } from 'node:os';

/**
 * The origin pattern a CSP needs for the tile URL of hub.yaml `map.tiles.url`: `https://tile.osm.org`
 * from `https://tile.osm.org/{z}/{x}/{y}.png`, `https://*.tile.osm.org` when the URL spreads the load
 * over `{s}` subdomains. null for a URL on this hub (a relative path) or one the CSP cannot express.
 */
export function tileSource(url: string): string | null {
  const m = /^(https?):\/\/([^/?#]+)/i.exec(url);
  if (!m) return null;
  const host = m[2]!.replace(/\{s\}/g, '*');
  if (!/^(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host)) return null;
  return `${m[1]!.toLowerCase()}://${host.toLowerCase()}`;
}

export interface EdgeHeaderOptions {
  /** The request came over TLS (directly, or through a trusted proxy): send HSTS. */
  secure: boolean;
  /** The request's validated Host (for the WebSocket source; older Safari does not map 'self' to ws:). */
  host: string | undefined;
  /** hub.yaml `map.tiles.url`. */
  tilesUrl: string;
}

/** The security headers of every answer, pages, API and /socket.io/ alike. */
export function securityHeaders(o: EdgeHeaderOptions): Record<string, string> {
  const tiles = tileSource(o.tilesUrl);
  const ws = o.host ? ` ${o.secure ? 'wss' : 'ws'}://${o.host}` : '';
  const headers: Record<string, string> = {
    // No inline script or style anywhere, so the policy can forbid them. Images: this hub (snapshots,
    // live view, icons) and the configured tile server only; connections: this hub only.
    'Content-Security-Policy':
      `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:${tiles ? ` ${tiles}` : ''}; media-src 'self' blob:; connect-src ` +
      `'self'${ws}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'`,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
  if (o.secure) headers['Strict-Transport-Security'] = 'max-age=31536000';
  return headers;
}

const LOCAL_NAMES = new Set(['localhost', hostname().toLowerCase()]);

/** The host name of a Host header, without its port; IPv6 literals keep their brackets off. */
export function hostOf(header: string | undefined): string | null {
  if (!header) return null;
  const h = header.trim().toLowerCase();
  const v6 = /^\[([0-9a-f:.]+)\](?::\d{1,5})?$/.exec(h);
  if (v6) return v6[1]!;
  const m = /^([a-z0-9.-]+)(?::\d{1,5})?$/.exec(h);
  return m ? m[1]!.replace(/\.$/, '') : null;
}

/**
 * Whether the hub answers to this Host header. An IP address, `localhost` and this machine's name
 * always pass; any other name only when hub.yaml `http.allowed_hosts` lists it (`*.example.org` for
 * its subdomains). A DNS-rebinding page reaches the hub by the attacker's name, which is refused.
 */
export function hostAllowed(header: string | undefined, allowed: readonly string[]): boolean {
  const host = hostOf(header);
  if (!host) return false;
  if (isIP(host) || LOCAL_NAMES.has(host) || host.endsWith('.localhost')) return true;
  return allowed.some((a) => {
    const name = a.toLowerCase();
    return name.startsWith('*.') ? host.endsWith(name.slice(1)) : host === name;
  });
}
