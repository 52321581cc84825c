import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { checkAnchors, readAnchors, type AnchorVerdict } from './audit-anchor.js';
import { SqliteAuditRepository } from './audit-repo.js';
import type { AuditVerdict } from './ports.js';

export interface AuditFileVerdict {
  chain: AuditVerdict;
  /** null: no anchor file (a database from before anchors, or one moved without it). */
  anchor: AnchorVerdict | null;
}

/**
 * Opens a hub's database read-only and verifies the audit chain (safe while the hub runs: WAL), then
 * checks it against the anchor file when there is one (audit-anchor.ts).
 */
export function verifyAuditFile(path: string, anchor?: { path: string; key: string | null }): AuditFileVerdict {
  if (!existsSync(path)) return { chain: { ok: false, rows: 0, seq: 0, problem: `no database at ${path}` }, anchor: null };
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const repo = new SqliteAuditRepository(db);
    const chain = repo.verify();
    if (!anchor || !existsSync(anchor.path)) return { chain, anchor: null };
    return { chain, anchor: checkAnchors(readAnchors(anchor.path), (seq) => repo.hashAt(seq), repo.head()?.seq ?? 0, anchor.key) };
  } finally {
    db.close();
  }
}
