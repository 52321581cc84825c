import { type ChangeNotices, localNotices } from '../cluster/change-notices.js';
import type { ReplicaRole } from '../cluster/role.js';
import type { AlarmEvent } from '../contract/alarm-event.js';
import type { CommissioningState, CommissioningStatus, EventDestination, SiteCommissioning, WalkTest, WalkTestTrigger } from '../contract/commissioning.js';
import type { Site } from '../config/model.js';
import type { Clock } from '../core/clock.js';
import type { EventBus } from '../core/event-bus.js';
import type { HubEvents } from '../core/hub-events.js';
import { newId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import { eventDestination } from './destination.js';
import type { CommissioningRecord, Store, WalkTestTick } from '../store/index.js';
import { RejectedLog } from './rejected-log.js';
import {
  DEFAULT_WALK_TEST_MINUTES,
  endWalkTest,
  mergeWalkTests,
  recordWalkTestEvent,
  startWalkTest,
  walkTestOfEvents,
  type DeviceReadings,
} from './walk-test.js';

/** Who asks, as the audit trail records it. */
export interface CommissioningActor {
  username: string;
  origin: string;
}

export interface CommissioningOptions {
  store: Pick<Store, 'commissioning' | 'events' | 'audit' | 'transaction'>;
  bus: EventBus<HubEvents>;
  clock: Clock;
  log: Logger;
  /** The sites of the current config (a reload swaps them). */
  sites: () => readonly Site[];
  /** A site of the current config by id: the config directory's Map (src/config/directory.ts), read at each call. */
  site: (siteId: string) => Site | undefined;
  /** What ingest last heard of a device: when, and its readings. */
  heard: (siteId: string, deviceId: string) => ({ lastSeenMs: number | null } & DeviceReadings) | undefined;
  /** How often running walk tests and maintenance windows are checked for their end, ms. */
  checkEveryMs?: number;
  /** Replicas (issue 18): tells the others a record or walk test changed, and hears theirs. Default: one hub. */
  notices?: ChangeNotices;
  /** Replicas: only the site's owner ends its walk tests and maintenance windows by the clock. Default: one hub. */
  role?: Pick<ReplicaRole, 'owns'>;
  /** Replicas: the periodic reload from the store, the safety net under the notices, ms. */
  reloadEveryMs?: number;
}

export type CommissioningRefusal = { ok: false; code: 'not_found' | 'walk_test_running' | 'no_walk_test' | 'not_in_maintenance' | 'no_zones'; error: string };
export type CommissioningReply = { ok: true; site: SiteCommissioning } | CommissioningRefusal;

const key = (siteId: string, deviceId: string | null): string => `${siteId}/${deviceId ?? ''}`;

/** A commissioning change to store: the record, who made it, the state it left and a note for the audit line. */
interface SaveRecord {
  record: CommissioningRecord;
  by: CommissioningActor;
  from: CommissioningState;
  note: string | null;
  /** False when the caller's transaction already holds the write (default true). */
  ownTransaction?: boolean;
}

/** One audit line about a site: `from` → `to` under `action`, with an optional note. */
interface AuditLine {
  by: CommissioningActor;
  action: string;
  siteId: string;
  from: string | null;
  to: string | null;
  note: string | null;
}
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/**
 * The commissioning shell (issue 15): keeps each site's and device's record (marked in service,
 * maintenance until when) and the running walk tests, answers ingest's "where does this event go"
 * (eventDestination), ticks walk-test checklists off from stored events, ends tests and
 * maintenance windows by themselves, and audits and announces every change
 * (`commissioning:status`). State lives in the store (migration 012) and is read back on start
 * (`open`); ingest's question is answered from memory, synchronously, for every event.
 */
export class CommissioningService {
  private readonly records = new Map<string, CommissioningRecord>();
  /** Running walk tests by site. */
  private readonly running = new Map<string, WalkTest>();
  readonly rejected = new RejectedLog();
  private timer: NodeJS.Timeout | null = null;
  /** A clock pass in progress (its writes awaited): the next tick skips rather than ending things twice. */
  private checking: Promise<void> | null = null;

  /** The service with its stored records and running walk tests read back. */
  static async open(o: CommissioningOptions): Promise<CommissioningService> {
    const service = new CommissioningService(o);
    await service.reload();
    return service;
  }

  private readonly notices: ChangeNotices;

  private constructor(private readonly o: CommissioningOptions) {
    this.notices = o.notices ?? localNotices();
  }

  /**
   * Reads the records and running walk tests from the store again (at open, and in replica mode
   * when another replica changed one: its maintenance or walk test steers events arriving here).
   */
  async reload(): Promise<void> {
    const [records, running] = await Promise.all([this.o.store.commissioning.records(), this.o.store.commissioning.runningWalkTests()]);
    this.records.clear();
    for (const r of records) this.records.set(key(r.siteId, r.deviceId), r);
    // This replica's copy of a test still running may hold ticks whose write is in flight: kept.
    const mine = new Map(this.running);
    this.running.clear();
    for (const t of running) {
      const local = mine.get(t.siteId);
      this.running.set(t.siteId, local ? mergeWalkTests(local, t) : t);
    }
  }

  /** Subscribe to stored events and rejected messages, and start the clock. Returns the disposer. */
  attach(): () => void {
    const offStored = this.o.bus.on('event:stored', (events) => void this.onStored(events).catch((err: unknown) => this.failed(err, 'walk test update')));
    const offRejected = this.o.bus.on('ingest:rejected', (r) => this.rejected.add(r, this.o.sites(), this.o.clock.now()));
    const tick = () => void this.check().catch((err: unknown) => this.failed(err, 'commissioning clock'));
    tick(); // tests and windows that ran out while the hub was down end now
    this.timer = setInterval(tick, this.o.checkEveryMs ?? 1000);
    this.timer.unref();
    let offNotice = (): void => undefined;
    let reloadTimer: NodeJS.Timeout | null = null;
    if (this.notices.replicated) {
      const reload = () => void this.reload().catch((err: unknown) => this.failed(err, 'commissioning reload'));
      offNotice = this.notices.on('commissioning', reload);
      reloadTimer = setInterval(reload, this.o.reloadEveryMs ?? 10_000);
      reloadTimer.unref();
    }
    return () => {
      offStored();
      offRejected();
      offNotice();
      if (reloadTimer) clearInterval(reloadTimer);
      if (this.timer) clearInterval(this.timer);
      this.timer = null;
    };
  }

  /** Ingest's question for each event it is about to store. */
  destinationOf(siteId: string, deviceId: string, nowMs: number): EventDestination {
    const device = this.records.get(key(siteId, deviceId));
    const site = this.records.get(key(siteId, null));
    const until = Math.max(device?.maintenanceUntilMs ?? 0, site?.maintenanceUntilMs ?? 0);
    return eventDestination({ walkTest: this.running.has(siteId), maintenanceUntilMs: until > 0 ? until : null, nowMs });
  }

  /** The installer page's view of one site; undefined for a site not in the config. */
  view(siteId: string): SiteCommissioning | undefined {
    const site = this.site(siteId);
    if (!site) return undefined;
    const now = this.o.clock.now();
    return {
      siteId: site.id,
      name: site.name,
      site: this.status(site.id, null, now),
      devices: site.devices.map((d) => this.status(site.id, d.id, now, d.installed ?? false)),
      walkTest: this.running.get(site.id) ?? null,
    };
  }

  /** A site's stored walk tests (验收记录), newest first. */
  walkTests(siteId: string, limit = 20): Promise<WalkTest[]> {
    return this.o.store.commissioning.walkTests(siteId, limit);
  }

  walkTest(id: string): Promise<WalkTest | undefined> {
    return this.o.store.commissioning.walkTest(id);
  }

  /**
   * Starts a walk test; answers once it is committed. The test counts as running from the call,
   * before the commit: the panel's own start (panelMode) is followed at once by the events it must
   * take, and a second start meanwhile is refused. A failed write takes it back.
   */
  async startWalkTest(
    siteId: string,
    by: CommissioningActor,
    minutes = DEFAULT_WALK_TEST_MINUTES,
    trigger: WalkTestTrigger = 'installer',
  ): Promise<CommissioningReply> {
    const site = this.site(siteId);
    if (!site) return { ok: false, code: 'not_found', error: `no site ${siteId}` };
    if (this.running.has(siteId)) return { ok: false, code: 'walk_test_running', error: `a walk test of ${siteId} is already running` };
    const now = this.o.clock.now();
    const test = startWalkTest({ id: newId(now), site, nowMs: now, minutes, by: by.username, trigger });
    if (test.zones.length === 0) return { ok: false, code: 'no_zones', error: `site ${siteId} declares no zones to walk` };
    this.running.set(siteId, test);
    try {
      await this.o.store.transaction(async () => {
        await this.o.store.commissioning.saveWalkTest(test);
        await this.audit({ by, action: 'walktest.start', siteId, from: null, to: 'walk_test', note: `${test.id}: ${test.zones.length} zones, ${minutes} min` });
      });
    } catch (err) {
      if (this.running.get(siteId)?.id === test.id) this.running.delete(siteId);
      throw err;
    }
    this.o.log.info({ site: siteId, walkTest: test.id, zones: test.zones.length, minutes, by: by.username }, 'walk test started');
    return this.announce(siteId);
  }

  async stopWalkTest(siteId: string, by: CommissioningActor): Promise<CommissioningReply> {
    if (!this.site(siteId)) return { ok: false, code: 'not_found', error: `no site ${siteId}` };
    if (!this.running.has(siteId)) return { ok: false, code: 'no_walk_test', error: `no walk test of ${siteId} is running` };
    await this.finish(siteId, by);
    return this.announce(siteId);
  }

  async startMaintenance(m: {
    siteId: string;
    /** null: the whole site. */
    deviceId: string | null;
    minutes: number;
    by: CommissioningActor;
    note?: string | undefined;
  }): Promise<CommissioningReply> {
    const { siteId, deviceId, minutes, by, note } = m;
    const site = this.site(siteId);
    if (!site || (deviceId !== null && !site.devices.some((d) => d.id === deviceId))) {
      return { ok: false, code: 'not_found', error: deviceId ? `no device ${deviceId} at ${siteId}` : `no site ${siteId}` };
    }
    const now = this.o.clock.now();
    const until = now + minutes * 60_000;
    const before = this.status(siteId, deviceId, now).state;
    await this.save({
      record: { siteId, deviceId, state: 'maintenance', maintenanceUntilMs: until, changedMs: now, changedBy: by.username },
      by,
      from: before,
      note: note ?? `${minutes} min`,
    });
    return this.announce(siteId);
  }

  async endMaintenance(siteId: string, deviceId: string | null, by: CommissioningActor): Promise<CommissioningReply> {
    const record = this.records.get(key(siteId, deviceId));
    if (!this.site(siteId)) return { ok: false, code: 'not_found', error: `no site ${siteId}` };
    if (record?.state !== 'maintenance') return { ok: false, code: 'not_in_maintenance', error: `${deviceId ?? siteId} is not in maintenance` };
    await this.leaveMaintenance(record, by, this.o.clock.now());
    return this.announce(siteId);
  }

  /** The installer puts a site in service (在用) without a walk test, with the reason. */
  async markInService(siteId: string, by: CommissioningActor, note: string): Promise<CommissioningReply> {
    if (!this.site(siteId)) return { ok: false, code: 'not_found', error: `no site ${siteId}` };
    const now = this.o.clock.now();
    const before = this.status(siteId, null, now).state;
    await this.save({
      record: { siteId, deviceId: null, state: 'in_service', maintenanceUntilMs: null, changedMs: now, changedBy: by.username },
      by,
      from: before,
      note,
    });
    return this.announce(siteId);
  }

  /**
   * The panel entered or left its own walk-test mode (Contact ID E607 / R607): a test starts with
   * the default length, or the running one ends. A start while one runs, or an end without one,
   * changes nothing (the installer may have started it from the page first). Ingest calls it
   * synchronously: the test counts as running on return (startWalkTest), its write follows.
   */
  panelMode(siteId: string, deviceId: string, change: 'walk_test_start' | 'walk_test_end'): void {
    const by = { username: `panel:${deviceId}`, origin: 'mqtt' };
    const failed = (err: unknown) => this.failed(err, `panel ${change}`);
    if (change === 'walk_test_start' && !this.running.has(siteId)) void this.startWalkTest(siteId, by, DEFAULT_WALK_TEST_MINUTES, 'panel').catch(failed);
    if (change === 'walk_test_end' && this.running.has(siteId)) void this.stopWalkTest(siteId, by).catch(failed);
  }

  /** One pass of the clock: walk tests and maintenance windows that ran out end. Public for tests; a pass already running is joined. */
  check(): Promise<void> {
    this.checking ??= this.checkOnce().finally(() => {
      this.checking = null;
    });
    return this.checking;
  }

  private async checkOnce(): Promise<void> {
    const now = this.o.clock.now();
    const hub = { username: 'hub', origin: 'hub' };
    // Replicas: the site's owner ends what ran out (one end row, one audit row); the others see it on its notice.
    const owns = (siteId: string): boolean => this.o.role?.owns(siteId) ?? true;
    for (const [siteId, t] of [...this.running]) {
      if (owns(siteId) && Date.parse(t.endsAt) <= now && this.running.get(siteId) === t) {
        await this.finish(siteId, hub);
        this.announce(siteId);
      }
    }
    for (const r of [...this.records.values()]) {
      if (
        owns(r.siteId) &&
        r.state === 'maintenance' &&
        r.maintenanceUntilMs !== null &&
        r.maintenanceUntilMs <= now &&
        this.records.get(key(r.siteId, r.deviceId)) === r
      ) {
        await this.leaveMaintenance(r, hub, now);
        this.announce(r.siteId);
      }
    }
  }

  private failed(err: unknown, what: string): void {
    this.o.log.error({ err }, `${what} failed`);
  }

  private async onStored(events: readonly AlarmEvent[]): Promise<void> {
    const touched = new Map<string, { id: string; ticks: WalkTestTick[]; others: number }>();
    for (const e of events) {
      if (e.destination !== 'walk_test') continue;
      const t = this.running.get(e.siteId);
      if (!t) continue; // ended between the store and now: the event stays on record, diverted
      const heard = this.o.heard(e.siteId, e.deviceId);
      const next = recordWalkTestEvent(t, e, { signal: heard?.signal ?? null, battery: heard?.battery ?? null });
      this.running.set(e.siteId, next);
      const change = touched.get(e.siteId) ?? { id: t.id, ticks: [], others: 0 };
      touched.set(e.siteId, change);
      change.others += next.otherEvents - t.otherEvents;
      const ticked = next.zones.find((z, i) => z.seen && !t.zones[i]!.seen);
      if (ticked)
        change.ticks.push({
          zone: ticked.zone,
          seenAt: ticked.seenAt!,
          kind: ticked.kind!,
          deviceId: ticked.deviceId!,
          signal: ticked.signal,
          battery: ticked.battery,
        });
    }
    for (const [siteId, change] of touched) {
      // Added to the stored test, not saved whole over it: another replica may be storing this
      // test's events at the same moment (issue 18). Plain commit: the events themselves are durable.
      if (change.ticks.length > 0 || change.others > 0) await this.o.store.commissioning.addWalkTestTicks(change.id, change.ticks, change.others);
      // Announced after the write: the other replicas read the store again on the notice.
      this.announce(siteId);
    }
  }

  /**
   * Ends the site's running test, stores it as the record, and a passed test puts the site in
   * service. The checklist ended is this replica's copy merged with the stored one: the ticks of
   * events another replica stored count (issue 18). A test another replica ended first stays as it
   * ended it, and its end is not audited twice.
   *
   * Which events belong to the test is the store's order, not a replica's clock or how far its tick
   * writes got: every walk-test event committed before the end is in the record, even one whose
   * tick row the replica that stored it had not written yet (it writes it after the event's commit,
   * so without this read an end between the two lost the zone). The read takes the events lock
   * first (PostgreSQL): no event commits between it and the end's commit, and a second end waits
   * here and then finds the test ended.
   */
  private async finish(siteId: string, by: CommissioningActor): Promise<void> {
    const now = this.o.clock.now();
    const mine = this.running.get(siteId)!;
    this.running.delete(siteId);
    let ended: WalkTest | null = null;
    await this.o.store.transaction(async () => {
      const events = await this.o.store.events.walkTestEvents(siteId, Date.parse(mine.startedAt));
      const stored = await this.o.store.commissioning.walkTest(mine.id);
      if (stored?.endedAt) return;
      // The tick rows carry the device's readings; a zone only the events show is ticked without them.
      ended = endWalkTest(mergeWalkTests(stored ? mergeWalkTests(mine, stored) : mine, walkTestOfEvents(mine, events)), now, by.username);
      const seen = ended.zones.filter((z) => z.seen).length;
      const summary = `${ended.id}: ${seen}/${ended.zones.length} zones seen, ${ended.passed ? 'passed' : 'not passed'}`;
      await this.o.store.commissioning.saveWalkTest(ended);
      await this.audit({ by, action: 'walktest.end', siteId, from: 'walk_test', to: ended.passed ? 'passed' : 'failed', note: summary });
      const before = this.status(siteId, null, now).state;
      if (ended.passed && before === 'pending_install') {
        await this.save({
          record: { siteId, deviceId: null, state: 'in_service', maintenanceUntilMs: null, changedMs: now, changedBy: by.username },
          by,
          from: before,
          note: summary,
          ownTransaction: false,
        });
      }
    });
    const done = ended as WalkTest | null;
    if (!done) return;
    const seen = done.zones.filter((z) => z.seen).length;
    this.o.log.info({ site: siteId, walkTest: done.id, seen, zones: done.zones.length, passed: done.passed }, 'walk test ended');
  }

  private leaveMaintenance(r: CommissioningRecord, by: CommissioningActor, now: number): Promise<void> {
    return this.save({
      record: { ...r, state: 'in_service', maintenanceUntilMs: null, changedMs: now, changedBy: by.username },
      by,
      from: 'maintenance',
      note: by.username === 'hub' ? 'maintenance window over' : null,
    });
  }

  /** Store the record and its audit line (in a transaction of their own unless `ownTransaction` is false), then remember it. */
  private async save({ record: r, by, from, note, ownTransaction = true }: SaveRecord): Promise<void> {
    const write = async (): Promise<void> => {
      await this.o.store.commissioning.saveRecord(r);
      await this.audit({
        by,
        action: `commissioning.${r.state}`,
        siteId: r.siteId,
        from,
        to: r.state,
        note: [r.deviceId, note].filter(Boolean).join(': ') || null,
      });
    };
    if (ownTransaction) await this.o.store.transaction(write);
    else await write();
    this.records.set(key(r.siteId, r.deviceId), r);
    this.o.log.info({ site: r.siteId, device: r.deviceId ?? undefined, from, to: r.state, by: by.username }, 'commissioning state changed');
  }

  private async audit({ by, action, siteId, from, to, note }: AuditLine): Promise<void> {
    const at = new Date(this.o.clock.now()).toISOString();
    await this.o.store.audit.append({
      at,
      actor: by.username,
      action,
      incidentId: null,
      fromStatus: from,
      toStatus: to,
      origin: by.origin,
      note: `site ${siteId}${note ? `: ${note}` : ''}`,
    });
  }

  private announce(siteId: string): CommissioningReply {
    const view = this.view(siteId);
    if (!view) return { ok: false, code: 'not_found', error: `no site ${siteId}` };
    this.o.bus.emit('commissioning:status', view);
    // Every change is announced here: the other replicas read the store again.
    this.notices.publish('commissioning');
    return { ok: true, site: view };
  }

  /**
   * A site's or device's state now. Maintenance wins while its window lasts. A device is in
   * service from its first message (or `installed: true`): it is mounted and talking, which is
   * what supervision needs. A site is in service after a passed walk test or the installer's mark:
   * that a site's devices talk does not say its zones are wired right.
   */
  private status(siteId: string, deviceId: string | null, now: number, installed = false): CommissioningStatus {
    const r = this.records.get(key(siteId, deviceId));
    const inMaintenance = r?.state === 'maintenance' && r.maintenanceUntilMs !== null && r.maintenanceUntilMs > now;
    let state: CommissioningState;
    if (inMaintenance) state = 'maintenance';
    else if (r?.state === 'in_service' || r?.state === 'maintenance') state = 'in_service';
    else if (deviceId !== null && (installed || (this.o.heard(siteId, deviceId)?.lastSeenMs ?? null) !== null)) state = 'in_service';
    else state = 'pending_install';
    return {
      siteId,
      deviceId,
      state,
      maintenanceUntil: inMaintenance ? iso(r!.maintenanceUntilMs) : null,
      walkTestId: deviceId === null ? (this.running.get(siteId)?.id ?? null) : null,
      changedAt: r ? iso(r.changedMs) : null,
      changedBy: r?.changedBy ?? null,
    };
  }

  private site(siteId: string): Site | undefined {
    return this.o.site(siteId);
  }
}
