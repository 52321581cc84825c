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

  replaceAll(incidents: Incident[]): void {
    this.byId = new Map(incidents.filter((i) => i.status !== 'closed').map((i) => [i.id, i]));
    this.emit(null, 'snapshot');
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
