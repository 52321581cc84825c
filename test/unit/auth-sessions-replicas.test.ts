/**
 * Sessions shared by replicas (issue 18): two SessionStores over two connections to one database
 * file stand for two hub replicas over one shared store. A login on one must open the console on
 * the other, and a logout or an idle timer must be judged on what both have seen.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SessionStore, type Session } from '../../src/auth/sessions.js';
import { ManualClock } from '../../src/core/clock.js';
import { openSqliteStore, type Store } from '../../src/store/index.js';

const TIMEOUTS = { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 };

describe('sessions shared through the store by two replicas', () => {
  let dir: string;
  let stores: Store[];
  let clock: ManualClock;
  let a: SessionStore;
  let b: SessionStore;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sg-sessions-'));
    const path = join(dir, 'hub.db');
    stores = [openSqliteStore(path), openSqliteStore(path)];
    clock = new ManualClock();
    a = new SessionStore(clock, TIMEOUTS, stores[0]!.sessions);
    b = new SessionStore(clock, TIMEOUTS, stores[1]!.sessions);
    await a.load();
    await b.load();
  });

  afterEach(async () => {
    for (const s of stores) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a login on one replica is valid on the other at once', async () => {
    const s = await a.create('op', '127.0.0.1', 'cred');
    expect(b.size).toBe(0);
    const seen = await b.get(s.id);
    expect(seen?.username).toBe('op');
    expect(seen?.csrfToken).toBe(s.csrfToken);
    expect(seen?.credential).toBe('cred');
    expect(b.size).toBe(1);
  });

  it('a cookie nobody issued is refused, also when asked again', async () => {
    expect(await b.get('not-a-session')).toBeNull();
    expect(await b.get('not-a-session')).toBeNull();
    // A session issued after that miss is still found (its cookie is another value).
    const s = await a.create('op', '127.0.0.1');
    expect((await b.get(s.id))?.username).toBe('op');
  });

  it('a logout on one replica ends the session on the other at its next sweep, and says so', async () => {
    const s = await a.create('op', '127.0.0.1');
    expect(await b.get(s.id)).not.toBeNull();
    const ended: Session[] = [];
    b.onEnd((x) => ended.push(x));
    await a.end((await a.get(s.id))!, 'logout');
    await b.sweep();
    expect(ended.map((x) => x.username)).toEqual(['op']);
    expect(await b.get(s.id)).toBeNull();
  });

  it('a session busy on one replica does not time out on the other', async () => {
    const s = await a.create('op', '127.0.0.1');
    clock.advance(20 * 60_000);
    // Used on B only from here on (its touch is written: more than a minute since the last).
    expect(await b.get(s.id)).not.toBeNull();
    clock.advance(15 * 60_000);
    // 35 minutes since A last saw it, 15 since B did: still valid on A.
    expect(await a.get(s.id)).not.toBeNull();
    // And nobody for 30 minutes more: ended, on both.
    clock.advance(31 * 60_000);
    expect(await b.get(s.id)).toBeNull();
    await a.sweep();
    expect(await a.get(s.id)).toBeNull();
  });

  it('a session created while a sweep reads the store is kept', async () => {
    const sweeping = b.sweep();
    const s = await b.create('op', '127.0.0.1');
    await sweeping;
    expect(await b.get(s.id)).not.toBeNull();
  });
});
