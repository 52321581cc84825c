/**
 * This replica's share of the work (issue 18), as every module asks it: does it run this site's
 * incidents, who does, and does it run the centre-wide duties. One hub (no `cluster` section, or
 * SQLite) owns everything and leads; in replica mode the lease manager answers
 * (src/cluster/lease-manager.ts, wired in src/app/).
 */
import type { PartitionFence } from '../store/ports.js';

export interface ReplicaRole {
  readonly replicaId: string;
  /** True while this replica holds the partition of this site: it correlates, commands, escalates. */
  owns(siteId: string): boolean;
  /** The replica holding this site's partition now, or null when none does (between owners). */
  ownerOf(siteId: string): string | null;
  /**
   * True on at most one live replica at a time (the holder of partition 0): centre-wide duties run
   * there — the daily report, the notification outbox sender, the audit anchor.
   */
  leads(): boolean;
  /** False for one hub; true when other replicas share the store (reads of others' sites go to the store). */
  readonly replicated: boolean;
  /**
   * Replica mode: the fencing token of the site's partition as this replica took it, null when it
   * does not hold the partition; incident writes carry it (IncidentRepository.staleFences). Absent
   * for one hub (nothing to fence).
   */
  fence?(siteId: string): PartitionFence | null;
}

/** The one-hub role: everything is ours. */
export function singleHubRole(replicaId = 'hub'): ReplicaRole {
  return { replicaId, owns: () => true, ownerOf: () => replicaId, leads: () => true, replicated: false };
}
