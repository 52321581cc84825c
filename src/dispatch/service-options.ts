import type { Priority } from '../contract/alarm-event.js';
import type { Incident } from '../contract/incident.js';
import type { Clock } from '../core/clock.js';
import type { EventBus } from '../core/event-bus.js';
import type { HubEvents } from '../core/hub-events.js';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import type { PartitionFence, Store } from '../store/index.js';
import type { WorkflowView } from '../config/workflow-view.js';
import type { NightConfig } from './context.js';
import type { RoutingDirectory } from './routing.js';

/** What dispatch needs to know about sites, cells and stations; supplied by the app from the live config. */
export interface Directory {
  siteName(siteId: string): string | null;
  cellName(cellId: string): string | null;
  /** The next tier up (police station → city command centre); null at the top. */
  stationParent?(stationId: string): string | null;
  stationName?(stationId: string): string | null;
  /** The station's code for 警情编号 (stations.yaml `code`, else derived from the id). */
  stationCode?(stationId: string): string | null;
  /** 119/120/122 receiving points (routing.ts); absent: everything stays with the cell's station. */
  receivingPoints?: RoutingDirectory['receivingPoints'];
  cellPost?: RoutingDirectory['cellPost'];
}

/**
 * What the 110 workflow reads from the live config (hub.yaml `triage`, stations' units, sites'
 * contacts and verbal passwords): config/workflow-view.ts declares it once and builds it after each
 * load; the shell reads it through a WorkflowSource so a hot reload applies to the next command.
 */
export type WorkflowConfig = WorkflowView;

/** Where the shell reads the workflow view at each command or new incident: a hot reload replaces it. */
export interface WorkflowSource {
  readonly workflow: WorkflowConfig;
}

/** The defaults of hub.yaml `triage` and no units, stations or contacts (tests that build no config). */
export const DEFAULT_WORKFLOW_CONFIG: WorkflowConfig = {
  natures: ['criminal', 'public_order', 'fire', 'help', 'dispute', 'traffic', 'other'],
  closeBeforeDispatch: ['false', 'duplicate', 'cancelled', 'test'],
  units: () => [],
  station: () => undefined,
  site: () => undefined,
};

/** What a close carries besides the disposition (a bare string is the note, as callers wrote it before). */
export interface CloseExtras {
  note?: string | undefined;
  /** 警情类别/性质 when 反馈 did not give it. */
  nature?: string | undefined;
}

export interface IncidentServiceOptions {
  store: Store;
  bus: EventBus<HubEvents>;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  directory: Directory;
  /** Deprecated and ignored (issue 12): an incident stays open for its site and category until closed. */
  correlationWindowMs?: number;
  /** Per priority: escalate one tier when not acknowledged within this. Absent: never escalate. */
  ackTimeoutMs?: Record<Priority, number>;
  /** A new incident at a site closed as false within this window is a repeat. Default 30 min. */
  repeatWindowMs?: number;
  night?: NightConfig;
  /**
   * How long the SQLite write of an incident changed by device events may wait, ms, so that the
   * updates of one incident within it are one row write (default DERIVED_WRITE_DELAY_MS; 0 writes
   * after every batch). Human actions always write at once, with everything held before them.
   */
  derivedWriteDelayMs?: number;
  /** The 110 workflow's view of the live config (config/running.ts); absent: DEFAULT_WORKFLOW_CONFIG. */
  workflow?: WorkflowSource;
  /** Inside the transaction that writes new incidents' first rows (IncidentWriterOptions.withNewIncidents). */
  withNewIncidents?: (incidents: readonly Incident[]) => Promise<unknown> | undefined;
  /**
   * Replicas (issue 18): whether this replica owns the site now (src/cluster/role.ts). Events of
   * other sites stay unprocessed for their owner; sites come and go through takeSites, giveUpSites
   * and dropSites. Absent: one hub, every site is ours.
   */
  owns?: (siteId: string) => boolean;
  /**
   * Draw 警情编号 from the store's atomic series (`incidents.nextNumbers`) rather than a counter in
   * memory: replicas share each station's series. Set in replica mode.
   */
  sharedNumbering?: boolean;
  /**
   * Replica mode: the lease fencing token of a site's partition (ReplicaRole.fence); every incident
   * write checks it in its transaction and is refused when another replica took the site since.
   */
  fence?: (siteId: string) => PartitionFence | null;
  /**
   * Write a batch that opens incidents before publishing it, not behind DERIVED_WRITE_DELAY_MS
   * (replica mode): a new owner then never replays an event whose incident lived only in a dead
   * replica's memory, and other replicas' consoles and commands find the incident in the store at once.
   */
  writeNewAtOnce?: boolean;
}
