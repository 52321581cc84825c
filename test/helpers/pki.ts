/** A throw-away PKI made by the openssl CLI: CAs and certificates with EC keys (fast), in a temporary folder. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const hasOpenssl: boolean = await run('openssl', ['version']).then(
  () => true,
  () => false,
);

export interface Pki {
  dir: string;
  pem(name: string): Buffer;
  /** A CA key and self-signed certificate `<name>.crt`/`<name>.key`. */
  ca(name: string): Promise<void>;
  /** A certificate with subject CN=`cn` (default `name`) signed by `ca`; `ext` is an openssl extension file. */
  cert(name: string, ca: string, ext: string, cn?: string): Promise<void>;
  remove(): void;
}

export function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'safegrid-pki-'));
  const openssl = (args: string[]) => run('openssl', args, { cwd: dir });
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  return {
    dir,
    pem: (name) => readFileSync(join(dir, name)),
    async ca(name) {
      await openssl(['req', '-x509', ...ecKey, '-days', '2', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.crt`]);
    },
    async cert(name, ca, ext, cn = name) {
      writeFileSync(join(dir, `${name}.ext`), ext);
      await openssl(['req', '-new', ...ecKey, '-subj', `/CN=${cn}`, '-keyout', `${name}.key`, '-out', `${name}.csr`]);
      await openssl([
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        `${ca}.crt`,
        '-CAkey',
        `${ca}.key`,
        '-CAcreateserial',
        '-days',
        '2',
        '-extfile',
        `${name}.ext`,
        '-out',
        `${name}.crt`,
      ]);
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
