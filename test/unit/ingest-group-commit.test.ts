import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../src/ingest/group-commit.js';

describe('group commit', () => {
  it('writes everything enqueued in the same turn as one batch, and resolves only after the write', async () => {
    const batches: number[][] = [];
    const gc = new GroupCommit<number>({ write: async (items) => void batches.push(items) });
    const resolved: number[] = [];
    const all = [1, 2, 3, 4].map((n) => gc.enqueue(n).then(() => resolved.push(n)));
    expect(batches).toEqual([]);
    await Promise.all(all);
    expect(batches).toEqual([[1, 2, 3, 4]]);
    expect(resolved).toEqual([1, 2, 3, 4]);
  });

  it('splits at maxBatch', async () => {
    const sizes: number[] = [];
    const gc = new GroupCommit<number>({ write: async (items) => void sizes.push(items.length), maxBatch: 3 });
    await Promise.all([1, 2, 3, 4, 5, 6, 7].map((n) => gc.enqueue(n)));
    expect(sizes).toEqual([3, 3, 1]);
  });

  it('a failed write rejects every item of that batch and not the next batch', async () => {
    let fail = true;
    const gc = new GroupCommit<number>({
      write: async () => {
        if (fail) throw new Error('disk full');
      },
    });
    const first = Promise.allSettled([gc.enqueue(1), gc.enqueue(2)]);
    const r1 = await first;
    expect(r1.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(gc.enqueue(3)).resolves.toBeUndefined();
  });
});
