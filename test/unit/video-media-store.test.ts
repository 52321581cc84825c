import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MediaStore } from '../../src/video/media-store.js';

const JPEG = (n: number) => Buffer.concat([Buffer.from([0xff, 0xd8]), Buffer.alloc(n, 1), Buffer.from([0xff, 0xd9])]);
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'sg-media-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('media store', () => {
  it('stores snapshots under <yyyy-mm-dd>/<id>.jpg and finds them again after a restart, with their site', () => {
    const root = tmp();
    const now = Date.parse('2024-05-06T07:08:09Z');
    const a = new MediaStore(root, { maxAgeMs: 1e12, maxFiles: 100, maxBytes: 1e9 }, () => now).saveSnapshot(JPEG(10), 'shop-a');
    expect(a.path).toBe(join(root, '2024-05-06', `${a.id}.jpg`));
    const again = new MediaStore(root, { maxAgeMs: 1e12, maxFiles: 100, maxBytes: 1e9 }, () => now);
    expect(again.get(a.id)).toMatchObject({ siteId: 'shop-a', bytes: 14, contentType: 'image/jpeg' });
  });

  it('refuses ids that are not media ids (no path is ever built from one)', () => {
    const s = new MediaStore(tmp(), { maxAgeMs: 1e12, maxFiles: 100, maxBytes: 1e9 });
    for (const bad of ['../x', '..', '', 'index', '01HXXXXXXXXXXXXXXXXXXXXXX/', '%2e%2e']) expect(s.get(bad)).toBeUndefined();
  });

  it('keeps within the file, byte and age limits, oldest first', () => {
    let now = Date.parse('2024-05-06T00:00:00Z');
    const s = new MediaStore(tmp(), { maxAgeMs: 3600_000, maxFiles: 3, maxBytes: 1e9 }, () => now);
    const ids = [1, 2, 3, 4].map(() => {
      now += 1000;
      return s.saveSnapshot(JPEG(100), 'x');
    });
    expect(s.get(ids[0]!.id)).toBeUndefined();
    expect(existsSync(ids[0]!.path)).toBe(false);
    expect(s.stats.files).toBe(3);
    s.setRetention({ maxAgeMs: 3600_000, maxFiles: 100, maxBytes: 250 });
    s.prune();
    expect(s.stats).toEqual({ files: 2, bytes: 208 });
    now += 2 * 3600_000;
    s.prune();
    expect(s.stats.files).toBe(0);
  });
});
