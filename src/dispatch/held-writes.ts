import type { Incident } from '../contract/incident.js';
import type { AuditEntry } from '../store/index.js';

/** An event correlated: its id, the incident that took it (or `-`), its seq when known, its site (the lease fence's key). */
export type Mark = [eventId: string, incidentId: string, seq: number | undefined, siteId: string];

/**
 * Derived writes not yet in SQLite, grouped by incident so they can be written a part at a time:
 * a part holds whole incidents, each with the `open` audit row and the marks of every event it
 * took, so whatever subset is on disk, each incident there is consistent with the events marked
 * for it, and the rest are still unmarked (recover() rebuilds them on start).
 */
export class HeldWrites {
  /** Latest version of each incident, in the order first held. */
  readonly incidents = new Map<string, Incident>();
  /** The `open` audit row of each new incident. */
  readonly audits = new Map<string, AuditEntry>();
  /** Marks by incident id (`-`: events that opened none). */
  readonly marks = new Map<string, Mark[]>();
  markCount = 0;

  get empty(): boolean {
    return this.incidents.size === 0 && this.markCount === 0 && this.audits.size === 0;
  }

  hold(incident: Incident, audit?: AuditEntry): void {
    this.incidents.set(incident.id, incident);
    if (audit) this.audits.set(incident.id, audit);
  }

  mark(m: Mark): void {
    const list = this.marks.get(m[1]);
    if (list) list.push(m);
    else this.marks.set(m[1], [m]);
    this.markCount++;
  }

  /**
   * Moves the first `limit` incidents (all when absent), with their audit rows and marks and the
   * marks of events that opened none, into a new HeldWrites.
   */
  take(limit = Infinity): HeldWrites {
    const part = new HeldWrites();
    for (const [id, incident] of this.incidents) {
      if (part.incidents.size >= limit) break;
      part.incidents.set(id, incident);
      this.incidents.delete(id);
      const audit = this.audits.get(id);
      if (audit) {
        part.audits.set(id, audit);
        this.audits.delete(id);
      }
      this.moveMarks(id, part);
    }
    // Marks of incidents not held (none in practice) and of events that opened nothing.
    for (const id of [...this.marks.keys()]) if (!this.incidents.has(id)) this.moveMarks(id, part);
    return part;
  }

  /** Puts a part back in front after its transaction failed: anything held since is newer. */
  restore(part: HeldWrites): void {
    const incidents = new Map(part.incidents);
    for (const [id, i] of this.incidents) incidents.set(id, i);
    const audits = new Map([...part.audits, ...this.audits]);
    const marks = new Map<string, Mark[]>();
    for (const [id, list] of part.marks) marks.set(id, [...list]);
    for (const [id, list] of this.marks) marks.set(id, [...(marks.get(id) ?? []), ...list]);
    this.incidents.clear();
    this.audits.clear();
    this.marks.clear();
    for (const [id, i] of incidents) this.incidents.set(id, i);
    for (const [id, a] of audits) this.audits.set(id, a);
    for (const [id, list] of marks) this.marks.set(id, list);
    this.markCount += part.markCount;
  }

  /** Removes the incidents `drop` picks, with their audit rows and marks (never written); returns how many. */
  discard(drop: (i: Incident) => boolean): number {
    let n = 0;
    for (const [id, i] of [...this.incidents]) {
      if (!drop(i)) continue;
      this.incidents.delete(id);
      this.audits.delete(id);
      this.markCount -= this.marks.get(id)?.length ?? 0;
      this.marks.delete(id);
      n++;
    }
    return n;
  }

  /**
   * Removes everything of these sites — incidents, audit rows, their marks and the marks of their
   * events that opened nothing — never written; returns how many incidents went.
   */
  discardSites(drop: (siteId: string) => boolean): number {
    const n = this.discard((i) => drop(i.siteId));
    for (const [id, list] of [...this.marks]) {
      const kept = list.filter((m) => !drop(m[3]));
      if (kept.length === list.length) continue;
      this.markCount -= list.length - kept.length;
      if (kept.length > 0) this.marks.set(id, kept);
      else this.marks.delete(id);
    }
    return n;
  }

  /** Every site this holds anything of (the lease fences a write of it must pass). */
  sites(): Set<string> {
    const sites = new Set<string>();
    for (const i of this.incidents.values()) sites.add(i.siteId);
    for (const list of this.marks.values()) for (const m of list) sites.add(m[3]);
    return sites;
  }

  private moveMarks(id: string, part: HeldWrites): void {
    const list = this.marks.get(id);
    if (!list) return;
    part.marks.set(id, list);
    part.markCount += list.length;
    this.markCount -= list.length;
    this.marks.delete(id);
  }
}
