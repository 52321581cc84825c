/**
 * The open incidents this page knows, kept exactly as the hub last published them. Every push is
 * the whole incident with a growing version, so an update replaces (never patches), an older
 * version is ignored, and a queue:snapshot after a reconnect replaces everything: no stale row, no
 * duplicate.
 */
import type { Incident } from '../../src/contract/incident.js';

export type Change = 'new' | 'updated' | 'closed' | 'stale';

/** Queue order (DESIGN.md "Triage"): P1 first; within a priority, oldest first. */
export function queueOrder(a: Incident, b: Incident): number {
  return a.priority - b.priority || a.openedAt.localeCompare(b.openedAt) || a.id.localeCompare(b.id);
}

export class IncidentState {
  private byId = new Map<string, Incident>();
  private listeners = new Set<(changed: Incident | null, change: Change | 'snapshot') => void>();

  replaceAll(incidents: Incident[]): void {
    this.byId = new Map(incidents.filter((i) => i.status !== 'closed').map((i) => [i.id, i]));
    this.emit(null, 'snapshot');
  }

  apply(i: Incident): Change {
    const old = this.byId.get(i.id);
    if (old && old.version >= i.version) return 'stale';
    let change: Change;
    if (i.status === 'closed') {
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

  private emit(i: Incident | null, change: Change | 'snapshot'): void {
    for (const l of this.listeners) l(i, change);
  }
}
