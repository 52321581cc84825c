/**
 * Debian's PostgreSQL 15, a private instance started by the test: its own data directory, a free
 * loopback port, its socket in the data directory. Never the system cluster, so a test may stop,
 * kill or restart it without touching anyone else's (and several test files run at once).
 *
 * Started as root (CI), the server runs as the `postgres` user (PostgreSQL refuses to run as root):
 * the child is the postgres process itself, so stop() and kill() signal exactly the PID we started.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './mosquitto.js';

const BIN_DIRS = ['/usr/lib/postgresql/15/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/17/bin'];
export const POSTGRES_BIN_DIR = BIN_DIRS.find((d) => existsSync(join(d, 'postgres'))) ?? null;

export interface PostgresServer {
  port: number;
  /** postgres://safegrid@127.0.0.1:port/postgres — the maintenance database. */
  adminUrl: string;
  /** Creates an empty database and returns its URL (one per test keeps tests apart). */
  createDatabase(name?: string): Promise<string>;
  /** SIGINT: PostgreSQL's fast shutdown (clients are disconnected, committed data stays). */
  stop(): Promise<void>;
  /** SIGKILL of the postmaster: what a crashed machine looks like to the clients. */
  kill(): Promise<void>;
  /** Starts it again on the same data directory and port (after stop or kill). */
  start(): Promise<void>;
  /** Stops it and removes the data directory. */
  destroy(): Promise<void>;
}

export interface PostgresOptions {
  /** fsync off makes a test instance faster; durability tests keep it on (the default). */
  fsync?: boolean;
  /** More postgresql.conf lines (a bench loads pg_stat_statements with `shared_preload_libraries = 'pg_stat_statements'`). */
  extraConfig?: string[];
}

function runAs(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

let counter = 0;

export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresServer> {
  if (!POSTGRES_BIN_DIR) throw new Error('PostgreSQL is not installed (apt-get install postgresql)');
  const bin = POSTGRES_BIN_DIR;
  const user = runAs();
  const dir = mkdtempSync(join(tmpdir(), 'safegrid-pg-'));
  if (user.uid !== undefined) chownSync(dir, user.uid, user.gid ?? user.uid);
  const data = join(dir, 'data');
  execFileSync(join(bin, 'initdb'), ['-D', data, '-U', 'safegrid', '-A', 'trust', '-E', 'UTF8', '--no-sync', '--locale=C'], {
    ...user,
    stdio: 'ignore',
  });
  writeFileSync(
    join(data, 'postgresql.auto.conf'),
    [
      `fsync = ${options.fsync === false ? 'off' : 'on'}`,
      'max_connections = 200',
      'shared_buffers = 32MB',
      "log_min_messages = 'fatal'",
      ...(options.extraConfig ?? []),
      '',
    ].join('\n'),
  );
  if (user.uid !== undefined) chownSync(join(data, 'postgresql.auto.conf'), user.uid, user.gid ?? user.uid);
  const port = await freePort();
  const adminUrl = `postgres://safegrid@127.0.0.1:${port}/postgres`;
  let child: ChildProcess | null = null;

  const start = async (): Promise<void> => {
    const proc = spawn(join(bin, 'postgres'), ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1'], {
      ...user,
      stdio: 'ignore',
    });
    child = proc;
    // Ready when it answers a query (a ceiling: a loaded machine can take seconds to start it).
    const until = Date.now() + 60_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`postgres exited with ${proc.exitCode}`);
      const client = new pg.Client({ connectionString: adminUrl });
      const ok = await client
        .connect()
        .then(() => client.query('SELECT 1'))
        .then(
          () => true,
          () => false,
        );
      await client.end().catch(() => undefined);
      if (ok) return;
      if (Date.now() > until) throw new Error('postgres did not start');
      await new Promise((r) => setTimeout(r, 100));
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
    adminUrl,
    async createDatabase(name = `t${process.pid}_${++counter}_${Date.now().toString(36)}`) {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
      } finally {
        await client.end();
      }
      return `postgres://safegrid@127.0.0.1:${port}/${name}`;
    },
    stop: () => signal('SIGINT'),
    kill: async () => {
      await signal('SIGKILL');
      // The postmaster's children notice it died and exit; a new postmaster waits for them
      // (the shared memory is still attached) — start() polls until it answers.
    },
    start,
    async destroy() {
      await signal('SIGINT');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
