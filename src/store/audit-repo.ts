import type { Db } from './db.js';
import { nextAuditRow, verifyAuditChain } from './audit-chain.js';
import type { AuditEntry, AuditRepository, AuditRow, AuditVerdict } from './ports.js';
import type { Sync } from './sqlite-gate.js';

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

/** The only SQL about the audit trail: append, read, verify. The chain itself is audit-chain.ts. */
export class SqliteAuditRepository implements Sync<AuditRepository> {
  private readonly insertStmt;
  /** The chain head, read once and then kept, so an append costs no read. */
  private last: { seq: number; hash: string } | null = null;

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO audit (seq, at, actor, action, incident_id, from_status, to_status, origin, note, prev_hash, hash)
       VALUES (@seq, @at, @actor, @action, @incidentId, @fromStatus, @toStatus, @origin, @note, @prevHash, @hash)`,
    );
  }

  append(e: AuditEntry): AuditRow {
    if (!this.last) {
      const r = this.db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
      this.last = r ?? null;
    }
    const row = nextAuditRow(this.last, e);
    this.insertStmt.run(row);
    this.last = { seq: row.seq, hash: row.hash };
    return row;
  }

  resetHead(): void {
    this.last = null;
  }

  forIncident(incidentId: string): AuditRow[] {
    return (this.db.prepare('SELECT * FROM audit WHERE incident_id = ? ORDER BY seq').all(incidentId) as Raw[]).map(fromRaw);
  }

  all(): AuditRow[] {
    return (this.db.prepare('SELECT * FROM audit ORDER BY seq').all() as Raw[]).map(fromRaw);
  }

  head(): { seq: number; hash: string } | null {
    return (this.db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined) ?? null;
  }

  hashAt(seq: number): string | undefined {
    return (this.db.prepare('SELECT hash FROM audit WHERE seq = ?').get(seq) as { hash: string } | undefined)?.hash;
  }

  verify(): AuditVerdict {
    // Iterated, not loaded whole: the trail of a busy centre is long.
    const rows = this.db.prepare('SELECT * FROM audit ORDER BY seq').iterate() as IterableIterator<Raw>;
    return verifyAuditChain(
      (function* () {
        for (const r of rows) yield fromRaw(r);
      })(),
    );
  }
}
