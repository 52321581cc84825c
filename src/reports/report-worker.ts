/**
 * The report worker thread (issue 14): builds reports on its own read-only connection to the hub's
 * database, so a monthly build (a second or more over a large year) never holds the hub's event
 * loop and with it the MQTT PUBACKs of incoming alarms. Messages are handled one at a time, in
 * order: a config update is always in place before the builds sent after it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openPostgresReportReader, openReportReader, type PostgresOptions } from '../store/index.js';
import { type ReportConfig, ReportBuilder, type ReportRequest, runRequest } from './builder.js';

export interface WorkerInit {
  dbPath: string;
  /** PostgreSQL mode (issue 18): the worker reads the shared database on its own read-only pool instead of the file. */
  postgres?: PostgresOptions;
  rootDir: string;
}

export type ToWorker = { type: 'config'; config: ReportConfig } | { type: 'build'; id: number; nowMs: number; request: ReportRequest };

export type FromWorker =
  | { id: number; started: true }
  | { id: number; ok: true; report: unknown; warnings: Array<{ detail: Record<string, unknown>; message: string }> }
  | { id: number; ok: false; error: string };

if (parentPort) {
  const port = parentPort;
  const init = workerData as WorkerInit;
  const reader = init.postgres ? openPostgresReportReader(init.postgres) : openReportReader(init.dbPath);
  let config: ReportConfig | null = null;
  let nowMs = 0;
  let warnings: Array<{ detail: Record<string, unknown>; message: string }> = [];
  const builder = new ReportBuilder({
    reads: reader,
    now: () => nowMs,
    rootDir: init.rootDir,
    config: () => {
      if (!config) throw new Error('report worker: no config received before a build');
      return config;
    },
    warn: (detail, message) => warnings.push({ detail, message }),
  });
  const handle = async (m: ToWorker): Promise<void> => {
    if (m.type === 'config') {
      config = m.config;
      return;
    }
    nowMs = m.nowMs;
    warnings = [];
    // Tells the hub this build is running now (what `ReportService.buildingNow` counts).
    port.postMessage({ id: m.id, started: true } satisfies FromWorker);
    let reply: FromWorker;
    try {
      reply = { id: m.id, ok: true, report: await runRequest(builder, m.request), warnings };
    } catch (err) {
      reply = { id: m.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
    }
    port.postMessage(reply);
  };
  // One message at a time, in order: a build's reads are awaited now, and neither a config update
  // nor the next build (which resets the clock and the warnings) may land in the middle of one.
  let queue = Promise.resolve();
  port.on('message', (m: ToWorker) => {
    queue = queue.then(() => handle(m));
  });
  port.on('close', () => reader.close());
}
