import type { ConfigDirectory } from '../config/directory.js';
import type { Config } from '../config/model.js';
import type { Problem } from '../core/problems.js';
import type { Metrics } from '../core/metrics.js';
import type { Logger } from '../core/logger.js';
import type { IncidentService } from '../dispatch/incidents.js';
import type { Ingest } from '../ingest/ingest.js';
import type { Store } from '../store/index.js';
import type { BrokerLink } from '../broker/types.js';
import type { CameraService } from '../video/camera-service.js';
import type { AuthService } from '../auth/service.js';
import type { CommissioningService } from '../commissioning/service.js';
import type { DrillService } from '../drill/service.js';
import type { ReportService } from '../reports/service.js';
import type { Readiness } from '../core/readiness.js';
import type { ReplicaRole } from '../cluster/role.js';
import type { CommandForwarding } from './commands/forwarded.js';
import type { EventTail } from './socket/event-tail.js';

/** What the API layer reads. It is the last stage: nothing imports api/. */
export interface ApiContext {
  config(): Config;
  /** Sites, cells, stations and cameras of the current config by id. */
  directory(): ConfigDirectory;
  /** Problems of the current config (held-back site files), shown by /api/health and the console. */
  configProblems(): Problem[];
  store: Store;
  incidents: IncidentService;
  ingest: Ingest;
  broker: BrokerLink;
  metrics: Metrics;
  log: Logger;
  startedAt: number;
  /** The HTTPS certificate (PEM) when hub.yaml `http.tls` is set: a phone downloads it at /hub.crt to trust it. */
  tlsCertificate?: string | null;
  /** Cameras: status, media, live view (issue 6); absent in API tests that build no hub. */
  video?: CameraService;
  /** Accounts, sessions, roles and scope (src/auth). */
  auth: AuthService;
  /** Pending install, maintenance, walk tests (issue 15); absent in API tests that build no hub. */
  commissioning?: CommissioningService;
  /** Drill windows (演练, issue 15); absent in API tests that build no hub (drill commands then find nothing). */
  drills?: DrillService;
  /** Reports (issue 14); absent in API tests that build no hub. */
  reports?: ReportService;
  /** Whether this replica takes alarms now (`/api/health/ready`, issue 18); absent in API tests that build no hub. */
  readiness?: Readiness;
  /** This replica's share of the sites (issue 18); absent: one hub, which owns everything. */
  role?: ReplicaRole;
  /** Replica mode: runs a command on its site's owner (src/app/forwarding.ts); absent: one hub runs it here. */
  forwardCommand?: CommandForwarding;
  /**
   * Replica mode: the event log pushed to this replica's consoles, read from the store in seq order
   * (socket/event-tail.ts); absent: one hub pushes its bus's `event:stored`, already in seq order.
   */
  eventTail?: EventTail;
}
