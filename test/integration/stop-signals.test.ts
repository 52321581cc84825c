/**
 * Issue 19: the hub stops when asked. A service manager or a container runtime sends SIGTERM to one
 * PID; a terminal sends SIGINT. Whether the hub runs as `npm start` or `node bin/safegrid.js start`,
 * a signal to the PID it prints (or to npm's own PID) frees its ports within seconds, and every
 * alarm a device got a PUBACK for before the signal is in the database afterwards.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { rowsOnDisk } from '../helpers/sqlite-file.js';
import { makeTree, TREE_ENV, TREE_LOGINS, type TestTree } from '../helpers/tree.js';
import { defaultUsersYaml } from '../helpers/accounts.js';

const run = promisify(execFile);
const hasMosquittoPub = await run('mosquitto_pub', ['--help']).then(
  () => true,
  (e: { code?: unknown }) => e.code !== 'ENOENT',
);
const REPO = join(import.meta.dirname, '../..');
/** tsx compiles on start: slow on a loaded machine. */
const START_CEILING_MS = 90_000;
/**
 * The requirement is 2 s, and freeing the ports is the point of these tests, so a bound stays; it is far from the
 * figure each case prints (tens of milliseconds here, e.g. 16 ms for SIGTERM to node), which leaves room for a
 * machine shared by many test runs. The wait itself is msUntilPortsFree's 30 s ceiling.
 */
const PORTS_FREE_CEILING_MS = 5_000;

interface Running {
  child: ChildProcess;
  /** The PID the hub printed on its "SafeGrid is running" line. */
  hubPid: number;
  http: number;
  mqtt: number;
  exited: Promise<number | null>;
}

const started: ChildProcess[] = [];
const trees: TestTree[] = [];

afterEach(() => {
  // A test that failed half-way must not leave a hub behind (by PID, the ones this file started).
  for (const c of started.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const t of trees.splice(0)) t.remove();
});

async function spawnHub(command: string, args: string[], ownGroup = false): Promise<Running> {
  const child = spawn(command, args, {
    cwd: REPO,
    // Its own process group, as a terminal gives a foreground job: Ctrl-C signals the whole group.
    detached: ownGroup,
    env: { ...process.env, ...TREE_ENV, SG_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  started.push(child);
  const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
  const lines: string[] = [];
  const found = await new Promise<{ pid: number; http: number; mqtt: number }>((ok, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`no "SafeGrid is running" line within ${START_CEILING_MS / 1000} s:\n${lines.join('\n')}`)),
      START_CEILING_MS,
    );
    createInterface({ input: child.stderr! }).on('line', (line) => {
      lines.push(line);
      const m = /console http:\/\/[^:]+:(\d+)\/\s+MQTT port (\d+)\s+pid (\d+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        ok({ http: Number(m[1]), mqtt: Number(m[2]), pid: Number(m[3]) });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`exited with ${code} before it ran:\n${lines.join('\n')}`));
    });
  });
  return { child, hubPid: found.pid, http: found.http, mqtt: found.mqtt, exited };
}

function portFree(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const s = createServer();
    s.once('error', () => ok(false));
    s.listen(port, '127.0.0.1', () => s.close(() => ok(true)));
  });
}

/** Milliseconds from now until both ports can be bound again (polled; fails past the ceiling). */
async function msUntilPortsFree(ports: number[], since: number): Promise<number> {
  await vi.waitFor(async () => expect((await Promise.all(ports.map(portFree))).every(Boolean), `ports ${ports.join(', ')} still in use`).toBe(true), {
    timeout: 30_000,
    interval: 25,
  });
  return performance.now() - since;
}

function pub(port: number, msgId: string): Promise<boolean> {
  const payload = JSON.stringify({ kind: 'panic', zone: 3, msgId, at: new Date().toISOString() });
  const args = ['-h', '127.0.0.1', '-p', String(port), '-q', '1', '-u', 'shop-a', '-P', TREE_LOGINS['shop-a']!];
  // mosquitto_pub exits 0 only once the hub's PUBACK arrived: that is "acknowledged".
  return run('mosquitto_pub', [...args, '-t', 'safegrid/shop-a/shop-a-panel/event', '-m', payload]).then(
    () => true,
    () => false,
  );
}

async function tree(): Promise<TestTree> {
  const t = makeTree();
  t.write('config/users.yaml', await defaultUsersYaml());
  trees.push(t);
  return t;
}

const cases = [
  { name: 'npm start, SIGINT to npm itself', via: 'npm', signal: 'SIGINT', target: 'npm' },
  // Ctrl-C: the hub hears SIGINT from the terminal and once more from npm, in the same instant.
  { name: 'npm start, SIGINT to the whole process group (Ctrl-C)', via: 'npm', signal: 'SIGINT', target: 'group' },
  { name: 'npm start, SIGTERM to the printed PID', via: 'npm', signal: 'SIGTERM', target: 'hub' },
  { name: 'node bin/safegrid.js start, SIGINT to the printed PID', via: 'node', signal: 'SIGINT', target: 'hub' },
  { name: 'node bin/safegrid.js start, SIGTERM to the printed PID', via: 'node', signal: 'SIGTERM', target: 'hub' },
] as const;

describe.skipIf(!hasMosquittoPub)('the hub stops when asked (issue 19)', () => {
  for (const c of cases) {
    it(`${c.name}: ports free within seconds, every acknowledged alarm on disk`, async () => {
      const t = await tree();
      const db = join(t.root, 'data/stop.db');
      const hubArgs = ['--root', t.root, '--http-port', '0', '--mqtt-port', '0', '--db', db];
      // --ignore-scripts skips only prestart (the web build, not what this test is about); npm still runs "start".
      const h =
        c.via === 'npm'
          ? await spawnHub('npm', ['start', '--ignore-scripts', '--silent', '--', ...hubArgs], c.target === 'group')
          : await spawnHub(process.execPath, ['bin/safegrid.js', 'start', ...hubArgs]);

      // Devices keep publishing while the signal arrives: some get their PUBACK, some not.
      const acked: string[] = [];
      let publishing = true;
      const publisher = (async () => {
        for (let i = 0; publishing && i < 500; i++) {
          const id = `stop-${c.via}-${c.signal}-${i}`;
          if (await pub(h.mqtt, id)) acked.push(id);
        }
      })();
      await expect.poll(() => acked.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(3);

      const t0 = performance.now();
      process.kill(c.target === 'npm' ? h.child.pid! : c.target === 'group' ? -h.child.pid! : h.hubPid, c.signal);
      const freeMs = await msUntilPortsFree([h.http, h.mqtt], t0);
      const code = await h.exited;
      publishing = false;
      await publisher;
      console.info(`[stop-signals] ${c.name}: ports free ${Math.round(freeMs)} ms after the signal; exit code ${code}`);
      expect(freeMs).toBeLessThan(PORTS_FREE_CEILING_MS);
      expect(code).toBe(0);

      // What a restart reads: the database file. Every acknowledged alarm is in it, once.
      const raws = rowsOnDisk<{ raw: string }>(db, 'SELECT raw FROM events').map((r) => r.raw);
      const lost = acked.filter((id) => !raws.some((raw) => raw.includes(`"${id}"`)));
      expect(lost).toEqual([]);
    });
  }
});
