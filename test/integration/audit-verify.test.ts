import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { nativeEvent } from '../../src/simulate/payloads.js';
import { startTestHub, waitFor } from '../helpers/hub.js';

const run = promisify(execFile);

async function auditVerify(db: string): Promise<{ code: number; out: string }> {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'audit', 'verify', '--db', db]);
    return { code: 0, out: r.stdout + r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, out: err.stdout + err.stderr };
  }
}

describe('safegrid audit verify', () => {
  it('passes on an intact trail and names the row someone edited in the SQLite file', async () => {
    const t = await startTestHub({ keepTree: true });
    const dbFile = join(t.tree.root, 'data/test.db');
    try {
      // Straight into ingest: this test is about the audit trail, not MQTT.
      const m = nativeEvent('safegrid/home-b/home-b-panel', 'panic', null, 'audit-1');
      await t.hub.ingest.receive({ topic: m.topic, payload: Buffer.from(m.payload), retained: false });
      // receive() resolves at the commit (the PUBACK); dispatch hears of the event just after.
      const id = (await waitFor(() => t.hub.incidents.snapshot()[0])).id;
      expect(t.hub.incidents.acknowledge(id, 'op1').ok).toBe(true);
      // The full 110 workflow since issue 12: a unit of the station, 到场, 反馈, then a real close.
      expect(t.hub.incidents.dispatchUnit(id, 'op1', 'mh-car-1').ok).toBe(true);
      expect(t.hub.incidents.onScene(id, 'op1').ok).toBe(true);
      expect(t.hub.incidents.feedback(id, 'op1', '按钮误触，业主在家', 'help').ok).toBe(true);
      expect(t.hub.incidents.close(id, 'op1', 'real').ok).toBe(true);
      await t.close();

      const good = await auditVerify(dbFile);
      expect(good.code).toBe(0);
      expect(good.out).toMatch(/audit trail intact: 6 rows/);

      const db = new Database(dbFile);
      db.exec('DROP TRIGGER audit_no_update');
      db.prepare(`UPDATE audit SET note = 'disposition false' WHERE action = 'closed'`).run();
      db.close();
      const bad = await auditVerify(dbFile);
      expect(bad.code).toBe(1);
      expect(bad.out).toContain('audit trail BROKEN at row 6: row 6 was changed after it was written');
    } finally {
      t.tree.remove();
    }
  });
});
