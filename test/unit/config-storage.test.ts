/** hub.yaml `storage.backend` / `url` / `password_env` / `pool_size` (issue 18): what an installer gets wrong, said clearly. */
import { afterEach, describe, expect, it } from 'vitest';
import { formatProblems, loadConfig, type LoadResult } from '../../src/config/index.js';
import { ENV, HUB, makeTree, removeTree, type Tree } from './config-fixture.js';

const roots: string[] = [];
afterEach(() => {
  while (roots.length) removeTree(roots.pop() as string);
});

function load(changes: Tree = {}, env: NodeJS.ProcessEnv = ENV): LoadResult {
  const root = makeTree(changes);
  roots.push(root);
  return loadConfig(root, { env });
}

const withStorage = (yaml: string): Tree => ({ 'config/hub.yaml': `${HUB}\nstorage:\n${yaml}` });

describe('storage on PostgreSQL', () => {
  it('backend postgres with a URL and a password from the environment loads', () => {
    const r = load(withStorage('  backend: postgres\n  url: postgres://safegrid@db:5432/safegrid\n  password_env: SG_PG_PW\n  pool_size: 4\n'), {
      ...ENV,
      SG_PG_PW: 's3cret-pg',
    });
    expect(formatProblems(r.problems)).toBe('');
    expect(r.config!.hub.storage).toMatchObject({ backend: 'postgres', url: 'postgres://safegrid@db:5432/safegrid', password: 's3cret-pg', poolSize: 4 });
  });

  it('backend postgres without a URL is refused, naming the key', () => {
    const r = load(withStorage('  backend: postgres\n'));
    expect(formatProblems(r.problems)).toMatch(/storage\.url: missing; backend is postgres/);
  });

  it('a password inside the URL is refused and not repeated in the message', () => {
    const r = load(withStorage('  backend: postgres\n  url: postgres://safegrid:hunter2@db/safegrid\n'));
    const text = formatProblems(r.problems);
    expect(text).toMatch(/storage\.url: .*without a password; put the password in the variable named by password_env/);
    expect(text).not.toContain('hunter2');
  });

  it('an unknown backend and a pool of 0 say what is expected', () => {
    const r = load(withStorage('  backend: mysql\n  pool_size: 0\n'));
    const text = formatProblems(r.problems);
    expect(text).toMatch(/storage\.backend: .*sqlite or postgres/);
    expect(text).toMatch(/storage\.pool_size: .*1–100/);
  });
});
