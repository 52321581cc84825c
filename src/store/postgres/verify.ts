import { existsSync } from 'node:fs';
import { checkAnchors, readAnchors } from '../audit-anchor.js';
import type { AuditFileVerdict } from '../verify.js';
import { PgAuditRepository } from './audit-repo.js';
import { createPool, type PostgresOptions } from './pool.js';
import { PgContext } from './transaction.js';

/**
 * `safegrid audit verify` for a PostgreSQL store: walks the chain on a read-only session (safe while
 * the replicas run), then checks it against the anchor file when there is one — the same verdicts
 * as verifyAuditFile gives for SQLite. The anchored rows' hashes are read first, so the anchor
 * check (audit-anchor.ts, synchronous) runs on them unchanged.
 */
export async function verifyAuditPostgres(o: PostgresOptions, anchor?: { path: string; key: string | null }): Promise<AuditFileVerdict> {
  const pool = createPool({ ...o, poolSize: 1, readOnly: true });
  try {
    const repo = new PgAuditRepository(new PgContext(pool));
    const chain = await repo.verify();
    if (!anchor || !existsSync(anchor.path)) return { chain, anchor: null };
    const read = readAnchors(anchor.path);
    const hashes = new Map<number, string | undefined>();
    for (const seq of new Set(read.lines.map((l) => l.seq))) hashes.set(seq, await repo.hashAt(seq));
    const last = (await repo.head())?.seq ?? 0;
    return { chain, anchor: checkAnchors(read, (seq) => hashes.get(seq), last, anchor.key) };
  } finally {
    await pool.end();
  }
}
