/**
 * The open incidents this page knows, kept exactly as the hub last published them. Every push is
 * the whole incident with a growing version, so an update replaces (never patches), an older
 * version is ignored, and a queue:snapshot after a reconnect replaces everything: no stale row, no
 * duplicate.
 */
import type { Incident } from '../../src/contract/incident.js';
import { queueOrder } from '../../src/contract/workflow.js';

/** How many closed incidents the page remembers to refuse their stale pushes. */
const CLOSED_REMEMBERED = 2000;

export type Change = 'new' | 'updated' | 'closed' | 'stale';

export class IncidentState {
  private byId = new Map<string, Incident>();
  /**
   * The last version of incidents seen closed, so a late push of an older version cannot bring one
   * back into the queue. Bounded: the oldest closings are forgotten first.
   */
  private readonly closedAt = new Map<string, number>();
  private listeners = new Set<(changed: Incident | null, change: Change | 'snapshot') => void>();

  /**
   * Incidents pushed since the connection began and before its snapshot. One hub sends the snapshot
   * before any push; a replica (issue 18) reads other replicas' incidents from the store after
   * joining the push room, so a push may overtake an older snapshot: the newer version wins.
   */
  private pushedBeforeSnapshot = new Map<string, Incident>();
  private awaitingSnapshot = false;

  /** A (re)connection begins: pushes from now until its snapshot are weighed against it. */
  connectionStarted(): void {
    this.pushedBeforeSnapshot.clear();
    this.awaitingSnapshot = true;
  }

  /**
   * A queue:snapshot: the open incidents as the hub holds them now. Returns those this page did not
   * hold before it (opened while the page was disconnected: the caller announces them as a push
   * would have, after a reconnect).
   */
  replaceAll(incidents: Incident[]): Incident[] {
    const next = new Map<string, Incident>();
    for (const i of incidents) {
      if (i.status === 'closed' || (this.closedAt.get(i.id) ?? -1) >= i.version) continue;
      const pushed = this.pushedBeforeSnapshot.get(i.id);
      next.set(i.id, pushed && pushed.version > i.version ? pushed : i);
    }
    // Opened after the replica read the store: only its push knows it.
    for (const [id, i] of this.pushedBeforeSnapshot) if (!next.has(id) && this.byId.get(id) === i) next.set(id, i);
    this.pushedBeforeSnapshot.clear();
    this.awaitingSnapshot = false;
    const unseen = [...next.values()].filter((i) => !this.byId.has(i.id));
    this.byId = next;
    this.emit(null, 'snapshot');
    return unseen;
  }

  apply(i: Incident): Change {
    const old = this.byId.get(i.id);
    if (old && old.version >= i.version) return 'stale';
    if ((this.closedAt.get(i.id) ?? -1) >= i.version) return 'stale';
    let change: Change;
    if (i.status === 'closed') {
      this.rememberClosed(i);
      if (!old) return 'stale';
      this.byId.delete(i.id);
      change = 'closed';
    } else {
      this.byId.set(i.id, i);
      if (this.awaitingSnapshot) this.pushedBeforeSnapshot.set(i.id, i);
      change = old ? 'updated' : 'new';
    }
    this.emit(i, change);
    return change;
  }

  get(id: string): Incident | undefined {
    return this.byId.get(id);
  }

  /** In queue order: the contract's (src/contract/workflow.ts), the same the hub sorts its snapshot by. */
  sorted(): Incident[] {
    return [...this.byId.values()].sort(queueOrder);
  }

  get size(): number {
    return this.byId.size;
  }

  onChange(fn: (changed: Incident | null, change: Change | 'snapshot') => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private rememberClosed(i: Incident): void {
    this.closedAt.delete(i.id);
    this.closedAt.set(i.id, i.version);
    if (this.closedAt.size > CLOSED_REMEMBERED) this.closedAt.delete(this.closedAt.keys().next().value!);
  }

  private emit(i: Incident | null, change: Change | 'snapshot'): void {
    for (const l of this.listeners) l(i, change);
  }
}
