/** The composition root's pure config steps: the caller's overrides over hub.yaml, and the environment's. */
import { afterAll, describe, expect, it } from 'vitest';
import { applyOverrides, withEnvironment } from '../../src/app/config.js';
import type { HubOptions } from '../../src/app/options.js';
import { loadConfig } from '../../src/config/index.js';
import type { Config } from '../../src/config/model.js';
import { ENV, makeTree, removeTree } from './config-fixture.js';

const root = makeTree();
afterAll(() => removeTree(root));
const config = loadConfig(root, { env: ENV }).config as Config;

describe('applyOverrides', () => {
  it.each<[string, Partial<HubOptions>, (c: Config) => unknown, unknown]>([
    ['no overrides keep hub.yaml', {}, (c) => [c.hub.http.port, c.hub.mqtt.port, c.hub.mqtt.mode], [8080, 1883, 'embedded']],
    ['http port 0 picks a free one later', { httpPort: 0 }, (c) => c.hub.http.port, 0],
    ['http host', { httpHost: '127.0.0.1' }, (c) => c.hub.http.host, '127.0.0.1'],
    ['mqtt port and host', { mqttPort: 0, mqttHost: '127.0.0.1' }, (c) => [c.hub.mqtt.port, c.hub.mqtt.host], [0, '127.0.0.1']],
    ['mqtt mode and url', { mqttMode: 'external', mqttUrl: 'mqtt://b:1883' }, (c) => [c.hub.mqtt.mode, c.hub.mqtt.url], ['external', 'mqtt://b:1883']],
    ['a relative database path is made absolute under the root', { storagePath: 'x/hub.db' }, (c) => c.hub.storage.path, `${root}/x/hub.db`],
    ['hub.yaml default database, absolute', {}, (c) => c.hub.storage.path, `${root}/data/safegrid.db`],
    ['an in-memory database stays in memory', { storagePath: ':memory:' }, (c) => c.hub.storage.path, ':memory:'],
  ])('%s', (_name, options, pick, expected) => {
    expect(pick(applyOverrides(config, { rootDir: root, ...options }, root))).toEqual(expected);
  });

  it('leaves the loaded config untouched (a reload applies the same overrides to a fresh one)', () => {
    const before = structuredClone(config.hub);
    const after = applyOverrides(config, { rootDir: root, httpPort: 1, storagePath: ':memory:' }, root);
    expect(config.hub).toEqual(before);
    expect(after.sites).toBe(config.sites);
  });
});

describe('withEnvironment', () => {
  const A = 'mqtt://a:1';
  const B = 'mqtt://b:1883';
  it.each<[string, Partial<HubOptions>, NodeJS.ProcessEnv, Pick<HubOptions, 'mqttMode' | 'mqttUrl'>]>([
    ['nothing set', {}, {}, {}],
    ['SG_MQTT_MODE=external', {}, { SG_MQTT_MODE: 'external' }, { mqttMode: 'external' }],
    ['an unknown SG_MQTT_MODE is ignored', {}, { SG_MQTT_MODE: 'cloud' }, {}],
    ['the caller wins over SG_MQTT_MODE', { mqttMode: 'embedded' }, { SG_MQTT_MODE: 'external' }, { mqttMode: 'embedded' }],
    ['SG_MQTT_URL only counts in external mode', {}, { SG_MQTT_URL: 'mqtt://b:1883' }, {}],
    ['SG_MQTT_URL with SG_MQTT_MODE=external', {}, { SG_MQTT_MODE: 'external', SG_MQTT_URL: B }, { mqttMode: 'external', mqttUrl: B }],
    ['the caller wins over SG_MQTT_URL', { mqttMode: 'external', mqttUrl: A }, { SG_MQTT_URL: B }, { mqttMode: 'external', mqttUrl: A }],
  ])('%s', (_name, options, env, expected) => {
    const out = withEnvironment({ rootDir: root, ...options }, env, config);
    expect({ mqttMode: out.mqttMode, mqttUrl: out.mqttUrl }).toEqual({ mqttMode: undefined, mqttUrl: undefined, ...expected });
  });
});
