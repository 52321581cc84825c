/**
 * Hub replicas as real processes on one private PostgreSQL and one private Redis (issue 18), for
 * tests and benches that kill them: SIGKILL of a process is what a dead machine looks like.
 *
 * - Each replica runs from its own copy of one config tree (same sites, same hub.yaml) so files a
 *   hub writes beside its config (the parse cache, the audit anchor) are never shared.
 * - Many generated sites (`gen-<n>`), each with one native panel and its own MQTT login, spread
 *   over the four cells of the test district.
 * - Two TCP balancers stand in for HAProxy: one for MQTT, one for HTTP/WebSocket. Each new
 *   connection goes round-robin to the next replica that is up and accepts; when a replica dies its
 *   connections close and the clients' reconnects land on another one.
 * - `ReplicaConsole`: a console that, when its replica dies, connects to another one and catches up
 *   by `since`, exactly as web/src/live.ts does (events at or below its last seq are dropped).
 */
import { createServer, connect as netConnect, type Server, type Socket as NetSocket } from 'node:net';
import pg from 'pg';
import { io as ioClient, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, EventBatch, QueueSnapshot, ServerToClientEvents } from '../../src/contract/socket.js';
import { accountOf, defaultUsersYaml } from './accounts.js';
import { sleep, until } from './fault.js';
import { freePort } from './mosquitto.js';
import { startPostgres, type PostgresServer } from './postgres.js';
import { startProcessHub, type ProcessHub } from './process-hub.js';
import { startRedis, type RedisServer } from './redis.js';
import { HUB_YAML, makeTree, type TestTree } from './tree.js';

export interface GeneratedSite {
  id: string;
  /** The panel's base topic; alarms go to `<topic>/event`. */
  topic: string;
  username: string;
  password: string;
}

const LAT0 = 26.5905;
const LNG0 = 104.8305;
const STEP = 0.00095;

/** A generated site: one native panel, its own MQTT login (password from `SG_GEN_<n>_PASS`). */
function siteYaml(n: number): string {
  // 21 × 21 positions over the 2 × 2 cells (0.02° square): sites fall into all four.
  const lat = (LAT0 + (n % 21) * STEP).toFixed(5);
  const lng = (LNG0 + (Math.floor(n / 21) % 21) * STEP).toFixed(5);
  return `site:
  id: gen-${n}
  name: 副本测试${n}号
  kind: shop
  address: 钟山区副本路${n}号
  door_plate: 副本路${n}号
  location: [${lat}, ${lng}]
  contacts: [{ name: 测试, phone: "13800000000" }]
  mqtt: { username: gen-${n}, password_env: SG_GEN_${n}_PASS }
devices:
  - id: panel
    profile: native
    topic: safegrid/gen-${n}/panel
    zones:
      1: { name: 前门, type: entry }
      2: { name: 红外, type: interior }
`;
}

/** `count` generated sites: their logins, the environment holding their passwords, their files for makeTree. */
export function generatedSites(count: number): { sites: GeneratedSite[]; env: Record<string, string>; files: Record<string, string> } {
  const sites: GeneratedSite[] = [];
  const env: Record<string, string> = {};
  const files: Record<string, string> = {};
  for (let n = 0; n < count; n++) {
    const password = `pw-gen-${n}-Rk${(n * 7919) % 1000}`;
    env[`SG_GEN_${n}_PASS`] = password;
    files[`gen-${n}.yaml`] = siteYaml(n);
    sites.push({ id: `gen-${n}`, topic: `safegrid/gen-${n}/panel`, username: `gen-${n}`, password });
  }
  return { sites, env, files };
}

/**
 * A TCP pass-through balancer (HAProxy `mode tcp`, `balance roundrobin`): a backend that is marked
 * down, or refuses the connection, is skipped.
 */
export class TcpBalancer {
  private server: Server | null = null;
  private next = 0;
  port = 0;
  readonly down = new Set<number>();
  private readonly open = new Map<NetSocket, number>();

  constructor(private readonly backends: number[]) {}

  async listen(): Promise<number> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', ok));
    this.port = (this.server.address() as { port: number }).port;
    return this.port;
  }

  /** Open client connections per backend index. */
  spread(): number[] {
    const n = this.backends.map(() => 0);
    for (const i of this.open.values()) n[i] = (n[i] ?? 0) + 1;
    return n;
  }

  /** The backend a client connection (by the client's local port) was sent to, or null. */
  backendOf(clientPort: number | undefined): number | null {
    for (const [s, i] of this.open) if (s.remotePort === clientPort) return i;
    return null;
  }

  private accept(client: NetSocket): void {
    client.pause();
    client.on('error', () => undefined);
    const tryFrom = (attempt: number): void => {
      if (attempt >= this.backends.length || client.destroyed) {
        client.destroy();
        return;
      }
      const i = this.next++ % this.backends.length;
      if (this.down.has(i)) {
        tryFrom(attempt + 1);
        return;
      }
      const backend = netConnect(this.backends[i]!, '127.0.0.1');
      let connected = false;
      backend.once('connect', () => {
        connected = true;
        this.open.set(client, i);
        client.pipe(backend);
        backend.pipe(client);
        client.resume();
      });
      backend.on('error', () => {
        if (!connected) tryFrom(attempt + 1);
      });
      const end = (): void => {
        if (!connected) return;
        this.open.delete(client);
        client.destroy();
        backend.destroy();
      };
      backend.once('close', end);
      client.once('close', end);
    };
    tryFrom(0);
  }

  async close(): Promise<void> {
    for (const s of this.open.keys()) s.destroy();
    await new Promise<void>((ok) => (this.server ? this.server.close(() => ok()) : ok()));
  }
}

export interface ReplicaClusterOptions {
  replicas: number;
  sites: number;
  /** Extra hub.yaml text appended (e.g. a triage section). */
  hubYamlExtra?: string;
  /** Edits the finished hub.yaml text (e.g. replaces the triage section, which hubYamlExtra cannot: a second `triage:` key is an error). */
  hubYamlEdit?: (yaml: string) => string;
  /** More postgresql.conf lines for the shared PostgreSQL (startPostgres' extraConfig). */
  postgresConfig?: string[];
  /** Flags for each replica's node (startProcessHub's nodeArgs). */
  nodeArgs?: string[];
}

export interface ReplicaCluster {
  pg: PostgresServer;
  redis: RedisServer;
  dbUrl: string;
  sites: GeneratedSite[];
  /** The MQTT balancer's URL (what devices use, as behind HAProxy). */
  mqttUrl: string;
  mqttBalancer: TcpBalancer;
  httpPorts: number[];
  mqttPorts: number[];
  procs: Array<ProcessHub | null>;
  /** Indexes of replicas running now. */
  live(): number[];
  baseUrl(i: number): string;
  /** SIGKILL replica i; resolves with the moment the signal was sent. */
  kill(i: number): Promise<number>;
  /** Starts replica i again on its ports and waits until `/api/health/ready` says 200. */
  restart(i: number): Promise<void>;
  /** Reads the shared database (a separate pool, not a hub's). */
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Starts of a replica that failed (the process exited) and were retried: each one a finding. */
  startFailures: string[];
  /** Environment of the replicas (site passwords), for a bench that starts its own processes. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** Ceiling for a replica to say ready after its ports are up (a loaded 2-core machine). */
const READY_CEILING_MS = 90_000;

async function waitReady(base: string): Promise<void> {
  const ready = () =>
    fetch(`${base}/api/health/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
  if (!(await until(ready, READY_CEILING_MS, 100))) throw new Error(`${base}: /api/health/ready not 200 within ${READY_CEILING_MS / 1000} s`);
}

export async function startReplicaCluster(o: ReplicaClusterOptions): Promise<ReplicaCluster> {
  const pgServer = await startPostgres({ fsync: false, extraConfig: o.postgresConfig });
  const redis = await startRedis();
  const dbUrl = await pgServer.createDatabase();
  const { sites, env, files } = generatedSites(o.sites);
  const usersYaml = await defaultUsersYaml();
  const baseYaml =
    `${HUB_YAML.replace('storage:\n  path: data/test.db\n', `storage:\n  backend: postgres\n  url: ${dbUrl}\n`)}cluster:\n  redis_url: ${redis.url}\n` +
    `${o.hubYamlExtra ?? ''}`;
  const hubYaml = o.hubYamlEdit ? o.hubYamlEdit(baseYaml) : baseYaml;
  if (!hubYaml.includes('backend: postgres')) throw new Error('HUB_YAML changed: the storage section was not replaced');
  const trees: TestTree[] = [];
  const httpPorts: number[] = [];
  const mqttPorts: number[] = [];
  for (let i = 0; i < o.replicas; i++) {
    const tree = makeTree(files);
    tree.write('config/hub.yaml', hubYaml);
    tree.write('config/users.yaml', usersYaml);
    trees.push(tree);
    httpPorts.push(await freePort());
    mqttPorts.push(await freePort());
  }
  const procs: Array<ProcessHub | null> = trees.map(() => null);
  const baseUrl = (i: number): string => `http://127.0.0.1:${httpPorts[i]}`;
  const mqttBalancer = new TcpBalancer(mqttPorts);
  await mqttBalancer.listen();
  const pool = new pg.Pool({ connectionString: dbUrl, max: 2 });

  const startFailures: string[] = [];
  const launch = async (i: number): Promise<void> => {
    // A replica that exits while starting is started again (as systemd or the orchestrator would),
    // and the failure is kept for the report: it is a finding, not noise.
    for (let attempt = 1; ; attempt++) {
      try {
        procs[i] = await startProcessHub(
          trees[i]!.root,
          { ...env, SAFEGRID_REPLICA_ID: `r${i}` },
          {
            httpPort: httpPorts[i],
            mqttPort: mqttPorts[i],
            ...(o.nodeArgs ? { nodeArgs: o.nodeArgs } : {}),
          },
        );
        break;
      } catch (err) {
        const failure = `r${i} attempt ${attempt}: ${(err as Error).message.replace(/\s+/g, ' ').slice(0, 300)}`;
        startFailures.push(failure);
        console.info(`replica-cluster: start failed, ${failure}`);
        if (attempt >= 3) throw new Error(`replica r${i} did not start in 3 attempts: ${startFailures.join(' | ')}`);
      }
    }
    await waitReady(baseUrl(i));
    mqttBalancer.down.delete(i);
  };
  // The first one alone creates the schema; the others start together.
  await launch(0);
  await Promise.all(trees.slice(1).map((_, k) => launch(k + 1)));

  return {
    pg: pgServer,
    redis,
    dbUrl,
    sites,
    mqttUrl: `mqtt://127.0.0.1:${mqttBalancer.port}`,
    mqttBalancer,
    httpPorts,
    mqttPorts,
    procs,
    env,
    startFailures,
    live: () => procs.flatMap((p, i) => (p ? [i] : [])),
    baseUrl,
    async kill(i) {
      const p = procs[i];
      if (!p) throw new Error(`replica ${i} is not running`);
      mqttBalancer.down.add(i);
      procs[i] = null;
      const at = Date.now();
      await p.kill();
      return at;
    },
    restart: launch,
    async query<T>(sql: string, params: unknown[] = []) {
      return (await pool.query(sql, params)).rows as T[];
    },
    async close() {
      await Promise.all(procs.map((p) => p?.kill()));
      await mqttBalancer.close();
      await pool.end().catch(() => undefined);
      await redis.destroy();
      await pgServer.destroy();
      for (const t of trees) t.remove();
    },
  };
}

type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * A console on one replica that moves to another when its replica dies (what a browser behind the
 * load balancer does), with the web console's catch-up rule: it sends `since` = the highest seq it
 * has seen and drops any pushed event at or below it. What it shows is kept by the event's detail.
 */
export class ReplicaConsole {
  private socket: LiveSocket | null = null;
  private cookie = '';
  private closed = false;
  lastSeq: number | null = null;
  /** detail → times shown. */
  readonly shown = new Map<string, number>();
  /**
   * Every event that reached this console in any order (detail → times), before the web rule filters:
   * tells a server-side loss (never received) from a loss by the client's rule (received late, dropped).
   */
  readonly received = new Map<string, number>();
  private readonly seqs = new Set<number>();
  /** Events arriving after a higher seq, never seen before: dropped by the web rule, lost unless replayed later. */
  dropped = 0;
  /** Events arriving again (same seq): dropped by the web rule, harmless. */
  duplicates = 0;
  replayed = 0;
  /** Moves to another replica: when the old socket closed, and when the new one had its snapshot. */
  readonly moves: Array<{ lostAt: number; backAt: number; from: number; to: number }> = [];
  replica: number;

  constructor(
    private readonly cluster: ReplicaCluster,
    home: number,
    private readonly username = 'admin',
  ) {
    this.replica = home;
  }

  private async login(i: number): Promise<boolean> {
    const r = await fetch(`${this.cluster.baseUrl(i)}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: this.username, password: accountOf(this.username).password }),
    }).catch(() => null);
    const cookie = /sg_session=[^;]+/.exec(r?.headers.get('set-cookie') ?? '')?.[0];
    if (r?.status === 200 && cookie) this.cookie = cookie;
    return r?.status === 200 && cookie !== undefined;
  }

  async start(): Promise<void> {
    if (!(await this.login(this.replica))) throw new Error(`console could not log in on replica ${this.replica}`);
    if (!(await this.connect(this.replica))) throw new Error(`console could not connect to replica ${this.replica}`);
  }

  /** One attempt: resolves true once the snapshot came (the console is live again). */
  private connect(i: number): Promise<boolean> {
    const socket: LiveSocket = ioClient(`${this.cluster.baseUrl(i)}/console`, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      timeout: 5000,
      extraHeaders: { cookie: this.cookie },
      auth: (cb) => cb(this.lastSeq === null ? {} : { since: this.lastSeq }),
    });
    socket.on('event:stored', (b: EventBatch) => this.apply(b));
    return new Promise<boolean>((ok) => {
      const fail = (): void => {
        socket.removeAllListeners();
        socket.disconnect();
        ok(false);
      };
      const timer = setTimeout(fail, 10_000);
      socket.once('connect_error', () => {
        clearTimeout(timer);
        fail();
      });
      socket.once('queue:snapshot', (s: QueueSnapshot) => {
        clearTimeout(timer);
        if (this.lastSeq === null) this.lastSeq = s.eventSeq;
        this.socket = socket;
        this.replica = i;
        socket.once('disconnect', () => void this.move(i));
        ok(true);
      });
    });
  }

  private async move(from: number): Promise<void> {
    const lostAt = Date.now();
    this.socket = null;
    for (let k = 1; !this.closed; k++) {
      const live = this.cluster.live();
      // Not back to the dead replica first: the balancer's health check has marked it down.
      const candidates = live.filter((i) => i !== from);
      const to = candidates.length > 0 ? candidates[k % candidates.length]! : (live[0] ?? from);
      if (await this.connect(to)) {
        if (this.closed) {
          this.close();
          return;
        }
        this.moves.push({ lostAt, backAt: Date.now(), from, to });
        return;
      }
      // Refused: the session may be unknown there (or the replica is starting); log in there and retry.
      await this.login(to);
      await sleep(100);
    }
  }

  private apply(b: EventBatch): void {
    for (const e of b.events) {
      if (e.detail) this.received.set(e.detail, (this.received.get(e.detail) ?? 0) + 1);
      if (this.lastSeq !== null && e.seq <= this.lastSeq) {
        if (this.seqs.has(e.seq)) this.duplicates++;
        else this.dropped++;
        continue;
      }
      this.seqs.add(e.seq);
      this.lastSeq = e.seq;
      if (b.replay) this.replayed++;
      if (e.detail) this.shown.set(e.detail, (this.shown.get(e.detail) ?? 0) + 1);
    }
  }

  close(): void {
    this.closed = true;
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
  }
}
