/**
 * Commands for an incident run on the replica that owns its site's partition; any other replica
 * forwards them there and relays the answer. Request/reply over Redis pub/sub (ioredis): one
 * channel per replica (`safegrid:fwd:<replicaId>`), a request id that correlates the reply, and a
 * deadline after which the caller gets the coded refusal `owner_unreachable`.
 *
 * At most once: the owner claims each request id in Redis (`SET … NX PX`) before running it, and
 * stores the answer under the id. A retried request (the console re-sent after a timeout, or the
 * owner changed between two tries) is not run again: it gets the stored answer, or — when the first
 * try's owner died before it could store one — `owner_unreachable` (it may have run: the incident's
 * state says). A request the owner is still running is joined, not run twice.
 *
 * One answer is never stored: `owner_changed`, when the owner lost the site while running the
 * command and nothing of it was committed (the lease fence refused its write). The claim is given
 * back, so a retry with the same request id is run by the next owner instead of getting this
 * refusal again.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { RefusalCode } from '../contract/refusals.js';
import type { Logger } from '../core/logger.js';

export const OWNER_UNREACHABLE = 'owner_unreachable' satisfies RefusalCode;
export const OWNER_CHANGED = 'owner_changed' satisfies RefusalCode;
/** The replica asked no longer owns the site (found before running anything): ask the owner again. */
const MOVED: unique symbol = Symbol('moved');

export interface OwnerUnreachable {
  ok: false;
  code: typeof OWNER_UNREACHABLE;
  error: string;
}

/** The owner failed while running the command (its log has the details); the command may have run. */
export interface OwnerFailed {
  ok: false;
  code: 'internal';
  error: string;
}

/**
 * The owner lost the site while running the command, before anything of it was committed (its
 * write was refused because another replica took the site over): not run, safe to retry.
 */
export interface OwnerChanged {
  ok: false;
  code: typeof OWNER_CHANGED;
  error: string;
}

export type ForwardRefusal = OwnerUnreachable | OwnerFailed | OwnerChanged;

export interface ForwardedCommand<C> {
  requestId: string;
  siteId: string;
  /** The replica the command came in at. */
  from: string;
  command: C;
}

export interface ForwarderOptions<C, A> {
  redisUrl: string;
  /** Redis AUTH (hub.yaml `cluster.redis_password_*`); null: none. */
  password?: string | null;
  replicaId: string;
  /** The replica that owns the site now (LeaseManager.ownerOf), or null when none does. */
  ownerOf(siteId: string): string | null;
  /** Runs a command this replica owns; the answer must survive JSON (it travels back over Redis). */
  execute(request: ForwardedCommand<C>): Promise<A>;
  /**
   * Whether `execute` failed because this replica lost the site while running it, with nothing
   * committed (replica mode: the lease fence's StaleOwnerError). Such a run answers `owner_changed`
   * and is forgotten, so the same request id can run on the next owner. Absent: none does.
   */
  lostSite?(err: unknown): boolean;
  /** Deadline of one send, forwarding and answer included. */
  timeoutMs?: number;
  /** How long a request id is remembered (a retry within it is not run again). */
  dedupeMs?: number;
  /** Key and channel prefix: lets two clusters share one Redis. */
  prefix?: string;
  log?: Logger;
}

type Wire<C, A> =
  | { t: 'req'; id: string; from: string; siteId: string; command: C }
  | { t: 'res'; id: string; answer: A | ForwardRefusal }
  | { t: 'moved'; id: string };

interface Pending<A> {
  answer: Promise<A | ForwardRefusal | 'moved'>;
  resolve(v: A | ForwardRefusal | 'moved'): void;
}

export interface ForwardStats {
  forwarded: number;
  executed: number;
  duplicates: number;
  unreachable: number;
  badMessages: number;
  lateReplies: number;
}

export class Forwarder<C, A> {
  private readonly sub: Redis;
  private readonly pub: Redis;
  private readonly prefix: string;
  private readonly timeoutMs: number;
  private readonly dedupeMs: number;
  private readonly pending = new Map<string, Pending<A>>();
  /** Requests this replica runs or ran lately: a retry joins the same run. */
  private readonly local = new Map<string, { answer: Promise<A | ForwardRefusal | typeof MOVED>; until: number }>();
  /** Commands running here now, by request id: `drain` waits for those of sites being given up. */
  private readonly executing = new Map<string, { siteId: string; done: Promise<unknown> }>();
  readonly stats: ForwardStats = { forwarded: 0, executed: 0, duplicates: 0, unreachable: 0, badMessages: 0, lateReplies: 0 };

  constructor(private readonly o: ForwarderOptions<C, A>) {
    this.prefix = o.prefix ?? 'safegrid:fwd:';
    this.timeoutMs = o.timeoutMs ?? 5_000;
    this.dedupeMs = o.dedupeMs ?? 10 * 60_000;
    // No offline queue: while Redis is down a send fails at once (owner_unreachable), it does not pile up.
    const common = {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      ...(o.password ? { password: o.password } : {}),
    } as const;
    this.sub = new Redis(o.redisUrl, { ...common, enableOfflineQueue: true });
    this.pub = new Redis(o.redisUrl, common);
    for (const c of [this.sub, this.pub]) c.on('error', (err: Error) => o.log?.warn({ err: err.message, replica: o.replicaId }, 'forwarding: redis error'));
    this.sub.on('message', (_channel: string, text: string) => {
      void this.onMessage(text);
    });
  }

  /** Connects and subscribes to this replica's channel (ioredis re-subscribes after a reconnect). */
  async start(): Promise<void> {
    await Promise.all([this.sub.connect(), this.pub.connect()]);
    await this.sub.subscribe(this.channel(this.o.replicaId));
  }

  async stop(): Promise<void> {
    for (const p of [...this.pending.values()]) p.resolve(this.unreachable('this replica is stopping'));
    // QUIT, not a bare disconnect: once it returns Redis has dropped our subscription, so a sender
    // learns at once ("not listening") that this replica no longer answers.
    await Promise.all([this.sub, this.pub].map((c) => (c.status === 'ready' ? c.quit().catch(() => c.disconnect()) : c.disconnect())));
  }

  /**
   * Runs the command on the site's owner — here, or forwarded — and answers what the owner answered.
   * Pass the same requestId to retry: the command still runs at most once.
   */
  async send(siteId: string, command: C, requestId: string = randomUUID()): Promise<A | ForwardRefusal> {
    const deadline = Date.now() + this.timeoutMs;
    let tried: string | null = null;
    // Two tries: the owner may have changed between our lookup and its answer ('moved').
    for (let attempt = 0; attempt < 2; attempt++) {
      const owner = this.o.ownerOf(siteId);
      if (owner === null) return this.unreachable(`no replica owns the site ${siteId} now`);
      if (owner === tried) break;
      tried = owner;
      const request: ForwardedCommand<C> = { requestId, siteId, from: this.o.replicaId, command };
      if (owner === this.o.replicaId) {
        const answer = await this.runOnce(request);
        if (answer !== MOVED) return answer;
        continue;
      }
      const answer = await this.forward(owner, request, deadline);
      if (answer !== 'moved') return answer;
    }
    // Every replica asked said it no longer owns the site, so none ran it: retryable, like a fenced write.
    return this.ownerChanged(`the owner of ${siteId} changed while the command was on its way; it was not run; try again`);
  }

  private forward(owner: string, r: ForwardedCommand<C>, deadline: number): Promise<A | ForwardRefusal | 'moved'> {
    // The same request id already on its way from here (a retry while the first try waits): join it.
    const inFlight = this.pending.get(r.requestId);
    if (inFlight) return inFlight.answer;
    let settle!: (v: A | ForwardRefusal | 'moved') => void;
    const answer = new Promise<A | ForwardRefusal | 'moved'>((resolve) => {
      const timer = setTimeout(
        () => settle(this.unreachable(`replica ${owner}, owner of ${r.siteId}, did not answer within ${this.timeoutMs} ms`)),
        Math.max(0, deadline - Date.now()),
      );
      settle = (v) => {
        clearTimeout(timer);
        if (this.pending.get(r.requestId)?.answer === answer) this.pending.delete(r.requestId);
        resolve(v);
      };
    });
    this.pending.set(r.requestId, { answer, resolve: settle });
    const wire: Wire<C, A> = { t: 'req', id: r.requestId, from: r.from, siteId: r.siteId, command: r.command };
    this.stats.forwarded++;
    this.pub.publish(this.channel(owner), JSON.stringify(wire)).then(
      // Nobody subscribed: the owner's Redis connection is gone (it died, or lost Redis).
      (receivers) => receivers === 0 && settle(this.unreachable(`replica ${owner}, owner of ${r.siteId}, is not listening`)),
      (err: Error) => settle(this.unreachable(`cannot reach Redis to forward: ${err.message}`)),
    );
    return answer;
  }

  private async onMessage(text: string): Promise<void> {
    let msg: Wire<C, A>;
    try {
      msg = JSON.parse(text) as Wire<C, A>;
      if (typeof msg !== 'object' || msg === null || typeof msg.id !== 'string') throw new Error('no id');
    } catch (err) {
      this.stats.badMessages++;
      this.o.log?.warn({ err: (err as Error).message, replica: this.o.replicaId }, 'forwarding: unreadable message ignored');
      return;
    }
    if (msg.t === 'res' || msg.t === 'moved') {
      const waiting = this.pending.get(msg.id);
      if (!waiting) {
        this.stats.lateReplies++; // after our deadline: the caller already has owner_unreachable
        return;
      }
      waiting.resolve(msg.t === 'moved' ? 'moved' : msg.answer);
      return;
    }
    if (msg.t !== 'req' || typeof msg.from !== 'string' || typeof msg.siteId !== 'string') {
      this.stats.badMessages++;
      return;
    }
    let reply: Wire<C, A> = { t: 'moved', id: msg.id };
    if (this.o.ownerOf(msg.siteId) === this.o.replicaId) {
      const answer = await this.runOnce({ requestId: msg.id, siteId: msg.siteId, from: msg.from, command: msg.command });
      if (answer !== MOVED) reply = { t: 'res', id: msg.id, answer };
    }
    await this.pub.publish(this.channel(msg.from), JSON.stringify(reply)).catch((err: Error) => {
      // The asker times out and answers owner_unreachable; a retry with the same id gets the stored answer.
      this.o.log?.warn({ err: err.message, replica: this.o.replicaId, requestId: msg.id }, 'forwarding: reply not sent');
    });
  }

  /**
   * Waits for the commands running here for the sites `belongs` picks (the lease manager's
   * `releasing` handler calls it: a command that started while this replica owned the site ends
   * before the lock is released, so the next owner never runs beside it).
   */
  async drain(belongs: (siteId: string) => boolean): Promise<void> {
    await Promise.all([...this.executing.values()].filter((e) => belongs(e.siteId)).map((e) => e.done.catch(() => undefined)));
  }

  /** Runs a request at most once across the cluster (see the file comment). */
  private runOnce(r: ForwardedCommand<C>): Promise<A | ForwardRefusal | typeof MOVED> {
    const now = Date.now();
    for (const [id, e] of this.local) {
      if (e.until > now) break; // insertion order = expiry order
      this.local.delete(id);
    }
    const running = this.local.get(r.requestId);
    if (running) {
      this.stats.duplicates++;
      return running.answer;
    }
    const answer = this.claimAndRun(r);
    const entry = { answer, until: now + this.dedupeMs };
    this.local.set(r.requestId, entry);
    // A refusal means it did not run here (no Redis for the claim, another replica took it and has
    // not stored an answer yet, or the site moved on before its write committed): forget it, so a
    // retry asks Redis again instead of getting this refusal.
    void answer.then((a) => {
      if ((a === MOVED || isRefusalOf(a, OWNER_UNREACHABLE) || isRefusalOf(a, OWNER_CHANGED)) && this.local.get(r.requestId) === entry)
        this.local.delete(r.requestId);
    });
    return answer;
  }

  private async claimAndRun(r: ForwardedCommand<C>): Promise<A | ForwardRefusal | typeof MOVED> {
    const claimKey = `${this.prefix}claim:${r.requestId}`;
    const answerKey = `${this.prefix}answer:${r.requestId}`;
    let claimed: string | null;
    try {
      claimed = await this.pub.set(claimKey, this.o.replicaId, 'PX', this.dedupeMs, 'NX');
    } catch (err) {
      // Without Redis the claim cannot be checked across replicas; running it could run it twice.
      return this.unreachable(`cannot record the request in Redis: ${(err as Error).message}`);
    }
    if (claimed === null) {
      this.stats.duplicates++;
      const stored = await this.pub.get(answerKey).catch(() => null);
      if (stored !== null) {
        try {
          return JSON.parse(stored) as A | ForwardRefusal;
        } catch {
          this.stats.badMessages++; // not what claimAndRun stores: answer as if none were stored
        }
      }
      return this.unreachable('this request was already taken by a replica that did not answer; it may have run — check the incident');
    }
    // Ownership may have moved during the claim's round trip. The check and the registration as
    // running are one synchronous step, so a `releasing` handler's drain either sees this run or
    // this run sees the site no longer owned.
    if (this.o.ownerOf(r.siteId) !== this.o.replicaId) {
      await this.pub.del(claimKey).catch(() => undefined); // not run: let the owner claim it
      return MOVED;
    }
    this.stats.executed++;
    let running: Promise<A>;
    try {
      running = this.o.execute(r);
    } catch (err) {
      running = Promise.reject(err); // a handler that throws before its first await
    }
    this.executing.set(r.requestId, { siteId: r.siteId, done: running });
    let answer: A | ForwardRefusal;
    try {
      answer = await running;
    } catch (err) {
      if (this.o.lostSite?.(err)) {
        // Nothing of it committed, and this replica no longer owns the site: give the claim back
        // and store no answer, so a retry with this request id runs on the new owner. The claim goes
        // before the answer does: a retry sent the moment the answer arrives can claim it.
        this.o.log?.warn({ replica: this.o.replicaId, requestId: r.requestId, site: r.siteId }, 'forwarded command not run: the site moved to another replica');
        await this.pub.del(claimKey).catch(() => undefined);
        return {
          ok: false,
          code: OWNER_CHANGED,
          error: `the site ${r.siteId} moved to another replica while the command ran; nothing of it was committed; try again`,
        };
      }
      this.o.log?.error({ err, replica: this.o.replicaId, requestId: r.requestId, site: r.siteId }, 'forwarded command failed');
      answer = { ok: false, code: 'internal', error: 'the owner replica failed while running the command' };
    } finally {
      this.executing.delete(r.requestId);
    }
    await this.pub.set(answerKey, JSON.stringify(answer), 'PX', this.dedupeMs).catch((err: Error) => {
      this.o.log?.warn({ err: err.message, replica: this.o.replicaId, requestId: r.requestId }, 'forwarding: answer not stored');
    });
    return answer;
  }

  private channel(replicaId: string): string {
    return this.prefix + replicaId;
  }

  private ownerChanged(error: string): OwnerChanged {
    return { ok: false, code: OWNER_CHANGED, error };
  }

  private unreachable(error: string): OwnerUnreachable {
    this.stats.unreachable++;
    return { ok: false, code: OWNER_UNREACHABLE, error };
  }
}

function isRefusalOf(a: unknown, code: string): boolean {
  return typeof a === 'object' && a !== null && (a as { code?: unknown }).code === code;
}
