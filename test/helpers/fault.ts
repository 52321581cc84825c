/**
 * Pieces the fault tests share: a device that keeps a ledger of what the hub acknowledged, a
 * console that keeps the event log across hub restarts (catch-up by last-seen seq), a seeded random
 * source, and read-only SQLite counts.
 */
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { io as ioClient, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, EventBatch, EventBrief, QueueSnapshot, ServerToClientEvents } from '../../src/contract/socket.js';
import { accountOf } from './accounts.js';

/** Deterministic randomness (the district generator's mulberry32), so a failing run can be repeated with its seed. */
export { seededRandom as seeded } from '../../src/geo/index.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * How long a fault test waits for what it expects (every alarm acknowledged, stored, shown). A ceiling, not a
 * budget: the hub restarts as a child process, and on a loaded 2-core machine that alone takes seconds.
 */
export const FAULT_WAIT_MS = 120_000;

/** Cleanup that gives up after `ms` instead of hanging the hook. */
export const within = <T>(p: Promise<T>, ms = 15_000): Promise<T | undefined> => Promise.race([p, sleep(ms).then(() => undefined)]);

/**
 * Polls `probe` (a plain or an async question) until it answers true; false if `ms` passed first
 * (the caller's expect then says what is missing).
 */
export async function until(probe: () => boolean | Promise<boolean>, ms = FAULT_WAIT_MS, every = 50): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() > deadline) return false;
    await sleep(every);
  }
}

/**
 * A device publishing native QoS 1 alarms with its own sequence numbers (msgId `<name>-<n>`).
 * mqtt.js keeps every unacknowledged QoS 1 PUBLISH in its outgoing store and sends it again after
 * each reconnect (with DUP set), whatever `clean` says — which is what a panel does with its
 * unacknowledged alarms. The ledger records only what the broker acknowledged; a publish that
 * fails outright (client ended) goes back on the ledger to be sent again.
 */
export class LedgerDevice {
  readonly client: MqttClient;
  private n = 0;
  readonly acked = new Set<number>();
  readonly pending = new Set<number>();
  failures = 0;
  /** PUBLISH packets written, first sends and resends after reconnects (what the hub must dedupe). */
  publishPackets = 0;

  constructor(
    readonly name: string,
    readonly topic: string,
    url: string,
    options: IClientOptions,
  ) {
    this.client = mqtt.connect(url, {
      protocolVersion: 4,
      clientId: `fault-${name}`,
      clean: false,
      reconnectPeriod: 100,
      connectTimeout: 2000,
      keepalive: 10,
      ...options,
    });
    // Connection refused/reset while the hub is down: expected, the client keeps reconnecting.
    this.client.on('error', () => undefined);
    this.client.on('packetsend', (p) => {
      if (p.cmd === 'publish') this.publishPackets++;
    });
  }

  get sent(): number {
    return this.n;
  }

  /** PUBLISH packets beyond one per alarm: resends of unacknowledged alarms after reconnects. */
  get resent(): number {
    return this.publishPackets - this.n;
  }

  msgId(n: number): string {
    return `${this.name}-${n}`;
  }

  publishNext(kind = 'intrusion'): void {
    this.send(++this.n, kind);
  }

  private send(n: number, kind: string): void {
    this.pending.add(n);
    const body = JSON.stringify({ kind, zone: 1 + (n % 2), msgId: this.msgId(n), detail: `ledger:${this.msgId(n)}` });
    this.client.publish(`${this.topic}/event`, body, { qos: 1 }, (err) => {
      if (err) {
        this.failures++;
        setTimeout(() => this.send(n, kind), 100);
        return;
      }
      this.pending.delete(n);
      this.acked.add(n);
    });
  }

  /**
   * Publishes a marker alarm (not on the ledger) on this device's topic and resolves when the broker acknowledged
   * it. MQTT keeps one client's messages on one topic in order, so once the marker is stored, everything this device
   * published before it has been delivered too: a test waits for the marker instead of sleeping before it asserts
   * that something did not happen.
   */
  publishMarker(detail: string): Promise<unknown> {
    const body = JSON.stringify({ kind: 'intrusion', zone: 1, msgId: `${this.name}-${detail}`, detail });
    return this.client.publishAsync(`${this.topic}/event`, body, { qos: 1 });
  }

  async end(): Promise<void> {
    // end(true) can wait on a connection attempt in progress; a test's cleanup must not.
    await Promise.race([this.client.endAsync(true).catch(() => undefined), sleep(2000)]);
    this.client.stream?.destroy();
  }
}

type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * A console connected throughout: it reconnects on its own, logs in again when the restarted hub
 * no longer knows its session, and sends the last event seq it saw in the handshake. Any event
 * arriving twice, or out of order, is recorded as a violation (what an operator would see as a
 * duplicate row or a gap filled late).
 */
export class LedgerConsole {
  socket: LiveSocket | null = null;
  lastSeq = 0;
  readonly events: EventBrief[] = [];
  readonly violations: string[] = [];
  snapshots = 0;
  replayed = 0;
  connects = 0;
  private closed = false;
  private cookie = '';

  constructor(
    private readonly baseUrl: () => string,
    private readonly username = 'admin',
  ) {}

  private async login(): Promise<void> {
    for (;;) {
      if (this.closed) return;
      try {
        const r = await fetch(`${this.baseUrl()}/api/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: this.username, password: accountOf(this.username).password }),
        });
        const cookie = /sg_session=[^;]+/.exec(r.headers.get('set-cookie') ?? '')?.[0];
        if (r.status === 200 && cookie) {
          this.cookie = cookie;
          return;
        }
      } catch {
        // The hub is down; try again shortly.
      }
      await sleep(150);
    }
  }

  async start(): Promise<void> {
    await this.login();
    const socket: LiveSocket = ioClient(`${this.baseUrl()}/console`, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: true,
      reconnectionDelay: 100,
      reconnectionDelayMax: 300,
      randomizationFactor: 0,
      extraHeaders: { cookie: this.cookie },
      // A function, so every reconnect sends the latest seq.
      auth: (cb) => cb({ since: this.lastSeq }),
    });
    this.socket = socket;
    socket.on('queue:snapshot', (s: QueueSnapshot) => {
      this.snapshots++;
      // A console that had never seen anything starts its log at the snapshot.
      if (this.lastSeq === 0 && this.events.length === 0) this.lastSeq = s.eventSeq;
    });
    socket.on('connect', () => this.connects++);
    socket.on('event:stored', (b: EventBatch) => this.apply(b));
    socket.on('connect_error', (err: Error & { data?: { code?: number } }) => {
      // A middleware refusal is final for this attempt: after a restart the session is gone.
      if (err.data?.code === 401 && !this.closed) {
        void this.login().then(() => {
          (socket.io.opts.extraHeaders as Record<string, string>).cookie = this.cookie;
          if (!this.closed) socket.connect();
        });
      }
    });
    await new Promise<void>((ok) => socket.once('queue:snapshot', () => ok()));
  }

  private apply(b: EventBatch): void {
    if (b.more) this.violations.push('replay cap reached');
    for (const e of b.events) {
      if (e.seq <= this.lastSeq) {
        this.violations.push(`seq ${e.seq} after ${this.lastSeq} (${b.replay ? 'replay' : 'live'})`);
        continue;
      }
      this.lastSeq = e.seq;
      this.events.push(e);
      if (b.replay) this.replayed++;
    }
  }

  close(): void {
    this.closed = true;
    this.socket?.disconnect();
  }
}

/** Runs a read-only query against the hub's database (safe while it runs: WAL). */
export function query<T>(dbPath: string, sql: string, ...args: unknown[]): T[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...args) as T[];
  } finally {
    db.close();
  }
}

/** RSS of a process in MiB from /proc (Linux). */
export function rssMiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}
