import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { SqliteAuditRepository } from './audit-repo.js';
import type { AuditVerdict } from './ports.js';

/** Opens a hub's database read-only and verifies the audit chain (safe while the hub runs: WAL). */
export function verifyAuditFile(path: string): AuditVerdict {
  if (!existsSync(path)) return { ok: false, rows: 0, seq: 0, problem: `no database at ${path}` };
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return new SqliteAuditRepository(db).verify();
  } finally {
    db.close();
  }
}
