import { createHash } from 'node:crypto';
import type { Db } from './db.js';

export interface AuditEntry {
  at: string;
  actor: string;
  action: string;
  incidentId: string | null;
  fromStatus: string | null;
  toStatus: string | null;
  /** Where the action came from: console socket, REST client address, or `hub`. */
  origin: string | null;
  note: string | null;
}

export interface AuditRow extends AuditEntry {
  seq: number;
  prevHash: string;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

/**
 * The hash of a row covers its sequence number, its content and the previous row's hash, so an
 * edited row breaks its own hash and a deleted or reordered one breaks the chain.
 */
export function auditHash(seq: number, e: AuditEntry, prevHash: string): string {
  const canonical = JSON.stringify([seq, e.at, e.actor, e.action, e.incidentId, e.fromStatus, e.toStatus, e.origin, e.note, prevHash]);
  return createHash('sha256').update(canonical).digest('hex');
}

interface Raw {
  seq: number;
  at: string;
  actor: string;
  action: string;
  incident_id: string | null;
  from_status: string | null;
  to_status: string | null;
  origin: string | null;
  note: string | null;
  prev_hash: string;
  hash: string;
}

function fromRaw(r: Raw): AuditRow {
  return {
    seq: r.seq,
    at: r.at,
    actor: r.actor,
    action: r.action,
    incidentId: r.incident_id,
    fromStatus: r.from_status,
    toStatus: r.to_status,
    origin: r.origin,
    note: r.note,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

export type AuditVerdict =
  | { ok: true; rows: number; lastHash: string }
  | { ok: false; rows: number; seq: number; problem: string };

/** The only SQL about the audit trail: append, read, verify. */
export class AuditRepository {
  private readonly insertStmt;
  private last: { seq: number; hash: string } | null = null;

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO audit (seq, at, actor, action, incident_id, from_status, to_status, origin, note, prev_hash, hash)
       VALUES (@seq, @at, @actor, @action, @incidentId, @fromStatus, @toStatus, @origin, @note, @prevHash, @hash)`,
    );
  }

  /** Appends one row; call inside the transaction that makes the change it records. */
  append(e: AuditEntry): AuditRow {
    if (!this.last) {
      const r = this.db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
      this.last = r ?? { seq: 0, hash: GENESIS_HASH };
    }
    const seq = this.last.seq + 1;
    const row: AuditRow = { ...e, seq, prevHash: this.last.hash, hash: auditHash(seq, e, this.last.hash) };
    this.insertStmt.run(row);
    this.last = { seq, hash: row.hash };
    return row;
  }

  /** Forget the cached chain head (after a rolled-back transaction). */
  resetHead(): void {
    this.last = null;
  }

  forIncident(incidentId: string): AuditRow[] {
    return (this.db.prepare('SELECT * FROM audit WHERE incident_id = ? ORDER BY seq').all(incidentId) as Raw[]).map(fromRaw);
  }

  /** Walks the whole chain and names the first row that does not hold. */
  verify(): AuditVerdict {
    let prev = GENESIS_HASH;
    let expectedSeq = 1;
    let rows = 0;
    for (const r of this.db.prepare('SELECT * FROM audit ORDER BY seq').iterate() as IterableIterator<Raw>) {
      const row = fromRaw(r);
      rows++;
      if (row.seq !== expectedSeq) {
        return { ok: false, rows, seq: row.seq, problem: `row ${expectedSeq}${row.seq - expectedSeq > 1 ? `–${row.seq - 1}` : ''} missing before row ${row.seq} (deleted)` };
      }
      if (row.prevHash !== prev) return { ok: false, rows, seq: row.seq, problem: `row ${row.seq} does not follow row ${row.seq - 1} (chain broken)` };
      if (auditHash(row.seq, row, row.prevHash) !== row.hash) {
        return { ok: false, rows, seq: row.seq, problem: `row ${row.seq} was changed after it was written (hash mismatch)` };
      }
      prev = row.hash;
      expectedSeq++;
    }
    return { ok: true, rows, lastHash: prev };
  }
}
