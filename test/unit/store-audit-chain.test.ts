/**
 * The audit trail's hash chain without a database (store/audit-chain.ts): what every backend
 * writes, and how `safegrid audit verify` judges a chain whichever backend it was read from.
 */
import { describe, expect, it } from 'vitest';
import { auditHash, GENESIS_HASH, nextAuditRow, verifyAuditChain } from '../../src/store/audit-chain.js';
import type { AuditEntry, AuditRow } from '../../src/store/ports.js';

const entry = (action: string, actor = 'op1'): AuditEntry => ({
  at: '2026-12-02T10:00:00.000Z',
  actor,
  action,
  incidentId: 'i1',
  fromStatus: null,
  toStatus: null,
  origin: 'hub',
  note: null,
});

/** A sound chain of these actions, built row by row as append does. */
function chain(...actions: string[]): AuditRow[] {
  const rows: AuditRow[] = [];
  for (const a of actions) rows.push(nextAuditRow(rows.at(-1) ?? null, entry(a)));
  return rows;
}

describe('building the chain', () => {
  it('the first row follows the genesis hash and has seq 1; each next row follows the one before', () => {
    const [a, b] = chain('open', 'acknowledged');
    expect(a).toMatchObject({ seq: 1, prevHash: GENESIS_HASH, hash: auditHash(1, entry('open'), GENESIS_HASH) });
    expect(b).toMatchObject({ seq: 2, prevHash: a!.hash, hash: auditHash(2, entry('acknowledged'), a!.hash) });
  });

  const fields: Array<[keyof AuditEntry, string]> = [
    ['at', '2026-12-02T10:00:01.000Z'],
    ['actor', 'mallory'],
    ['action', 'closed'],
    ['incidentId', 'i2'],
    ['fromStatus', 'new'],
    ['toStatus', 'closed'],
    ['origin', 'console'],
    ['note', 'x'],
  ];
  it.each(fields)('the hash covers %s', (field, value) => {
    const e = entry('open');
    expect(auditHash(1, { ...e, [field]: value }, GENESIS_HASH)).not.toBe(auditHash(1, e, GENESIS_HASH));
  });

  it('the hash covers the sequence number and the previous hash', () => {
    const e = entry('open');
    expect(auditHash(2, e, GENESIS_HASH)).not.toBe(auditHash(1, e, GENESIS_HASH));
    expect(auditHash(1, e, '1'.repeat(64))).not.toBe(auditHash(1, e, GENESIS_HASH));
  });
});

describe('verifying a chain', () => {
  const sound = chain('open', 'acknowledged', 'dispatched', 'note', 'closed');
  const cases: Array<{ name: string; rows: AuditRow[]; verdict: object }> = [
    { name: 'an empty trail is intact', rows: [], verdict: { ok: true, rows: 0, lastHash: GENESIS_HASH } },
    { name: 'a sound chain is intact and names its last hash', rows: sound, verdict: { ok: true, rows: 5, lastHash: sound[4]!.hash } },
    {
      name: 'an edited row breaks its own hash',
      rows: sound.map((r) => (r.seq === 2 ? { ...r, actor: 'mallory' } : r)),
      verdict: { ok: false, rows: 2, seq: 2, problem: 'row 2 was changed after it was written (hash mismatch)' },
    },
    {
      name: 'a deleted row is named',
      rows: sound.filter((r) => r.seq !== 3),
      verdict: { ok: false, rows: 3, seq: 4, problem: 'row 3 missing before row 4 (deleted)' },
    },
    {
      name: 'deleted rows are named as a range',
      rows: sound.filter((r) => r.seq !== 2 && r.seq !== 3),
      verdict: { ok: false, rows: 2, seq: 4, problem: 'row 2–3 missing before row 4 (deleted)' },
    },
    {
      name: 'a row rehashed after an edit no longer follows the next one',
      rows: sound.map((r) => (r.seq === 2 ? nextAuditRow(sound[0]!, { ...entry('acknowledged'), actor: 'mallory' }) : r)),
      verdict: { ok: false, rows: 3, seq: 3, problem: 'row 3 does not follow row 2 (chain broken)' },
    },
  ];
  it.each(cases)('$name', ({ rows, verdict }) => {
    expect(verifyAuditChain(rows)).toEqual(verdict);
  });
});
