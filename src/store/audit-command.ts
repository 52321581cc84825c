/**
 * `safegrid audit verify`: the audit trail is evidence; say whether it is intact, and if not, where.
 * Reads the database the hub at `root` writes (hub.yaml `storage.path`), or the one given.
 */
import { resolve } from 'node:path';
import { loadConfig } from '../config/index.js';
import { verifyAuditFile } from './verify.js';

export interface AuditCommand {
  root: string;
  /** [subcommand]; only `verify` exists. */
  positionals: string[];
  /** Database file; absent: hub.yaml's (default data/safegrid.db). */
  db?: string | undefined;
}

/** Exit code: 0 intact, 1 broken, 2 usage. */
export function runAuditCommand(o: AuditCommand): number {
  if (o.positionals[0] !== 'verify') {
    console.error('usage: safegrid audit verify [--root DIR] [--db FILE]');
    return 2;
  }
  const dbPath = o.db ? resolve(o.db) : auditDbPath(o.root);
  const verdict = verifyAuditFile(dbPath);
  if (verdict.ok) {
    console.log(`audit trail intact: ${verdict.rows} rows, last hash ${verdict.lastHash.slice(0, 16)}… (${dbPath})`);
    return 0;
  }
  console.error(`audit trail BROKEN at row ${verdict.seq}: ${verdict.problem} (${dbPath}; ${verdict.rows} rows read)`);
  return 1;
}

/** The database the hub at `root` writes, from its hub.yaml (default data/safegrid.db). */
function auditDbPath(root: string): string {
  const loaded = loadConfig(root, { env: process.env });
  return resolve(root, loaded.config?.hub.storage.path ?? 'data/safegrid.db');
}
