import { KIND_INFO, type AlarmEvent, type Category } from '../contract/alarm-event.js';
import type { Incident } from '../contract/incident.js';
import type { Store } from '../store/index.js';
import { type FalseClose, normalise } from './correlate.js';

/** How many correlated event ids are remembered, so a wake-up or sweep never correlates an event twice. */
const SEEN_EVENTS = 100_000;

/** Which sites a load or a forget is about (all of them, or a replica's partitions). */
export type SiteFilter = (siteId: string) => boolean;

/**
 * What dispatch holds in memory about the sites it correlates: the open incidents (the queue),
 * each site's last incident per category (a re-alarm links to it) and last false close (repeats),
 * its armed state, and the events this run has correlated. Filled from the store when the service
 * starts and when a replica takes sites (`loadSites`), emptied of the sites it gives up (`forget`).
 * Decides nothing: the pure cores do, from what this hands them.
 */
export class SiteMemory {
  private readonly openById = new Map<string, Incident>();
  /** Open incident ids per site: at most one per category. */
  private readonly openBySite = new Map<string, Set<string>>();
  /** The last incident per site and category (`site|category`), which a re-alarm links to; null: none. */
  private readonly lastOfCategory = new Map<string, string | null>();
  /** Sites whose closed incidents were looked up for lastOfCategory. */
  private readonly historyLoaded = new Set<string>();
  /** Last incident per site closed as a false alarm (repeat detection). */
  private readonly lastFalse = new Map<string, FalseClose>();
  /** Armed state per site from arm/disarm events; absent = unknown. */
  private readonly armed = new Map<string, boolean>();
  /**
   * Events correlated by this run (id → site), oldest first, bounded: an event may reach this
   * replica twice — by the bus and by a wake-up or sweep that read it before its mark was written.
   */
  private readonly seen = new Map<string, string>();
  /**
   * The seqs of the events in `seen` (seq → site), bounded alike: a wake-up names the highest seq a
   * transaction stored for a site, and one this run correlated is its own event the bus brought
   * first, nothing to read. Not "highest seq per site": seq is drawn across replicas before commit,
   * so another replica's lower seq can commit after a higher one was correlated here, and its
   * wake-up must read it at once rather than leave it to the sweep.
   */
  private readonly seenSeqs = new Map<number, string>();

  /** `bySeq`: remember seqs too (replica mode; one hub would pay for a second map per event for nothing). */
  constructor(
    private readonly store: Store,
    private readonly bySeq: boolean,
  ) {}

  /** The open incidents by id: the queue, each at its latest version. */
  get open(): ReadonlyMap<string, Incident> {
    return this.openById;
  }

  /** Takes an incident's latest version: kept while open, let go (its link remembered) once closed. */
  track(i: Incident): void {
    const ids = this.openBySite.get(i.siteId);
    if (i.status === 'closed') {
      this.openById.delete(i.id);
      ids?.delete(i.id);
      if (ids?.size === 0) this.openBySite.delete(i.siteId);
      if (!i.drill) this.lastOfCategory.set(categoryKey(i.siteId, i.category), i.id);
    } else {
      this.openById.set(i.id, i);
      if (ids) ids.add(i.id);
      else this.openBySite.set(i.siteId, new Set([i.id]));
    }
  }

  /** The open incidents of a site (at most one per category). */
  openAt(siteId: string): Incident[] {
    const ids = this.openBySite.get(siteId);
    if (!ids) return [];
    const list: Incident[] = [];
    for (const id of ids) {
      const i = this.openById.get(id);
      if (i) list.push(i);
    }
    return list;
  }

  /** The site's last closed incident of a category (loadHistoryFor has read the site's history). */
  previousOf(siteId: string, category: Category): string | null {
    return this.lastOfCategory.get(categoryKey(siteId, category)) ?? null;
  }

  lastFalseAt(siteId: string): FalseClose | undefined {
    return this.lastFalse.get(siteId);
  }

  noteFalse(siteId: string, id: string, closedMs: number): void {
    const prev = this.lastFalse.get(siteId);
    if (!prev || prev.closedMs < closedMs) this.lastFalse.set(siteId, { id, closedMs });
  }

  armedAt(siteId: string): boolean | null {
    return this.armed.get(siteId) ?? null;
  }

  /** An arm or disarm event sets the site's armed state. */
  noteArming(e: AlarmEvent): void {
    if (e.kind === 'arm' || e.kind === 'disarm') this.armed.set(e.siteId, e.kind === 'arm');
  }

  hasSeen(eventId: string): boolean {
    return this.seen.has(eventId);
  }

  hasSeenSeq(seq: number): boolean {
    return this.seenSeqs.has(seq);
  }

  noteSeen(e: AlarmEvent): void {
    this.seen.set(e.id, e.siteId);
    if (this.seen.size > SEEN_EVENTS) this.seen.delete(this.seen.keys().next().value!);
    if (e.seq === undefined || !this.bySeq) return;
    this.seenSeqs.set(e.seq, e.siteId);
    if (this.seenSeqs.size > SEEN_EVENTS) this.seenSeqs.delete(this.seenSeqs.keys().next().value!);
  }

  /** Whether correlating this event may need its site's closed incidents, not read yet. */
  historyMissing(e: AlarmEvent): boolean {
    if (e.destination || e.drill || KIND_INFO[e.kind].basePriority === null) return false;
    return !this.historyLoaded.has(e.siteId) && !this.lastOfCategory.has(categoryKey(e.siteId, e.category));
  }

  needsHistory(events: readonly AlarmEvent[]): boolean {
    return events.some((e) => this.historyMissing(e));
  }

  /**
   * Reads the closed incidents of each site whose events may open an incident (a kind with a
   * priority, not a drill) and whose last one of that category is not known yet: once per site
   * per run, before correlation, which then decides without awaiting. Only fills a cache, so it may
   * also run outside the service's queue (readAhead): a site counts as loaded only once its rows are applied.
   */
  async loadHistoryFor(events: readonly AlarmEvent[]): Promise<void> {
    const sites = new Set<string>();
    for (const e of events) if (this.historyMissing(e)) sites.add(e.siteId);
    for (const siteId of sites) {
      const closed = await this.store.incidents.query({ siteId, status: 'closed', limit: 200 });
      if (this.historyLoaded.has(siteId)) continue;
      // Newest first: the first of each category is its last one (one closed since is already in the map).
      for (const i of closed) {
        if (i.drill) continue;
        const k = categoryKey(siteId, i.category);
        if (!this.lastOfCategory.has(k)) this.lastOfCategory.set(k, i.id);
      }
      this.historyLoaded.add(siteId);
    }
  }

  /**
   * Loads the sites `belongs` keeps from the store, nothing of an earlier turn (another replica may
   * have run them since): their open incidents (not held already), their false closes since
   * `falseSince` and their armed state. Returns how many open incidents it loaded.
   */
  async loadSites(belongs: SiteFilter, falseSince: number): Promise<number> {
    this.forget(belongs);
    let loaded = 0;
    for (const i of await this.store.incidents.open()) {
      if (!belongs(i.siteId) || this.openById.has(i.id)) continue;
      this.track(normalise(i));
      loaded++;
    }
    for (const i of await this.store.incidents.query({ status: 'closed', since: falseSince, limit: 1000 })) {
      if (belongs(i.siteId) && i.disposition === 'false' && i.closedAt && !i.drill) this.noteFalse(i.siteId, i.id, Date.parse(i.closedAt));
    }
    for (const [siteId, armed] of await this.store.events.lastArmingBySite()) if (belongs(siteId)) this.armed.set(siteId, armed);
    return loaded;
  }

  /** Forgets everything held about these sites (their open incidents leave the queue). */
  forget(belongs: SiteFilter): void {
    for (const [siteId, ids] of [...this.openBySite]) {
      if (!belongs(siteId)) continue;
      for (const id of ids) this.openById.delete(id);
      this.openBySite.delete(siteId);
    }
    for (const k of [...this.lastOfCategory.keys()]) if (belongs(k.slice(0, k.lastIndexOf('|')))) this.lastOfCategory.delete(k);
    for (const map of [this.lastFalse, this.armed]) for (const siteId of [...map.keys()]) if (belongs(siteId)) map.delete(siteId);
    for (const siteId of [...this.historyLoaded]) if (belongs(siteId)) this.historyLoaded.delete(siteId);
    for (const [id, siteId] of [...this.seen]) if (belongs(siteId)) this.seen.delete(id);
    for (const [seq, siteId] of [...this.seenSeqs]) if (belongs(siteId)) this.seenSeqs.delete(seq);
  }
}

const categoryKey = (siteId: string, category: Category): string => `${siteId}|${category}`;
