import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeEvent } from '../../src/simulate/payloads.js';
import { startTestHub, waitFor, type TestHub } from '../helpers/hub.js';
import { countOnDisk } from '../helpers/sqlite-file.js';
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
    countOnDisk(join(t.tree.root, 'data/test.db'), `SELECT count(*) AS n FROM events WHERE dedupe_key LIKE ?`, `m:%:${msgId}:%`);

  it('a new site file is routed as soon as it is saved, and its devices can log in from then on', async () => {
    // Before the file exists, its login is unknown to the broker.
    await expect(t.deviceAs('home-c')).rejects.toMatchObject({ code: 4 });
    expect(stored('before-file')).toBe(0);

    t.tree.write('devices/home-c.yaml', NEW_SITE);
    await waitFor(() => t.hub.config.sites.some((s) => s.id === 'home-c'));
    const d = await t.deviceAs('home-c');
    const after = nativeEvent('safegrid/home-c/home-c-panel', 'intrusion', 1, 'after-file');
    await d.publishAsync(after.topic, after.payload, { qos: 1 });
    expect(stored('after-file')).toBe(1);
    const site = t.hub.config.sites.find((s) => s.id === 'home-c')!;
    expect(site.gridCellId).toBe('cell-se');
  });

  it('a broken edit keeps the last good version running and says why', async () => {
    t.tree.write('devices/home-c.yaml', NEW_SITE.replace('profile: native', 'profile: natve'));
    await waitFor(() => t.hub.problems().some((p) => p.file === 'devices/home-c.yaml'));
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
    await waitFor(() => !t.hub.problems().some((p) => p.file === 'devices/home-c.yaml'));
  });

  it(
    'a new site whose MQTT password is added to secrets.yaml — before or after the site file — logs in without a restart; a ' + 'rotated password takes effect',
    async () => {
      const secretsPath = join(t.tree.root, 'config/secrets.yaml');
      const secrets = readFileSync(secretsPath, 'utf8');
      const site = NEW_SITE.replaceAll('home-c', 'home-d').replace('[26.596, 104.846]', '[26.597, 104.847]');
      const login = (password: string) =>
        mqtt.connectAsync(t.mqttUrl, { protocolVersion: 4, clientId: `home-d-${password}`, username: 'home-d', password, reconnectPeriod: 0 });
      // The site file first: held back, its key is not in secrets.yaml yet.
      t.tree.write('devices/home-d.yaml', site);
      await waitFor(() => t.hub.problems().some((p) => p.file === 'devices/home-d.yaml' && p.code === 'SG_CONFIG_SECRET_MISSING'));
      await expect(login('pw-home-d-1')).rejects.toMatchObject({ code: 4 });
      // Then the password: the secrets file is watched, the site comes up, the device logs in.
      writeFileSync(secretsPath, `${secrets}mqtt_home-d: "pw-home-d-1"\n`);
      await waitFor(() => t.hub.config.sites.some((s) => s.id === 'home-d'));
      const d = await login('pw-home-d-1');
      const m = nativeEvent('safegrid/home-d/home-d-panel', 'intrusion', 1, 'home-d-first');
      await d.publishAsync(m.topic, m.payload, { qos: 1 });
      expect(stored('home-d-first')).toBe(1);
      await d.endAsync();
      // Rotated: the old password is refused from then on, the new one works.
      writeFileSync(secretsPath, `${secrets}mqtt_home-d: "pw-home-d-2"\n`);
      // A ceiling, not a budget: the watcher may take a while to see the file on a busy machine.
      const until = Date.now() + 30_000;
      for (let refused = false; !refused; ) {
        refused = await login('pw-home-d-1').then(
          (c) => {
            void c.end(true);
            return false;
          },
          () => true,
        );
        if (!refused && Date.now() > until) throw new Error('the old password still works 30 s after the rotation');
        if (!refused) await new Promise((r) => setTimeout(r, 50));
      }
      const again = await login('pw-home-d-2');
      await again.endAsync();
    },
  );
});
