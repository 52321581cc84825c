/**
 * `safegrid audit verify`: the audit trail is evidence; say whether it is intact, and if not, where.
 * Reads the database the hub at `root` writes (hub.yaml `storage.path`), or the one given, and
 * checks it against its anchor file (hub.yaml `storage.audit_anchor`, default `<database>.anchor`)
 * with the key of `storage.audit_key_env|audit_key_file_key`. With `storage.backend: postgres`
 * (issue 18) it reads the shared database at `storage.url` on a read-only connection instead, and
 * checks the anchor file the leading replica wrote at the same place (copy it here from there).
 */
import { resolve } from 'node:path';
import { loadConfig } from '../config/index.js';
import { anchorPathFor } from './audit-anchor.js';
import { verifyAuditPostgres } from './postgres/verify.js';
import { type AuditFileVerdict, verifyAuditFile } from './verify.js';

export interface AuditCommand {
  root: string;
  /** [subcommand]; only `verify` exists. */
  positionals: string[];
  /** Database file; absent: hub.yaml's (default data/safegrid.db). */
  db?: string | undefined;
  /** Anchor file; absent: hub.yaml's, or `<database>.anchor`. */
  anchor?: string | undefined;
}

/** Exit code: 0 intact, 1 broken, 2 usage. */
export async function runAuditCommand(o: AuditCommand): Promise<number> {
  if (o.positionals[0] !== 'verify') {
    console.error('usage: safegrid audit verify [--root DIR] [--db FILE] [--anchor FILE]');
    return 2;
  }
  const storage = hubStorage(o.root);
  const dbPath = o.db ? resolve(o.db) : resolve(o.root, storage?.path ?? 'data/safegrid.db');
  const configuredAnchor = o.db ? null : storage?.auditAnchor ? resolve(o.root, storage.auditAnchor) : null;
  const anchorPath = o.anchor ? resolve(o.anchor) : anchorPathFor(dbPath, configuredAnchor);
  const key = { path: anchorPath, key: storage?.auditKey ?? null };
  const pgUrl = !o.db && storage?.backend === 'postgres' ? storage.url : null;
  let verdict: AuditFileVerdict;
  let where = dbPath;
  if (pgUrl) {
    // Named without its user (and any password a careless URL holds) or query.
    where = pgUrl.replace(/\?.*$/, '').replace(/\/\/[^@/]*@/, '//');
    try {
      verdict = await verifyAuditPostgres({ url: pgUrl, ...(storage?.password != null ? { password: storage.password } : {}) }, key);
    } catch (err) {
      console.error(`audit trail not checked: PostgreSQL at ${where} did not answer (${(err as { code?: string }).code ?? (err as Error).message})`);
      return 1;
    }
  } else verdict = verifyAuditFile(dbPath, key);
  const { chain, anchor } = verdict;
  if (!chain.ok) {
    console.error(`audit trail BROKEN at row ${chain.seq}: ${chain.problem} (${where}; ${chain.rows} rows read)`);
    return 1;
  }
  if (anchor && !anchor.ok) {
    console.error(`audit trail BROKEN: ${anchor.problem} (${where} against ${anchorPath})`);
    return 1;
  }
  for (const w of anchor?.warnings ?? []) console.error(`warning: ${w}`);
  const anchored = anchor
    ? `, ${anchor.anchors} anchored head(s) match (${anchorPath}${anchor.signed ? ', HMAC checked' : ', unsigned'})`
    : `; no anchor file at ${anchorPath}: a rewrite with recomputed hashes would not be caught`;
  console.log(`audit trail intact: ${chain.rows} rows, last hash ${chain.lastHash.slice(0, 16)}… (${where})${anchored}`);
  return 0;
}

/** hub.yaml's storage section of the hub at `root`, when it loads. */
function hubStorage(root: string) {
  const loaded = loadConfig(root, { env: process.env });
  return loaded.config?.hub.storage ?? null;
}
