import { nextAuditRow, verifyAuditChain } from '../audit-chain.js';
import type { AuditEntry, AuditRepository, AuditRow, AuditVerdict } from '../ports.js';
import { LOCKS, type PgContext } from './transaction.js';

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

const fromRaw = (r: Raw): AuditRow => ({
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
});

/** Rows read per round trip while verifying: the trail of a busy centre is long. */
const VERIFY_PAGE = 5_000;

/**
 * The audit trail on PostgreSQL: one chain for every replica. No head is cached across
 * transactions (another replica may have appended since): `append` takes the audit lock, reads
 * the head inside it and appends; the lock is held to commit, so the next appender reads this row.
 */
export class PgAuditRepository implements AuditRepository {
  constructor(private readonly pg: PgContext) {}

  append(e: AuditEntry): Promise<AuditRow> {
    return this.pg.within(async () => {
      await this.pg.lock(LOCKS.audit);
      const head = (await this.head()) ?? null;
      const row = nextAuditRow(head, e);
      await this.pg.changes(
        `INSERT INTO audit (seq, at, actor, action, incident_id, from_status, to_status, origin, note, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [row.seq, row.at, row.actor, row.action, row.incidentId, row.fromStatus, row.toStatus, row.origin, row.note, row.prevHash, row.hash],
      );
      return row;
    });
  }

  /** Nothing cached, nothing to forget. */
  resetHead(): void {}

  async forIncident(incidentId: string): Promise<AuditRow[]> {
    return (await this.pg.rows<Raw>('SELECT * FROM audit WHERE incident_id = $1 ORDER BY seq', [incidentId])).map(fromRaw);
  }

  async all(): Promise<AuditRow[]> {
    return (await this.pg.rows<Raw>('SELECT * FROM audit ORDER BY seq')).map(fromRaw);
  }

  async head(): Promise<{ seq: number; hash: string } | null> {
    return (await this.pg.one<{ seq: number; hash: string }>('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1')) ?? null;
  }

  async hashAt(seq: number): Promise<string | undefined> {
    return (await this.pg.one<{ hash: string }>('SELECT hash FROM audit WHERE seq = $1', [seq]))?.hash;
  }

  async verify(): Promise<AuditVerdict> {
    // Read in keyset pages (no single result of a million rows in the driver), then walked in seq order.
    const rows: AuditRow[] = [];
    let after = 0;
    for (;;) {
      const page = await this.pg.rows<Raw>('SELECT * FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2', [after, VERIFY_PAGE]);
      rows.push(...page.map(fromRaw));
      if (page.length < VERIFY_PAGE) break;
      after = page[page.length - 1]!.seq;
    }
    return verifyAuditChain(rows);
  }
}
