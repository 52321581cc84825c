import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeEvent } from '../../src/simulate/payloads.js';
import { startTestHub, waitFor, type TestHub } from '../helpers/hub.js';
import { HOME_YAML } from '../helpers/tree.js';

/** A new site for the running hub: the test home moved to another id and topic. */
const NEW_SITE = HOME_YAML.replaceAll('home-b', 'home-c').replace('[26.605, 104.845]', '[26.596, 104.846]');

describe('changes under devices/ are picked up without a restart', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ watch: true });
  });
  afterAll(async () => {
    await t?.close();
  });

  const stored = (msgId: string): number =>
    (t.hub.store.db.prepare(`SELECT count(*) AS n FROM events WHERE dedupe_key LIKE ?`).get(`m:%:${msgId}:%`) as { n: number }).n;

  it('a new site file is routed as soon as it is saved, and its devices can log in from then on', async () => {
    // Before the file exists, its login is unknown to the broker.
    await expect(t.deviceAs('home-c')).rejects.toMatchObject({ code: 4 });
    expect(stored('before-file')).toBe(0);

    t.tree.write('devices/home-c.yaml', NEW_SITE);
    await waitFor(() => t.hub.config.sites.some((s) => s.id === 'home-c'), 5000);
    const d = await t.deviceAs('home-c');
    const after = nativeEvent('safegrid/home-c/home-c-panel', 'intrusion', 1, 'after-file');
    await d.publishAsync(after.topic, after.payload, { qos: 1 });
    expect(stored('after-file')).toBe(1);
    const site = t.hub.config.sites.find((s) => s.id === 'home-c')!;
    expect(site.gridCellId).toBe('cell-se');
  });

  it('a broken edit keeps the last good version running and says why', async () => {
    t.tree.write('devices/home-c.yaml', NEW_SITE.replace('profile: native', 'profile: natve'));
    await waitFor(() => t.hub.problems().some((p) => p.file === 'devices/home-c.yaml'), 5000);
    const problem = t.hub.problems().find((p) => p.file === 'devices/home-c.yaml')!;
    expect(problem.path).toBe('devices[0].profile');
    expect(problem.message).toContain('natve');
    // Still routed with the last good version.
    const d = await t.deviceAs('home-c');
    const m = nativeEvent('safegrid/home-c/home-c-panel', 'panic', null, 'while-broken');
    await d.publishAsync(m.topic, m.payload, { qos: 1 });
    expect(stored('while-broken')).toBe(1);
    const installer = await t.login('installer');
    const health = (await (await installer.get('/api/health')).json()) as { config: { problems: Array<{ file: string }> } };
    expect(health.config.problems.map((p) => p.file)).toContain('devices/home-c.yaml');

    t.tree.write('devices/home-c.yaml', NEW_SITE);
    await waitFor(() => !t.hub.problems().some((p) => p.file === 'devices/home-c.yaml'), 5000);
  });
});
