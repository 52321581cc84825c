/**
 * The hub's side of the report worker (issue 14): one worker thread, a bounded queue, promises.
 * One worker is enough (a report is asked now and then; two cores are shared with the hub) and
 * keeps SQLite's page cache warm; the bound keeps a console refreshing in a loop from queueing
 * minutes of builds: past it a build is refused (`ReportsBusy`, REST 429 `busy`) at once.
 */
import { Worker } from 'node:worker_threads';
import type { AnyReport } from '../contract/reports.js';
import { type ReportConfig, type ReportRequest, reportConfigOf } from './builder.js';
import type { FromWorker, ToWorker, WorkerInit } from './report-worker.js';

/** Builds in the worker at once: the one being built and those waiting behind it. */
export const MAX_REPORT_BUILDS = 4;

export class ReportsBusy extends Error {
  constructor() {
    super(`${MAX_REPORT_BUILDS} reports are being built or waiting; try again in a few seconds`);
  }
}

/** Under tsx/vitest the hub runs as TypeScript source: the worker then starts through a tiny loader. */
const WORKER_URL = import.meta.url.endsWith('.ts') ? new URL('./report-worker-boot.mjs', import.meta.url) : new URL('./report-worker.js', import.meta.url);

export interface ReportWorkerOptions extends WorkerInit {
  config: () => ReportConfig;
  warn: (detail: Record<string, unknown>, message: string) => void;
  /** The worker failed (did not start, or died): every waiting build is refused, the next starts a new one. */
  onFailure: (err: unknown) => void;
}

interface Waiting {
  resolve: (r: AnyReport | undefined) => void;
  reject: (err: Error) => void;
}

export class ReportWorker {
  private worker: Worker | null = null;
  /** The config object last sent: a reload gives a new object, which is sent before the next build. */
  private sentConfig: ReportConfig | null = null;
  private readonly waiting = new Map<number, Waiting>();
  /** The build the worker has started and not answered yet, if any. */
  private running: number | null = null;
  private nextId = 1;
  private stopped = false;

  constructor(private readonly o: ReportWorkerOptions) {}

  /** Builds `request` in the worker; rejects with ReportsBusy past MAX_REPORT_BUILDS. */
  build(request: ReportRequest, nowMs: number): Promise<AnyReport | undefined> {
    if (this.stopped) return Promise.reject(new Error('the report worker has stopped'));
    if (this.waiting.size >= MAX_REPORT_BUILDS) return Promise.reject(new ReportsBusy());
    const worker = this.started();
    const config = this.o.config();
    if (config !== this.sentConfig) {
      this.send(worker, { type: 'config', config: reportConfigOf(config) });
      this.sentConfig = config;
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.send(worker, { type: 'build', id, nowMs, request });
    });
  }

  /** Builds being built or waiting (the bound). */
  get queued(): number {
    return this.waiting.size;
  }

  /** Builds the worker is running right now (0 or 1): seen here only because this thread is not the one building. */
  get runningNow(): number {
    return this.running === null ? 0 : 1;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const w = this.worker;
    this.worker = null;
    this.failAll(new Error('the hub is stopping'));
    if (w) await w.terminate();
  }

  private send(worker: Worker, m: ToWorker): void {
    worker.postMessage(m);
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const init: WorkerInit = { dbPath: this.o.dbPath, rootDir: this.o.rootDir, ...(this.o.postgres ? { postgres: this.o.postgres } : {}) };
    const w = new Worker(WORKER_URL, { workerData: init, name: 'reports' });
    // The hub's servers keep the process alive; an idle report worker must not (the CLI, tests).
    w.unref();
    w.on('message', (m: FromWorker) => {
      if ('started' in m) {
        this.running = m.id;
        return;
      }
      if (this.running === m.id) this.running = null;
      const job = this.waiting.get(m.id);
      if (!job) return;
      this.waiting.delete(m.id);
      if (m.ok) {
        for (const warning of m.warnings) this.o.warn(warning.detail, warning.message);
        job.resolve(m.report as AnyReport | undefined);
      } else job.reject(new Error(`report build failed in the worker: ${m.error}`));
    });
    const gone = (err: unknown) => {
      if (this.worker !== w) return;
      this.worker = null;
      this.sentConfig = null;
      this.running = null;
      this.o.onFailure(err);
      this.failAll(err instanceof Error ? err : new Error(String(err)));
    };
    w.on('error', gone);
    w.on('exit', (code) => gone(new Error(`the report worker exited (code ${code})`)));
    this.worker = w;
    return w;
  }

  private failAll(err: Error): void {
    for (const job of this.waiting.values()) job.reject(err);
    this.waiting.clear();
  }
}
