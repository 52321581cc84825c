import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlarmEvent } from '../../src/contract/alarm-event.js';
import { openStore, type Store } from '../../src/store/index.js';
import { countOnDisk } from '../helpers/sqlite-file.js';

/**
 * The SQLite store behind the async ports (issue 18): transactions may await between statements,
 * yet they never interleave on the one connection, a call from outside never lands inside someone
 * else's open transaction, a nested call joins, and a rejection rolls back everything it wrote.
 * What is committed is read through a second connection, as another process would see it.
 */
let dir: string;
let path: string;
let store: Store;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sg-tx-'));
  path = join(dir, 'hub.db');
  store = openStore(path);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
function event(siteId = 's1'): AlarmEvent {
  const at = new Date(Date.parse('2026-12-03T00:00:00Z') + ++n * 1000).toISOString();
  return {
    drill: false,
    id: `tx-e${n}`,
    siteId,
    deviceId: 'panel',
    kind: 'intrusion',
    category: 'police',
    zone: 1,
    zoneName: null,
    occurredAt: at,
    receivedAt: at,
    location: [26.6, 104.8],
    gridCellId: null,
    stationId: null,
    detail: null,
    profile: 'native',
    topic: 't',
    raw: '{}',
    dedupeKey: `tx-k${n}`,
  };
}

const onDisk = (): number => countOnDisk(path, 'SELECT count(*) AS n FROM events');

/** A promise and the function that settles it: a transaction held open until the test lets go. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((ok) => {
    open = ok;
  });
  return { wait, open };
}

describe('SQLite transactions on the async store', () => {
  it('a write from outside waits until the open transaction has committed, and is not part of it', async () => {
    const hold = gate();
    const entered = gate();
    const tx = store.transaction(async () => {
      await store.events.insert(event());
      entered.open();
      await hold.wait; // open across an await: another caller runs meanwhile
      await store.events.insert(event());
    });
    await entered.wait;
    const outside = store.events.insert(event('outside'));
    // Nothing is on disk while the transaction is open (an outside write run now would autocommit).
    expect(onDisk()).toBe(0);
    hold.open();
    await tx;
    await outside;
    // Landed after the transaction's two rows, not between them (inside it).
    expect((await store.events.query({ afterSeq: 0 })).map((e) => e.siteId)).toEqual(['s1', 's1', 'outside']);
    expect(onDisk()).toBe(3);
  });

  it('a read from outside does not see what an open transaction has not committed', async () => {
    const hold = gate();
    const entered = gate();
    const tx = store.transaction(async () => {
      await store.events.insert(event());
      entered.open();
      await hold.wait;
      throw new Error('never committed');
    });
    await entered.wait;
    const counted = store.events.count();
    hold.open();
    await expect(tx).rejects.toThrow('never committed');
    expect(await counted).toBe(0);
  });

  it('a rejected transaction writes nothing, and the outside write queued behind it still commits', async () => {
    const hold = gate();
    const entered = gate();
    const tx = store.transaction(async () => {
      await store.events.insert(event());
      entered.open();
      await hold.wait;
      throw new Error('boom');
    });
    await entered.wait;
    const outside = store.events.insert(event('outside'));
    hold.open();
    await expect(tx).rejects.toThrow('boom');
    await outside;
    expect(onDisk()).toBe(1);
    expect((await store.events.query({})).map((e) => e.siteId)).toEqual(['outside']);
  });

  it('two transactions started together run one after the other, never mixed', async () => {
    const order: string[] = [];
    const run = (name: string) =>
      store.transaction(async () => {
        order.push(`${name} begin`);
        await store.events.insert(event(name));
        await new Promise<void>((ok) => setImmediate(ok)); // yield to the event loop inside
        await store.events.insert(event(name));
        order.push(`${name} end`);
      });
    await Promise.all([run('a'), run('b')]);
    expect(order).toEqual(['a begin', 'a end', 'b begin', 'b end']);
    const sites = (await store.events.query({ afterSeq: 0 })).map((e) => e.siteId);
    expect(sites).toEqual(['a', 'a', 'b', 'b']);
  });

  it('a transaction inside another joins it: a rejection of the outer rolls back the inner writes too', async () => {
    await expect(
      store.transaction(async () => {
        await store.transaction(() => store.events.insert(event('inner')));
        await store.derivedTransaction(() => store.events.insert(event('derived')));
        throw new Error('outer fails');
      }),
    ).rejects.toThrow('outer fails');
    expect(onDisk()).toBe(0);
    // And the connection is usable afterwards (no transaction left open).
    await store.transaction(() => store.events.insert(event()));
    expect(onDisk()).toBe(1);
  });

  it('a rolled-back audit append leaves no gap in the chain: the cached head is dropped', async () => {
    const entry = {
      at: '2026-12-03T00:00:00.000Z',
      actor: 'op1',
      action: 'note',
      incidentId: null,
      fromStatus: null,
      toStatus: null,
      origin: null,
      note: null,
    };
    await store.transaction(async () => {
      await store.audit.append(entry);
    });
    await expect(
      store.transaction(async () => {
        await store.audit.append(entry);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    const row = await store.transaction(() => store.audit.append(entry));
    expect(row.seq).toBe(2);
    expect(await store.audit.verify()).toMatchObject({ ok: true, rows: 2 });
  });

  it('close waits for a transaction already running, which commits', async () => {
    const hold = gate();
    const entered = gate();
    const tx = store.transaction(async () => {
      entered.open();
      await hold.wait;
      await store.events.insert(event());
    });
    await entered.wait;
    const closed = store.close();
    hold.open();
    await tx;
    await closed;
    expect(onDisk()).toBe(1);
    store = openStore(path); // afterEach closes it
  });
});
