import { createHash } from 'node:crypto';
import type { AuditEntry, AuditRow, AuditVerdict } from './ports.js';

/**
 * The audit trail's hash chain, apart from any database: every backend writes the same hashes and
 * `safegrid audit verify` judges a chain the same way whichever backend it was read from.
 */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * The hash of a row covers its sequence number, its content and the previous row's hash, so an
 * edited row breaks its own hash and a deleted or reordered one breaks the chain.
 */
export function auditHash(seq: number, e: AuditEntry, prevHash: string): string {
  const canonical = JSON.stringify([seq, e.at, e.actor, e.action, e.incidentId, e.fromStatus, e.toStatus, e.origin, e.note, prevHash]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** The row that follows `head` (null: the chain is empty) with this content. */
export function nextAuditRow(head: { seq: number; hash: string } | null, e: AuditEntry): AuditRow {
  const prev = head ?? { seq: 0, hash: GENESIS_HASH };
  const seq = prev.seq + 1;
  return { ...e, seq, prevHash: prev.hash, hash: auditHash(seq, e, prev.hash) };
}

/** Walks rows in seq order and names the first one that does not hold. */
export function verifyAuditChain(rows: Iterable<AuditRow>): AuditVerdict {
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  let count = 0;
  for (const row of rows) {
    count++;
    if (row.seq !== expectedSeq) {
      const missing = `${expectedSeq}${row.seq - expectedSeq > 1 ? `–${row.seq - 1}` : ''}`;
      return { ok: false, rows: count, seq: row.seq, problem: `row ${missing} missing before row ${row.seq} (deleted)` };
    }
    if (row.prevHash !== prev) return { ok: false, rows: count, seq: row.seq, problem: `row ${row.seq} does not follow row ${row.seq - 1} (chain broken)` };
    if (auditHash(row.seq, row, row.prevHash) !== row.hash) {
      return { ok: false, rows: count, seq: row.seq, problem: `row ${row.seq} was changed after it was written (hash mismatch)` };
    }
    prev = row.hash;
    expectedSeq++;
  }
  return { ok: true, rows: count, lastHash: prev };
}
