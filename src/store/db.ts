import Database from 'better-sqlite3';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dedupeHash } from './dedupe-hash.js';

export type Db = Database.Database;

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/**
 * Opens the SQLite file with the durability the design promises: WAL with synchronous=FULL, so a
 * committed transaction survives power loss; group commit (ingest/group-commit.ts) keeps it fast.
 */
export function openDatabase(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // Migration 015 fills the dedupe hash of stored rows with the same function the repository uses.
  db.function('sg_dedupe_hash', { deterministic: true }, (key: unknown) => (typeof key === 'string' ? dedupeHash(key) : null));
  // A migration that rewrote many rows (015 hashes every stored event) leaves them all in the WAL:
  // copy them back and cut the file, rather than carry a WAL the size of the database.
  if (migrate(db).length > 0 && path !== ':memory:') db.pragma('wal_checkpoint(TRUNCATE)');
  return db;
}

/**
 * Applies migrations/NNN_name.sql in order, each once, each in its own transaction; with `upTo`,
 * stops after that file (a test that builds the database an older release left behind).
 */
export function migrate(db: Db, upTo?: string): string[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
  const applied = new Set((db.prepare('SELECT name FROM schema_migrations').all() as Array<{ name: string }>).map((r) => r.name));
  const files = readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f) && (upTo === undefined || f <= upTo))
    .sort();
  const ran: string[] = [];
  for (const file of files) {
    if (applied.has(file)) continue;
    const sql = readFileSync(MIGRATIONS_DIR + file, 'utf8');
    db.transaction(() => {
      db.exec(sql);
      db.prepare('INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)').run(file, new Date().toISOString());
    })();
    ran.push(file);
  }
  return ran;
}
