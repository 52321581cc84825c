import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { nativeEvent } from '../../src/simulate/payloads.js';
import { startTestHub, waitFor } from '../helpers/hub.js';
import { HUB_YAML, makeTree } from '../helpers/tree.js';
import { auditHash } from '../../src/store/audit-chain.js';

const run = promisify(execFile);

async function auditVerify(db: string, more: string[] = [], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; out: string }> {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'audit', 'verify', '--db', db, ...more], { env });
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
      expect((await t.hub.incidents.acknowledge(id, 'op1')).ok).toBe(true);
      // The full 110 workflow since issue 12: a unit of the station, 到场, 反馈, then a real close.
      expect((await t.hub.incidents.dispatchUnit(id, 'op1', 'mh-car-1')).ok).toBe(true);
      expect((await t.hub.incidents.onScene(id, 'op1')).ok).toBe(true);
      expect((await t.hub.incidents.feedback(id, 'op1', '按钮误触，业主在家', 'help')).ok).toBe(true);
      expect((await t.hub.incidents.close(id, 'op1', 'real')).ok).toBe(true);
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

  it('audit chain anchor: a row rewritten with all later hashes recomputed is detected (issue 17, item 13)', async () => {
    const KEY = 'audit-key-only-in-the-environment-7f3a';
    const tree = makeTree();
    tree.write('config/hub.yaml', HUB_YAML.replace('storage:\n  path: data/test.db\n', 'storage:\n  path: data/test.db\n  audit_key_env: SG_AUDIT_KEY\n'));
    const t = await startTestHub({ tree, keepTree: true, env: { SG_AUDIT_KEY: KEY } });
    const dbFile = join(tree.root, 'data/test.db');
    const withKey = { ...process.env, SG_AUDIT_KEY: KEY };
    const verify = (more: string[] = [], env = withKey) => auditVerify(dbFile, ['--root', tree.root, ...more], env);
    try {
      const m = nativeEvent('safegrid/home-b/home-b-panel', 'panic', null, 'anchor-1');
      await t.hub.ingest.receive({ topic: m.topic, payload: Buffer.from(m.payload), retained: false });
      const id = (await waitFor(() => t.hub.incidents.snapshot()[0])).id;
      expect((await t.hub.incidents.acknowledge(id, 'op1')).ok).toBe(true);
      expect((await t.hub.incidents.dispatchUnit(id, 'op1', 'mh-car-1')).ok).toBe(true);
      expect((await t.hub.incidents.onScene(id, 'op1')).ok).toBe(true);
      expect((await t.hub.incidents.feedback(id, 'op1', '按钮误触，业主在家', 'help')).ok).toBe(true);
      expect((await t.hub.incidents.close(id, 'op1', 'real')).ok).toBe(true);
      await t.close(); // the final head is anchored at stop

      const good = await verify();
      expect(good.code, good.out).toBe(0);
      expect(good.out).toMatch(/audit trail intact: 6 rows.*1 anchored head\(s\) match.*HMAC checked/);

      // The attack: rewrite row 3 and recompute every later hash, so the chain itself verifies.
      const db = new Database(dbFile);
      db.exec('DROP TRIGGER IF EXISTS audit_no_update');
      const rows = db.prepare('SELECT * FROM audit ORDER BY seq').all() as Array<Record<string, unknown>>;
      let prev = rows[1]!.hash as string;
      for (const r of rows.slice(2)) {
        const e = {
          at: r.at as string,
          actor: r.actor as string,
          action: r.action as string,
          incidentId: r.incident_id as string | null,
          fromStatus: r.from_status as string | null,
          toStatus: r.to_status as string | null,
          origin: r.origin as string | null,
          note: r.seq === 3 ? '出警单位 unit: 无' : (r.note as string | null),
        };
        const hash = auditHash(r.seq as number, e, prev);
        db.prepare('UPDATE audit SET note = ?, prev_hash = ?, hash = ? WHERE seq = ?').run(e.note, prev, hash, r.seq);
        prev = hash;
      }
      db.close();
      // Without the anchor the rewrite would pass: the chain alone holds.
      const chainOnly = await verify(['--anchor', join(tree.root, 'no-such.anchor')]);
      expect(chainOnly.code, chainOnly.out).toBe(0);
      expect(chainOnly.out).toContain('no anchor file');
      // With it, the rewrite is caught.
      const bad = await verify();
      expect(bad.code, bad.out).toBe(1);
      expect(bad.out).toContain('audit trail BROKEN: row 6 does not match the anchor written at');

      // Rewriting the anchor line to the new hash does not help without the key: the HMAC fails,
      // and dropping the HMAC is refused too.
      const anchorFile = `${dbFile}.anchor`;
      const line = JSON.parse(readFileSync(anchorFile, 'utf8').trim()) as { seq: number; hash: string; at: string; mac: string };
      writeFileSync(anchorFile, `${JSON.stringify({ ...line, hash: prev })}\n`);
      expect((await verify()).out).toMatch(/wrong HMAC: it was forged or altered/);
      writeFileSync(anchorFile, `${JSON.stringify({ ...line, hash: prev, mac: null })}\n`);
      expect((await verify()).out).toMatch(/unsigned although a key is set/);
    } finally {
      tree.remove();
    }
  }, 90_000);
});
