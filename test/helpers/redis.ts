/**
 * Debian's redis-server, a private instance started by the test on a free loopback port with no
 * persistence: a test may stop, kill or restart it without touching anyone else's.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './mosquitto.js';

export const REDIS_BIN = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p)) ?? null;

export interface RedisServer {
  port: number;
  url: string;
  stop(): Promise<void>;
  kill(): Promise<void>;
  /** Starts it again on the same port (after stop or kill); its data is gone, as after a crash. */
  start(): Promise<void>;
  destroy(): Promise<void>;
}

async function answersPing(port: number): Promise<boolean> {
  return new Promise((r) => {
    const s = connect(port, '127.0.0.1', () => s.write('PING\r\n'));
    s.once('data', (d) => {
      s.destroy();
      r(d.toString().startsWith('+PONG'));
    });
    s.once('error', () => r(false));
  });
}

export async function startRedis(): Promise<RedisServer> {
  if (!REDIS_BIN) throw new Error('redis-server is not installed (apt-get install redis-server)');
  const bin = REDIS_BIN;
  const dir = mkdtempSync(join(tmpdir(), 'safegrid-redis-'));
  const port = await freePort();
  let child: ChildProcess | null = null;
  const start = async (): Promise<void> => {
    const proc = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
      stdio: 'ignore',
    });
    child = proc;
    const until = Date.now() + 30_000;
    while (!(await answersPing(port))) {
      if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode}`);
      if (Date.now() > until) throw new Error('redis-server did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const signal = async (sig: NodeJS.Signals): Promise<void> => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill(sig);
    await exited;
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
    start,
    async destroy() {
      await signal('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
