/**
 * The notifier (shell): turns new incidents into outbox rows, sends them after they commit, and
 * retries with exponential backoff until they are delivered or given up.
 *
 * - Enqueue: `enqueue()` runs inside the transaction that writes the new incidents' first rows
 *   (dispatch's IncidentWriter), so a row exists exactly when its incident does. Its key, incident
 *   id + channel id, makes a second enqueue of the same incident (recover() after a crash) a no-op:
 *   one message per incident per channel.
 * - Send: after that commit (the caller's `kick()` once its transaction resolved; enqueue also
 *   kicks on the next turn, which on SQLite runs after the queued transaction), and on a timer at
 *   the next row's time, checked at least once a minute even when nothing is pending, so a row
 *   whose kick came before its commit (another replica, issue 18) is sent within a minute.
 *   A channel's rows are sent one after another, channels side by side.
 * - Restart: pending rows are in the store; the first pump after start sends what is due.
 * - The one window left: a request the service accepted whose `sent` mark was lost in a crash is
 *   sent again after the restart (at least once, never lost). HTTP gateways get the key in an
 *   `Idempotency-Key` header (and `{{key}}` in the body template) to drop such a repeat.
 *
 * URLs and secrets are never logged or written to a row: reasons are HTTP statuses, errcodes and
 * socket error codes.
 */
import type { NotifyChannelConfig, NotifyConfig } from '../config/model.js';
import type { Incident } from '../contract/incident.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import type { OutboxRow, Store } from '../store/index.js';
import { backoffMs, buildRequest, classifyReply, type ReplyVerdict } from './channels.js';
import { alertMessage, type AlertMessage, type AlertSite } from './message.js';

/** Rows taken per pump; the rest wait for the next. */
const BATCH = 50;
/** WeCom and DingTalk robots take 20 messages a minute each; the notifier keeps under it by itself. */
export const ROBOT_MESSAGES_PER_MINUTE = 20;
/**
 * How long a claimed row is this replica's (PostgreSQL, issue 18) before another may take it: longer
 * than a batch of one channel normally takes (rows are sent one after another, each with a timeout),
 * short enough that the rows of a replica killed mid-send go out again within minutes.
 */
export const CLAIM_LEASE_MS = 5 * 60_000;
/** At most this much of a reply is read (a webhook answers a few dozen bytes). */
const MAX_REPLY_BYTES = 16 * 1024;

/** Outbox keys of messages that are not about an incident (enqueueMessage) start with this. */
export const REPORT_KEY_PREFIX = 'report:';

export type NotifyCode = 'notify.failed' | 'notify.gave_up' | 'notify.delivered';

/** Where a delivery's trouble is written for the operator (dispatch's IncidentService). */
export interface NotifyRecorder {
  recordNotification(id: string, n: { code: NotifyCode; channel: string; attempts: number; reason: string | null }): unknown;
}

export interface NotifierOptions {
  store: Store;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  /** hub.yaml `notify` of the running config. */
  config: () => NotifyConfig | undefined;
  /** A site's guard group and what the message says of it. */
  site: (siteId: string) => (AlertSite & { guardGroup: string | null }) | undefined;
  timeZone: () => string;
  /** Injected in unit tests; the global fetch otherwise. */
  fetch?: typeof fetch;
  /** Sends per robot per minute (default ROBOT_MESSAGES_PER_MINUTE); gateways are not limited. */
  robotPerMinute?: number;
}

export class Notifier {
  private recorder: NotifyRecorder | null = null;
  private timer: NodeJS.Timeout | null = null;
  private pumping: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private readonly abort = new AbortController();
  /** Send times of each robot channel in the last minute (in memory: after a restart, the robot's errcode says it). */
  private readonly recentSends = new Map<string, number[]>();
  /** A channel that answered "rate limited": nothing is sent on it before this time, rows enqueued since included. */
  private readonly heldUntil = new Map<string, number>();
  private readonly countSent;
  private readonly countFailed;
  private readonly countGivenUp;
  private readonly countEnqueued;
  /**
   * The outbox depth per channel as last read (after each pump): Prometheus gauges are collected
   * synchronously, and the store answers asynchronously.
   */
  private depthNow: Array<{ channelId: string; pending: number; retrying: number }> = [];

  constructor(private readonly o: NotifierOptions) {
    const m = o.metrics;
    this.countEnqueued = m.counter('sg_notify_enqueued_total', 'Guard alerts put in the outbox, by channel');
    this.countSent = m.counter('sg_notify_sent_total', 'Guard alerts delivered, by channel');
    this.countFailed = m.counter('sg_notify_failed_total', 'Failed delivery attempts (retried or given up), by channel');
    this.countGivenUp = m.counter('sg_notify_given_up_total', 'Guard alerts given up after retrying, by channel');
    const depth = (pick: 'pending' | 'retrying') => () => this.depthNow.map((d) => ({ labels: { channel: d.channelId }, value: d[pick] }));
    m.gauge('sg_notify_queue_depth', 'Guard alerts waiting in the outbox (first try or retry), by channel', depth('pending'));
    m.gauge('sg_notify_retrying', 'Guard alerts in the outbox that failed at least once, by channel', depth('retrying'));
  }

  /**
   * Writes the outbox rows of these new incidents; call (and await) inside their transaction, and
   * `kick()` once it has committed. Returns how many rows were new.
   */
  async enqueue(incidents: readonly Incident[]): Promise<number> {
    const cfg = this.o.config();
    if (!cfg) return 0;
    const now = this.o.clock.now();
    let added = 0;
    for (const i of incidents) {
      const site = this.o.site(i.siteId);
      const groupName = site?.guardGroup;
      const group = groupName ? cfg.groups[groupName] : undefined;
      if (!site || !groupName || !group?.priorities.includes(i.priority)) continue;
      const payload = JSON.stringify(alertMessage(i, site, this.o.timeZone()));
      const entries = group.channels.map((c) => ({ incidentId: i.id, channelId: c.id, guardGroup: groupName, payload, nextAttemptMs: now, createdMs: now }));
      const n = await this.o.store.outbox.enqueue(entries);
      added += n;
      if (n > 0) for (const c of group.channels) this.countEnqueued({ channel: c.id });
    }
    // Meant for after the enclosing transaction (the caller's kick is the sure one); the idle check
    // in schedule() catches a kick that ran before the commit.
    if (added > 0) setImmediate(() => this.kick());
    return added;
  }

  /**
   * Puts a message that is not about an incident (the daily report, issue 14) in the outbox, once
   * per `key` and channel (the key takes the incident id's place, e.g. `report:daily:2026-12-02`).
   * Channel ids are those of `notify.groups`; unknown ones are skipped. Returns how many rows were new.
   */
  async enqueueMessage(key: string, channelIds: readonly string[], message: AlertMessage): Promise<number> {
    const cfg = this.o.config();
    if (!cfg) return 0;
    const now = this.o.clock.now();
    const payload = JSON.stringify(message);
    const entries = [];
    for (const [groupName, group] of Object.entries(cfg.groups)) {
      for (const c of group.channels) {
        if (channelIds.includes(c.id)) entries.push({ incidentId: key, channelId: c.id, guardGroup: groupName, payload, nextAttemptMs: now, createdMs: now });
      }
    }
    const added = entries.length ? await this.o.store.outbox.enqueue(entries) : 0;
    for (const e of entries) this.countEnqueued({ channel: e.channelId });
    if (added > 0) setImmediate(() => this.kick());
    return added;
  }

  /** Starts sending: what is due now (rows left from before a restart), then on time. */
  start(recorder: NotifyRecorder): void {
    this.recorder = recorder;
    this.kick();
  }

  /** Stops the timer and abandons requests in flight (their rows stay pending and are sent after a restart). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.abort.abort();
    await this.pumping;
  }

  /** Sends what is due now; if a pump is running, it runs once more after it. */
  kick(): void {
    if (this.stopped) return;
    if (this.pumping !== null) {
      this.again = true;
      return;
    }
    this.pumping = this.pump()
      .catch((err: unknown) => this.o.log.error({ err }, 'notification pump failed; trying again at the next row'))
      .finally(() => {
        this.pumping = null;
        if (this.again) {
          this.again = false;
          this.kick();
        } else void this.schedule();
      });
  }

  private async schedule(): Promise<void> {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    let next: number | null;
    try {
      [next, this.depthNow] = await Promise.all([this.o.store.outbox.nextDueMs(), this.o.store.outbox.depth()]);
    } catch (err) {
      // The store is closed (a start that failed after dispatch was built): nothing left to send.
      this.o.log.debug({ err }, 'notification outbox unavailable; not scheduling');
      return;
    }
    // A kick or stop came while the store answered: that one decides.
    if (this.stopped || this.pumping || this.timer) return;
    // Capped, so a clock step or a row written by another process (or committed after its kick) is
    // noticed within a minute; checked then even with nothing pending.
    const wait = next === null ? 60_000 : Math.min(60_000, Math.max(0, next - this.o.clock.now()));
    this.timer = setTimeout(() => {
      this.timer = null;
      this.kick();
    }, wait);
    this.timer.unref();
  }

  private async pump(): Promise<void> {
    const cfg = this.o.config();
    if (!cfg) return;
    // Claimed, not just read: on PostgreSQL every replica's notifier pumps the one outbox (issue 18).
    const rows = await this.o.store.outbox.claimDue(this.o.clock.now(), BATCH, CLAIM_LEASE_MS);
    if (rows.length === 0) return;
    const byChannel = new Map<string, OutboxRow[]>();
    for (const r of rows) byChannel.set(r.channelId, [...(byChannel.get(r.channelId) ?? []), r]);
    const channels = new Map<string, NotifyChannelConfig>();
    for (const g of Object.values(cfg.groups)) for (const c of g.channels) channels.set(c.id, c);
    await Promise.all(
      [...byChannel].map(async ([channelId, list]) => {
        const channel = channels.get(channelId);
        for (const row of list) {
          if (this.stopped) return;
          // Rate limited, or a robot's minute full: the rest wait with it, instead of drawing 45009/130101.
          const freeAt = this.channelFreeAt(channelId, channel);
          if (freeAt !== null) {
            await this.o.store.outbox.postponeChannel(channelId, freeAt);
            return;
          }
          const limited = await this.deliver(row, channel, cfg);
          // A rate-limited robot refuses the rest too: they wait with it.
          if (limited) return;
        }
      }),
    );
    if (rows.length === BATCH) this.again = true;
  }

  /** When the channel may send again (ms), or null when it may now. */
  private channelFreeAt(channelId: string, channel: NotifyChannelConfig | undefined): number | null {
    const now = this.o.clock.now();
    const held = this.heldUntil.get(channelId) ?? 0;
    if (held > now) return held;
    if (!channel || channel.type === 'http') return null;
    const recent = (this.recentSends.get(channelId) ?? []).filter((at) => at > now - 60_000);
    this.recentSends.set(channelId, recent);
    return recent.length >= (this.o.robotPerMinute ?? ROBOT_MESSAGES_PER_MINUTE) ? recent[0]! + 60_000 : null;
  }

  /** One try of one row. Returns true when the channel said it is rate limited. */
  private async deliver(row: OutboxRow, channel: NotifyChannelConfig | undefined, cfg: NotifyConfig): Promise<boolean> {
    const attempts = row.attempts + 1;
    let verdict: ReplyVerdict;
    if (!channel) verdict = { outcome: 'failed', reason: 'channel no longer configured' };
    else {
      const message = JSON.parse(row.payload) as AlertMessage;
      const req = buildRequest(channel, message, row.key, this.o.clock.now());
      if (req && channel.type !== 'http') this.recentSends.set(row.channelId, [...(this.recentSends.get(row.channelId) ?? []), this.o.clock.now()]);
      verdict = req ? await this.send(channel, req) : { outcome: 'retry', reason: 'webhook URL not set (secret missing)', rateLimited: false };
    }
    if (this.stopped && verdict.outcome !== 'sent') return false; // abandoned by stop(): not an attempt
    const now = this.o.clock.now();
    const label = { channel: row.channelId };
    if (verdict.outcome === 'sent') {
      await this.o.store.outbox.markSent(row.id, attempts, now);
      this.countSent(label);
      if (row.attempts > 0) this.record(row, 'notify.delivered', attempts, null);
      return false;
    }
    this.countFailed(label);
    const expired = now - row.createdMs >= cfg.giveUpAfterMs;
    if (verdict.outcome === 'failed' || expired) {
      await this.o.store.outbox.markFailed(row.id, attempts, verdict.reason);
      this.countGivenUp(label);
      this.o.log.warn({ incident: row.incidentId, channel: row.channelId, attempts, reason: verdict.reason }, 'guard alert given up');
      this.record(row, 'notify.gave_up', attempts, verdict.reason);
      return false;
    }
    const wait = backoffMs(attempts, { firstMs: cfg.retryFirstMs, maxMs: cfg.retryMaxMs, rateLimited: verdict.rateLimited });
    await this.o.store.outbox.markRetry(row.id, attempts, now + wait, verdict.reason);
    if (verdict.rateLimited) {
      this.heldUntil.set(row.channelId, now + wait);
      await this.o.store.outbox.postponeChannel(row.channelId, now + wait);
    }
    this.o.log.warn({ incident: row.incidentId, channel: row.channelId, attempts, reason: verdict.reason, retryInMs: wait }, 'guard alert failed; will retry');
    // The first failure is said on the incident; every retry after it would only repeat it.
    if (attempts === 1) this.record(row, 'notify.failed', attempts, verdict.reason);
    return verdict.rateLimited;
  }

  private async send(channel: NotifyChannelConfig, req: NonNullable<ReturnType<typeof buildRequest>>): Promise<ReplyVerdict> {
    const cfg = this.o.config();
    const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(cfg?.timeoutMs ?? 10_000)]);
    try {
      const res = await (this.o.fetch ?? fetch)(req.url, { method: req.method, headers: req.headers, body: req.body, signal, redirect: 'error' });
      const body = await readBounded(res);
      return classifyReply(channel.type, res.status, body);
    } catch (err) {
      return { outcome: 'retry', reason: describeFetchError(err), rateLimited: false };
    }
  }

  private record(row: OutboxRow, code: NotifyCode, attempts: number, reason: string | null): void {
    // A report's row (enqueueMessage) has no incident timeline to note it on: the outbox row says it.
    if (row.incidentId.startsWith(REPORT_KEY_PREFIX)) return;
    // The delivery's own state is in the outbox already; the timeline entry is the operator's view of it.
    const failed = (err: unknown) => this.o.log.error({ err, incident: row.incidentId }, 'could not note the guard alert on the incident');
    try {
      void Promise.resolve(this.recorder?.recordNotification(row.incidentId, { code, channel: row.channelId, attempts, reason })).catch(failed);
    } catch (err) {
      failed(err);
    }
  }
}

async function readBounded(res: Response): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size >= MAX_REPLY_BYTES) {
      await reader.cancel();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, MAX_REPLY_BYTES);
}

/** A socket or timeout error as a code, never its message (which may quote the URL and its key). */
function describeFetchError(err: unknown): string {
  const e = err as { name?: string; cause?: { code?: string; name?: string } };
  if (e.name === 'TimeoutError' || e.cause?.name === 'TimeoutError') return 'timed out';
  if (e.name === 'AbortError') return 'aborted';
  if (e.cause?.code) return `network error ${e.cause.code}`;
  return 'network error';
}
