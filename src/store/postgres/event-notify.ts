/**
 * Wake-ups between replicas: when replica B stores an event of a site that replica A owns, A learns
 * it now rather than at its next poll. The storing transaction calls `notifyStoredEvents`;
 * PostgreSQL delivers NOTIFY at commit (and drops it on rollback), so A never hears of an event it
 * cannot read yet. A's `EventNotifyListener` holds one dedicated connection in LISTEN and emits
 * `(siteId, seq)` per site.
 *
 * NOTIFY is not durable: while the listener is disconnected, notifications are lost. The listener
 * therefore emits `sweep` after every (re)connect and on a slow timer — the shell then reads the
 * unprocessed events of the partitions it owns, as crash recovery does. The wake-up makes the common
 * case fast; the sweep makes it correct.
 */
import pg from 'pg';

export const EVENT_NOTIFY_CHANNEL = 'safegrid_events';
/** PostgreSQL refuses payloads of 8000 bytes or more; chunks stay well below (also in sg_commit_event_batch). */
export const MAX_NOTIFY_PAYLOAD = 7_000;
const MAX_PAYLOAD = MAX_NOTIFY_PAYLOAD;

export interface StoredEventRef {
  siteId: string;
  /** The event's sequence number (the store's `seq`); the owner reads up to it. */
  seq: number;
}

/** Anything that runs a query on the storing transaction's connection (pg.Client or a pool client). */
export interface Queryable {
  query(sql: string, params: unknown[]): Promise<unknown>;
}

/**
 * Queues the wake-up for these events on the transaction of `tx` (call it inside the transaction
 * that stores them). One notification per site with its highest seq, packed into few payloads:
 * a batch of 100 alarms costs one round trip, not 100.
 */
export async function notifyStoredEvents(tx: Queryable, events: readonly StoredEventRef[], channel = EVENT_NOTIFY_CHANNEL): Promise<void> {
  const payloads = packWakeUps(events);
  if (payloads.length === 0) return;
  await tx.query('SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p', [channel, payloads]);
}

/** The payloads for a batch: JSON arrays of [siteId, seq], the highest seq per site, each under the size limit. */
export function packWakeUps(events: readonly StoredEventRef[]): string[] {
  const top = new Map<string, number>();
  for (const e of events) top.set(e.siteId, Math.max(e.seq, top.get(e.siteId) ?? -Infinity));
  const payloads: string[] = [];
  let chunk: Array<[string, number]> = [];
  let size = 2;
  for (const entry of top) {
    const add = Buffer.byteLength(JSON.stringify(entry)) + 1;
    if (chunk.length > 0 && size + add > MAX_PAYLOAD) {
      payloads.push(JSON.stringify(chunk));
      chunk = [];
      size = 2;
    }
    chunk.push(entry);
    size += add;
  }
  if (chunk.length > 0) payloads.push(JSON.stringify(chunk));
  return payloads;
}

/** Reads one payload; null when it is not what notifyStoredEvents sends. */
export function parseWakeUps(payload: string | undefined): StoredEventRef[] | null {
  try {
    const v: unknown = JSON.parse(payload ?? '');
    if (!Array.isArray(v)) return null;
    const out: StoredEventRef[] = [];
    for (const e of v) {
      if (!Array.isArray(e) || typeof e[0] !== 'string' || !Number.isSafeInteger(e[1])) return null;
      out.push({ siteId: e[0], seq: e[1] as number });
    }
    return out;
  } catch {
    return null; // not JSON: counted by the caller
  }
}

export type SweepReason = 'connected' | 'reconnected' | 'timer';

export interface EventNotifyListenerOptions {
  url: string;
  /** storage.password (kept out of the URL); absent: pg reads PGPASSWORD or ~/.pgpass. */
  password?: string;
  channel?: string;
  /** The safety net: a sweep this often even when notifications flow. */
  sweepEveryMs?: number;
  /** Wait before reconnecting after the connection dropped (doubles up to 10× while it keeps failing). */
  reconnectMs?: number;
  log?: { warn(obj: object, msg: string): void };
}

export class EventNotifyListener {
  private client: pg.Client | null = null;
  private readonly eventHandlers = new Set<(e: StoredEventRef) => void>();
  private readonly sweepHandlers = new Set<(reason: SweepReason) => void>();
  private sweepTimer: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private failures = 0;
  private stopped = true;
  private everConnected = false;
  readonly stats = { notifications: 0, badPayloads: 0, reconnects: 0 };

  constructor(private readonly o: EventNotifyListenerOptions) {}

  get listening(): boolean {
    return this.client !== null;
  }

  onEvent(fn: (e: StoredEventRef) => void): () => void {
    this.eventHandlers.add(fn);
    return () => {
      this.eventHandlers.delete(fn);
    };
  }

  /** Read the unprocessed events of your partitions now (after a reconnect, and on the slow timer). */
  onSweep(fn: (reason: SweepReason) => void): () => void {
    this.sweepHandlers.add(fn);
    return () => {
      this.sweepHandlers.delete(fn);
    };
  }

  /** Connects and listens; rejects if the first connection fails (later drops reconnect by themselves). */
  async start(): Promise<void> {
    this.stopped = false;
    try {
      await this.connect();
    } catch (err) {
      await this.stop();
      throw err;
    }
    const every = this.o.sweepEveryMs ?? 30_000;
    this.sweepTimer = setInterval(() => this.emitSweep('timer'), every);
    this.sweepTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = null;
    if (client) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
    }
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.o.url,
      ...(this.o.password !== undefined ? { password: this.o.password } : {}),
      keepAlive: true,
      application_name: 'safegrid:listen',
    });
    client.on('error', (err) => this.dropped(client, err.message));
    client.on('end', () => this.dropped(client, 'connection ended'));
    client.on('notification', (msg) => this.onNotification(msg));
    await client.connect();
    // LISTEN takes an identifier, not a parameter: the channel is ours, quoted as an identifier.
    await client.query(`LISTEN ${client.escapeIdentifier(this.o.channel ?? EVENT_NOTIFY_CHANNEL)}`);
    this.client = client;
    this.failures = 0;
    // Anything stored while we were not listening was not announced to us: look.
    this.emitSweep(this.everConnected ? 'reconnected' : 'connected');
    this.everConnected = true;
  }

  private onNotification(msg: pg.Notification): void {
    const refs = parseWakeUps(msg.payload);
    if (!refs) {
      this.stats.badPayloads++;
      this.o.log?.warn({ channel: msg.channel, bytes: msg.payload?.length ?? 0 }, 'event wake-up with an unreadable payload ignored');
      return;
    }
    this.stats.notifications++;
    for (const ref of refs) for (const fn of [...this.eventHandlers]) this.safely(() => fn(ref));
  }

  private dropped(client: pg.Client, reason: string): void {
    if (this.client !== client && this.client !== null) return;
    if (this.client === client) this.client = null;
    client.removeAllListeners('end');
    client.end().catch(() => undefined);
    if (this.stopped || this.reconnectTimer) return;
    this.o.log?.warn({ reason }, 'event wake-up listener lost its connection; reconnecting');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const base = this.o.reconnectMs ?? 500;
    const wait = Math.min(base * 2 ** this.failures, base * 10);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.stopped) return;
      this.stats.reconnects++;
      this.connect().catch((err: Error) => {
        this.failures++;
        this.o.log?.warn({ err: err.message }, 'event wake-up listener could not reconnect');
        if (!this.stopped && !this.reconnectTimer) this.scheduleReconnect();
      });
    }, wait);
  }

  private emitSweep(reason: SweepReason): void {
    for (const fn of [...this.sweepHandlers]) this.safely(() => fn(reason));
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.o.log?.warn({ err: (err as Error).message }, 'event wake-up handler failed');
    }
  }
}
