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
import type { ReportService } from '../reports/service.js';

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
  /** Reports (issue 14); absent in API tests that build no hub. */
  reports?: ReportService;
}
