/**
 * The drill shell: keeps the active drill windows in memory (ingest asks `isDrill` for every
 * event), writes each start and end with its audit row in one transaction, ends each drill by
 * itself when its time is up (also one that ran out while the hub was down), and announces
 * `drill:started` / `drill:ended` on the bus. What is allowed is decided by plan.ts.
 */
import type { Drill, DrillInput, DrillReply } from '../contract/drill.js';
import type { Clock } from '../core/clock.js';
import type { EventBus } from '../core/event-bus.js';
import type { HubEvents } from '../core/hub-events.js';
import { newId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import type { Store } from '../store/index.js';
import { type ChangeNotices, localNotices } from '../cluster/change-notices.js';
import type { ReplicaRole } from '../cluster/role.js';
import { drillVisible, dueEnds, isDrillAlarm, isRefused, planEnd, planStart, type DrillView } from './plan.js';

export interface DrillServiceOptions {
  store: Pick<Store, 'drills' | 'audit' | 'transaction'>;
  bus: EventBus<HubEvents>;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  /** Replicas (issue 18): tells the others a drill started or ended, and hears theirs. Default: one hub. */
  notices?: ChangeNotices;
  /** Replicas: only the leader ends drills that ran out (one end row, one audit row). Default: one hub. */
  role?: Pick<ReplicaRole, 'leads'>;
  /** Replicas: the periodic reload from the store, the safety net under the notices, ms. */
  reloadEveryMs?: number;
}

/** Who starts or ends a drill, as the audit row records it. */
export interface DrillActor {
  username: string;
  /** `rest:<ip>` or `console:<ip>`. */
  origin: string;
}

/** Longest wait of one timer (setTimeout's limit is about 24.8 days; drills last at most a day). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class DrillService {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /**
   * Ends in progress, by drill id: a drill being ended (its write awaited) is not ended a second
   * time by the timer or another request meanwhile.
   */
  private readonly ending = new Set<string>();
  private readonly notices: ChangeNotices;
  private reloadTimer: NodeJS.Timeout | null = null;
  private offNotice: (() => void) | null = null;

  /** The drills not yet ended, read from the store: ingest asks `isDrill` synchronously, so this is loaded before it runs. */
  static async open(o: DrillServiceOptions): Promise<DrillService> {
    return new DrillService(o, await o.store.drills.unended());
  }

  private constructor(
    private readonly o: DrillServiceOptions,
    /** Drills not yet ended, oldest first. */
    private active: Drill[],
  ) {
    o.metrics.gauge('sg_drills_active', 'Drills (演练) active now', () => this.active.length);
    this.notices = o.notices ?? localNotices();
  }

  /** Ends what ran out while the hub was down, then keeps a timer on the next end. */
  async start(): Promise<void> {
    await this.endDue();
    if (!this.notices.replicated) return;
    // Another replica's drill steers the alarms arriving here: read on its notice, and every few seconds anyway.
    const reload = () => void this.reload().catch((err: unknown) => this.o.log.warn({ err }, 'drills not reloaded; trying again at the next one'));
    this.offNotice = this.notices.on('drills', reload);
    this.reloadTimer = setInterval(reload, this.o.reloadEveryMs ?? 10_000);
    this.reloadTimer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.reloadTimer) clearInterval(this.reloadTimer);
    this.reloadTimer = null;
    this.offNotice?.();
  }

  /** Reads the drills not yet ended from the store again (another replica started or ended one). */
  async reload(): Promise<void> {
    const fresh = await this.o.store.drills.unended();
    if (this.stopped) return;
    this.active = fresh;
    this.schedule();
  }

  /** Whether an alarm of this site, routed to this station, received at `atMs` is a drill. */
  isDrill(siteId: string, stationId: string | null, atMs: number): boolean {
    return this.active.length > 0 && isDrillAlarm(this.active, siteId, stationId, atMs);
  }

  /** Drills active now (oldest first) and the latest ended ones, as the caller may see them. */
  async list(view: DrillView | null, limit = 100): Promise<Drill[]> {
    const seen = (d: Drill): boolean => view === null || drillVisible(d, view);
    return (await this.o.store.drills.recent(limit)).filter(seen);
  }

  get(id: string): Promise<Drill | undefined> {
    return this.o.store.drills.get(id);
  }

  /** Answers after the drill and its audit row are committed. */
  async begin(input: DrillInput<'start'>, by: DrillActor, view: DrillView): Promise<DrillReply> {
    const now = this.o.clock.now();
    const planned = planStart({ id: newId(now), input, by: by.username, nowMs: now, view });
    if (isRefused(planned)) return { ok: false, ...planned };
    await this.write(planned, 'drill.start', by, describe(planned));
    this.active.push(planned);
    this.o.log.info({ drill: planned.id, sites: planned.siteIds.length, station: planned.stationId, endsAt: planned.endsAt, by: by.username }, 'drill started');
    this.o.bus.emit('drill:started', planned);
    this.notices.publish('drills');
    this.schedule();
    return { ok: true, drill: planned };
  }

  async finish(id: string, by: DrillActor, view: DrillView): Promise<DrillReply> {
    const drill = this.active.find((d) => d.id === id) ?? (await this.o.store.drills.get(id));
    const ended = planEnd({ drill, id, by: by.username, nowMs: this.o.clock.now(), view });
    if (isRefused(ended)) return { ok: false, ...ended };
    // Another request or the timer may be ending it, or have ended it while the store was read.
    if (this.ending.has(id) || !this.active.some((d) => d.id === id)) return { ok: false, code: 'drill_ended', error: `drill ${id} has already ended` };
    if (!(await this.ended(ended, by, 'drill ended early'))) return { ok: false, code: 'drill_ended', error: `drill ${id} has already ended` };
    return { ok: true, drill: ended };
  }

  /** Ends every drill whose time is up. Public so tests with a manual clock drive it. */
  async endDue(): Promise<number> {
    if (!(this.o.role?.leads() ?? true)) {
      // Not the leader: it writes the end; this replica only stops flagging (a reload confirms it).
      const now = this.o.clock.now();
      this.active = this.active.filter((d) => !dueEnds([d], now).length);
      this.schedule();
      return 0;
    }
    const due = dueEnds(this.active, this.o.clock.now()).filter((d) => !this.ending.has(d.id));
    for (const d of due) await this.ended(d, { username: 'hub', origin: 'hub' }, 'drill ran out and ended by itself');
    this.schedule();
    return due.length;
  }

  /** False when another replica ended it first (its end and audit row stand; this one writes neither). */
  private async ended(d: Drill, by: DrillActor, logText: string): Promise<boolean> {
    this.ending.add(d.id);
    let won: boolean;
    try {
      won = await this.write(d, 'drill.end', by, describe(d));
    } finally {
      this.ending.delete(d.id);
    }
    this.active = this.active.filter((a) => a.id !== d.id);
    if (!won) {
      // Its end reaches this replica's consoles through that replica's notice (a reload here).
      this.o.log.info({ drill: d.id, by: by.username }, 'drill already ended on another replica');
      this.schedule();
      return false;
    }
    this.o.log.info({ drill: d.id, endedAt: d.endedAt, by: by.username }, logText);
    this.o.bus.emit('drill:ended', d);
    this.notices.publish('drills');
    this.schedule();
    return true;
  }

  /** The drill row and its audit row, in one durable transaction; false (nothing written) for an end someone else recorded first. */
  private async write(d: Drill, action: 'drill.start' | 'drill.end', by: DrillActor, note: string): Promise<boolean> {
    const { store } = this.o;
    try {
      return await store.transaction(async () => {
        if (action === 'drill.start') await store.drills.insert(d);
        else if (!(await store.drills.end(d.id, Date.parse(d.endedAt!), d.endedBy ?? by.username))) return false;
        await store.audit.append({
          at: action === 'drill.start' ? d.startedAt : d.endedAt!,
          actor: by.username,
          action,
          incidentId: null,
          fromStatus: null,
          toStatus: null,
          origin: by.origin,
          note,
        });
        return true;
      });
    } catch (err) {
      // The transaction rolled back: the cached audit chain head is no longer the stored one.
      store.audit.resetHead();
      throw err;
    }
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.stopped || this.active.length === 0) return;
    const next = Math.min(...this.active.map((d) => Date.parse(d.endsAt)));
    const wait = Math.min(Math.max(0, next - this.o.clock.now()), MAX_TIMER_MS);
    this.timer = setTimeout(() => void this.endDueOrRetry(), wait);
    this.timer.unref();
  }

  private async endDueOrRetry(): Promise<void> {
    this.timer = null;
    try {
      await this.endDue();
    } catch (err) {
      // A failed write (disk full, database gone) is retried a second later rather than leaving the drill on.
      this.o.log.error({ err }, 'ending a drill failed; retrying');
      if (this.stopped) return;
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.endDueOrRetry(), 1000);
      this.timer.unref();
    }
  }
}
/** The audit note: what was drilled and until when (ids only, no free text from the name beyond its cap). */
function describe(d: Drill): string {
  const what =
    d.stationId !== null ? `station ${d.stationId}` : `sites ${d.siteIds.slice(0, 20).join(',')}${d.siteIds.length > 20 ? ` (+${d.siteIds.length - 20})` : ''}`;
  return `drill ${d.id}${d.name ? ` "${d.name.slice(0, 100)}"` : ''}: ${what} until ${d.endsAt}`;
}
