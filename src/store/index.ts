/**
 * The store's public face: the interfaces (ports.ts) and how to open one. Consumers depend on the
 * interfaces only; the SQLite classes stay inside src/store/.
 */
export type {
  AuditEntry,
  AuditRepository,
  AuditRow,
  AuditVerdict,
  CommissioningRecord,
  CommissioningRepository,
  DedupeCandidate,
  DeviceStateRepository,
  DeviceStateRow,
  DeviceSupervision,
  DrillRepository,
  EventQuery,
  EventRepository,
  IncidentQuery,
  IncidentRepository,
  NotificationOutboxRepository,
  OutboxEntry,
  OutboxRow,
  PartitionFence,
  ReportIncident,
  ReportRepository,
  ReportWindow,
  DeviceAlarmCount,
  StoredDailyRow,
  SessionRepository,
  SessionRow,
  Store,
  StoredEvent,
  WalkTestTick,
} from './ports.js';
export { outsideTransactions } from './sqlite-gate.js';
export { writeEventBatch, type EventBatch, type EventBatchResult, type EventBatchStore } from './event-batch.js';
export { verifyAuditFile } from './verify.js';
export { AuditAnchorWriter, anchorPathFor } from './audit-anchor.js';
export { openSqliteStore, openSqliteStore as openStore } from './sqlite-store.js';
export { openPostgresStore, type PostgresOptions } from './postgres/store.js';
export { openPostgresReportReader } from './postgres/report-reader.js';
export { verifyAuditPostgres } from './postgres/verify.js';
export { openConfiguredStore, type StorageChoice } from './configured.js';
export { openReportReader, type ReportReader, type ReportReads } from './report-reader.js';
