/** Broker logins in the config: site.mqtt, devices[].mqtt, bridges[].mqtt, mqtt.auth, mqtt.tls. */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, formatProblem, formatProblems, type LoadResult } from '../../src/config/index.js';
import type { Problem } from '../../src/core/problems.js';
import { ENV, HOME, HUB, SHOP, makeTree, removeTree, type Tree } from './config-fixture.js';

const roots: string[] = [];
afterEach(() => {
  while (roots.length) removeTree(roots.pop() as string);
});

function load(changes: Tree = {}, env: NodeJS.ProcessEnv = ENV): LoadResult {
  const root = makeTree(changes);
  roots.push(root);
  return loadConfig(root, { env });
}
function edit(text: string, from: string, to: string): string {
  expect(text, `fixture contains ${JSON.stringify(from)}`).toContain(from);
  return text.replace(from, to);
}
function only(result: LoadResult, code: Problem['code']): Problem {
  const found = result.problems.filter((p) => p.code === code);
  expect(found, formatProblems(result.problems)).toHaveLength(1);
  return found[0] as Problem;
}

const SITE_LOGIN = (user: string, ref: string): string => `  mqtt: { username: ${user}, ${ref} }\n  contacts:`;
const shopWith = (ref: string, user = 'shop-1'): string => edit(SHOP, '  contacts:', SITE_LOGIN(user, ref));
const SECRETS = 'config/secrets.yaml';

describe('broker logins in the config', () => {
  it('resolves a site login from the secrets file and a device login from the environment', () => {
    const r = load(
      {
        'devices/shop-1.yaml': shopWith('password_file_key: mqtt_shop1'),
        'devices/home-2.yaml': edit(HOME, '    profile: native\n', '    profile: native\n    mqtt: { username: home-2-hub, password_env: HOME2_PASS }\n'),
        [SECRETS]: 'mqtt_shop1: "s1-secret"\n',
      },
      { ...ENV, HOME2_PASS: 'h2-secret' },
    );
    expect(r.problems).toEqual([]);
    const shop = r.config!.sites.find((s) => s.id === 'shop-1')!;
    expect([shop.mqttUsername, shop.mqttPassword]).toEqual(['shop-1', 's1-secret']);
    const hub = r.config!.sites.find((s) => s.id === 'home-2')!.devices[0]!;
    expect([hub.mqttUsername, hub.mqttPassword]).toEqual(['home-2-hub', 'h2-secret']);
  });

  it('an unset login password holds the site back and says which reference, never a value', () => {
    const r = load({ 'devices/shop-1.yaml': shopWith('password_file_key: mqtt_shop1'), [SECRETS]: 'other: "x"\n' });
    expect(formatProblem(only(r, 'SG_CONFIG_SECRET_MISSING'))).toBe(
      'devices/shop-1.yaml:8  site.mqtt.password_file_key: key "mqtt_shop1" is not in config/secrets.yaml; add a line mqtt_shop1: "..." to config/secrets.yaml',
    );
    expect(r.heldBack.map((h) => h.siteId)).toEqual(['shop-1']);
  });

  it('a login needs exactly one password reference, and never an inline password', () => {
    const none = load({ 'devices/shop-1.yaml': edit(SHOP, '  contacts:', '  mqtt: { username: shop-1 }\n  contacts:') });
    expect(formatProblem(only(none, 'SG_CONFIG_MISSING_KEY'))).toBe(
      'devices/shop-1.yaml:8  site.mqtt: no password; expected password_env (an environment variable) or password_file_key (a key of the secrets file)',
    );
    const both = load({ 'devices/shop-1.yaml': shopWith('password_env: A, password_file_key: b') });
    expect(formatProblem(only(both, 'SG_CONFIG_INVALID_VALUE'))).toBe(
      'devices/shop-1.yaml:8  site.mqtt.password_file_key: both password_env and password_file_key are given; expected one of them',
    );
    const inline = load({ 'devices/shop-1.yaml': shopWith('password: hunter2-inline') });
    const p = only(inline, 'SG_CONFIG_SECRET_INLINE');
    expect(p.path).toBe('site.mqtt.password');
    expect(formatProblems(inline.problems)).not.toContain('hunter2-inline');
  });

  it('two logins with one user name: the later site is held back and the message names the first', () => {
    const r = load(
      {
        'devices/shop-1.yaml': shopWith('password_env: P1', 'shared'),
        'devices/home-2.yaml': edit(HOME, '  contacts:', SITE_LOGIN('shared', 'password_env: P2')),
      },
      { ...ENV, P1: 'a', P2: 'b' },
    );
    // home-2.yaml sorts first, so it keeps the name.
    expect(formatProblem(only(r, 'SG_CONFIG_DUPLICATE_ID'))).toBe(
      'devices/shop-1.yaml:8  site.mqtt.username: MQTT user name "shared" of site "shop-1" is already used by site "home-2" in devices/home-2.yaml (line 8); ' +
        'every device, site and bridge that logs in to the broker needs its own user name',
    );
    expect(r.heldBack.map((h) => h.siteId)).toEqual(['shop-1']);
  });

  it('a bridge login: resolved, or a warning when its password is unset (the sites still run)', () => {
    const bridges =
      `bridges:\n  - id: frigate-main\n    profile: frigate\n    topic: frigate/events\n` + `    mqtt: { username: frigate, password_env: FRIGATE_PASS }\n`;
    const ok = load({ 'config/hub.yaml': HUB + bridges }, { ...ENV, FRIGATE_PASS: 'f-secret' });
    expect(ok.config!.hub.bridges[0]).toMatchObject({ mqttUsername: 'frigate', mqttPassword: 'f-secret' });
    const unset = load({ 'config/hub.yaml': HUB + bridges });
    expect(formatProblem(only(unset, 'SG_CONFIG_SECRET_MISSING'))).toBe(
      'config/hub.yaml:12  warning: bridges[0].mqtt.password_env: environment variable FRIGATE_PASS is not set, so this bridge cannot connect to the ' +
        "embedded broker; set FRIGATE_PASS in the hub's environment",
    );
    expect(unset.config).not.toBeNull();
  });

  it('mqtt.auth is required by default, off on request, and nothing else', () => {
    expect(load().config!.hub.mqtt.auth).toBe('required');
    expect(load({ 'config/hub.yaml': edit(HUB, '  port: 1883', '  port: 1883\n  auth: off') }).config!.hub.mqtt.auth).toBe('off');
    const typo = load({ 'config/hub.yaml': edit(HUB, '  port: 1883', '  port: 1883\n  auth: none') });
    expect(formatProblem(only(typo, 'SG_CONFIG_INVALID_VALUE'))).toBe('config/hub.yaml:6  mqtt.auth: got "none"; expected required or off');
  });

  it('mqtt.tls: missing PEM files are named, and require_client_cert needs a CA', () => {
    const tls = '  tls: { cert: config/none.crt, key: config/none.key, require_client_cert: true }';
    const r = load({ 'config/hub.yaml': edit(HUB, '  port: 1883', `  port: 1883\n${tls}`) });
    expect(formatProblem(only(r, 'SG_CONFIG_MISSING_KEY'))).toBe(
      'config/hub.yaml:6  mqtt.tls.ca: missing; require_client_cert is true, so the hub needs the CA that signs the device certificates (a PEM file)',
    );
    const files = load({ 'config/hub.yaml': edit(HUB, '  port: 1883', '  port: 1883\n  tls: { cert: config/none.crt, key: config/none.key }') });
    expect(files.problems.filter((p) => p.code === 'SG_CONFIG_FILE_MISSING').map((p) => p.path)).toEqual(['mqtt.tls.cert', 'mqtt.tls.key']);
    expect(files.config).toBeNull();
  });
});
