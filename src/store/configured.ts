import type { Store } from './ports.js';
import { openPostgresStore } from './postgres/store.js';
import { openSqliteStore, type SqliteStoreOptions } from './sqlite-store.js';

/**
 * The store hub.yaml's `storage` names (issue 18): the SQLite file at `path` (the default, one hub),
 * or the PostgreSQL database at `url` that every replica of a centre shares. Rejects when the
 * database cannot be opened; the error names the backend, never the password.
 */
export interface StorageChoice {
  backend: 'sqlite' | 'postgres';
  /** SQLite file (backend sqlite). */
  path: string;
  /** PostgreSQL URL without the password (backend postgres). */
  url: string | null;
  password: string | null;
  poolSize: number;
}

/** Takes hub.yaml's resolved `storage` section (config/model.ts: HubConfig['storage'] fits). */
export async function openConfiguredStore(storage: StorageChoice, options: SqliteStoreOptions = {}): Promise<Store> {
  if (storage.backend === 'sqlite') return openSqliteStore(storage.path, options);
  if (!storage.url) throw new Error('storage.backend is postgres but storage.url is not set');
  return openPostgresStore({ url: storage.url, poolSize: storage.poolSize, ...(storage.password !== null ? { password: storage.password } : {}) });
}
