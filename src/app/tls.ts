/**
 * HTTPS for the pages (hub.yaml `http.tls`, issue 13). A phone grants notifications and service
 * workers only to a secure context, which `http://<hub-ip>` is not.
 *
 * `cert` + `key`: the installer's PEM files. `self_signed: true`: a certificate the hub makes on
 * first start and keeps beside the database (`<data>/tls/hub.crt`, `hub.key`), reused after, so
 * its fingerprint stays what the guards checked. Node's crypto can read X.509 but not issue it, and
 * no npm package for that is installed here, so it is made with the `openssl` command (Debian's
 * `openssl` package), once; the SHA-256 fingerprint is logged and printed at start.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from '../core/logger.js';
import type { HubContext } from './context.js';

export interface HttpTls {
  cert: string;
  key: string;
  /** SHA-256 fingerprint, `AB:CD:…`, as a browser's certificate viewer shows it. */
  fingerprint: string;
  selfSigned: boolean;
}

/** The TLS material of hub.yaml `http.tls`; null when the hub serves plain HTTP. */
export function loadHttpTls(ctx: HubContext, log: Logger): HttpTls | null {
  const hub = ctx.running.config.hub;
  const tls = hub.http.tls;
  if (!tls) return null;
  let certFile: string;
  let keyFile: string;
  let selfSigned = false;
  if (tls.cert && tls.key) {
    certFile = resolve(ctx.rootDir, tls.cert);
    keyFile = resolve(ctx.rootDir, tls.key);
  } else {
    const dir = join(hub.storage.path === ':memory:' ? resolve(ctx.rootDir, 'data') : dirname(hub.storage.path), 'tls');
    certFile = join(dir, 'hub.crt');
    keyFile = join(dir, 'hub.key');
    selfSigned = true;
    if (!existsSync(certFile) || !existsSync(keyFile)) {
      makeSelfSigned(dir, certFile, keyFile, [...tls.hosts, hub.http.host]);
      log.warn({ cert: certFile }, 'made a self-signed HTTPS certificate (first start); phones must accept it once');
    }
  }
  const cert = readFileSync(certFile, 'utf8');
  const key = readFileSync(keyFile, 'utf8');
  const fingerprint = new X509Certificate(cert).fingerprint256;
  log.info({ cert: certFile, fingerprint, selfSigned }, 'HTTPS certificate (SHA-256 fingerprint)');
  return { cert, key, fingerprint, selfSigned };
}

/** The names a phone may use to reach the hub: localhost, loopback, this machine's addresses, and the configured ones. */
function subjectAltNames(extra: readonly string[]): string {
  const names = new Set<string>(['localhost']);
  const ips = new Set<string>(['127.0.0.1', '::1']);
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (!a.internal) ips.add(a.address.split('%')[0]!);
  for (const h of extra) {
    if (h === '0.0.0.0' || h === '::') continue;
    if (/^[\d.]+$/.test(h) || h.includes(':')) ips.add(h);
    else names.add(h);
  }
  return [...[...names].map((n) => `DNS:${n}`), ...[...ips].map((i) => `IP:${i}`)].join(',');
}

function makeSelfSigned(dir: string, certFile: string, keyFile: string, hosts: readonly string[]): void {
  mkdirSync(dir, { recursive: true });
  try {
    // Argument array, no shell: nothing from the config is ever interpreted.
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-sha256',
        '-days',
        '825',
        '-subj',
        '/O=SafeGrid/CN=SafeGrid hub',
        '-addext',
        `subjectAltName=${subjectAltNames(hosts)}`,
        '-addext',
        'extendedKeyUsage=serverAuth',
        // A phone installs it as a CA certificate (Android refuses one without CA:TRUE): it is its own anchor.
        '-addext',
        'basicConstraints=critical,CA:TRUE,pathlen:0',
        '-addext',
        'keyUsage=critical,digitalSignature,keyCertSign',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 },
    );
  } catch (err) {
    const e = err as { code?: string; stderr?: Buffer };
    if (e.code === 'ENOENT')
      throw new Error('http.tls.self_signed needs the `openssl` command (Debian: apt-get install openssl), or give http.tls.cert and key');
    throw new Error(`openssl could not make the self-signed certificate: ${e.stderr?.toString('utf8').trim().split('\n')[0] ?? String(err)}`);
  }
  chmodSync(keyFile, 0o600);
}
