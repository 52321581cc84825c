/** Debian's mosquitto broker, started by the test on a free loopback port with persistence on. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MOSQUITTO_BIN = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => existsSync(p)) ?? null;

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

export interface Mosquitto {
  port: number;
  url: string;
  stop(): Promise<void>;
}

export interface MosquittoOptions {
  /** Refuse anonymous clients and check logins and topics against these files (safegrid broker-config mosquitto). */
  auth?: { passwordFile: string; aclFile: string };
}

export async function startMosquitto(options: MosquittoOptions = {}): Promise<Mosquitto> {
  if (!MOSQUITTO_BIN) throw new Error('mosquitto is not installed (apt-get install mosquitto)');
  const dir = mkdtempSync(join(tmpdir(), 'safegrid-mosq-'));
  const port = await freePort();
  writeFileSync(
    join(dir, 'mosquitto.conf'),
    [
      `listener ${port} 127.0.0.1`,
      ...(options.auth
        ? [
            'allow_anonymous false',
            `password_file ${options.auth.passwordFile}`,
            `acl_file ${options.auth.aclFile}`,
            // Started as root, Mosquitto drops to the user "mosquitto" before reading these 0600 files
            // (an installer chowns them); the test keeps the user that wrote them instead.
            ...(process.getuid?.() === 0 ? ['user root'] : []),
          ]
        : ['allow_anonymous true']),
      'persistence true',
      `persistence_location ${dir}/`,
      'max_queued_messages 100000',
      'log_type error',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(MOSQUITTO_BIN, ['-c', join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
  // Ready when it accepts TCP (a ceiling: a loaded machine can take seconds to start it).
  const until = Date.now() + 30_000;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        r(true);
      });
      s.once('error', () => r(false));
    });
    if (ok) break;
    if (Date.now() > until) throw new Error('mosquitto did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
