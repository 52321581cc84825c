import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { LOCK_SPACE, LOCKS } from './transaction.js';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/**
 * Applies postgres/migrations/NNN_name.sql in order, each once, each in its own transaction.
 * Two replicas starting at the same moment: the session advisory lock makes the second wait, and
 * it then reads what the first applied (the list is read under the lock). Returns the files run.
 */
export async function migratePostgres(pool: pg.Pool): Promise<string[]> {
  const files = readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort();
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (err: Error): void => {
    broken = err; // the server went away between two queries (see transaction.ts)
  };
  client.on('error', onError);
  try {
    await client.query('SELECT pg_advisory_lock($1, $2)', [LOCK_SPACE, LOCKS.migrations]);
    try {
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
      const applied = new Set((await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name));
      const ran: string[] = [];
      for (const file of files) {
        if (applied.has(file)) continue;
        const sql = readFileSync(MIGRATIONS_DIR + file, 'utf8');
        await client.query('BEGIN');
        try {
          await client.query(sql);
          await client.query('INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)', [file, new Date().toISOString()]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw new Error(`PostgreSQL migration ${file} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
        }
        ran.push(file);
      }
      return ran;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_SPACE, LOCKS.migrations]).catch((e: unknown) => {
        // The lock ends with the session: a client that cannot unlock is closed, not reused.
        broken = e instanceof Error ? e : new Error(String(e));
      });
    }
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}
