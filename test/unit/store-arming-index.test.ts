/**
 * Start-up rebuilds each site's armed state from its last arm/disarm event (dispatch/incidents.ts).
 * With a million stored events that query read them all (~430 ms per start) until migration 003
 * gave it a partial index; SQLite only uses a partial index when the query repeats its WHERE term,
 * so this checks the query dispatch actually runs, read from its source.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';

const source = readFileSync(join(import.meta.dirname, '../../src/dispatch/incidents.ts'), 'utf8');
const query = /`(SELECT site_id, kind, max\(seq\) FROM events WHERE kind IN [^`]*)`/.exec(source)?.[1];

describe('the armed-state query at start-up', () => {
  it('reads only arm/disarm events through the partial index, not every stored event', () => {
    expect(query, 'the query in src/dispatch/incidents.ts').toBeDefined();
    const store = openStore(':memory:');
    try {
      const plan = (store.db.prepare(`EXPLAIN QUERY PLAN ${query}`).all() as Array<{ detail: string }>).map((r) => r.detail).join('; ');
      expect(plan).toContain('USING INDEX events_arming');
    } finally {
      store.close();
    }
  });
});
