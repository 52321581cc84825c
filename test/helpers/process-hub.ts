/**
 * The hub as a real child process (`safegrid start`), for tests that kill it: SIGKILL leaves no
 * chance to flush or close anything, as a power cut or an OOM kill would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { TREE_ENV } from './tree.js';

export interface ProcessHub {
  child: ChildProcess;
  httpPort: number;
  /** null in external-broker mode. */
  mqttPort: number | null;
  /** SIGKILL and wait for the process to be gone. */
  kill(): Promise<void>;
  /** SIGTERM (orderly stop) and wait. */
  stop(): Promise<void>;
}

/** How long `safegrid start` may take to print its ports: tsx compiles on start, slowly on a loaded machine. */
const START_CEILING_MS = 90_000;

export interface ProcessHubOptions {
  /** Fixed ports, so clients reconnect to the same address after a restart (default 0: any free one). */
  httpPort?: number;
  mqttPort?: number;
  /** Start as `npm start` does (`node bin/safegrid.js start`: tsx registered by the script, not by a flag). */
  bin?: boolean;
  /** Flags for node itself, before the script (a bench's `--cpu-prof`, which NODE_OPTIONS refuses). */
  nodeArgs?: string[];
}

export async function startProcessHub(root: string, env: Record<string, string> = {}, o: ProcessHubOptions = {}): Promise<ProcessHub> {
  const child = spawn(
    process.execPath,
    [
      ...(o.nodeArgs ?? []),
      ...(o.bin ? ['bin/safegrid.js'] : ['--import', 'tsx', 'src/cli.ts']),
      'start',
      '--root',
      root,
      '--http-port',
      String(o.httpPort ?? 0),
      '--mqtt-port',
      String(o.mqttPort ?? 0),
    ],
    { env: { ...process.env, ...TREE_ENV, SG_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  const ports = await new Promise<{ http: number; mqtt: number | null }>((ok, fail) => {
    const lines: string[] = [];
    const timer = setTimeout(() => {
      // Not left running: a caller that starts it again needs its ports.
      child.kill('SIGKILL');
      fail(new Error(`hub process did not start within ${START_CEILING_MS / 1000} s; its last lines:\n${lines.slice(-5).join('\n')}`));
    }, START_CEILING_MS);
    createInterface({ input: child.stderr! }).on('line', (line) => {
      lines.push(line);
      const m = /console https?:\/\/[^:]+:(\d+)\/\s+MQTT (?:port (\d+)|external)/.exec(line);
      if (m) {
        clearTimeout(timer);
        ok({ http: Number(m[1]), mqtt: m[2] ? Number(m[2]) : null });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`hub process exited with ${code}:\n${lines.join('\n')}`));
    });
  });
  return {
    child,
    httpPort: ports.http,
    mqttPort: ports.mqtt,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
